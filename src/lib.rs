//! altpay-oauth: OAuth2 client-credentials access tokens for the Alternative Payments API.
//!
//! The crate is split in two:
//! - a **sans-IO core** (`config`, `request`, `json`, `response`, `retry`, `cache`, `error`) that is plain
//!   Rust with no JavaScript types: it builds the token request as data, judges a response, does the
//!   backoff and `Retry-After` math and runs the token cache state machine against an injected clock.
//!   It is tested natively with `cargo test`.
//! - a thin **wasm layer** (`wasm`, only on `wasm32`) that binds the runtime's global `fetch`,
//!   `AbortController`, timers and JavaScript conversions, and exports the public API.

extern crate alloc;

/// `String`, `Vec`, ... for the `no_std` wasm build (the std prelude has them natively).
#[allow(unused_imports)]
mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::boxed::Box;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec::Vec;
    pub use alloc::{format, vec};
}

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
mod allocator;
pub mod attempt;
pub mod body;
pub mod cache;
pub mod config;
pub mod error;
pub mod lease;
pub mod options;
pub mod redact;
pub mod request;
pub mod response;
pub mod retry;
pub mod store;
mod text;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Error, ErrorCode};
