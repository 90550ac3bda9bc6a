//! One attempt of the token request: the request built with web-sys, sent with the runtime's
//! `fetch` (or the caller's), the response and its body read under an [`abort::Guard`], and what was
//! observed returned as the core's [`Outcome`]. Nothing here decides anything.

use js_sys::{Array, ArrayBuffer, Date, Function, Object, Promise, Reflect, Uint8Array, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{AbortSignal, RequestInit, RequestRedirect};

use super::abort::{Fired, Guard, Stopped};
use super::bindings::{global_fetch, BodyReader, BodyStream, FetchedHeaders, FetchedResponse};
use super::names::js_name;
use crate::attempt::{Failure, Outcome};
use crate::body::{ErrorBody, TokenBody};
use crate::redact::Redactor;
use crate::request::{self, TokenRequest};
use crate::response::{self, MAX_BODY_BYTES};
use crate::retry;

/// Fetch errors are described in at most this many characters.
const MAX_DESCRIPTION_CHARS: usize = 200;

impl From<Fired> for Failure {
    fn from(f: Fired) -> Failure {
        match f {
            Fired::Timeout => Failure::Timeout,
            Fired::Aborted => Failure::Aborted,
        }
    }
}

/// The `RequestInit` of the token request: POST, the three headers, the form body, redirects not
/// followed, and the guard's signal. Everything but the Authorization value is a fixed string, passed
/// as the JavaScript string made once ([`js_name`]).
fn request_init(req: &TokenRequest<'_>, signal: Option<&AbortSignal>) -> RequestInit {
    let headers = Object::new();
    let _ = Reflect::set(
        &headers,
        &js_name(request::AUTHORIZATION),
        &JsValue::from_str(req.authorization),
    );
    for (name, value) in request::FIXED_HEADERS {
        let _ = Reflect::set(&headers, &js_name(name), &js_name(value));
    }
    let init = RequestInit::new();
    init.set_method(request::METHOD);
    init.set_headers(&headers);
    init.set_body(&js_name(request::BODY));
    init.set_redirect(RequestRedirect::Manual);
    init.set_signal(signal);
    init
}

/// One attempt: see the module doc. `fetch`: the caller's, or `None` for the global one; the
/// runtime's error texts are cleaned by `redactor` (they may quote the request).
pub async fn attempt(
    req: &TokenRequest<'_>,
    timeout_ms: u32,
    fetch: Option<&Function>,
    caller: Option<&AbortSignal>,
    redactor: &Redactor,
) -> Outcome {
    if caller.is_some_and(AbortSignal::aborted) {
        return Outcome::NoResponse(Failure::Aborted); // nothing is sent for a caller who gave up
    }
    let guard = match Guard::new(f64::from(timeout_ms), caller, true) {
        Ok(g) => g,
        Err(e) => return Outcome::NoResponse(Failure::Network(describe(&e, redactor))),
    };
    let init = request_init(req, guard.signal().as_ref());
    let sent_at_ms = Date::now();
    let sent = match fetch {
        None => global_fetch(req.url, &init),
        Some(f) => f
            .call2(&JsValue::UNDEFINED, &JsValue::from_str(req.url), &init)
            .map(|v| Promise::resolve(&v)),
    };
    let response = match sent {
        Ok(p) => guard.run(p).await,
        Err(e) => Err(Stopped::Rejected(e)),
    };
    let response = match response {
        Ok(r) => r,
        Err(Stopped::Fired(why)) => return Outcome::NoResponse(why.into()),
        Err(Stopped::Rejected(e)) => {
            return Outcome::NoResponse(Failure::Network(describe(&e, redactor)))
        }
    };
    read_response(&response, &guard, sent_at_ms, fetch.is_none(), redactor).await
}

/// A property of an object that may be anything a custom fetch returned (a throwing getter reads
/// as `undefined`).
pub fn prop(target: &JsValue, key: &'static str) -> JsValue {
    Reflect::get(target, &js_name(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Status, headers and body of a response, as an [`Outcome`].
async fn read_response(
    response: &JsValue,
    guard: &Guard,
    sent_at_ms: f64,
    own_fetch: bool,
    redactor: &Redactor,
) -> Outcome {
    if !response.is_object() {
        return Outcome::NotAResponse;
    }
    let status = match prop(response, "status").as_f64() {
        Some(s) if s.fract() == 0.0 && (0.0..=999.0).contains(&s) => s as u16,
        _ => return Outcome::NotAResponse,
    };
    // A redirect not followed is an opaque-redirect response, whose status is 0.
    if status == 0 && prop(response, "type") == js_name("opaqueredirect") {
        return Outcome::OpaqueRedirect;
    }
    let headers = prop(response, "headers");
    // `headers.get(name)` as it is (`null` when absent, when `headers` is not a Headers, or when its
    // `get` throws); only a string is a value.
    let header = |name: &'static str| -> JsValue {
        if !headers.is_object() {
            return JsValue::NULL;
        }
        let headers = headers.unchecked_ref::<FetchedHeaders>();
        headers.get(&js_name(name)).unwrap_or(JsValue::NULL)
    };
    let success = (200..300).contains(&status);
    let retry_after = if success {
        None
    } else {
        header("retry-after")
            .as_string()
            .and_then(|v| retry::parse_retry_after(&v, Date::now()))
    };
    let declared = header("content-length")
        .as_string()
        .and_then(|v| v.trim().parse::<u64>().ok());
    // The runtime's own fetch never delivers more than a declared, uncompressed length, so such a
    // body within the cap is read in one go (one await instead of one per chunk). Not in a browser
    // page, where a cross-origin response can hide its Content-Encoding; any other fetch's body is
    // streamed and counted.
    let whole = own_fetch
        && header("content-encoding").as_string().is_none()
        && !in_page()
        && declared.is_some_and(|n| n <= MAX_BODY_BYTES as u64);
    let bytes = if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        cancel_stream(&prop(response, "body"));
        Ok(None)
    } else if whole {
        read_whole(response, guard, redactor).await
    } else {
        read_body(&prop(response, "body"), guard, redactor).await
    };
    match (success, bytes) {
        (true, Ok(bytes)) => Outcome::Success {
            status,
            body: response::decode(bytes.as_deref(), parse_token_body),
            sent_at_ms,
        },
        (true, Err(failure)) => Outcome::BodyFailed { status, failure },
        (false, Ok(bytes)) => Outcome::Status {
            status,
            body: response::decode(bytes.as_deref(), parse_json::<ErrorBody>).ok(),
            retry_after,
        },
        // The status says enough; the error body was only for details.
        (false, Err(Failure::Network(_))) => Outcome::Status {
            status,
            body: None,
            retry_after,
        },
        (false, Err(failure)) => Outcome::BodyFailed { status, failure },
    }
}

/// The runtime's `JSON.parse`, then serde-wasm-bindgen into `T`.
fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ()> {
    let value = JSON::parse(text).map_err(|_| ())?;
    serde_wasm_bindgen::from_value(value).map_err(|_| ())
}

/// The runtime's `JSON.parse`, then a token body: an object is read as
/// [`crate::body::TokenFields`] (its four members looked up by name), any other value by its kind.
fn parse_token_body(text: &str) -> Result<TokenBody, ()> {
    let value = JSON::parse(text).map_err(|_| ())?;
    if value.is_object() && !Array::is_array(&value) {
        serde_wasm_bindgen::from_value(value).map(TokenBody::Object)
    } else {
        serde_wasm_bindgen::from_value(value)
    }
    .map_err(|_| ())
}

/// `response.arrayBuffer()` under the guard: the whole body (of a length checked before).
async fn read_whole(
    response: &JsValue,
    guard: &Guard,
    redactor: &Redactor,
) -> Result<Option<Vec<u8>>, Failure> {
    let read = response
        .unchecked_ref::<FetchedResponse>()
        .array_buffer()
        .map_err(|e| Failure::Network(describe(&e, redactor)))?;
    match guard.run(read).await {
        Ok(buffer) => Ok(Some(Uint8Array::new(&buffer).to_vec())),
        Err(Stopped::Fired(why)) => Err(why.into()),
        Err(Stopped::Rejected(e)) => Err(Failure::Network(describe(&e, redactor))),
    }
}

thread_local! {
    static IN_PAGE: bool =
        Reflect::has(&js_sys::global(), &js_name("document")).unwrap_or(false);
}

/// Whether this runs in a browser page (a `document` exists; looked up once).
fn in_page() -> bool {
    IN_PAGE.with(|p| *p)
}

/// Cancel a body stream we will not read, ignoring whatever that throws or rejects with.
fn cancel_stream(body: &JsValue) {
    if body.is_object() {
        if let Ok(reader) = body.unchecked_ref::<BodyStream>().get_reader() {
            cancel_reader(&reader);
        }
    }
}

fn cancel_reader(reader: &BodyReader) {
    if let Ok(p) = reader.cancel() {
        spawn_local(async move {
            let _ = JsFuture::from(p).await;
        });
    }
}

/// Read a body stream, chunk by chunk under the guard, up to [`MAX_BODY_BYTES`]: the bytes, or
/// `None` past the cap (the stream is cancelled there, never buffered whole).
async fn read_body(
    body: &JsValue,
    guard: &Guard,
    redactor: &Redactor,
) -> Result<Option<Vec<u8>>, Failure> {
    if body.is_null() || body.is_undefined() {
        return Ok(Some(Vec::new()));
    }
    let not_bytes = || Failure::Network("response body is not a byte stream".into());
    if !body.is_object() {
        return Err(not_bytes());
    }
    let reader = body
        .unchecked_ref::<BodyStream>()
        .get_reader()
        .map_err(|e| Failure::Network(describe(&e, redactor)))?;
    // Chunks stay in JavaScript until the end: the body then enters wasm memory in one allocation of
    // its exact size (no growing buffer), and a body past the cap never enters it.
    let mut chunks: Vec<Uint8Array> = Vec::new();
    let mut size: usize = 0;
    loop {
        let chunk = match reader.read() {
            Ok(p) => guard.run(p).await,
            Err(e) => Err(Stopped::Rejected(e)),
        };
        let chunk = match chunk {
            Ok(c) => c,
            Err(Stopped::Fired(why)) => return Err(why.into()),
            Err(Stopped::Rejected(e)) => return Err(Failure::Network(describe(&e, redactor))),
        };
        if prop(&chunk, "done").as_bool() == Some(true) {
            break;
        }
        let value = prop(&chunk, "value");
        if !ArrayBuffer::is_view(&value) {
            cancel_reader(&reader);
            return Err(not_bytes());
        }
        let chunk: Uint8Array = value.unchecked_into();
        size += chunk.length() as usize;
        if size > MAX_BODY_BYTES {
            cancel_reader(&reader);
            return Ok(None);
        }
        chunks.push(chunk);
    }
    let mut bytes = vec![0u8; size];
    let mut at = 0;
    for chunk in chunks {
        let len = chunk.length() as usize;
        if let Some(into) = bytes.get_mut(at..at + len) {
            chunk.copy_to(into);
        }
        at += len;
    }
    Ok(Some(bytes))
}

/// A fetch error in one line: its message and, when present, Node's `cause` (a code such as
/// ECONNREFUSED, else its message), cut to 200 characters and cleaned by `redactor` (external
/// text). In a browser page a failed fetch is most often CORS, which the browser does not report:
/// say so.
pub fn describe(error: &JsValue, redactor: &Redactor) -> String {
    let text = |v: &JsValue| v.as_string().filter(|s| !s.is_empty());
    let mut out = text(error)
        .or_else(|| text(&prop(error, "message")))
        .unwrap_or_else(|| "unknown error".into());
    let cause = prop(error, "cause");
    if let Some(why) = text(&prop(&cause, "code")).or_else(|| text(&prop(&cause, "message"))) {
        out = format!("{out} ({why})");
    }
    let mut out = redactor.clean_truncated(&out, MAX_DESCRIPTION_CHARS);
    if in_page() && prop(error, "name").as_string().as_deref() == Some("TypeError") {
        out.push_str(
            " (in a browser this is also how a request blocked by CORS fails: the token endpoint \
             must allow this page's origin; `altpay-oauth mock` allows loopback origins)",
        );
    }
    out
}
