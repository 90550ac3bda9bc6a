//! Non-2xx answers that are not retried: 403, RFC 6749 400/401, other 4xx, and redirects (never followed).

use crate::support::*;
use serde_json::json;
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
async fn wrong_credentials_are_invalid_credentials_and_not_retried() {
    let lane = lane("http-403").await;
    let wrong_secret = format!("{}-wrong", secret());
    let cases = [
        ("wrong secret", client_id(), wrong_secret),
        ("unknown client", "nobody".to_string(), secret()),
    ];
    for (label, id, s) in cases {
        let before = lane.count().await;
        let options = lane.options_with(json!({ "clientId": id, "clientSecret": s, "retries": 2 }));
        let e = fails_with(
            &options,
            &want("invalid_credentials")
                .status(403)
                .details(&[("message", "Invalid credentials")])
                .mentions("403"),
        )
        .await;
        assert!(e.message.contains("403"), "{label}");
        assert_eq!(
            lane.count().await,
            before + 1,
            "{label}: a 403 is never retried"
        );
    }
    // A scripted 403 with the right credentials, retries allowed: still one request.
    lane.script(json!({ "status": 403 })).await;
    let options = lane.options_with(json!({ "retries": 2 }));
    fails_with(
        &options,
        &want("invalid_credentials")
            .status(403)
            .details(&[("message", "Invalid credentials")]),
    )
    .await;
    assert_eq!(lane.count().await, 3);
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn bad_request_with_an_rfc6749_body() {
    let lane = lane("http-400").await;
    lane.script(json!({ "status": 400, "json": {
        "error": "unsupported_grant_type",
        "error_description": "grant_type must be client_credentials"
    }}))
    .await;
    let options = lane.options_with(json!({ "retries": 2 }));
    fails_with(
        &options,
        &want("http_error")
            .status(400)
            .details(&[
                ("error", "unsupported_grant_type"),
                ("error_description", "grant_type must be client_credentials"),
            ])
            .mentions("400"),
    )
    .await;
    assert_eq!(lane.count().await, 1, "a 400 is never retried");
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn unauthorized_with_an_rfc6749_body() {
    let lane = lane("http-401").await;
    lane.script(json!({
        "status": 401,
        "headers": { "www-authenticate": "Basic realm=\"token\"" },
        "json": {
            "error": "invalid_client",
            "error_description": "Client authentication failed",
            "error_uri": "https://example.com/errors/invalid_client",
            "code": 17
        }
    }))
    .await;
    let options = lane.options_with(json!({ "retries": 2 }));
    fails_with(
        &options,
        &want("http_error")
            .status(401)
            .details(&[
                ("error", "invalid_client"),
                ("error_description", "Client authentication failed"),
                ("error_uri", "https://example.com/errors/invalid_client"),
            ])
            .mentions("401"),
    )
    .await;
    assert_eq!(lane.count().await, 1, "a 401 is never retried");
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn other_client_errors_are_http_errors_and_not_retried() {
    let lane = lane("http-4xx").await;
    for status in [404u16, 405, 409, 418, 422] {
        let before = lane.count().await;
        lane.script(json!({ "status": status, "json": { "error": format!("e{status}") } }))
            .await;
        let options = lane.options_with(json!({ "retries": 2 }));
        fails_with(
            &options,
            &want("http_error")
                .status(status)
                .details(&[("error", &format!("e{status}"))]),
        )
        .await;
        assert_eq!(lane.count().await, before + 1, "{status} is never retried");
    }
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn details_keep_unicode_and_odd_keys_as_plain_data() {
    let lane = lane("http-details-odd").await;
    lane.script(json!({ "status": 400, "json": {
        "__proto__": "not a prototype",
        "constructor": "c",
        "error": "invalid_request",
        "error_description": "grant_type fehlt – ü 🙂"
    }}))
    .await;
    let err = fail(&lane.options()).await;
    check(
        &err,
        &lane.options(),
        &want("http_error").status(400).details(&[
            ("__proto__", "not a prototype"),
            ("constructor", "c"),
            ("error", "invalid_request"),
            ("error_description", "grant_type fehlt – ü 🙂"),
        ]),
    );
    let plain = js_fn(
        "d",
        "return Object.getPrototypeOf(d) === Object.prototype && ({}).polluted === undefined",
    );
    assert!(
        call_js(&plain, &[get(&err, "details")]).is_truthy(),
        "details is a plain object"
    );
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn error_bodies_without_string_members_give_no_details() {
    let lane = lane("http-no-details").await;
    let bodies = [
        json!({ "status": 400, "body": "<html><body>Bad Request</body></html>" }),
        json!({ "status": 400, "body": "" }),
        json!({ "status": 400, "json": { "error": 5, "nested": { "message": "x" } } }),
        json!({ "status": 400, "json": ["invalid_request"] }),
        json!({ "status": 400, "rawBytesBase64": "/w==" }),
        // Too large to be read whole: no details, and no hang.
        json!({ "status": 400, "bodyBytes": 8 << 20 }),
        json!({ "status": 400, "bodyBytes": 8 << 20, "contentLength": true }),
    ];
    for step in bodies {
        lane.script(step).await;
        fails_with(&lane.options(), &want("http_error").status(400)).await;
    }
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn a_redirect_to_another_host_is_not_followed() {
    let lane = lane("http-redirect-other").await;
    let path = format!("/r/{}", lane.name);
    for status in [302u16, 307, 308] {
        lane.script(json!({
            "status": status,
            "headers": { "location": format!("{}{path}/{status}", other_url().await) }
        }))
        .await;
        let before = lane.count().await;
        let options = lane.options_with(json!({ "retries": 2 }));
        fails_with(
            &options,
            &want("http_error")
                .status(status)
                .mentions(&status.to_string()),
        )
        .await;
        assert_eq!(lane.count().await, before + 1, "{status} is not retried");
    }
    sleep(100.0).await; // anything in flight would land by now
    let hits = other_hits(&path).await;
    assert!(
        hits.is_empty(),
        "the other host received {} request(s) (with credentials: {})",
        hits.len(),
        hits.iter().filter(|h| h.2).count()
    );
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn a_redirect_to_the_mock_redirect_target_is_not_followed() {
    let lane = lane("http-redirect-target").await;
    for status in [301u16, 302, 303, 307, 308] {
        // No Location given: the mock points it at `<lane>/redirect-target`, which answers a token.
        lane.script(json!({ "status": status })).await;
        fails_with(&lane.options(), &want("http_error").status(status)).await;
    }
    sleep(100.0).await;
    let log = lane.log().await;
    let paths: Vec<String> = log
        .iter()
        .filter_map(|e| get(e, "path").as_string())
        .collect();
    assert_eq!(
        paths,
        vec!["/oauth/token"; 5],
        "only the token endpoint was requested"
    );
    assert_eq!(lane.count_all().await, 5);
    lane.recovers().await;
}
