//! `TokenClient`'s wasm half: the validated config, the refresh state machine of `crate::cache`
//! (clock passed in from JavaScript), the store key and the checks of stored tokens. The JavaScript
//! wrapper (`pkg-template/src/client.js`) does the IO the machine asks for: it shares one promise
//! per refresh, waits out the failure backoff, calls the store (bounded) and `createOAuthToken`.

#[allow(unused_imports)]
use crate::prelude::*;

use super::convert::{error_to_js, key, read_options, token_to_js};
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
    /// `not_before_ms` of the last `Start` decision.
    not_before: f64,
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
        not_before: 0.0,
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
    /// the refresh in flight), or a ticket number (start a refresh, not before `notBefore`).
    pub fn get(&mut self, now: f64, force_refresh: bool) -> JsValue {
        match self.cache.get(now, force_refresh) {
            Decision::Cached(promise) => promise.into(),
            Decision::Join => JsValue::NULL,
            Decision::Start {
                ticket,
                not_before_ms,
            } => {
                self.not_before = not_before_ms;
                JsValue::from(ticket as f64)
            }
        }
    }

    /// Earliest send time (epoch ms) of the refresh `get` last started (failure backoff).
    #[wasm_bindgen(getter, js_name = notBefore)]
    pub fn not_before(&self) -> f64 {
        self.not_before
    }

    /// Report a new token for `ticket` (`promise` resolves to it).
    pub fn succeed(
        &mut self,
        ticket: f64,
        promise: Promise,
        expires_at: f64,
        expires_in: f64,
        now: f64,
    ) {
        let _ = self
            .cache
            .succeed(ticket as u64, promise, expires_at, expires_in, now);
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

    /// Until when (epoch ms) the promise `get` returned at `now` may be reused without asking again:
    /// the cached token's refresh point while it is fresh, else 0. Lets the JavaScript wrapper answer
    /// cache hits without crossing into wasm at all.
    #[wasm_bindgen(js_name = cachedUntil)]
    pub fn cached_until(&self, now: f64) -> f64 {
        match (self.cache.peek(now), self.cache.refresh_at()) {
            (Some(_), Some(at)) if now < at => at,
            _ => 0.0,
        }
    }

    /// The store key of this client: base URL + client id, hashed; never the secret.
    #[wasm_bindgen(getter, js_name = storeKey)]
    pub fn store_key(&self) -> String {
        store_key(&self.config.base_url, &self.config.client_id)
    }

    /// A value read from the store: a fresh AccessToken (a new frozen copy), `null` when it is not
    /// fresh, or `false` when it is not an AccessToken at all.
    #[wasm_bindgen(js_name = acceptStored)]
    pub fn accept_stored(&self, value: JsValue, now: f64) -> JsValue {
        if !value.is_object() {
            return JsValue::FALSE;
        }
        match check_stored(read_fields(&value), now, self.skew_s) {
            Ok(token) => token_to_js(&token),
            Err(StoredProblem::NotFresh) => JsValue::NULL,
            Err(StoredProblem::Malformed) => JsValue::FALSE,
        }
    }

    /// The ttl (whole seconds) to store a token with: until its refresh point; 0 = do not store.
    #[wasm_bindgen(js_name = storeTtl)]
    pub fn store_ttl(&self, expires_at: f64, expires_in: f64, now: f64) -> f64 {
        crate::store::ttl_seconds(expires_at, expires_in, now, self.skew_s).map_or(0.0, f64::from)
    }

    /// The normalised base URL (for resolving relative URLs in `TokenClient.fetch`).
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.config.base_url.clone()
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
