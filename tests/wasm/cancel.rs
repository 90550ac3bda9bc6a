//! Timeouts (during headers and during the body), the caller's signal (in flight, already aborted,
//! during a backoff sleep), connection refused and connection resets.

use crate::support::*;
use serde_json::json;
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
async fn a_timeout_while_waiting_for_headers() {
    let lane = lane("cancel-timeout-headers").await;
    // The mock stops waiting as soon as the client goes away, so a long delay costs nothing.
    lane.script(json!({ "normal": true, "delayMs": 1500 }))
        .await;
    let options = lane.options_with(json!({ "timeoutMs": 150, "retries": 0 }));
    let start = now();
    fails_with(&options, &want("timeout").mentions("150")).await;
    let elapsed = now() - start;
    assert!(
        (145.0..1000.0).contains(&elapsed),
        "timed out after {elapsed} ms"
    );
    assert_eq!(lane.count().await, 1);
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn a_timeout_while_reading_the_body() {
    let lane = lane("cancel-timeout-body").await;
    // Headers and half the body at once, the rest after 1.5 s.
    lane.script(json!({ "normal": true, "bodyDelayMs": 1500 }))
        .await;
    let options = lane.options_with(json!({ "timeoutMs": 150, "retries": 0 }));
    let start = now();
    fails_with(&options, &want("timeout").status_or_none(200)).await;
    let elapsed = now() - start;
    assert!(
        (145.0..1000.0).contains(&elapsed),
        "timed out after {elapsed} ms"
    );
    assert_eq!(lane.count().await, 1);
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn a_timeout_on_a_slow_error_body() {
    let lane = lane("cancel-timeout-error-body").await;
    lane.script(json!({ "status": 400, "json": { "error": "invalid_request", "error_description": "a slow one" }, "bodyDelayMs": 1500 }))
        .await;
    let options = lane.options_with(json!({ "timeoutMs": 150, "retries": 0 }));
    fails_with(&options, &want("timeout").status_or_none(400)).await;
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn abort_while_waiting_for_headers() {
    let lane = lane("cancel-abort-headers").await;
    lane.script(json!({ "normal": true, "delayMs": 1500 }))
        .await;
    let controller = abort_after(50.0);
    let options = lane.options_with(json!({ "retries": 2 }));
    set(&options, "signal", controller.signal());
    let start = now();
    fails_with(&options, &want("aborted")).await;
    let elapsed = now() - start;
    assert!(elapsed < 500.0, "aborted after {elapsed} ms");
    sleep(400.0).await; // a retry would have been sent by now
    assert_eq!(lane.count().await, 1, "no further attempts after an abort");
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn abort_while_reading_the_body() {
    let lane = lane("cancel-abort-body").await;
    lane.script(json!({ "normal": true, "bodyDelayMs": 1500 }))
        .await;
    let controller = abort_after(50.0);
    let options = lane.options_with(json!({ "retries": 2 }));
    set(&options, "signal", controller.signal());
    let start = now();
    fails_with(&options, &want("aborted").status_or_none(200)).await;
    assert!(now() - start < 500.0);
    sleep(400.0).await;
    assert_eq!(lane.count().await, 1, "no further attempts after an abort");
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn an_already_aborted_signal_sends_nothing() {
    let lane = lane("cancel-pre-aborted").await;
    let controller = AbortController::new();
    controller.abort();
    let static_abort = js_fn("", "return AbortSignal.abort()");
    for signal in [controller.signal(), call_js(&static_abort, &[])] {
        let fetch = CountingFetch::new();
        let options = lane.options();
        set(&options, "signal", signal);
        set(&options, "fetch", fetch.function.clone());
        fails_with(&options, &want("aborted")).await;
        assert_eq!(fetch.calls(), 0, "fetch was called");
    }
    assert_eq!(lane.count_all().await, 0, "no request sent");
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn abort_during_a_backoff_sleep_is_prompt() {
    let lane = lane("cancel-abort-backoff").await;
    // A 503 asking for 5 s: the client sleeps 5 s before the retry; the abort at 100 ms must end it.
    lane.script(json!({ "status": 503, "headers": { "retry-after": "5" } }))
        .await;
    let controller = abort_after(100.0);
    let options = lane.options_with(json!({ "retries": 2 }));
    set(&options, "signal", controller.signal());
    let start = now();
    fails_with(&options, &want("aborted")).await;
    let elapsed = now() - start;
    assert!(elapsed < 600.0, "aborted after {elapsed} ms, not promptly");
    assert_eq!(lane.count().await, 1);

    // Same with the plain exponential backoff (>= 200 ms): abort at 40 ms, and no retry ever follows.
    lane.script(json!({ "status": 503 })).await;
    let controller = abort_after(40.0);
    let options = lane.options_with(json!({ "retries": 2 }));
    set(&options, "signal", controller.signal());
    fails_with(&options, &want("aborted")).await;
    sleep(400.0).await;
    assert_eq!(
        lane.count().await,
        2,
        "no retry after an abort during the backoff"
    );
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn connection_refused_is_a_network_error() {
    let options = obj(json!({
        "clientId": client_id(),
        "clientSecret": secret(),
        "baseUrl": refused_url().await,
        "retries": 0,
    }));
    fails_with(&options, &want("network_error")).await;
    // Retried like any network error: retries: 1 takes a backoff (>= 200 ms) and fails the same way.
    set(&options, "retries", 1);
    let start = now();
    fails_with(&options, &want("network_error")).await;
    assert!(now() - start >= 190.0, "no backoff before the retry");
    lane("cancel-refused").await.recovers().await;
}

#[wasm_bindgen_test]
async fn connection_resets_are_network_errors() {
    let lane = lane("cancel-reset").await;
    for when in ["before-headers", "mid-body"] {
        lane.script(json!({ "normal": true, "reset": when })).await;
        let options = lane.options_with(json!({ "retries": 0 }));
        fails_with(&options, &want("network_error").status_or_none(200)).await;
    }
    assert_eq!(lane.count().await, 2);
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn nothing_is_left_behind_on_the_callers_signal_or_in_timers() {
    // Node-only introspection: listeners on an EventTarget, and the timers keeping the process alive.
    let listeners = js_fn(
        "s",
        // process.getBuiltinModule: Node >= 20.16; older ones skip this check (0).
        "return typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('node:events').getEventListeners(s, 'abort').length : 0",
    );
    let timers = js_fn(
        "",
        "return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length",
    );
    let lane = lane("cancel-cleanup").await;
    lane.script(json!([{ "status": 503 }, { "normal": true }, { "status": 403 }]))
        .await;
    let controller = AbortController::new();
    let count =
        |f: &js_sys::Function, args: &[wasm_bindgen::JsValue]| call_js(f, args).as_f64().unwrap();
    sleep(0.0).await;
    let timers_before = count(&timers, &[]);
    for round in 0..3 {
        // default timeoutMs (10 s): a timer that was not cleared would still be pending afterwards.
        let options = lane.options_with(json!({ "timeoutMs": 10_000 }));
        set(&options, "signal", controller.signal());
        let result = call(&options).await;
        // round 0: 503 then a token; round 1: 403; round 2: a token
        assert_eq!(result.is_ok(), round != 1, "round {round}");
        sleep(0.0).await;
        assert_eq!(
            count(&listeners, &[controller.signal()]),
            0.0,
            "round {round}: abort listeners left"
        );
        assert_eq!(
            count(&timers, &[]),
            timers_before,
            "round {round}: timers left"
        );
    }
    assert_eq!(lane.count().await, 4);
    lane.recovers().await;
}

/// `createOAuthToken(options)` raced against `limit_ms`: `None` if it had not settled by then.
async fn settles_within(
    options: &wasm_bindgen::JsValue,
    limit_ms: f64,
) -> Option<Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>> {
    use wasm_bindgen_futures::{future_to_promise, JsFuture};
    let o = options.clone();
    let call = future_to_promise(async move {
        let r = call(&o).await;
        let out = js_sys::Array::new();
        out.push(&wasm_bindgen::JsValue::from_bool(r.is_ok()));
        out.push(&r.unwrap_or_else(|e| e));
        Ok(out.into())
    });
    let timer = call_js(
        &js_fn(
            "ms",
            "return new Promise((r) => setTimeout(() => r('hung'), ms))",
        ),
        &[limit_ms.into()],
    );
    let race = js_sys::Promise::race(&js_sys::Array::of2(&call, &timer));
    let v = JsFuture::from(race).await.unwrap();
    if v.as_string().as_deref() == Some("hung") {
        return None;
    }
    let v = js_sys::Array::from(&v);
    Some(if v.get(0).is_truthy() {
        Ok(v.get(1))
    } else {
        Err(v.get(1))
    })
}

// A custom `fetch` that ignores `init.signal` (a test double, a wrapper that drops it), or hands back
// a Response whose body is not tied to it, must still end at `timeoutMs` or on an abort: the library
// must race the fetch call and the body read against its own timer and the caller's signal.
#[wasm_bindgen_test]
async fn timeout_and_abort_do_not_depend_on_fetch_honouring_the_signal() {
    let never = js_fn("", "return new Promise(() => {})");
    let endless_body = js_fn(
        "",
        "return Promise.resolve(new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('{')); } }), { status: 200 }))",
    );
    let mut hung = Vec::new();
    for (label, f) in [
        ("fetch never settles", &never),
        ("body never ends", &endless_body),
    ] {
        let options = obj(json!({
            "clientId": client_id(), "clientSecret": secret(),
            "baseUrl": "http://127.0.0.1:1", "timeoutMs": 150, "retries": 0
        }));
        set(&options, "fetch", f.clone());
        match settles_within(&options, 1500.0).await {
            None => hung.push(format!(
                "{label}: timeoutMs 150 did not end it within 1.5 s"
            )),
            Some(r) => {
                let err = r.expect_err("a token from a fetch that never answers");
                check(&err, &options, &want("timeout").status_or_none(200));
            }
        }
        let controller = abort_after(50.0);
        let options = obj(json!({
            "clientId": client_id(), "clientSecret": secret(),
            "baseUrl": "http://127.0.0.1:1", "retries": 0
        }));
        set(&options, "fetch", f.clone());
        set(&options, "signal", controller.signal());
        match settles_within(&options, 1500.0).await {
            None => hung.push(format!(
                "{label}: an abort at 50 ms did not end it within 1.5 s"
            )),
            Some(r) => {
                let err = r.expect_err("a token from a fetch that never answers");
                check(&err, &options, &want("aborted").status_or_none(200));
            }
        }
    }
    assert!(hung.is_empty(), "still pending:\n{}", hung.join("\n"));
}
