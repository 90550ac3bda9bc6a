//! altpay-oauth: OAuth2 client-credentials access tokens for the Alternative Payments API.
//!
//! The crate is split in two:
//! - a **sans-IO core** (`options`, `config`, `request`, `body`, `response`, `attempt`, `retry`,
//!   `cache`, `lease`, `store`, `redact`, `error`) that is plain Rust with no JavaScript types: it
//!   reads and validates the options, builds the token request as data, judges a response decoded
//!   into serde types, does the backoff and `Retry-After` math, and runs the token cache and fleet
//!   lease state machines against an injected clock. It is tested natively (`cargo test`, proptest,
//!   cargo-fuzz).
//! - a **wasm layer** (`wasm`, only on `wasm32`) that performs the IO the core asks for with
//!   wasm-bindgen, wasm-bindgen-futures, web-sys, js-sys and serde-wasm-bindgen, and exports the
//!   public API.

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

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Error, ErrorCode};
