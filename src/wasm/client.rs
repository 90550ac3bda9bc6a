//! `TokenClient`'s wasm half: the validated config, the refresh state machine of `crate::cache`
//! (clock passed in from JavaScript), the store key and the checks of stored tokens. The JavaScript
//! wrapper (`pkg-template/src/client.js`) does the IO the machine asks for: it shares one promise
//! per refresh, waits out the failure backoff, calls the store (bounded) and `createOAuthToken`, and
//! reads the fields of a stored value once, handing them here to be checked.

#[allow(unused_imports)]
use crate::prelude::*;

use super::convert::{error_to_js, key, read_options};
use crate::cache::{Decision, Outcome, TokenCache, DEFAULT_SKEW_SECONDS};
use crate::config::{validate, Config};
use crate::error::Error;
use crate::store::{check_stored, store_key, StoredFields, StoredProblem};
use js_sys::{Promise, Reflect};
use wasm_bindgen::prelude::*;

/// The wasm side of `TokenClient` (wrapped by the JavaScript class of the same public name).
#[wasm_bindgen(js_name = RawTokenClient, skip_typescript)]
pub struct RawTokenClient {
    config: Config,
    skew_s: f64,
    /// The cached token, as an already-resolved promise: a cache hit returns this same object.
    cache: TokenCache<Promise>,
    /// The time that goes with the last `get` decision (see [`RawTokenClient::time`]).
    time: f64,
}

fn check_client_options(options: &JsValue) -> Result<RawTokenClient, Error> {
    let js = read_options(options)?;
    let skew_s = match js.number(key::REFRESH_SKEW_SECONDS, "refreshSkewSeconds")? {
        None => DEFAULT_SKEW_SECONDS,
        Some(s) if s.is_finite() && s >= 0.0 => s,
        Some(_) => {
            return Err(Error::config(
                "refreshSkewSeconds must be a number of seconds >= 0",
            ))
        }
    };
    let on_error = js.get(key::ON_STORE_ERROR);
    if !(on_error.is_undefined() || on_error.is_null() || on_error.is_function()) {
        return Err(Error::config("onStoreError must be a function"));
    }
    let store = js.get(key::STORE);
    if !(store.is_undefined() || store.is_null()) {
        let has =
            |m: &str| Reflect::get(&store, &JsValue::from_str(m)).is_ok_and(|f| f.is_function());
        if !store.is_object() || !has("get") || !has("set") {
            return Err(Error::config(
                "store must be a TokenStore: get(key) and set(key, token, ttlSeconds)",
            ));
        }
    }
    Ok(RawTokenClient {
        config: validate(&js.core)?,
        skew_s,
        cache: TokenCache::new(skew_s),
        time: 0.0,
    })
}

#[wasm_bindgen(js_class = RawTokenClient)]
impl RawTokenClient {
    /// Validate the options; throws `AltPayOAuthError("invalid_config")`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<RawTokenClient, JsValue> {
        check_client_options(&options).map_err(|e| error_to_js(&e))
    }

    /// What to do for one `getToken()` at `now`: the cached token's promise (serve it), `null` (join
    /// the refresh in flight), or a ticket number (start a refresh). [`RawTokenClient::time`] then
    /// tells until when that promise may be served again without asking, or when to send the refresh.
    pub fn get(&mut self, now: f64, force_refresh: bool) -> JsValue {
        match self.cache.get(now, force_refresh) {
            Decision::Cached(promise) => {
                self.time = match self.cache.refresh_at() {
                    Some(at) if now < at => at,
                    _ => 0.0,
                };
                promise.into()
            }
            Decision::Join => JsValue::NULL,
            Decision::Start {
                ticket,
                not_before_ms,
            } => {
                self.time = not_before_ms;
                JsValue::from(ticket as f64)
            }
        }
    }

    /// The time (epoch ms) that goes with the last `get`: after a ticket, the earliest send time of
    /// that refresh (failure backoff); after a cached promise, until when the same promise may be
    /// served without asking again (the token's refresh point while it is fresh, else 0). Lets the
    /// JavaScript wrapper answer cache hits without crossing into wasm at all.
    #[wasm_bindgen(getter)]
    pub fn time(&self) -> f64 {
        self.time
    }

    /// Report a new token for `ticket` (`promise` resolves to it). Returns the ttl (whole seconds)
    /// to put it in the store with: until its refresh point; 0 = do not store.
    pub fn succeed(
        &mut self,
        ticket: f64,
        promise: Promise,
        expires_at: f64,
        expires_in: f64,
        now: f64,
    ) -> f64 {
        let _ = self
            .cache
            .succeed(ticket as u64, promise, expires_at, expires_in, now);
        crate::store::ttl_seconds(expires_at, expires_in, now, self.skew_s).map_or(0.0, f64::from)
    }

    /// Report a failed refresh: the still-unexpired cached token's promise (serve it, do not
    /// throw), or `undefined` (throw the error).
    pub fn fail(&mut self, ticket: f64, now: f64) -> JsValue {
        match self.cache.fail(ticket as u64, now) {
            Outcome::Stale(p) | Outcome::Token(p) => p.into(),
            Outcome::Fail => JsValue::UNDEFINED,
        }
    }

    /// Forget the cached token and any failure backoff; a refresh in flight completes for its
    /// callers but is not cached.
    pub fn clear(&mut self) {
        self.cache.clear();
    }

    /// The store key of this client: base URL + client id, hashed; never the secret.
    #[wasm_bindgen(getter, js_name = storeKey)]
    pub fn store_key(&self) -> String {
        store_key(&self.config.base_url, &self.config.client_id)
    }

    /// The fields of a value read from the store (`access_token`, `token_type`, `expires_in`,
    /// `expires_at`, `scope`, as read once by the JavaScript wrapper): 1 when they make a fresh
    /// AccessToken, 0 when a valid one that is not fresh, -1 when not an AccessToken at all.
    #[wasm_bindgen(js_name = acceptStored)]
    pub fn accept_stored(
        &self,
        access_token: JsValue,
        token_type: JsValue,
        expires_in: JsValue,
        expires_at: JsValue,
        scope: JsValue,
        now: f64,
    ) -> i32 {
        let fields = StoredFields {
            access_token: access_token.as_string(),
            token_type: token_type.as_string(),
            expires_in: expires_in.as_f64(),
            expires_at: expires_at.as_f64(),
            scope: if scope.is_undefined() || scope.is_null() {
                Ok(None)
            } else {
                scope.as_string().map(Some).ok_or(())
            },
        };
        match check_stored(fields, now, self.skew_s) {
            Ok(_) => 1,
            Err(StoredProblem::NotFresh) => 0,
            Err(StoredProblem::Malformed) => -1,
        }
    }

    /// The normalised base URL (for resolving relative URLs in `TokenClient.fetch`).
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.config.base_url.clone()
    }
}
