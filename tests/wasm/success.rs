//! 200 variants: the two shapes the service is seen to send, `Bearer` in any case, `scope`, numeric-string
//! `expires_in`, extra fields, and `expires_at` counted from when the request was sent.

use crate::support::*;
use serde_json::{json, Value};
use wasm_bindgen_test::*;

/// Run `options`, and check `expires_at` lies between (before + expires_in) and (after + expires_in).
async fn timed_ok(options: &js_sys::Object) -> Token {
    let before = now();
    let token = ok(options).await;
    let after = now();
    let ms = token.expires_in * 1000.0;
    assert!(
        token.expires_at >= before + ms && token.expires_at <= after + ms,
        "expires_at {} not within [{}, {}] + {ms}",
        token.expires_at,
        before,
        after
    );
    token
}

fn keys(extra: &[&str]) -> Vec<String> {
    let mut k: Vec<String> = TOKEN_KEYS
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect();
    k.sort();
    k
}

#[wasm_bindgen_test]
async fn the_mock_shape_lowercase_bearer() {
    // {"access_token":"<56 hex>","expires_in":3600,"token_type":"bearer"}
    let lane = lane("ok-shape-1").await;
    let t = timed_ok(&lane.options()).await;
    assert_eq!(t.access_token.len(), 56);
    assert!(t.access_token.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(t.token_type, "bearer");
    assert_eq!(t.expires_in, 3600.0);
    assert_eq!(t.scope, None);
    assert_eq!(t.keys, keys(&[]), "no scope key when the server sent none");
}

#[wasm_bindgen_test]
async fn the_second_shape_capital_bearer() {
    // {"access_token":"eyJ0eXAi...","token_type":"Bearer","expires_in":3600}
    let lane = lane("ok-shape-2").await;
    lane.script(json!({
        "status": 200,
        "body": r#"{"access_token":"eyJ0eXAiOiJKV1QifQ.e30.sig","token_type":"Bearer","expires_in":3600}"#
    }))
    .await;
    let t = timed_ok(&lane.options()).await;
    assert_eq!(t.access_token, "eyJ0eXAiOiJKV1QifQ.e30.sig");
    assert_eq!(t.token_type, "Bearer", "token_type as sent");
    assert_eq!(t.expires_in, 3600.0);
    assert_eq!(t.keys, keys(&[]));
}

#[wasm_bindgen_test]
async fn bearer_in_any_case() {
    let lane = lane("ok-bearer-case").await;
    for tt in ["BEARER", "bEaReR", "Bearer", "bearer"] {
        lane.script(json!({ "normal": true, "tokenType": tt }))
            .await;
        let t = timed_ok(&lane.options()).await;
        assert_eq!(t.token_type, tt);
    }
}

#[wasm_bindgen_test]
async fn scope_is_returned_when_sent() {
    let lane = lane("ok-scope").await;
    lane.script(json!({ "normal": true, "scope": "payments:read customers:write" }))
        .await;
    let t = timed_ok(&lane.options()).await;
    assert_eq!(t.scope.as_deref(), Some("payments:read customers:write"));
    assert_eq!(t.keys, keys(&["scope"]));
    lane.script(json!({ "normal": true, "scope": "" })).await;
    let t = timed_ok(&lane.options()).await;
    assert_eq!(
        t.scope.as_deref(),
        Some(""),
        "an empty scope is still a string"
    );
}

#[wasm_bindgen_test]
async fn numeric_string_and_fractional_expires_in() {
    let lane = lane("ok-expires-in").await;
    // A numeric string is plain decimal digits ("1.5" is refused: see invalid_response).
    let cases: [(Value, f64); 6] = [
        (json!("3600"), 3600.0),
        (json!("0"), 0.0),
        (json!("007"), 7.0),
        (json!(0), 0.0),
        (json!(1.5), 1.5),
        (json!(86400), 86400.0),
    ];
    for (sent, want) in cases {
        lane.script(json!({ "normal": true, "expiresIn": sent }))
            .await;
        let t = timed_ok(&lane.options()).await;
        assert_eq!(t.expires_in, want, "expires_in {sent}");
    }
}

#[wasm_bindgen_test]
async fn extra_fields_are_ignored() {
    let lane = lane("ok-extra").await;
    lane.script(json!({ "status": 200, "json": {
        "access_token": "tok-extra",
        "token_type": "bearer",
        "expires_in": 60,
        "refresh_token": "r",
        "id_token": null,
        "nested": { "a": [1, 2, { "b": null }] },
        "list": [],
        "n": 1.5e3,
        "flag": true
    }}))
    .await;
    let t = timed_ok(&lane.options()).await;
    assert_eq!(t.access_token, "tok-extra");
    assert_eq!(t.expires_in, 60.0);
    assert_eq!(t.keys, keys(&[]), "only the token fields are returned");
}

#[wasm_bindgen_test]
async fn escapes_in_the_token_and_unicode_in_the_scope_are_kept() {
    // access_token is printable ASCII (RFC 6749 VSCHAR), however the JSON spells it; scope may be
    // any string.
    let lane = lane("ok-unicode").await;
    lane.script(json!({
        "status": 200,
        "body": r#"{"access_token":"t\u006fk-\/-\"q\" ~","token_type":"bearer","expires_in":5,"scope":"r\u00e9ad \ud83d\ude42"}"#
    }))
    .await;
    let t = timed_ok(&lane.options()).await;
    assert_eq!(t.access_token, "tok-/-\"q\" ~");
    assert_eq!(t.scope.as_deref(), Some("réad 🙂"));
}

#[wasm_bindgen_test]
async fn expires_at_counts_from_when_the_request_was_sent() {
    let lane = lane("ok-expires-at-sent").await;
    lane.script(json!({ "normal": true, "delayMs": 300 })).await;
    let before = now();
    let t = ok(&lane.options()).await;
    let after = now();
    assert!(after - before >= 300.0);
    let sent = t.expires_at - t.expires_in * 1000.0;
    assert!(
        sent >= before && sent < before + 150.0,
        "expires_at - expires_in should be the send time ({before}), got {sent} (answer at {after})"
    );
}

#[wasm_bindgen_test]
async fn other_2xx_and_gzip_are_accepted() {
    let lane = lane("ok-201-gzip").await;
    lane.script(json!([{ "status": 201 }, { "gzip": true }]))
        .await;
    let t = timed_ok(&lane.options()).await;
    assert_eq!(t.token_type, "bearer");
    let t = timed_ok(&lane.options()).await;
    assert_eq!(t.expires_in, 3600.0);
    assert_eq!(lane.count().await, 2);
}

#[wasm_bindgen_test]
async fn a_body_of_exactly_one_mib_is_accepted() {
    let lane = lane("ok-one-mib").await;
    // bodyBytes: {"access_token":"aaa…","token_type":"bearer","expires_in":3600} of exactly N bytes
    const N: usize = 1_048_576;
    const FRAME: usize = r#"{"access_token":"","token_type":"bearer","expires_in":3600}"#.len();
    for content_length in [false, true] {
        lane.script(json!({ "bodyBytes": N, "contentLength": content_length }))
            .await;
        let t = ok(&lane.options()).await;
        assert_eq!(
            t.access_token.len(),
            N - FRAME,
            "contentLength {content_length}"
        );
    }
}
