//! The token request: attempts, judged by the core, retried with the core's backoff, until a token
//! or a final error (whose external text the core's redactor has cleaned).

use js_sys::{Function, Math};
use web_sys::AbortSignal;

use super::abort::sleep;
use super::transport::attempt;
use crate::attempt::{judge, Failure};
use crate::config::Config;
use crate::error::Error;
use crate::request::token_request;
use crate::response::Token;
use crate::retry::next_delay_ms;

/// One token request with `config`: see the module doc.
pub async fn request_token(
    config: &Config,
    fetch: Option<&Function>,
    signal: Option<&AbortSignal>,
) -> Result<Token, Error> {
    let req = token_request(config);
    let redactor = config.redactor();
    let mut failed: u32 = 0;
    loop {
        let outcome = attempt(&req, config.timeout_ms, fetch, signal, &redactor).await;
        let error = match judge(outcome, config.timeout_ms, &redactor) {
            Ok(token) => return Ok(token),
            Err(e) => e,
        };
        let Some(delay) = next_delay_ms(&error, failed, config.retries, Math::random()) else {
            return Err(error);
        };
        failed += 1;
        if !sleep(delay, signal).await {
            return judge(
                crate::attempt::Outcome::NoResponse(Failure::Aborted),
                config.timeout_ms,
                &redactor,
            );
        }
    }
}
