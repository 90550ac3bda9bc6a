//! `wasm-pack test --node` suites of `createOAuthToken` against the project's mock token server on
//! loopback. Run them with plain `wasm-pack test --node` from the repository root (`make test-wasm`):
//! the suites start their own servers in the test process on first use (tests/wasm/servers.mjs, bound
//! in tests/wasm/support.rs); nothing has to run beforehand and no environment variable is read.
//! One module: `wasm-pack test --node -- --test wasm_token -- retries::`.
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
#[path = "wasm/options_reread.rs"]
mod options_reread;
#[path = "wasm/retries.rs"]
mod retries;
#[path = "wasm/secrets.rs"]
mod secrets;
#[path = "wasm/success.rs"]
mod success;
#[path = "wasm/wire.rs"]
mod wire;
