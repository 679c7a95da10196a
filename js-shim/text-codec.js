// The UTF-8 TextEncoder/TextDecoder that the wasm-bindgen glue uses (injected by esbuild
// in place of the free names, so no global is read or written by the glue).
//
// Strings cross the wasm boundary rarely now (options once, a login code and a token per
// login, error texts), but a hostile or huge one must still cost O(n): both directions
// are linear, with an ASCII fast path. Where the platform has its own codec and no
// WXWebAssembly (Node, browsers), the platform's is used; in a mini program (API.md:
// TextEncoder/TextDecoder are never touched where WXWebAssembly exists) this one is.

const CHUNK = 8192; // code units per String.fromCharCode.apply call (stack-safe everywhere)

/** Linear UTF-8 decoder for the glue: `new Decoder(label, opts).decode(bytes)`. */
class LinearDecoder {
  /** @param {Uint8Array} [bytes] @returns {string} */
  decode(bytes) {
    if (bytes === undefined) return '';
    const n = bytes.length;
    const parts = [];
    let units = [];
    for (let i = 0; i < n;) {
      let c = bytes[i++];
      if (c >= 0x80) {
        // Rust strings are valid UTF-8; anything else becomes U+FFFD.
        if (c >= 0xc0 && c < 0xe0 && i < n) {
          c = ((c & 0x1f) << 6) | (bytes[i++] & 0x3f);
        } else if (c >= 0xe0 && c < 0xf0 && i + 1 < n) {
          c = ((c & 0x0f) << 12) | ((bytes[i] & 0x3f) << 6) | (bytes[i + 1] & 0x3f);
          i += 2;
        } else if (c >= 0xf0 && i + 2 < n) {
          c = ((c & 0x07) << 18) | ((bytes[i] & 0x3f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f);
          i += 3;
          c -= 0x10000;
          units.push(0xd800 | (c >> 10));
          c = 0xdc00 | (c & 0x3ff);
        } else {
          c = 0xfffd;
        }
      }
      units.push(c);
      if (units.length >= CHUNK) {
        parts.push(String.fromCharCode.apply(null, units));
        units = [];
      }
    }
    parts.push(String.fromCharCode.apply(null, units));
    return parts.length === 1 ? parts[0] : parts.join('');
  }
}

/** Linear UTF-8 encoder for the glue (`encode`, `encodeInto`). */
class LinearEncoder {
  /** @param {string} s @returns {Uint8Array} */
  encode(s) {
    const out = new Uint8Array(s.length * 3);
    return out.subarray(0, this.encodeInto(s, out).written);
  }

  /**
   * Writes `s` into `view` as far as it fits (whole characters only).
   * @returns {{read: number, written: number}} code units read, bytes written
   */
  encodeInto(s, view) {
    const n = s.length;
    const cap = view.length;
    let i = 0;
    let w = 0;
    while (i < n) {
      let c = s.charCodeAt(i);
      if (c < 0x80) {
        if (w >= cap) break;
        view[w++] = c;
        i++;
        continue;
      }
      let units = 1;
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          units = 2;
        }
      }
      if (c >= 0xd800 && c < 0xe000) c = 0xfffd; // a lone surrogate
      const len = c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
      if (w + len > cap) break;
      if (len === 2) {
        view[w++] = 0xc0 | (c >> 6);
      } else if (len === 3) {
        view[w++] = 0xe0 | (c >> 12);
        view[w++] = 0x80 | ((c >> 6) & 0x3f);
      } else {
        view[w++] = 0xf0 | (c >> 18);
        view[w++] = 0x80 | ((c >> 12) & 0x3f);
        view[w++] = 0x80 | ((c >> 6) & 0x3f);
      }
      view[w++] = 0x80 | (c & 0x3f);
      i += units;
    }
    return { read: i, written: w };
  }
}

// `typeof` reads of the globals: never a ReferenceError, and skipped entirely where
// WXWebAssembly exists.
const platform = typeof WXWebAssembly === 'undefined'
  && typeof TextEncoder === 'function' && typeof TextDecoder === 'function';
const Enc = platform ? TextEncoder : LinearEncoder;
const Dec = platform ? TextDecoder : LinearDecoder;

export { Enc as TextEncoder, Dec as TextDecoder, LinearEncoder, LinearDecoder };
