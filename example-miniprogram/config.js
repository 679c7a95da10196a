// Where your developer server lives. Set this to your own domain, and add that domain to
// "request合法域名" (the request domain list) in the mini program's admin console.
// The Node test sandbox (tests/sandbox) replaces this module with its own
// { API_BASE: 'http://127.0.0.1:<port>' } through its `overrides` option.
module.exports = {
  API_BASE: 'https://api.example.com',
};
