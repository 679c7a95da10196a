// The UTF-8 TextEncoder/TextDecoder that the wasm-bindgen glue uses (injected by esbuild
// in place of the free names, so no global is read or written by the glue).
//
// Strings cross the wasm boundary rarely now (options once, a login code and a token per
// login, error texts), but a hostile or huge one must still cost O(n). Where the platform
// has its own codec and no WXWebAssembly (Node, browsers), the platform's is used; in a
// mini program (pkg/REFERENCE.md, "Exports": TextEncoder/TextDecoder are never touched where WXWebAssembly
// exists) this one is. It leans on the engine's own UTF-8 code (ECMAScript's
// encodeURIComponent/decodeURIComponent, with escape/unescape of Annex B, which V8 and
// JavaScriptCore both have): each step is one linear pass in native code, and the codec
// is a few hundred bytes instead of a hand-written UTF-8 state machine. The glue itself
// keeps ASCII off this path (it copies ASCII code units straight into wasm memory) and
// supplies encodeInto from encode.

const CHUNK = 8192; // bytes per String.fromCharCode.apply call (stack-safe everywhere)

/** `s` with each lone surrogate replaced by U+FFFD, as TextEncoder does (linear). */
function wellFormed(s) {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c & 0xf800) !== 0xd800) out += s[i];
    else if (c < 0xdc00 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) out += s[i] + s[++i];
    else out += '\ufffd';
  }
  return out;
}

/** Linear UTF-8 encoder for the glue: `new Encoder().encode(string)`. */
class LinearEncoder {
  /** @param {string} s @returns {Uint8Array} its UTF-8 bytes */
  encode(s) {
    let b;
    try {
      b = unescape(encodeURIComponent(s)); // one char per byte
    } catch (e) {
      b = unescape(encodeURIComponent(wellFormed(s))); // URIError: a lone surrogate
    }
    const out = new Uint8Array(b.length);
    for (let i = 0; i < b.length; i++) out[i] = b.charCodeAt(i);
    return out;
  }
}

/** Linear UTF-8 decoder for the glue: `new Decoder(label, opts).decode(bytes)`. */
class LinearDecoder {
  /**
   * @param {Uint8Array} [bytes] UTF-8 (the wasm's strings always are; bytes that are not
   *   come back one character each, never a throw)
   * @returns {string}
   */
  decode(bytes) {
    let b = '';
    for (let i = 0; bytes && i < bytes.length; i += CHUNK) {
      b += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK));
    }
    try {
      return decodeURIComponent(escape(b));
    } catch (e) {
      return b;
    }
  }
}

// `typeof` reads of the globals: never a ReferenceError, and skipped entirely where
// WXWebAssembly exists.
const platform = typeof WXWebAssembly === 'undefined'
  && typeof TextEncoder === 'function' && typeof TextDecoder === 'function';
const Enc = platform ? TextEncoder : LinearEncoder;
const Dec = platform ? TextDecoder : LinearDecoder;

export { Enc as TextEncoder, Dec as TextDecoder, LinearEncoder, LinearDecoder };
