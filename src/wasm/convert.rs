//! Core values out to JavaScript: the `AccessToken` through serde-wasm-bindgen, errors as
//! `AltPayOAuthError`.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use super::bindings::AltPayOAuthError;
use crate::error::Error;
use crate::response::Token;

/// The `AccessToken` object: a plain object made by serde-wasm-bindgen, frozen (cached tokens are
/// shared between callers).
pub fn token_to_js(token: &Token) -> JsValue {
    match serde_wasm_bindgen::to_value(token) {
        Ok(value) => Object::freeze(value.unchecked_ref::<Object>()).into(),
        // Serializing strings and numbers into a plain object cannot fail; say so if it ever does.
        Err(_) => error_to_js(&Error::response("could not build the AccessToken object")),
    }
}

/// The JavaScript `AltPayOAuthError` for a core error. `details` is made with `Object.fromEntries`,
/// so a server member named `__proto__` is an own property like any other.
pub fn error_to_js(error: &Error) -> JsValue {
    let init = Object::new();
    let set = |key: &str, value: &JsValue| {
        let _ = Reflect::set(&init, &JsValue::from_str(key), value);
    };
    if let Some(status) = error.status {
        set("status", &JsValue::from(status));
    }
    if let Some(details) = &error.details {
        let entries: Array = details
            .iter()
            .map(|(k, v)| Array::of2(&JsValue::from_str(k), &JsValue::from_str(v)))
            .collect();
        if let Ok(details) = Object::from_entries(&entries) {
            set("details", &details);
        }
    }
    if let Some(seconds) = error.retry_after {
        set("retryAfter", &JsValue::from(seconds));
    }
    AltPayOAuthError::new(error.code.as_str(), &error.message, &init).into()
}
