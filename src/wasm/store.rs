//! Calls into a user's `TokenStore` (`get`/`set` returning promises), each bounded by
//! [`STORE_TIMEOUT_MS`] (`storeCall` in js/glue.js); every failure is reported to the optional
//! `onStoreError` hook and otherwise ignored, so a store that is down or hangs degrades to a normal
//! token request.

#[allow(unused_imports)]
use crate::prelude::*;

use super::bindings::{make_error, make_token, store_call};
use crate::response::Token;
use crate::store::{check_stored, StoredFields, StoredProblem, STORE_TIMEOUT_MS};
use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// A user's `TokenStore` and error hook.
#[derive(Clone)]
pub struct JsStore {
    /// The store object (`get(key)`, `set(key, token, ttlSeconds)`).
    pub store: JsValue,
    /// `options.onStoreError`, if given.
    pub on_error: Option<Function>,
}

impl JsStore {
    fn report(&self, what: &str, cause: &JsValue) {
        let Some(hook) = &self.on_error else { return };
        let error = make_error("network_error", what, None, None, None);
        if !cause.is_undefined() {
            let _ = Reflect::set(&error, &JsValue::from_str("cause"), cause);
        }
        // A throwing hook must not break getToken().
        let _ = hook.call1(&JsValue::UNDEFINED, &error);
    }

    /// `Ok(value)` or `Err(error)`; never longer than [`STORE_TIMEOUT_MS`].
    async fn call(&self, method: &str, args: &Array) -> Result<JsValue, JsValue> {
        let result = JsFuture::from(store_call(&self.store, method, args, STORE_TIMEOUT_MS))
            .await
            .map(|v| v.unchecked_into::<Array>())
            .unwrap_or_else(|e| Array::of2(&JsValue::FALSE, &e));
        if result.get(0).is_truthy() {
            Ok(result.get(1))
        } else {
            Err(result.get(1))
        }
    }

    /// A fresh, well-formed token from the store, or `None` (missing, not fresh, malformed, or the
    /// store failed: the last two are reported to the hook), and whether the store answered.
    pub async fn read(&self, key: &str, now_ms: f64, skew_s: f64) -> (Option<Token>, bool) {
        let value = match self.call("get", &Array::of1(&JsValue::from_str(key))).await {
            Ok(v) => v,
            Err(e) => {
                self.report(
                    "token store get() failed; requesting a new token instead",
                    &e,
                );
                return (None, false);
            }
        };
        if value.is_null() || value.is_undefined() {
            return (None, true);
        }
        match check_stored(read_fields(&value), now_ms, skew_s) {
            Ok(token) => (Some(token), true),
            Err(StoredProblem::NotFresh) => (None, true),
            Err(StoredProblem::Malformed) => {
                self.report(
                    "token store returned a value that is not an AccessToken; ignoring it",
                    &JsValue::UNDEFINED,
                );
                (None, true)
            }
        }
    }

    /// Write a token with a ttl; failures are reported, never thrown.
    pub async fn write(&self, key: &str, token: &JsValue, ttl_seconds: u32) {
        let args = Array::of3(&JsValue::from_str(key), token, &JsValue::from(ttl_seconds));
        if let Err(e) = self.call("set", &args).await {
            self.report(
                "token store set() failed; the token is still cached locally",
                &e,
            );
        }
    }
}

fn read_fields(value: &JsValue) -> StoredFields {
    let get = |k: &str| Reflect::get(value, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
    let scope = get("scope");
    StoredFields {
        access_token: get("access_token").as_string(),
        token_type: get("token_type").as_string(),
        expires_in: get("expires_in").as_f64(),
        expires_at: get("expires_at").as_f64(),
        scope: if scope.is_undefined() || scope.is_null() {
            Ok(None)
        } else {
            scope.as_string().map(Some).ok_or(())
        },
    }
}

/// The frozen AccessToken object for a token read from the store.
pub fn stored_to_js(token: &Token) -> JsValue {
    make_token(
        &token.access_token,
        &token.token_type,
        token.expires_in,
        token.expires_at,
        token.scope.clone(),
    )
}
