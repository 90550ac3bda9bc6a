//! A refresh through a store that offers a lease (`store.lease`: redisStore, durableObjectStore): the
//! core's lease protocol ([`crate::lease::Refresh`]) driven with the store's lease calls, each bounded
//! by [`STORE_TIMEOUT_MS`]. The waits between polls and the token request are not bounded by it (the
//! protocol's wait budget and the request's own timeout and retries bound them).

use js_sys::{Date, Function, Math, Object, Reflect};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::abort::{bounded_call, sleep, Stopped};
use super::convert::{error_to_js, token_to_js};
use super::options::read_fields;
use super::transport::prop;
use crate::body::StoredToken as StoredBody;
use crate::error::{Error, ErrorCode};
use crate::lease::{
    Event, FailureView, FallbackReason, Finish, FleetEvent, LeaseConfig, LeaseView, Refresh,
    RequestFailure, Snapshot, Step, StoreReply, StoredToken,
};
use crate::response::Token;
use crate::retry::MAX_DELAY_MS;
use crate::store::{trusted_expiry, well_formed, STORE_TIMEOUT_MS};

/// The kinds of `onStoreError` reports (`error.kind`).
pub mod kind {
    /// A store call failed or did not answer within the store-call bound.
    pub const STORE_FAILED: &str = "store_failed";
    /// The stored value is not an AccessToken (the next good token overwrites it).
    pub const NOT_A_TOKEN: &str = "not_a_token";
    /// The lease ran out before its holder wrote the token.
    pub const LEASE_LOST: &str = "lease_lost";
}

/// A failed request as the fleet shares it through the store: never the secret (the message was
/// redacted before it was shared, and is redacted again when read back).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedError {
    /// The error code.
    pub code: String,
    /// The error message.
    pub message: String,
    /// The HTTP status, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// `Retry-After` in seconds, when the server sent one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<f64>,
}

impl SharedError {
    fn of(error: &Error) -> SharedError {
        SharedError {
            code: error.code.as_str().into(),
            message: error.message.clone(),
            status: error.status,
            retry_after: error.retry_after,
        }
    }

    /// The error a member that waited for this failure gets (the shared message is external text:
    /// it came through the store).
    fn error(&self, cooldown_ms: f64, redactor: &crate::redact::Redactor) -> Error {
        let code = SHAREABLE
            .iter()
            .copied()
            .find(|c| c.as_str() == self.code)
            .unwrap_or(ErrorCode::NetworkError);
        let mut e = Error::new(
            code,
            format!(
                "another member of the fleet failed to get a token: {}",
                redactor.clean_truncated(&self.message, MAX_SHARED_MESSAGE_CHARS)
            ),
        );
        e.status = self.status;
        let wait = (cooldown_ms / 1000.0).ceil();
        e.retry_after = Some(wait.max(self.retry_after.unwrap_or(0.0)));
        e
    }
}

/// A shared failure's message is cut to this many characters.
const MAX_SHARED_MESSAGE_CHARS: usize = 400;

/// The codes a shared failure may carry.
const SHAREABLE: [ErrorCode; 6] = [
    ErrorCode::InvalidCredentials,
    ErrorCode::HttpError,
    ErrorCode::RateLimited,
    ErrorCode::InvalidResponse,
    ErrorCode::NetworkError,
    ErrorCode::Timeout,
];

/// What a lease refresh needs of the client.
pub struct LeaseRun<'a> {
    /// The store's `lease` object.
    pub lease: &'a Object,
    /// The store key.
    pub key: &'a str,
    /// The client's validated config.
    pub config: &'a crate::config::Config,
    /// Refresh skew, seconds.
    pub skew_s: f64,
    /// The caller's fetch.
    pub fetch: Option<&'a Function>,
    /// An unexpired token this member can keep serving meanwhile.
    pub current: Option<Token>,
    /// A forced refresh (the current token was refused).
    pub force: bool,
    /// `onStoreError(kind, message, cause)`.
    pub report: &'a dyn Fn(&str, &str, JsValue),
    /// `onFleetEvent(event)`.
    pub on_event: Option<&'a Function>,
}

/// How a lease refresh ended, for the client's cache.
pub enum Ended {
    /// A token (from the store or this member's request).
    Token(Token),
    /// Keep serving the current token.
    ServeCurrent,
    /// The refresh failed with this error.
    Failed(Error),
}

/// Run one lease refresh to its end.
pub async fn run(r: LeaseRun<'_>) -> Ended {
    let config = LeaseConfig::for_client(
        f64::from(r.config.timeout_ms),
        r.config.retries,
        MAX_DELAY_MS,
        r.skew_s,
    );
    let mut entropy = || {
        (Math::random() * 4_294_967_296.0) as u64 * 4_294_967_296
            + (Math::random() * 4_294_967_296.0) as u64
    };
    let rejected = if r.force { r.current.clone() } else { None };
    let mut m: Refresh<Token, SharedError> =
        Refresh::new(config, &mut entropy, r.current.is_some(), r.force, rejected);
    let owner = m.owner().to_owned();
    let redactor = r.config.redactor();
    let mut own_error: Option<Error> = None;
    let mut step = m.start(Date::now());
    loop {
        for event in m.take_events() {
            if event == FleetEvent::LeaseLost {
                (r.report)(
                    kind::LEASE_LOST,
                    "the token lease ran out before this member wrote its token; another member may have requested one too",
                    JsValue::UNDEFINED,
                );
            }
            if let Some(hook) = r.on_event {
                let _ = hook.call1(&JsValue::UNDEFINED, &event_to_js(&event));
            }
        }
        step = match step {
            Step::ReadStore => {
                let reply = call(&r, "read", &[JsValue::from_str(r.key)]).await;
                let reply = reply.map(|v| snapshot_of(&r, &v).1);
                m.feed(Date::now(), Event::Read(reply))
            }
            Step::TryLease {
                ttl_ms,
                fresh_above_ms,
            } => {
                let fresh = fresh_above_ms.map_or(JsValue::NULL, JsValue::from);
                let args = [
                    JsValue::from_str(r.key),
                    JsValue::from_str(&owner),
                    JsValue::from(ttl_ms),
                    fresh,
                ];
                let reply = call(&r, "acquire", &args)
                    .await
                    .map(|v| snapshot_of(&r, &v));
                m.feed(Date::now(), Event::Leased(reply))
            }
            Step::Wait { ms } => {
                sleep(ms, None).await;
                m.feed(Date::now(), Event::Waited)
            }
            Step::Request => {
                let result = super::request::request_token(r.config, r.fetch, None).await;
                let event = match result {
                    Ok(token) => {
                        let remaining = token.expires_at - Date::now();
                        Event::Requested(Ok((token, remaining)))
                    }
                    Err(error) => {
                        let failure = RequestFailure {
                            failure: SharedError::of(&error),
                            retry_after_ms: error.retry_after.map(|s| s * 1000.0),
                            share: error.code != ErrorCode::Aborted,
                        };
                        own_error = Some(error);
                        Event::Requested(Err(failure))
                    }
                };
                m.feed(Date::now(), event)
            }
            Step::Publish { token, ttl_ms } => {
                let args = [
                    JsValue::from_str(r.key),
                    JsValue::from_str(&owner),
                    token_to_js(&token),
                    JsValue::from(ttl_ms.max(1.0)),
                ];
                let reply = call(&r, "publish", &args).await.map(|v| v.is_truthy());
                m.feed(Date::now(), Event::Written(reply))
            }
            Step::ShareFailure {
                failure,
                count,
                cooldown_ms,
            } => {
                let args = [
                    JsValue::from_str(r.key),
                    JsValue::from_str(&owner),
                    serde_wasm_bindgen::to_value(&failure).unwrap_or(JsValue::NULL),
                    JsValue::from(count),
                    JsValue::from(cooldown_ms.max(1.0)),
                ];
                let reply = call(&r, "fail", &args).await.map(|v| v.is_truthy());
                m.feed(Date::now(), Event::Written(reply))
            }
            Step::Release => {
                let args = [JsValue::from_str(r.key), JsValue::from_str(&owner)];
                let reply = call(&r, "release", &args).await.map(|v| v.is_truthy());
                m.feed(Date::now(), Event::Written(reply))
            }
            Step::Done(finish) => {
                return match finish {
                    Finish::Stored {
                        mut token,
                        remaining_ms,
                    } => {
                        // The store's remaining lifetime, on this member's clock.
                        token.expires_at = Date::now() + remaining_ms;
                        Ended::Token(token)
                    }
                    Finish::Fetched { token, .. } => Ended::Token(token),
                    Finish::Failed(shared) => {
                        Ended::Failed(own_error.unwrap_or_else(|| shared.error(0.0, &redactor)))
                    }
                    Finish::SharedFailure {
                        failure,
                        cooldown_ms,
                    } => Ended::Failed(failure.error(cooldown_ms, &redactor)),
                    Finish::ServeCurrent => Ended::ServeCurrent,
                };
            }
        };
    }
}

/// `lease[method](...args)`, bounded by [`STORE_TIMEOUT_MS`]; a failure is reported.
async fn call(r: &LeaseRun<'_>, method: &str, args: &[JsValue]) -> StoreReply<JsValue> {
    match bounded_call(r.lease, method, args, STORE_TIMEOUT_MS).await {
        Ok(v) => StoreReply::Ok(v),
        Err(Stopped::Rejected(cause)) => {
            (r.report)(
                kind::STORE_FAILED,
                &format!("token store lease.{method}() failed"),
                cause,
            );
            StoreReply::Down
        }
        Err(Stopped::Fired(_)) => {
            (r.report)(
                kind::STORE_FAILED,
                &format!(
                    "token store lease.{method}() did not answer within {} ms",
                    STORE_TIMEOUT_MS as u32
                ),
                JsValue::UNDEFINED,
            );
            StoreReply::Slow
        }
    }
}

/// A `LeaseState` (`{ token, ttlMs, lease: { owner }, failure: { value, count, cooldownMs },
/// acquired }`) as the protocol's snapshot, and whether the lease was acquired. Read property by
/// property (a throwing getter reads as absent); a stored value that is not a token is reported.
fn snapshot_of(r: &LeaseRun<'_>, state: &JsValue) -> (bool, Snapshot<Token, SharedError>) {
    let stored_value = prop(state, "token");
    let token = if stored_value.is_null() || stored_value.is_undefined() {
        None
    } else if let Some(token) = stored(&stored_value) {
        let remaining_ms = prop(state, "ttlMs")
            .as_f64()
            .unwrap_or(token.expires_at - Date::now());
        Some(StoredToken {
            expires_in_s: token.expires_in,
            token,
            remaining_ms,
        })
    } else {
        (r.report)(
            kind::NOT_A_TOKEN,
            "token store holds a value that is not an AccessToken; the next token overwrites it",
            JsValue::UNDEFINED,
        );
        None
    };
    let lease = prop(&prop(state, "lease"), "owner")
        .as_string()
        .map(|owner| LeaseView { owner });
    let failure = prop(state, "failure");
    let failure = failure.is_object().then(|| {
        let value = prop(&failure, "value");
        let text = |k: &'static str| prop(&value, k).as_string();
        FailureView {
            failure: SharedError {
                code: text("code").unwrap_or_else(|| ErrorCode::NetworkError.as_str().into()),
                message: text("message").unwrap_or_else(|| "the token request failed".into()),
                status: prop(&value, "status")
                    .as_f64()
                    .filter(|s| (0.0..=999.0).contains(s))
                    .map(|s| s as u16),
                retry_after: prop(&value, "retryAfter").as_f64(),
            },
            count: prop(&failure, "count")
                .as_f64()
                .unwrap_or(0.0)
                .clamp(0.0, f64::from(u32::MAX)) as u32,
            cooldown_ms: prop(&failure, "cooldownMs")
                .as_f64()
                .unwrap_or(0.0)
                .max(0.0),
        }
    });
    (
        prop(state, "acquired").as_bool() == Some(true),
        Snapshot {
            token,
            lease,
            failure,
        },
    )
}

/// A stored value, if it is a well-formed AccessToken (freshness is the store's TTL's business).
pub fn stored(value: &JsValue) -> Option<Token> {
    if !value.is_object() {
        return None;
    }
    let body: StoredBody = read_fields(value, &super::client::STORED_KEYS).ok()?;
    well_formed(body.fields())
        .ok()
        .filter(|t| trusted_expiry(t.expires_at, t.expires_in, Date::now()))
}

/// A fleet event as the plain object `onFleetEvent` gets.
fn event_to_js(event: &FleetEvent) -> JsValue {
    let o = Object::new();
    let set = |k: &str, v: JsValue| {
        let _ = Reflect::set(&o, &JsValue::from_str(k), &v);
    };
    match event {
        FleetEvent::LeaseTaken => set("type", "lease_taken".into()),
        FleetEvent::Waited { ms, polls } => {
            set("type", "waited".into());
            set("ms", JsValue::from(*ms));
            set("polls", JsValue::from(*polls));
        }
        FleetEvent::FellBack(reason) => {
            set("type", "fell_back".into());
            let reason = match reason {
                FallbackReason::StoreDown => "store_down",
                FallbackReason::BudgetSpent => "budget_spent",
            };
            set("reason", reason.into());
        }
        FleetEvent::FailureShared { cooldown_ms, count } => {
            set("type", "failure_shared".into());
            set("cooldownMs", JsValue::from(*cooldown_ms));
            set("count", JsValue::from(*count));
        }
        FleetEvent::LeaseLost => set("type", "lease_lost".into()),
    }
    Object::freeze(&o).into()
}

/// `error_to_js` with the report's kind, for `onStoreError`.
pub fn store_error(kind: &str, message: &str, cause: JsValue) -> JsValue {
    let error = error_to_js(&Error::new(ErrorCode::NetworkError, message));
    let _ = Reflect::set(&error, &JsValue::from_str("kind"), &JsValue::from_str(kind));
    if !cause.is_undefined() {
        let _ = Reflect::set(&error, &JsValue::from_str("cause"), &cause);
    }
    error
}
