/**
 * The hosts the wasm Core's commands reach (src/wasm/host.rs imports `hostCmd` and
 * `hostText` from this module). A manager is a number: its host here, its machine in
 * the wasm, so that no JS object is held by the wasm.
 *
 * scripts/build-wasm.sh makes the copy of this file that wasm-bindgen writes beside the
 * glue a link to this one, so that the bundle holds one registry.
 */

/** Hosts by manager number; a freed number is reused (`free`). */
const hosts = [];
const freed = [];

/**
 * @param {{cmd: Function, text: Function}} host the manager's host (manager.js)
 * @returns {number} the manager's number
 */
function register(host) {
  const h = freed.length > 0 ? freed.pop() : hosts.length;
  hosts[h] = host;
  return h;
}

/** Manager `h` is gone: its number may serve another one. */
function free(h) {
  hosts[h] = undefined;
  freed.push(h);
}

/** `cmd(op, a, b, c, d, e)` of host `h` (numbers only, see src/wasm/host.rs `op`). */
function hostCmd(h, op, a, b, c, d, e) {
  hosts[h].cmd(op, a, b, c, d, e);
}

/** `text(op, a, b, s, t, u)` of host `h` (a command that carries strings). */
function hostText(h, op, a, b, s, t, u) {
  hosts[h].text(op, a, b, s, t, u);
}

export { register, free, hostCmd, hostText };
