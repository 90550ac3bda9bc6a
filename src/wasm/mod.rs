//! The wasm layer: the runtime's IO, driven by the sans-IO core.
//!
//! One `createOAuthToken` goes through these files:
//! - [`options`]: each option of the caller's object read once, the values deserialized with
//!   serde-wasm-bindgen into the core's [`crate::options::RawOptions`] (the JavaScript handles
//!   `fetch` and `signal` kept as JavaScript values), then validated by [`crate::config::validate`];
//! - [`request`]: the retry loop (async Rust): an attempt, [`crate::attempt::judge`], and
//!   [`crate::retry::next_delay_ms`] deciding whether and when to try again;
//! - [`transport`]: one attempt: a web-sys `RequestInit`, the global `fetch` (looked up when called)
//!   or the caller's, awaited with `JsFuture` under an [`abort::Guard`] that also covers the body
//!   read (streamed, capped at 1 MiB), and the body decoded by the runtime's `JSON.parse` and serde;
//! - [`convert`]: the token out through serde-wasm-bindgen (a frozen plain object), errors out as
//!   the JavaScript `AltPayOAuthError` (`js/error.js`).
//!
//! [`client`] is `TokenClient`'s Rust half: the core's refresh state machine, the store calls and the
//! refreshes themselves; [`fleet`] drives the core's lease protocol when the store offers a lease.

pub mod abort;
pub mod bindings;
pub mod client;
pub mod convert;
pub mod exports;
pub mod fleet;
pub mod names;
pub mod options;
pub mod request;
pub mod transport;

pub use exports::create_oauth_token;
