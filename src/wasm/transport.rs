//! One token request over `fetch`: attempts, body read with a size cap, retries with backoff.

use super::abort::{aborted, sleep, AbortGuard};
use super::bindings::{global_fetch, ignore_rejection, AbortSignal, Headers, Reader};
use super::convert::FetchFn;
use crate::config::Config;
use crate::error::Error;
use crate::request::{token_request, BODY, METHOD};
use crate::response::{self, Token, MAX_BODY_BYTES};
use crate::retry;
use js_sys::{Object, Promise, Reflect, Uint8Array};
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
        Ok(p) => JsFuture::from(Promise::resolve(&p)).await,
        Err(e) => Err(e),
    }
    .map_err(|e| guard.classify(timeout_ms, "could not reach the token endpoint", &e))?;

    let status = read_status(&response)?;
    let headers: Option<Headers> = Reflect::get(&response, &JsValue::from_str("headers"))
        .ok()
        .filter(|h| h.is_object())
        .map(JsCast::unchecked_into);
    let header = |name: &str| headers.as_ref().and_then(|h| h.get(name).ok().flatten());

    if status == 0 {
        // A browser's `redirect: "manual"` gives an opaque-redirect response with status 0.
        return Err(response::error_for_status(302, None, None).with_status(0));
    }
    if let Some(len) = header("content-length").and_then(|v| v.trim().parse::<u64>().ok()) {
        if len > MAX_BODY_BYTES as u64 {
            cancel_body(&response);
            return Err(if (200..300).contains(&status) {
                response::body_too_large()
            } else {
                response::error_for_status(status, None, retry_after(&header))
            });
        }
    }
    let body = read_body(&response).await;
    if (200..300).contains(&status) {
        let body = body.map_err(|e| match e {
            BodyError::TooLarge => response::body_too_large(),
            BodyError::Js(e) => guard.classify(timeout_ms, "reading the token response failed", &e),
            BodyError::NotBytes => Error::response("token response body is not a byte stream"),
        })?;
        response::parse_token(&body, sent_at)
    } else {
        if guard.cause() != super::abort::Cause::None {
            if let Err(BodyError::Js(e)) = &body {
                return Err(guard.classify(timeout_ms, "reading the error response failed", e));
            }
        }
        Err(response::error_for_status(
            status,
            body.ok().as_deref(),
            retry_after(&header),
        ))
    }
}

fn retry_after(header: &dyn Fn(&str) -> Option<String>) -> Option<f64> {
    header("retry-after").and_then(|v| retry::parse_retry_after(&v, js_sys::Date::now()))
}

fn read_status(response: &JsValue) -> Result<u16, Error> {
    let not_a_response = || Error::response("fetch resolved to something that is not a Response");
    if !response.is_object() {
        return Err(not_a_response());
    }
    let status = Reflect::get(response, &JsValue::from_str("status"))
        .ok()
        .and_then(|s| s.as_f64())
        .ok_or_else(not_a_response)?;
    if status.fract() != 0.0 || !(0.0..=999.0).contains(&status) {
        return Err(not_a_response());
    }
    Ok(status as u16)
}

enum BodyError {
    TooLarge,
    NotBytes,
    Js(JsValue),
}

fn cancel_body(response: &JsValue) {
    if let Ok(body) = Reflect::get(response, &JsValue::from_str("body")) {
        if let Ok(cancel) = Reflect::get(&body, &JsValue::from_str("cancel")) {
            if let Some(f) = cancel.dyn_ref::<js_sys::Function>() {
                if let Ok(p) = f.call0(&body) {
                    ignore_rejection(&p);
                }
            }
        }
    }
}

/// Read the body as a stream, stopping (and cancelling it) past [`MAX_BODY_BYTES`]: an oversized body
/// is never buffered whole.
async fn read_body(response: &JsValue) -> Result<Vec<u8>, BodyError> {
    let body = Reflect::get(response, &JsValue::from_str("body")).map_err(BodyError::Js)?;
    if body.is_null() || body.is_undefined() {
        return Ok(Vec::new());
    }
    let get_reader = Reflect::get(&body, &JsValue::from_str("getReader")).map_err(BodyError::Js)?;
    let get_reader = get_reader
        .dyn_ref::<js_sys::Function>()
        .ok_or(BodyError::NotBytes)?;
    let reader: Reader = get_reader
        .call0(&body)
        .map_err(BodyError::Js)?
        .unchecked_into();
    let mut out = Vec::new();
    loop {
        let chunk = reader.read().map_err(BodyError::Js)?;
        let chunk = JsFuture::from(chunk).await.map_err(BodyError::Js)?;
        let done = Reflect::get(&chunk, &JsValue::from_str("done"))
            .map_err(BodyError::Js)?
            .is_truthy();
        if done {
            break;
        }
        let value = Reflect::get(&chunk, &JsValue::from_str("value")).map_err(BodyError::Js)?;
        let bytes = value
            .dyn_into::<Uint8Array>()
            .map_err(|_| BodyError::NotBytes)?;
        let len = bytes.length() as usize;
        if out.len().saturating_add(len) > MAX_BODY_BYTES {
            if let Ok(p) = reader.cancel() {
                ignore_rejection(&p);
            }
            return Err(BodyError::TooLarge);
        }
        let start = out.len();
        out.resize(start + len, 0);
        if let Some(dst) = out.get_mut(start..) {
            bytes.copy_to(dst);
        }
    }
    let _ = reader.release_lock();
    Ok(out)
}
