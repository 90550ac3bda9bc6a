//! `TokenClient`'s Rust half: the options read once, the core's refresh state machine
//! ([`crate::cache::TokenCache`], clock from `Date.now()`), and the refreshes themselves: the store
//! read, the token request ([`super::request::request_token`]), the store write. The JavaScript
//! wrapper (`pkg-template/src/client.js`) keeps the cache-hit fast path, per-caller abort signals
//! and `fetch()`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Date, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use super::abort::{bounded_call, sleep, Stopped};
use super::convert::{error_to_js, token_to_js};
use super::fleet::{self, kind, Ended, LeaseRun};
use super::names::js_name;
use super::options::{fetch, handle, hook, read_client, read_fields};
use super::request::request_token;
use crate::body::StoredToken;
use crate::cache::{Decision, Outcome, TokenCache};
use crate::config::{validate, Config};
use crate::error::{Error, ErrorCode};
use crate::store::{check_stored, store_key, ttl_seconds, StoredProblem, STORE_TIMEOUT_MS};

/// The members of an `AccessToken` read back from a store.
pub const STORED_KEYS: [&str; 5] = [
    "access_token",
    "token_type",
    "expires_in",
    "expires_at",
    "scope",
];

struct Inner {
    config: Config,
    skew_s: f64,
    fetch: Option<Function>,
    store: Option<Object>,
    /// `store.lease`, when the store offers one (all five methods).
    lease: Option<Object>,
    on_store_error: Option<Function>,
    on_fleet_event: Option<Function>,
    key: String,
    /// The last token this client got (kept while a lease refresh runs: an unexpired one is served).
    current: RefCell<Option<crate::response::Token>>,
    cache: RefCell<TokenCache<Promise>>,
    /// The refresh in flight (its ticket and the promise its callers share).
    inflight: RefCell<Option<(u64, Promise)>>,
    /// Until when the promise the last `getToken` returned may be served without asking.
    fresh_until: Cell<f64>,
}

/// The Rust half of `TokenClient` (wrapped by the JavaScript class of the public name).
#[wasm_bindgen(js_name = RawTokenClient, skip_typescript)]
pub struct RawTokenClient {
    inner: Rc<Inner>,
}

fn client(options: &JsValue) -> Result<Inner, Error> {
    let raw = read_client(options)?;
    let skew_s = raw.refresh_skew_seconds()?;
    let config = validate(&raw.options()?)?;
    let fetch = fetch(options)?;
    let store = handle(options, "store")?;
    let on_store_error = hook(options, "onStoreError")?;
    let on_fleet_event = hook(options, "onFleetEvent")?;
    let store = match &store {
        v if v.is_undefined() || v.is_null() => None,
        v => {
            let has = |m: &'static str| Reflect::get(v, &js_name(m)).is_ok_and(|f| f.is_function());
            if !v.is_object() || !has("get") || !has("set") {
                return Err(Error::config(
                    "store must be a TokenStore: get(key) and set(key, token, ttlSeconds)",
                ));
            }
            Some(v.clone().unchecked_into::<Object>())
        }
    };
    let lease = store.as_ref().and_then(|s| {
        let lease = Reflect::get(s, &js_name("lease")).ok()?;
        let has =
            |m: &'static str| Reflect::get(&lease, &js_name(m)).is_ok_and(|f| f.is_function());
        let complete = lease.is_object()
            && ["read", "acquire", "publish", "fail", "release"]
                .into_iter()
                .all(has);
        complete.then(|| lease.unchecked_into::<Object>())
    });
    Ok(Inner {
        key: store_key(&config.base_url, &config.client_id),
        config,
        skew_s,
        fetch,
        store,
        lease,
        on_store_error,
        on_fleet_event,
        current: RefCell::new(None),
        cache: RefCell::new(TokenCache::new(skew_s)),
        inflight: RefCell::new(None),
        fresh_until: Cell::new(0.0),
    })
}

#[wasm_bindgen(js_class = RawTokenClient)]
impl RawTokenClient {
    /// Read and validate the options (once); throws `AltPayOAuthError("invalid_config")`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<RawTokenClient, JsValue> {
        client(&options)
            .map(|inner| RawTokenClient {
                inner: Rc::new(inner),
            })
            .map_err(|e| error_to_js(&e))
    }

    /// The token for one `getToken()`: the cached one while fresh, else the refresh in flight, else
    /// a new refresh (shared by every caller until it settles).
    #[wasm_bindgen(js_name = getToken)]
    pub fn get_token(&self, force_refresh: bool) -> Promise {
        let inner = &self.inner;
        let now = Date::now();
        inner.fresh_until.set(0.0);
        let decision = inner.cache.borrow_mut().get(now, force_refresh);
        match decision {
            Decision::Cached(promise) => {
                if let Some(at) = inner.cache.borrow().refresh_at().filter(|at| now < *at) {
                    inner.fresh_until.set(at);
                }
                promise
            }
            Decision::Join => match inner.inflight.borrow().as_ref() {
                Some((_, promise)) => promise.clone(),
                None => Promise::reject(&error_to_js(&Error::new(
                    ErrorCode::NetworkError,
                    "token refresh state was lost",
                ))),
            },
            Decision::Start {
                ticket,
                not_before_ms,
            } => {
                let promise =
                    future_to_promise(refresh(inner.clone(), ticket, not_before_ms, force_refresh));
                *inner.inflight.borrow_mut() = Some((ticket, promise.clone()));
                promise
            }
        }
    }

    /// Until when (epoch ms) the promise the last `getToken` returned may be served again without
    /// asking (0: ask). Lets the wrapper answer cache hits without crossing into wasm.
    #[wasm_bindgen(getter, js_name = freshUntil)]
    pub fn fresh_until(&self) -> f64 {
        self.inner.fresh_until.get()
    }

    /// Forget the cached token and any failure backoff; a refresh in flight completes for its
    /// callers but is not cached.
    pub fn clear(&self) {
        self.inner.cache.borrow_mut().clear();
        *self.inner.inflight.borrow_mut() = None;
        self.inner.fresh_until.set(0.0);
    }

    /// The normalised base URL (for resolving relative URLs in `TokenClient.fetch`).
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.inner.config.base_url.clone()
    }

    /// The `fetch` the options gave (as read once), or `undefined` for the global one.
    #[wasm_bindgen(getter, js_name = fetchFunction)]
    pub fn fetch_function(&self) -> JsValue {
        self.inner
            .fetch
            .as_ref()
            .map_or(JsValue::UNDEFINED, |f| f.clone().into())
    }
}

/// One refresh, as the state machine started it under `ticket`.
async fn refresh(
    inner: Rc<Inner>,
    ticket: u64,
    not_before_ms: f64,
    force: bool,
) -> Result<JsValue, JsValue> {
    let result = run_refresh(&inner, ticket, not_before_ms, force).await;
    let mut inflight = inner.inflight.borrow_mut();
    if inflight.as_ref().is_some_and(|(t, _)| *t == ticket) {
        *inflight = None;
    }
    result
}

async fn run_refresh(
    inner: &Inner,
    ticket: u64,
    not_before_ms: f64,
    force: bool,
) -> Result<JsValue, JsValue> {
    let wait = not_before_ms - Date::now();
    if wait > 0.0 {
        sleep(wait, None).await;
    }
    if let Some(lease) = &inner.lease {
        return lease_refresh(inner, lease, ticket, force).await;
    }
    let mut store_up = true;
    if let (Some(store), false) = (&inner.store, force) {
        match store_call(store, "get", &[JsValue::from_str(&inner.key)]).await {
            Err(cause) => {
                store_up = false;
                inner.report(
                    kind::STORE_FAILED,
                    "token store get() failed; requesting a new token instead",
                    cause,
                );
            }
            Ok(value) if value.is_undefined() || value.is_null() => {}
            Ok(value) => match stored_token(&value, inner.skew_s) {
                Ok(token) => {
                    return Ok(inner.keep(ticket, token, Date::now()));
                }
                Err(StoredProblem::NotFresh) => {}
                Err(StoredProblem::Malformed) => inner.report(
                    kind::NOT_A_TOKEN,
                    "token store returned a value that is not an AccessToken; the next token overwrites it",
                    JsValue::UNDEFINED,
                ),
            },
        }
    }
    let token = match request_token(&inner.config, inner.fetch.as_ref(), None).await {
        Ok(token) => token,
        Err(error) => {
            let outcome = inner.cache.borrow_mut().fail(ticket, Date::now());
            return match outcome {
                Outcome::Stale(p) | Outcome::Token(p) => JsFuture::from(p).await,
                Outcome::Fail => Err(error_to_js(&error)),
            };
        }
    };
    let now = Date::now();
    let (expires_at, expires_in) = (token.expires_at, token.expires_in);
    let js = inner.keep(ticket, token, now);
    if let (Some(store), true) = (&inner.store, store_up) {
        if let Some(ttl) = ttl_seconds(expires_at, expires_in, now, inner.skew_s) {
            let args = [
                JsValue::from_str(&inner.key),
                js.clone(),
                JsValue::from(ttl),
            ];
            if let Err(cause) = store_call(store, "set", &args).await {
                inner.report(
                    kind::STORE_FAILED,
                    "token store set() failed; the token is still cached locally",
                    cause,
                );
            }
        }
    }
    Ok(js)
}

/// A value read from the store, checked: a fresh token, or why not.
fn stored_token(value: &JsValue, skew_s: f64) -> Result<crate::response::Token, StoredProblem> {
    if !value.is_object() {
        return Err(StoredProblem::Malformed);
    }
    let stored: StoredToken =
        read_fields(value, &STORED_KEYS).map_err(|_| StoredProblem::Malformed)?;
    check_stored(stored.fields(), Date::now(), skew_s)
}

/// `store[method](...args)`, bounded by [`STORE_TIMEOUT_MS`]: its value, or the error (a timeout
/// is reported as an `Error` saying so).
async fn store_call(store: &Object, method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    match bounded_call(store, method, args, STORE_TIMEOUT_MS).await {
        Ok(v) => Ok(v),
        Err(Stopped::Rejected(e)) => Err(e),
        Err(Stopped::Fired(_)) => Err(js_sys::Error::new(&format!(
            "token store {method}() timed out after {} ms",
            STORE_TIMEOUT_MS as u32
        ))
        .into()),
    }
}

/// A refresh through the store's lease (see [`super::fleet`]), its end applied to the cache.
async fn lease_refresh(
    inner: &Inner,
    lease: &Object,
    ticket: u64,
    force: bool,
) -> Result<JsValue, JsValue> {
    let now = Date::now();
    let current = inner
        .current
        .borrow()
        .clone()
        .filter(|t| now < t.expires_at);
    let report = |kind: &str, message: &str, cause: JsValue| inner.report(kind, message, cause);
    let ended = fleet::run(LeaseRun {
        lease,
        key: &inner.key,
        config: &inner.config,
        skew_s: inner.skew_s,
        fetch: inner.fetch.as_ref(),
        current,
        force,
        report: &report,
        on_event: inner.on_fleet_event.as_ref(),
    })
    .await;
    let now = Date::now();
    match ended {
        Ended::Token(token) => Ok(inner.keep(ticket, token, now)),
        Ended::ServeCurrent | Ended::Failed(_) => {
            let outcome = inner.cache.borrow_mut().fail(ticket, now);
            match (outcome, ended) {
                (Outcome::Stale(p) | Outcome::Token(p), _) => JsFuture::from(p).await,
                (Outcome::Fail, Ended::Failed(error)) => Err(error_to_js(&error)),
                (Outcome::Fail, _) => Err(error_to_js(&Error::new(
                    ErrorCode::NetworkError,
                    "another member of the fleet is refreshing the token and this client's token has expired",
                ))),
            }
        }
    }
}

impl Inner {
    /// A token the refresh `ticket` got (from the store or a request) at `now`: cached, kept as the
    /// current token, and returned as the `AccessToken` object.
    fn keep(&self, ticket: u64, token: crate::response::Token, now: f64) -> JsValue {
        let js = token_to_js(&token);
        let _ = self.cache.borrow_mut().succeed(
            ticket,
            Promise::resolve(&js),
            token.expires_at,
            token.expires_in,
            now,
        );
        *self.current.borrow_mut() = Some(token);
        js
    }

    /// Tell `onStoreError` (never throws into the refresh): an `AltPayOAuthError` with its `kind`
    /// (`store_failed`, `not_a_token`, `lease_lost`) and the `cause` when there is one.
    fn report(&self, kind: &str, message: &str, cause: JsValue) {
        let Some(hook) = &self.on_store_error else {
            return;
        };
        let _ = hook.call1(
            &JsValue::UNDEFINED,
            &fleet::store_error(kind, message, cause),
        );
    }
}
