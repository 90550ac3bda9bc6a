//! The wasm layer: binds the runtime's global `fetch`, `AbortController`, timers and JavaScript
//! conversions around the sans-IO core, and exports the public API. No `web_sys::window()`: every
//! binding is a global that Node, Deno, Bun, Workers, Edge and browsers all have.

mod bindings;
mod client;
mod convert;
mod exports;
mod transport;

pub use client::RawTokenClient;
pub use exports::create_oauth_token;
