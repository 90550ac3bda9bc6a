//! JavaScript <-> core conversions: the options object in, tokens and errors out.

use super::bindings::{make_error, make_token, AbortSignal};
use crate::config::Options;
use crate::error::Error;
use crate::response::Token;
use crate::text::cat;
use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// How to call `fetch`: the runtime's global one, or the caller's own.
#[derive(Clone)]
pub enum FetchFn {
    /// The global `fetch`, looked up at call time.
    Global,
    /// `options.fetch`.
    Custom(Function),
}

/// Options of one request or client, as read from a JavaScript object.
pub struct JsOptions {
    /// The core options.
    pub core: Options,
    /// Which fetch to call.
    pub fetch: FetchFn,
    /// The caller's `AbortSignal`, if any.
    pub signal: Option<AbortSignal>,
}

/// Read a property; getters and proxies that throw are reported as invalid config.
pub fn prop(object: &JsValue, key: &str) -> Result<JsValue, Error> {
    Reflect::get(object, &JsValue::from_str(key))
        .map_err(|_| Error::config(cat(&["reading option ", key, " threw an exception"])))
}

/// A required string option.
pub fn string_prop(object: &JsValue, key: &str) -> Result<String, Error> {
    prop(object, key)?
        .as_string()
        .ok_or_else(|| Error::config(cat(&[key, " must be a non-empty string"])))
}

/// An optional string option (`undefined` = not given).
pub fn opt_string_prop(object: &JsValue, key: &str) -> Result<Option<String>, Error> {
    let v = prop(object, key)?;
    if v.is_undefined() {
        return Ok(None);
    }
    v.as_string()
        .map(Some)
        .ok_or_else(|| Error::config(cat(&[key, " must be a string"])))
}

/// An optional number option (`undefined` = not given).
pub fn opt_number_prop(object: &JsValue, key: &str) -> Result<Option<f64>, Error> {
    let v = prop(object, key)?;
    if v.is_undefined() {
        return Ok(None);
    }
    v.as_f64()
        .map(Some)
        .ok_or_else(|| Error::config(cat(&[key, " must be a number"])))
}

/// An optional `AbortSignal`-like option.
pub fn opt_signal_prop(object: &JsValue, key: &str) -> Result<Option<AbortSignal>, Error> {
    let v = prop(object, key)?;
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    let listener = if v.is_object() {
        prop(&v, "addEventListener")?
    } else {
        JsValue::UNDEFINED
    };
    if !listener.is_function() {
        return Err(Error::config(cat(&[key, " must be an AbortSignal"])));
    }
    Ok(Some(v.unchecked_into()))
}

/// Read the options shared by `createOAuthToken` and `TokenClient`.
pub fn read_options(options: &JsValue) -> Result<JsOptions, Error> {
    if !options.is_object() {
        return Err(Error::config(
            "options must be an object with clientId and clientSecret",
        ));
    }
    let client_id = string_prop(options, "clientId")?;
    let client_secret = string_prop(options, "clientSecret")?;
    let core = Options {
        client_id,
        client_secret,
        environment: opt_string_prop(options, "environment")?,
        base_url: opt_string_prop(options, "baseUrl")?,
        timeout_ms: opt_number_prop(options, "timeoutMs")?,
        retries: opt_number_prop(options, "retries")?,
    };
    let fetch = prop(options, "fetch")?;
    let fetch = if fetch.is_undefined() {
        FetchFn::Global
    } else if fetch.is_function() {
        FetchFn::Custom(fetch.unchecked_into())
    } else {
        return Err(Error::config("fetch must be a function"));
    };
    Ok(JsOptions {
        core,
        fetch,
        signal: None,
    })
}

/// The JavaScript `AltPayOAuthError` for a core error.
pub fn error_to_js(error: &Error) -> JsValue {
    let details = error.details.as_ref().map(|pairs| {
        let flat = Array::new();
        for (k, v) in pairs {
            flat.push(&JsValue::from_str(k));
            flat.push(&JsValue::from_str(v));
        }
        flat
    });
    make_error(
        error.code.as_str(),
        &error.message,
        error.status,
        details,
        error.retry_after,
    )
}

/// The JavaScript `AccessToken` for a core token.
pub fn token_to_js(token: &Token) -> JsValue {
    make_token(
        &token.access_token,
        &token.token_type,
        token.expires_in,
        token.expires_at,
        token.scope.clone(),
    )
}
