// The UTF-8 TextEncoder/TextDecoder that the wasm-bindgen glue uses. Mini programs have
// neither; the build injects these (esbuild `inject`) in place of the free names, so no
// global is read or written. Polyfill: npm text-encoding-utf-8 (the WHATWG reference
// polyfill, UTF-8 only).
import { TextEncoder as Encoder, TextDecoder as Decoder } from 'text-encoding-utf-8';
export { Encoder as TextEncoder, Decoder as TextDecoder };
