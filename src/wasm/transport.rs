//! One token request over `fetch`: attempts under an abort guard, the body read with a size cap
//! (`readResponse` in js/glue.js, one crossing), retries with backoff.

use super::abort::{aborted, sleep, AbortGuard, Cause};
use super::bindings::{global_fetch, read_response, AbortSignal};
use super::convert::FetchFn;
use crate::config::Config;
use crate::error::Error;
use crate::request::{token_request, BODY, METHOD};
use crate::response::{self, Token, MAX_BODY_BYTES};
use crate::retry;
use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Get a token: up to `1 + config.retries` attempts, with backoff between them. The caller's signal
/// aborts at once, including during a backoff sleep.
pub async fn fetch_token(
    config: &Config,
    fetch: &FetchFn,
    signal: Option<&AbortSignal>,
) -> Result<Token, Error> {
    let mut attempt: u32 = 0;
    loop {
        if let Some(s) = signal {
            if s.aborted().unwrap_or(false) {
                return Err(aborted());
            }
        }
        let error = match attempt_once(config, fetch, signal).await {
            Ok(token) => return Ok(token),
            Err(e) => e.redact(&config.secrets()),
        };
        match retry::next_delay_ms(&error, attempt, config.retries, js_sys::Math::random()) {
            None => return Err(error),
            Some(delay) => {
                sleep(delay, signal).await?;
                attempt = attempt.saturating_add(1);
            }
        }
    }
}

fn set(target: &Object, key: &str, value: &JsValue) {
    // Setting a property on a fresh plain object cannot throw.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// The `RequestInit` of the token request: never follow redirects, abort with our signal.
fn request_init(config: &Config, signal: &AbortSignal) -> Object {
    let request = token_request(config);
    let headers = Object::new();
    for (name, value) in request.headers() {
        set(&headers, name, &JsValue::from_str(value));
    }
    let init = Object::new();
    set(&init, "method", &JsValue::from_str(METHOD));
    set(&init, "headers", &headers);
    set(&init, "body", &JsValue::from_str(BODY));
    set(&init, "redirect", &JsValue::from_str("manual"));
    set(&init, "signal", signal);
    init
}

async fn attempt_once(
    config: &Config,
    fetch: &FetchFn,
    signal: Option<&AbortSignal>,
) -> Result<Token, Error> {
    let timeout_ms = f64::from(config.timeout_ms);
    // The guard lives until the body is read: the timer and the caller's signal cover it all.
    let guard = AbortGuard::new(timeout_ms, signal)?;
    let init = request_init(config, &guard.signal());
    let sent_at = js_sys::Date::now();
    let called: Result<JsValue, JsValue> = match fetch {
        FetchFn::Global => global_fetch(&config.token_url, &init).map(JsValue::from),
        FetchFn::Custom(f) => f.call2(
            &JsValue::UNDEFINED,
            &JsValue::from_str(&config.token_url),
            &init,
        ),
    };
    let response = match called {
        // Raced against the guard: a custom fetch that ignores `init.signal` still times out.
        Ok(p) => JsFuture::from(guard.race(&Promise::resolve(&p))).await,
        Err(e) => Err(e),
    }
    .map_err(|e| guard.classify(timeout_ms, "could not reach the token endpoint", &e))?;

    let parts = JsFuture::from(guard.race(&read_response(&response, MAX_BODY_BYTES as f64)))
        .await
        .map(|v| v.unchecked_into::<Array>())
        .map_err(|e| guard.classify(timeout_ms, "reading the token response failed", &e))?;
    let status = parts.get(0).as_f64().unwrap_or(-1.0);
    if status < 0.0 {
        return Err(Error::response(
            "fetch resolved to something that is not a Response",
        ));
    }
    if status == 0.0 {
        // A browser's `redirect: "manual"` gives an opaque-redirect response with status 0.
        let mut e = response::error_for_status(302, None, None);
        e.status = None;
        return Err(e);
    }
    let status = status as u16;
    let retry_after = parts
        .get(1)
        .as_string()
        .and_then(|v| retry::parse_retry_after(&v, js_sys::Date::now()));
    let body = parts.get(2);
    let body: Result<Option<Vec<u8>>, JsValue> = if body.is_null() {
        Ok(None)
    } else if body.is_undefined() {
        Err(parts.get(3))
    } else {
        Ok(Some(Uint8Array::new(&body).to_vec()))
    };
    if (200..300).contains(&status) {
        match body {
            Ok(Some(bytes)) => response::parse_token(&bytes, sent_at).map_err(|e| e.with_status(status)),
            Ok(None) => Err(response::body_too_large().with_status(status)),
            Err(e) => Err(guard.classify(timeout_ms, "reading the token response failed", &e)),
        }
    } else {
        match body {
            Err(e) if guard.cause() != Cause::None => {
                Err(guard.classify(timeout_ms, "reading the error response failed", &e))
            }
            body => Err(response::error_for_status(
                status,
                body.ok().flatten().as_deref(),
                retry_after,
            )),
        }
    }
}
