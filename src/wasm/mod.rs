//! The wasm layer: exports the public API around the sans-IO core and binds the IO it needs through
//! `js/glue.js` (one fetch attempt under an `AbortController` and timer, the retry loop's sleep, option
//! reads, object builders). No `web_sys::window()`: everything used is a global that Node, Deno, Bun,
//! Workers, Edge and browsers all have. No futures run in wasm: `drive` in js/glue.js loops over
//! attempts and asks the synchronous, stateless `Judge` (transport.rs) what each outcome means.

mod bindings;
mod client;
mod convert;
mod exports;
mod transport;

pub use client::RawTokenClient;
pub use exports::create_oauth_token;
