//! One options object used for many calls: `createOAuthToken` reads and validates the object afresh on
//! every call, so a value changed since the previous call (credentials, `baseUrl`, `fetch`, `signal`, a
//! getter that now throws, ...) is seen on the next call, exactly as if the object were new.

use crate::support::*;
use serde_json::json;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
async fn a_changed_secret_or_client_id_is_used_on_the_next_call() {
    let lane = lane("reread-credentials").await;
    let options = lane.options();
    ok(&options).await;
    ok(&options).await;
    set(&options, "clientSecret", format!("{}-wrong", secret()));
    fails_with(
        &options,
        &want("invalid_credentials").status(403).any_details(),
    )
    .await;
    set(&options, "clientSecret", secret());
    ok(&options).await;
    set(&options, "clientId", "nobody");
    fails_with(
        &options,
        &want("invalid_credentials").status(403).any_details(),
    )
    .await;
    set(&options, "clientId", client_id());
    ok(&options).await;
    assert_eq!(lane.count().await, 6, "every call sent its own request");
    let auths: Vec<String> = lane
        .log()
        .await
        .iter()
        .map(|r| {
            get(&get(r, "headers"), "authorization")
                .as_string()
                .unwrap_or_default()
        })
        .collect();
    // Compared, never printed: the header is the credential.
    let right = basic(&client_id(), &secret());
    let wrong = basic(&client_id(), &format!("{}-wrong", secret()));
    let nobody = basic("nobody", &secret());
    let expected = [&right, &right, &wrong, &right, &nobody, &right];
    assert!(
        auths.iter().zip(expected).all(|(a, e)| a == e),
        "the Authorization header follows the options object's current values"
    );
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn a_value_made_invalid_after_a_success_is_invalid_config_and_sends_nothing() {
    let lane = lane("reread-invalid").await;
    let options = lane.options();
    ok(&options).await;
    let cases = [
        ("baseUrl", json!("ftp://127.0.0.1/x")),
        ("baseUrl", json!("http://example.com")),
        ("clientId", json!("a:b")),
        ("clientSecret", json!("")),
        ("environment", json!("staging")),
        ("timeoutMs", json!(-1)),
        ("retries", json!("2")),
        ("fetch", json!("not a function")),
        ("signal", json!({ "aborted": false })),
    ];
    for (key, bad) in cases {
        let before = lane.count().await;
        let saved = get(&options, key);
        set(&options, key, js(&bad));
        fails_with(&options, &want("invalid_config")).await;
        assert_eq!(lane.count().await, before, "{key}: nothing was sent");
        set(&options, key, saved);
        ok(&options).await;
    }
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn fetch_and_signal_are_read_on_every_call() {
    let lane = lane("reread-fetch-signal").await;
    let options = lane.options();
    ok(&options).await;
    let fetch = CountingFetch::new();
    set(&options, "fetch", fetch.function.clone());
    ok(&options).await;
    assert_eq!(
        fetch.calls(),
        1,
        "the custom fetch set after the first call is used"
    );
    let aborted = AbortController::new();
    aborted.abort();
    set(&options, "signal", aborted.signal());
    fails_with(&options, &want("aborted")).await;
    assert_eq!(fetch.calls(), 1, "an aborted signal sends nothing");
    set(&options, "signal", JsValue::NULL);
    ok(&options).await;
    assert_eq!(fetch.calls(), 2);
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn a_getter_that_throws_after_a_success_is_invalid_config() {
    let make = js_fn(
        "base, id, secret",
        "let n = 0; return { clientSecret: secret, baseUrl: base, get clientId() { if (++n > 1) throw new Error('boom'); return id; } }",
    );
    let lane = lane("reread-getter").await;
    let options = call_js(
        &make,
        &[
            JsValue::from_str(&lane.base_url),
            JsValue::from_str(&client_id()),
            JsValue::from_str(&secret()),
        ],
    );
    ok(&options).await;
    fails_with(&options, &want("invalid_config").mentions("clientId")).await;
    assert_eq!(lane.count().await, 1);
    lane.recovers().await;
}
