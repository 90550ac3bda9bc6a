//! The request on the wire, and the custom `fetch` option.

use crate::support::*;
use js_sys::{Array, Promise};
use serde_json::json;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use wasm_bindgen_test::*;

fn header(entry: &JsValue, name: &str) -> Option<String> {
    get(&get(entry, "headers"), name).as_string()
}

#[wasm_bindgen_test]
async fn the_request_on_the_wire_is_exact() {
    let lane = lane("wire-exact").await;
    ok(&lane.options()).await;
    let log = lane.log().await;
    assert_eq!(log.len(), 1, "one request");
    let r = &log[0];
    assert_eq!(get(r, "method").as_string().as_deref(), Some("POST"));
    assert_eq!(get(r, "path").as_string().as_deref(), Some("/oauth/token"));
    assert_eq!(
        get(r, "url").as_string(),
        Some(format!("/lane/{}/oauth/token", lane.name)),
        "no query string, no double slash"
    );
    // Compared, never printed: the header is the credential.
    let auth = header(r, "authorization").expect("an Authorization header");
    assert!(
        auth == basic(&client_id(), &secret()),
        "Authorization is not `Basic base64(clientId:clientSecret)`"
    );
    assert_eq!(
        header(r, "content-type").as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(header(r, "accept").as_deref(), Some("application/json"));
    assert_eq!(
        get(r, "body").as_string().as_deref(),
        Some("grant_type=client_credentials")
    );
    assert_eq!(header(r, "cookie"), None);
}

#[wasm_bindgen_test]
async fn a_trailing_slash_in_base_url_gives_the_same_path() {
    let lane = lane("wire-slash").await;
    let options = lane.options_with(json!({ "baseUrl": format!("{}/", lane.base_url) }));
    ok(&options).await;
    let log = lane.log().await;
    assert_eq!(log.len(), 1);
    assert_eq!(
        get(&log[0], "url").as_string(),
        Some(format!("/lane/{}/oauth/token", lane.name))
    );
}

#[wasm_bindgen_test]
async fn the_custom_fetch_is_used_for_every_attempt() {
    let lane = lane("wire-custom-fetch").await;
    lane.script(json!([{ "status": 503 }])).await;
    let fetch = CountingFetch::new();
    let options = lane.options_with(json!({ "retries": 2 }));
    set(&options, "fetch", fetch.function.clone());
    let token = ok(&options).await;
    assert_eq!(token.token_type, "bearer");
    assert_eq!(fetch.calls(), 2, "custom fetch calls");
    assert_eq!(lane.count().await, 2, "requests the mock saw");
    let url = format!("{}/oauth/token", lane.base_url);
    assert_eq!(fetch.urls(), vec![url.clone(), url]);
    for init in fetch.inits() {
        assert_eq!(get(&init, "method").as_string().as_deref(), Some("POST"));
        let redirect = get(&init, "redirect").as_string();
        assert!(
            matches!(redirect.as_deref(), Some("manual") | Some("error")),
            "redirect mode must stop redirects, got {redirect:?}"
        );
        assert!(get(&init, "signal").is_object(), "init.signal");
    }
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn a_custom_fetch_that_throws_or_rejects_is_a_network_error() {
    let lane = lane("wire-fetch-throws").await;
    // Both echo the Authorization header into the error message: it must not come back out.
    let throws = js_fn(
        "input, init",
        "throw new TypeError('boom: ' + JSON.stringify(init && init.headers))",
    );
    let rejects = js_fn(
        "input, init",
        "return Promise.reject(new TypeError('fetch failed: ' + JSON.stringify(init && init.headers)))",
    );
    for (label, f) in [("throws", throws), ("rejects", rejects)] {
        let options = lane.options_with(json!({ "retries": 0 }));
        set(&options, "fetch", f);
        let e = fails_with(&options, &want("network_error")).await;
        assert!(e.status.is_none(), "{label}");
    }
    // A network error is retried: retries: 1 gives two calls.
    let fetch = CountingFetch::failing();
    let options = lane.options_with(json!({ "retries": 1 }));
    set(&options, "fetch", fetch.function.clone());
    fails_with(&options, &want("network_error")).await;
    assert_eq!(fetch.calls(), 2, "network errors are retried");
    assert_eq!(lane.count().await, 0, "nothing reached the mock");
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn concurrent_requests_do_not_interfere() {
    // Five calls in flight at once on the same module: a slow success, a retried 503, a 403, a timeout
    // and a plain success. Each gets its own outcome, and all of them together take about the slowest.
    let mut lanes: Vec<Lane> = Vec::new();
    for n in ["slow", "retry", "forbidden", "timeout", "plain"] {
        lanes.push(lane(&format!("wire-concurrent-{n}")).await);
    }
    lanes[0]
        .script(json!({ "normal": true, "delayMs": 300 }))
        .await;
    lanes[1].script(json!({ "status": 503 })).await;
    lanes[2].script(json!({ "status": 403 })).await;
    lanes[3]
        .script(json!({ "normal": true, "delayMs": 1500 }))
        .await;
    let options: Vec<JsValue> = lanes
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let o = l.options();
            if i == 3 {
                set(&o, "timeoutMs", 200);
                set(&o, "retries", 0);
            }
            o.into()
        })
        .collect();
    let promises: Array = options
        .iter()
        .map(|o| {
            let o = o.clone();
            JsValue::from(future_to_promise(async move { call(&o).await }))
        })
        .collect();
    let start = now();
    let settled = JsFuture::from(Promise::all_settled(&promises))
        .await
        .unwrap();
    let elapsed = now() - start;
    let settled: Vec<JsValue> = Array::from(&settled).iter().collect();
    let outcome = |i: usize| get(&settled[i], "status").as_string().unwrap();
    for i in [0, 1, 4] {
        assert_eq!(outcome(i), "fulfilled", "call {i}");
        let token = get(&settled[i], "value");
        assert_eq!(
            get(&token, "token_type").as_string().as_deref(),
            Some("bearer")
        );
    }
    let forbidden = get(&settled[2], "reason");
    check(
        &forbidden,
        &options[2],
        &want("invalid_credentials")
            .status(403)
            .details(&[("message", "Invalid credentials")]),
    );
    check(&get(&settled[3], "reason"), &options[3], &want("timeout"));
    assert!(
        elapsed < 1200.0,
        "the calls ran one after another ({elapsed} ms)"
    );
    let counts = [1, 2, 1, 1, 1];
    for (l, c) in lanes.iter().zip(counts) {
        assert_eq!(l.count().await, c, "lane {}", l.name);
    }
    for l in &lanes {
        l.recovers().await;
    }
}
