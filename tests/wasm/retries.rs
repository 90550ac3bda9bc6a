//! Retries: 5xx and 429 are retried with backoff, `Retry-After` (seconds and HTTP-date) is honoured, the
//! number of attempts is exactly `1 + retries`, and the last failure is what the caller gets.

use crate::support::*;
use serde_json::json;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

fn at(entry: &JsValue) -> f64 {
    get(entry, "at").as_f64().expect("log entry time")
}

#[wasm_bindgen_test]
async fn a_server_error_then_success() {
    let lane = lane("retry-503-then-ok").await;
    lane.script(json!({ "status": 503 })).await;
    let t = ok(&lane.options()).await;
    assert_eq!(t.token_type, "bearer");
    assert_eq!(lane.count().await, 2);
}

#[wasm_bindgen_test]
async fn several_server_errors_then_success_with_backoff() {
    let lane = lane("retry-5xx-backoff").await;
    lane.script(json!([{ "status": 500 }, { "status": 502 }]))
        .await;
    let start = now();
    ok(&lane.options_with(json!({ "retries": 2 }))).await;
    assert_eq!(lane.count().await, 3);
    let log = lane.log().await;
    // Backoff: never two attempts closer than ~200 ms (the 5 requests/s limit).
    assert!(at(&log[1]) - at(&log[0]) >= 190.0, "first backoff");
    assert!(at(&log[2]) - at(&log[1]) >= 190.0, "second backoff");
    assert!(
        now() - start < 3000.0,
        "backoff stays short for early attempts"
    );
}

#[wasm_bindgen_test]
async fn retry_after_in_seconds_is_honoured() {
    let lane = lane("retry-429-seconds").await;
    lane.script(json!({ "status": 429, "headers": { "retry-after": "1" } }))
        .await;
    let start = now();
    ok(&lane.options()).await;
    let elapsed = now() - start;
    assert_eq!(lane.count().await, 2);
    let log = lane.log().await;
    let gap = at(&log[1]) - at(&log[0]);
    assert!(
        gap >= 990.0,
        "waited {gap} ms between attempts, Retry-After was 1 s"
    );
    assert!((990.0..2500.0).contains(&elapsed), "elapsed {elapsed}");
}

#[wasm_bindgen_test]
async fn retry_after_as_an_http_date_is_honoured() {
    let lane = lane("retry-429-date").await;
    // An HTTP-date has whole seconds: take the next whole second plus one, so it is 1-2 s ahead.
    let date_ms = (now() / 1000.0).ceil() * 1000.0 + 1000.0;
    let date = js_sys::Date::new(&JsValue::from_f64(date_ms)).to_utc_string();
    let date = String::from(date);
    assert!(date.ends_with(" GMT"), "IMF-fixdate: {date}");
    lane.script(json!({ "status": 429, "headers": { "retry-after": date } }))
        .await;
    let start = now();
    ok(&lane.options()).await;
    let end = now();
    assert_eq!(lane.count().await, 2);
    let log = lane.log().await;
    assert!(
        at(&log[1]) >= date_ms - 25.0,
        "second attempt at {} before the Retry-After date {date_ms}",
        at(&log[1])
    );
    assert!(
        end - start < date_ms - start + 1500.0,
        "waited far too long"
    );
}

#[wasm_bindgen_test]
async fn server_errors_exhaust_the_retries() {
    let lane = lane("retry-503-exhausted").await;
    lane.script(json!({ "status": 503, "repeat": 3 })).await;
    let options = lane.options_with(json!({ "retries": 2 }));
    fails_with(
        &options,
        &want("http_error")
            .status(503)
            .details(&[("error", "temporarily_unavailable")])
            .mentions("503"),
    )
    .await;
    assert_eq!(lane.count().await, 3, "1 + retries attempts");
    sleep(400.0).await;
    assert_eq!(lane.count().await, 3, "no attempt after the rejection");
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn rate_limiting_exhausts_the_retries() {
    let lane = lane("retry-429-exhausted").await;
    lane.script(json!([
        { "status": 429, "headers": { "retry-after": "0" } },
        { "status": 429, "headers": { "retry-after": "0" } },
        { "status": 429, "headers": { "retry-after": "7" } },
    ]))
    .await;
    let options = lane.options_with(json!({ "retries": 2 }));
    fails_with(
        &options,
        &want("rate_limited")
            .status(429)
            .details(&[("error", "too_many_requests")])
            .retry_after(7.0)
            .mentions("429"),
    )
    .await;
    assert_eq!(lane.count().await, 3);
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn rate_limited_without_retry_after() {
    let lane = lane("retry-429-no-header").await;
    // The second answer's Retry-After is not a number or a date: ignored (plain backoff, no retryAfter).
    lane.script(json!([
        { "status": 429, "json": { "error": "slow_down" } },
        { "status": 429, "json": { "error": "slow_down" }, "headers": { "retry-after": "soon" } },
    ]))
    .await;
    let options = lane.options_with(json!({ "retries": 1 }));
    fails_with(
        &options,
        &want("rate_limited")
            .status(429)
            .details(&[("error", "slow_down")]),
    )
    .await;
    assert_eq!(lane.count().await, 2);
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn a_retry_after_too_long_to_wait_is_returned_at_once() {
    // The implementation does not sleep through a Retry-After over 30 s; it returns it to the caller.
    let lane = lane("retry-429-long").await;
    lane.script(json!({ "status": 429, "headers": { "retry-after": "120" } }))
        .await;
    let start = now();
    fails_with(
        &lane.options_with(json!({ "retries": 2 })),
        &want("rate_limited")
            .status(429)
            .details(&[("error", "too_many_requests")])
            .retry_after(120.0),
    )
    .await;
    assert!(now() - start < 1000.0);
    assert_eq!(lane.count().await, 1);
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn retries_zero_means_one_attempt() {
    let lane = lane("retry-zero").await;
    lane.script(json!([{ "status": 503 }, { "status": 429 }]))
        .await;
    let options = lane.options_with(json!({ "retries": 0 }));
    fails_with(
        &options,
        &want("http_error")
            .status(503)
            .details(&[("error", "temporarily_unavailable")]),
    )
    .await;
    assert_eq!(lane.count().await, 1);
    fails_with(
        &options,
        &want("rate_limited")
            .status(429)
            .details(&[("error", "too_many_requests")]),
    )
    .await;
    assert_eq!(lane.count().await, 2);
    lane.recovers().await;
}
