//! # weapp-login
//!
//! A login-state (登录态) manager for WeChat mini programs. A page calls
//! `auth.request({...})`; when there is no valid login state the manager calls
//! `wx.login` once, however many requests wait, POSTs the `code` to the developer
//! server (which exchanges it at `auth.code2Session` and answers its own token, the
//! "3rd_session"), persists the token, and sends every waiting request with it. A
//! restored token is used at once and checked with `wx.checkSession` once per launch,
//! in parallel (or first, with [`Config::await_check_session`]); on a 401 (or a body
//! code the host recognises) it logs in again silently and replays, within
//! `retryLimit`. Interceptors of other request libraries get the same single-flight
//! login through tickets ([`Input::Authorize`], [`Input::Check`]). `session_key` never
//! reaches the client, and the token never goes to an untrusted origin.
//!
//! Only ids, numbers and verdicts cross between host and machine: the host keeps
//! request options, responses and each session generation's token; the machine says
//! which waiter to send, with which generation's token, and how each one settles.
//! Every host action has a deadline, so every waiter settles.
//!
//! This crate is the sans-IO core ([`Machine`]) plus, on `wasm32`, the adapter in
//! `src/wasm/` that the JS shim (`js-shim/`) drives from a mini program. It is `no_std`
//! (it needs `alloc` only), so the shipped wasm links no std: `src/wasm/runtime.rs`
//! gives it a panic handler and an allocator.
//!
//! ## The run loop
//! The machine does no I/O and never reads a clock: every input carries `now` (ms
//! since the Unix epoch), every output is a [`Command`] for the host, and
//! [`Machine::poll_timeout`] says when to call [`Machine::handle_timeout`].
//!
//! ```
//! use weapp_login::{resolve, Channel, Command, Config, Input, LoginAnswer, Machine};
//!
//! let config = Config::new("https://api.example.com/user/login", Some("https://api.example.com"), None).unwrap();
//! // The host resolves the URL and asks whether it may carry the token: only the
//! // verdict enters the machine.
//! let url = resolve("/api/profile", config.base_url.as_deref());
//! let with_token = config.is_trusted(&url);
//! let mut m = Machine::new(config, None, 0);
//! m.handle(Input::Request { id: 1, with_token, channel: Channel::Request, timeout_ms: 60_000 }, 0);
//! let mut sent = None;
//! // A host loop: drain commands, perform them, feed the answers back.
//! while let Some(cmd) = m.poll_command() {
//!     match cmd {
//!         Command::WxLogin { attempt } => m.handle(Input::WxLoginOk { attempt, code: "c0de".into() }, 5),
//!         Command::PostCode { attempt, .. } => {
//!             let answer = LoginAnswer { status: 200, token: Some("t1".into()), expires_in_s: Some(7200.0) };
//!             m.handle(Input::LoginAnswered { attempt, answer }, 9)
//!         }
//!         // The host keeps each generation's token (from Persist, or Machine::token).
//!         Command::Send { id, generation, .. } => sent = Some((id, generation)),
//!         _ => {}
//!     }
//! }
//! assert_eq!(sent, Some((1, Some(1))));
//! assert_eq!(m.token(), Some(("t1", 1)));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![no_std]

extern crate alloc;
// Linked on native targets (a cdylib needs std's panic handler and allocator there)
// and for unit tests; the code itself uses core and alloc only.
#[cfg(any(test, not(target_arch = "wasm32")))]
extern crate std;

mod answer;
mod backoff;
mod config;
mod error;
mod idmap;
mod io;
mod machine;
mod origin;

pub use answer::MAX_EXPIRES_IN_S;
pub use backoff::Backoff;
pub use config::Config;
pub use error::LoginError;
pub use io::{Channel, Command, Event, Input, LoginAnswer, StoredSession, WaiterId};
pub use machine::Machine;
pub use origin::{is_absolute, resolve, Origin};

#[cfg(target_arch = "wasm32")]
mod wasm;
#[cfg(target_arch = "wasm32")]
pub use wasm::{
    deadline, input as wasm_input, login_answered, new_core, op, put, register_host, text, trusts,
};
