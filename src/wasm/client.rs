//! `TokenClient`'s wasm half: the cache state machine of `crate::cache` driven by the JS clock,
//! one shared promise per refresh (single flight), the optional shared store, and stale-on-failure.
//! The JavaScript wrapper in `pkg-template/src/api.js` adds the per-caller abort signal and `fetch()`.

#[allow(unused_imports)]
use crate::prelude::*;

use super::bindings::sleep;
use super::convert::{error_to_js, key, read_options, token_to_js};
use super::store::{stored_to_js, JsStore};
use super::transport::fetch_token;
use crate::cache::{Decision, Outcome, TokenCache, DEFAULT_SKEW_SECONDS};
use crate::config::{validate, Config};
use crate::error::Error;
use crate::store::{store_key, store_ttl_seconds};
use alloc::rc::Rc;
use core::cell::RefCell;
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;

struct State {
    config: Config,
    /// `options.fetch`, or `undefined` for the global fetch.
    fetch: JsValue,
    skew_s: f64,
    store: Option<JsStore>,
    store_key: String,
    /// The cached token, as an already-resolved promise: a cache hit returns this same object.
    cache: TokenCache<Promise>,
    /// The promise of the refresh in flight and its ticket.
    in_flight: Option<(u64, Promise)>,
}

/// The wasm side of `TokenClient` (wrapped by the JavaScript class of the same public name).
#[wasm_bindgen(js_name = RawTokenClient, skip_typescript)]
pub struct RawTokenClient {
    state: Rc<RefCell<State>>,
}

fn read_client_options(options: &JsValue) -> Result<State, Error> {
    let js = read_options(options)?;
    let skew_s = match js.number(key::REFRESH_SKEW_SECONDS, "refreshSkewSeconds")? {
        None => DEFAULT_SKEW_SECONDS,
        Some(s) if s.is_finite() && s >= 0.0 => s,
        Some(_) => {
            return Err(Error::config(
                "refreshSkewSeconds must be a finite number of seconds >= 0",
            ))
        }
    };
    let store = js.get(key::STORE);
    let on_error = js.get(key::ON_STORE_ERROR);
    let on_error = if on_error.is_undefined() || on_error.is_null() {
        None
    } else {
        Some(
            on_error
                .dyn_into::<Function>()
                .map_err(|_| Error::config("onStoreError must be a function"))?,
        )
    };
    let store = if store.is_undefined() || store.is_null() {
        None
    } else {
        let has = |m: &str| {
            js_sys::Reflect::get(&store, &JsValue::from_str(m)).is_ok_and(|f| f.is_function())
        };
        if !store.is_object() || !has("get") || !has("set") {
            return Err(Error::config(
                "store must be a TokenStore with get(key) and set(key, token, ttlSeconds) methods",
            ));
        }
        Some(JsStore { store, on_error })
    };
    let config = validate(&js.core)?;
    Ok(State {
        store_key: store_key(&config.base_url, &config.client_id),
        config,
        fetch: js.fetch,
        skew_s,
        store,
        cache: TokenCache::new(skew_s),
        in_flight: None,
    })
}

#[wasm_bindgen(js_class = RawTokenClient)]
impl RawTokenClient {
    /// Validate the options; throws `AltPayOAuthError("invalid_config")`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<RawTokenClient, JsValue> {
        let state = read_client_options(&options).map_err(|e| error_to_js(&e))?;
        Ok(RawTokenClient {
            state: Rc::new(RefCell::new(state)),
        })
    }

    /// The promise of a token: the cached one (same promise object every time), the refresh in
    /// flight, or a new refresh.
    pub fn get(&self, force_refresh: bool) -> Promise {
        let now = js_sys::Date::now();
        let mut st = self.state.borrow_mut();
        match st.cache.get(now, force_refresh) {
            Decision::Cached(promise) => promise,
            Decision::Join => match &st.in_flight {
                Some((_, promise)) => promise.clone(),
                None => Promise::reject(&error_to_js(&Error::new(
                    crate::ErrorCode::NetworkError,
                    "internal: refresh in flight without a promise",
                ))),
            },
            Decision::Start {
                ticket,
                not_before_ms,
            } => {
                let promise = future_to_promise(refresh(
                    self.state.clone(),
                    ticket,
                    not_before_ms,
                    force_refresh,
                ));
                st.in_flight = Some((ticket, promise.clone()));
                promise
            }
        }
    }

    /// Forget the cached token and any failure backoff; a refresh in flight completes for its
    /// callers but is not cached.
    pub fn clear(&self) {
        let mut st = self.state.borrow_mut();
        st.cache.clear();
        st.in_flight = None;
    }

    /// Until when (epoch ms) the promise `get(false)` just returned may be reused without asking
    /// again: the cached token's refresh point while it is fresh, else 0. Lets the JavaScript wrapper
    /// answer cache hits without crossing into wasm at all.
    #[wasm_bindgen(getter, js_name = cachedUntil)]
    pub fn cached_until(&self) -> f64 {
        let st = self.state.borrow();
        let now = js_sys::Date::now();
        match (st.cache.peek(now), st.cache.refresh_at()) {
            (Some(_), Some(at)) if now < at => at,
            _ => 0.0,
        }
    }

    /// The normalised base URL (for resolving relative URLs in `TokenClient.fetch`).
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.state.borrow().config.base_url.clone()
    }
}

fn finish(state: &Rc<RefCell<State>>, ticket: u64) {
    let mut st = state.borrow_mut();
    if matches!(&st.in_flight, Some((t, _)) if *t == ticket) {
        st.in_flight = None;
    }
}

/// One refresh: wait out the failure backoff, try the shared store (unless forced), else request a
/// token; report to the cache and resolve every waiter with the outcome.
async fn refresh(
    state: Rc<RefCell<State>>,
    ticket: u64,
    not_before_ms: f64,
    force_refresh: bool,
) -> Result<JsValue, JsValue> {
    let wait = not_before_ms - js_sys::Date::now();
    if wait > 0.0 {
        let _ = wasm_bindgen_futures::JsFuture::from(sleep(wait, &JsValue::UNDEFINED)).await;
    }
    let (config, fetch, store, key, skew_s) = {
        let st = state.borrow();
        (
            st.config.clone(),
            st.fetch.clone(),
            st.store.clone(),
            st.store_key.clone(),
            st.skew_s,
        )
    };

    // A store that just failed is not written to in the same refresh (it would cost a second timeout).
    let mut store_healthy = true;
    if let (Some(store), false) = (&store, force_refresh) {
        let (found, healthy) = store.read(&key, js_sys::Date::now(), skew_s).await;
        store_healthy = healthy;
        if let Some(token) = found {
            let js = stored_to_js(&token);
            let resolved = Promise::resolve(&js);
            let now = js_sys::Date::now();
            let _ = state.borrow_mut().cache.succeed(
                ticket,
                resolved,
                token.expires_at,
                token.expires_in,
                now,
            );
            finish(&state, ticket);
            return Ok(js);
        }
    }

    match fetch_token(&config, &fetch, &JsValue::UNDEFINED).await {
        Ok(token) => {
            let js = token_to_js(&token);
            let now = js_sys::Date::now();
            let _ = state.borrow_mut().cache.succeed(
                ticket,
                Promise::resolve(&js),
                token.expires_at,
                token.expires_in,
                now,
            );
            finish(&state, ticket);
            if let (Some(store), true) = (&store, store_healthy) {
                if let Some(ttl) = store_ttl_seconds(&token, now, skew_s) {
                    store.write(&key, &js, ttl).await;
                }
            }
            Ok(js)
        }
        Err(error) => {
            let outcome = state.borrow_mut().cache.fail(ticket, js_sys::Date::now());
            finish(&state, ticket);
            match outcome {
                Outcome::Stale(promise) | Outcome::Token(promise) => Ok(promise.into()),
                Outcome::Fail => Err(error_to_js(&error)),
            }
        }
    }
}
