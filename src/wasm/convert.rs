//! JavaScript <-> core conversions: the options object in (read in one crossing, type-checked here),
//! tokens and errors out.

#[allow(unused_imports)]
use crate::prelude::*;

use super::bindings::{make_error, make_token, read_options as read_all};
use crate::config::Options;
use crate::error::Error;
use crate::response::Token;
use crate::text::cat;
use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Index of each option in the array `readOptions` (js/glue.js) returns.
pub mod key {
    /// `clientId`
    pub const CLIENT_ID: u32 = 0;
    /// `clientSecret`
    pub const CLIENT_SECRET: u32 = 1;
    /// `environment`
    pub const ENVIRONMENT: u32 = 2;
    /// `baseUrl`
    pub const BASE_URL: u32 = 3;
    /// `timeoutMs`
    pub const TIMEOUT_MS: u32 = 4;
    /// `retries`
    pub const RETRIES: u32 = 5;
    /// `fetch`
    pub const FETCH: u32 = 6;
    /// `signal`
    pub const SIGNAL: u32 = 7;
    /// `refreshSkewSeconds`
    pub const REFRESH_SKEW_SECONDS: u32 = 8;
    /// `store`
    pub const STORE: u32 = 9;
    /// `onStoreError`
    pub const ON_STORE_ERROR: u32 = 10;
}

/// Options of one request or client, as read from a JavaScript object.
pub struct JsOptions {
    /// The core options.
    pub core: Options,
    /// `options.fetch` (a function), or `undefined` for the global fetch.
    pub fetch: JsValue,
    /// All option values, for the options only `TokenClient` reads.
    pub values: Array,
}

impl JsOptions {
    /// One raw option value.
    pub fn get(&self, index: u32) -> JsValue {
        self.values.get(index)
    }

    /// `options.signal` (`undefined` when absent); anything else than an AbortSignal is invalid
    /// (`readOptions` turned it into `false`).
    pub fn signal(&self) -> Result<JsValue, Error> {
        let v = self.get(key::SIGNAL);
        if v.is_undefined() || v.is_null() {
            Ok(JsValue::UNDEFINED)
        } else if v.is_object() {
            Ok(v)
        } else {
            Err(Error::config("signal must be an AbortSignal"))
        }
    }

    /// An optional number option.
    pub fn number(&self, index: u32, name: &str) -> Result<Option<f64>, Error> {
        optional_number(&self.values, index, name)
    }
}

fn optional_number(values: &Array, index: u32, name: &str) -> Result<Option<f64>, Error> {
    let v = values.get(index);
    if v.is_undefined() {
        return Ok(None);
    }
    v.as_f64()
        .map(Some)
        .ok_or_else(|| Error::config(cat(&[name, " must be a number"])))
}

fn optional_string(values: &Array, index: u32, name: &str) -> Result<Option<String>, Error> {
    let v = values.get(index);
    if v.is_undefined() {
        return Ok(None);
    }
    v.as_string()
        .map(Some)
        .ok_or_else(|| Error::config(cat(&[name, " must be a string"])))
}

fn required_string(values: &Array, index: u32, name: &str) -> Result<String, Error> {
    values
        .get(index)
        .as_string()
        .ok_or_else(|| Error::config(cat(&[name, " must be a non-empty string"])))
}

/// Read and type-check the options shared by `createOAuthToken` and `TokenClient`.
pub fn read_options(options: &JsValue) -> Result<JsOptions, Error> {
    if !options.is_object() {
        return Err(Error::config(
            "options must be an object with clientId and clientSecret",
        ));
    }
    let values = read_all(options);
    if let Some(key) = values.as_string() {
        return Err(Error::config(cat(&[
            "reading option ",
            &key,
            " threw an exception",
        ])));
    }
    let values: Array = values.unchecked_into();
    let core = Options {
        client_id: required_string(&values, key::CLIENT_ID, "clientId")?,
        client_secret: required_string(&values, key::CLIENT_SECRET, "clientSecret")?,
        environment: optional_string(&values, key::ENVIRONMENT, "environment")?,
        base_url: optional_string(&values, key::BASE_URL, "baseUrl")?,
        timeout_ms: optional_number(&values, key::TIMEOUT_MS, "timeoutMs")?,
        retries: optional_number(&values, key::RETRIES, "retries")?,
    };
    let fetch = values.get(key::FETCH);
    if !fetch.is_undefined() && !fetch.is_function() {
        return Err(Error::config("fetch must be a function"));
    }
    Ok(JsOptions {
        core,
        fetch,
        values,
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
