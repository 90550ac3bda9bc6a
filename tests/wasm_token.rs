//! `wasm-pack test --node` suites of `createOAuthToken` against the project's mock token server on
//! loopback. Run them with `node tests/wasm/run.mjs` (`make test-wasm`): the runner starts the servers
//! and passes their addresses in the environment (see tests/wasm/run.mjs).
//!
//! Every rejection goes through `support::check`: the error class, the exact code / status / details /
//! retryAfter, and the client secret and Basic credentials absent from every text form of the error.
//! Every fault test ends with `Lane::recovers`: a normal request on the same module still succeeds.
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

#[path = "wasm/support.rs"]
mod support;

#[path = "wasm/cancel.rs"]
mod cancel;
#[path = "wasm/config.rs"]
mod config;
#[path = "wasm/http_errors.rs"]
mod http_errors;
#[path = "wasm/invalid_response.rs"]
mod invalid_response;
#[path = "wasm/remembered.rs"]
mod remembered;
#[path = "wasm/retries.rs"]
mod retries;
#[path = "wasm/secrets.rs"]
mod secrets;
#[path = "wasm/success.rs"]
mod success;
#[path = "wasm/wire.rs"]
mod wire;
