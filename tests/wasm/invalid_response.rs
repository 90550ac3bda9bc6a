//! 2xx bodies that are not valid token responses: `invalid_response`, one request (never retried), and
//! the module still works afterwards.

use crate::support::*;
use serde_json::{json, Value};
use wasm_bindgen_test::*;

/// Script each step on `lane` and expect `invalid_response` (status is that of the 2xx answer).
async fn each_is_invalid(lane: &Lane, steps: Vec<(&str, Value)>) {
    for (label, step) in steps {
        let status = step.get("status").and_then(Value::as_u64).unwrap_or(200) as u16;
        console_log!("case: {label}");
        let before = lane.count().await;
        lane.script(step).await;
        let options = lane.options_with(json!({ "retries": 2 }));
        let err = fail(&options).await;
        let code = get(&err, "code").as_string().unwrap_or_default();
        assert_eq!(code, "invalid_response", "case {label}");
        // The status should be there (see `invalid_response_carries_the_http_status`, ignored).
        let got = check(
            &err,
            &options,
            &want("invalid_response").status_or_none(status),
        );
        assert_eq!(got.code, "invalid_response");
        assert_eq!(lane.count().await, before + 1, "case {label}: not retried");
    }
    lane.recovers().await;
}

fn body(text: &str) -> Value {
    json!({ "status": 200, "body": text })
}

fn token_json(members: Value) -> Value {
    json!({ "status": 200, "json": members })
}

#[wasm_bindgen_test]
async fn bodies_that_are_not_a_json_object() {
    let lane = lane("ir-not-json").await;
    each_is_invalid(
        &lane,
        vec![
            ("html", body("<html><body>OK</body></html>")),
            ("truncated", body(r#"{"access_token":"a","token_type":"bearer","#)),
            ("trailing garbage", body(r#"{"access_token":"a","token_type":"bearer","expires_in":1} x"#)),
            ("form encoded", body("access_token=a&token_type=bearer&expires_in=3600")),
            ("null", body("null")),
            ("array", body(r#"[{"access_token":"a","token_type":"bearer","expires_in":1}]"#)),
            ("string", body(r#""a""#)),
            ("number", body("42")),
            ("true", body("true")),
            // {"access_token":"\xff","token_type":"bearer","expires_in":1} with an invalid UTF-8 byte
            (
                "invalid utf-8",
                json!({ "status": 200, "rawBytesBase64": "eyJhY2Nlc3NfdG9rZW4iOiL/IiwidG9rZW5fdHlwZSI6ImJlYXJlciIsImV4cGlyZXNfaW4iOjF9" }),
            ),
        ],
    )
    .await;
}

#[wasm_bindgen_test]
async fn fields_of_the_wrong_type() {
    let lane = lane("ir-types").await;
    let ok_fields = json!({ "access_token": "a", "token_type": "bearer", "expires_in": 60 });
    let with = |key: &str, value: Value| {
        let mut m = ok_fields.clone();
        m[key] = value;
        token_json(m)
    };
    each_is_invalid(
        &lane,
        vec![
            ("access_token number", with("access_token", json!(123))),
            ("access_token null", with("access_token", Value::Null)),
            (
                "access_token object",
                with("access_token", json!({ "v": "a" })),
            ),
            ("access_token array", with("access_token", json!(["a"]))),
            ("token_type number", with("token_type", json!(1))),
            ("token_type bool", with("token_type", json!(true))),
            ("token_type null", with("token_type", Value::Null)),
            ("expires_in bool", with("expires_in", json!(true))),
            ("expires_in null", with("expires_in", Value::Null)),
            ("expires_in array", with("expires_in", json!([60]))),
            ("expires_in object", with("expires_in", json!({}))),
            ("scope number", with("scope", json!(5))),
            ("scope array", with("scope", json!(["read"]))),
            ("scope object", with("scope", json!({ "read": true }))),
        ],
    )
    .await;
}

#[wasm_bindgen_test]
async fn missing_fields() {
    let lane = lane("ir-missing").await;
    each_is_invalid(
        &lane,
        vec![
            (
                "no access_token",
                json!({ "normal": true, "accessToken": null }),
            ),
            (
                "no token_type",
                json!({ "normal": true, "tokenType": null }),
            ),
            (
                "no expires_in",
                json!({ "normal": true, "expiresIn": null }),
            ),
            ("empty object", token_json(json!({}))),
        ],
    )
    .await;
}

#[wasm_bindgen_test]
async fn bad_expires_in_values() {
    let lane = lane("ir-expires-in").await;
    let with = |v: Value| json!({ "normal": true, "expiresIn": v });
    let raw = |n: &str| {
        body(&format!(
            r#"{{"access_token":"a","token_type":"bearer","expires_in":{n}}}"#
        ))
    };
    each_is_invalid(
        &lane,
        vec![
            ("-1", with(json!(-1))),
            ("-0.5", with(json!(-0.5))),
            ("'-5'", with(json!("-5"))),
            ("'NaN'", with(json!("NaN"))),
            ("'abc'", with(json!("abc"))),
            ("''", with(json!(""))),
            ("'Infinity'", with(json!("Infinity"))),
            ("1e300", with(json!(1e300))),
            ("'1e300'", with(json!("1e300"))),
            ("1e400 (overflows to infinity)", raw("1e400")),
            ("-1e400", raw("-1e400")),
        ],
    )
    .await;
}

#[wasm_bindgen_test]
async fn a_token_type_other_than_bearer_and_an_empty_token() {
    let lane = lane("ir-type-token").await;
    let tt = |v: &str| json!({ "normal": true, "tokenType": v });
    each_is_invalid(
        &lane,
        vec![
            ("mac", tt("mac")),
            ("MAC", tt("MAC")),
            ("empty token_type", tt("")),
            ("bearer with a space", tt("bearer ")),
            ("bearerx", tt("bearerx")),
            ("DPoP", tt("DPoP")),
            (
                "empty access_token",
                json!({ "normal": true, "accessToken": "" }),
            ),
        ],
    )
    .await;
}

#[wasm_bindgen_test]
async fn empty_bodies() {
    let lane = lane("ir-empty").await;
    each_is_invalid(
        &lane,
        vec![
            ("empty", body("")),
            ("white space", body(" \r\n\t ")),
            ("204 no content", json!({ "status": 204 })),
        ],
    )
    .await;
}

#[wasm_bindgen_test]
async fn bodies_over_one_mib() {
    let lane = lane("ir-over-1mib").await;
    let start = now();
    each_is_invalid(
        &lane,
        vec![
            ("1 MiB + 1, chunked", json!({ "bodyBytes": 1_048_577 })),
            (
                "1 MiB + 1, content-length",
                json!({ "bodyBytes": 1_048_577, "contentLength": true }),
            ),
            (
                "8 MiB, content-length",
                json!({ "bodyBytes": 8 << 20, "contentLength": true }),
            ),
            // Not buffered whole: 256 MiB streamed without a length is refused after the first MiB.
            ("256 MiB, chunked", json!({ "bodyBytes": 256u64 << 20 })),
            // A small gzip body that inflates past the cap.
            (
                "8 MiB gzipped",
                json!({ "bodyBytes": 8 << 20, "gzip": true }),
            ),
        ],
    )
    .await;
    let elapsed = now() - start;
    assert!(
        elapsed < 10_000.0,
        "took {elapsed} ms: the body is read past the cap"
    );
}

// BUG (src/wasm/transport.rs): an `invalid_response` error has no `status`, although the contract says
// `status` is "HTTP status when there was a response" and a 2xx answer is one. Un-ignore once
// `attempt_once` adds `.with_status(status)` to the errors of a 2xx body.
#[wasm_bindgen_test]
async fn invalid_response_carries_the_http_status() {
    let lane = lane("ir-status").await;
    for (step, status) in [
        (json!({ "normal": true, "tokenType": "mac" }), 200u16),
        (json!({ "status": 201, "body": "not json" }), 201),
        (json!({ "bodyBytes": 1_048_577 }), 200),
        (
            json!({ "bodyBytes": 1_048_577, "contentLength": true }),
            200,
        ),
    ] {
        lane.script(step).await;
        fails_with(&lane.options(), &want("invalid_response").status(status)).await;
    }
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn tokens_that_could_not_be_sent_in_a_header_and_loose_numeric_strings() {
    // access_token is 1*VSCHAR (RFC 6749 Appendix A); a numeric expires_in string is plain digits.
    let lane = lane("ir-vschar").await;
    let with = |key: &str, value: Value| {
        let mut m = json!({ "access_token": "a", "token_type": "bearer", "expires_in": 60 });
        m[key] = value;
        token_json(m)
    };
    each_is_invalid(
        &lane,
        vec![
            (
                "CR LF header injection",
                with("access_token", json!("abc\r\nX-Injected: yes")),
            ),
            ("NUL", with("access_token", json!("a\u{0}b"))),
            ("DEL", with("access_token", json!("a\u{7f}b"))),
            ("CJK", with("access_token", json!("tok\u{4e00}"))),
            (
                "expires_in with a space",
                with("expires_in", json!(" 3600")),
            ),
            (
                "expires_in with a point",
                with("expires_in", json!("3600.0")),
            ),
            ("expires_in 1.5", with("expires_in", json!("1.5"))),
            ("expires_in exponent", with("expires_in", json!("1e3"))),
        ],
    )
    .await;
}
