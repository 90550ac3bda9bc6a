//! `invalid_config`: every bad option is refused before any request (the lane sees nothing and a counting
//! custom fetch is never called), and what is valid (loopback http, environments) is accepted.

use crate::support::*;
use js_sys::Object;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

/// For each case: the lane's valid options with `patch` applied (a JSON object merged in, with `"$undef"`
/// meaning "delete this key"), plus a counting fetch unless the case sets `fetch` itself.
async fn each_is_invalid_config(lane: &Lane, cases: Vec<(&str, Value)>) {
    for (label, patch) in cases {
        console_log!("case: {label}");
        let options = lane.options();
        let mut own_fetch = false;
        for (k, v) in patch.as_object().expect("patch object") {
            if k == "fetch" {
                own_fetch = true;
            }
            if v == "$undef" {
                js_sys::Reflect::delete_property(&options, &JsValue::from_str(k)).unwrap();
            } else {
                set(&options, k, js(v));
            }
        }
        let fetch = CountingFetch::new();
        if !own_fetch {
            set(&options, "fetch", fetch.function.clone());
        }
        let err = fail(&options).await;
        let code = get(&err, "code").as_string().unwrap_or_default();
        assert_eq!(code, "invalid_config", "case {label}");
        check(&err, &options, &want("invalid_config"));
        assert_eq!(fetch.calls(), 0, "case {label}: fetch was called");
    }
    assert_eq!(lane.count_all().await, 0, "a request reached the mock");
    lane.recovers().await;
}

/// `new URL(url).href`: the same URL compares equal however it is spelled.
fn href(url: &str) -> String {
    call_js(
        &js_fn("u", "return new URL(u).href"),
        &[JsValue::from_str(url)],
    )
    .as_string()
    .unwrap()
}

/// `createOAuthToken(value)` for a value that is not an options object.
async fn invalid_options_value(value: JsValue, label: &str) {
    let err = fail(&value).await;
    let code = get(&err, "code").as_string().unwrap_or_default();
    assert_eq!(code, "invalid_config", "options {label}");
    check(&err, &JsValue::UNDEFINED, &want("invalid_config"));
}

#[wasm_bindgen_test]
async fn missing_or_empty_credentials() {
    let lane = lane("cfg-credentials").await;
    each_is_invalid_config(
        &lane,
        vec![
            ("no clientId", json!({ "clientId": "$undef" })),
            ("no clientSecret", json!({ "clientSecret": "$undef" })),
            ("empty clientId", json!({ "clientId": "" })),
            ("empty clientSecret", json!({ "clientSecret": "" })),
            (
                "both missing",
                json!({ "clientId": "$undef", "clientSecret": "$undef" }),
            ),
        ],
    )
    .await;
}

#[wasm_bindgen_test]
async fn credentials_of_the_wrong_type() {
    let lane = lane("cfg-credential-types").await;
    each_is_invalid_config(
        &lane,
        vec![
            ("clientId number", json!({ "clientId": 42 })),
            ("clientId null", json!({ "clientId": null })),
            (
                "clientId object",
                json!({ "clientId": { "id": "wasm-suite-client" } }),
            ),
            (
                "clientId array",
                json!({ "clientId": ["wasm-suite-client"] }),
            ),
            ("clientId bool", json!({ "clientId": true })),
            ("clientSecret number", json!({ "clientSecret": 42 })),
            ("clientSecret null", json!({ "clientSecret": null })),
            (
                "clientSecret object",
                json!({ "clientSecret": { "s": "s3cr3t-DO-NOT-LEAK" } }),
            ),
            (
                "clientSecret array",
                json!({ "clientSecret": ["s3cr3t-DO-NOT-LEAK"] }),
            ),
        ],
    )
    .await;
}

#[wasm_bindgen_test]
async fn a_colon_in_client_id() {
    let lane = lane("cfg-colon").await;
    each_is_invalid_config(
        &lane,
        vec![
            ("colon inside", json!({ "clientId": "wasm:suite" })),
            (
                "colon at the end",
                json!({ "clientId": "wasm-suite-client:" }),
            ),
            ("colon alone", json!({ "clientId": ":" })),
        ],
    )
    .await;
}

#[wasm_bindgen_test]
async fn control_characters_in_credentials() {
    let lane = lane("cfg-control-chars").await;
    let mut cases = Vec::new();
    for c in ["\n", "\r", "\t", "\u{0}", "\u{7f}", "\u{1b}", "\u{85}"] {
        cases.push((
            "in clientId",
            json!({ "clientId": format!("wasm{c}client") }),
        ));
        cases.push((
            "in clientSecret",
            json!({ "clientSecret": format!("s3cr3t-DO-NOT-LEAK{c}x") }),
        ));
    }
    cases.push((
        "CRLF header injection",
        json!({ "clientSecret": "s3cr3t-DO-NOT-LEAK\r\nX-Evil: 1" }),
    ));
    each_is_invalid_config(&lane, cases).await;
}

#[wasm_bindgen_test]
async fn bad_base_urls() {
    let lane = lane("cfg-base-url").await;
    let port = lane
        .base_url
        .trim_start_matches("http://127.0.0.1:")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let lane_path = format!("/lane/{}", lane.name);
    let cases: Vec<(String, Value)> = vec![
        (
            "no scheme".into(),
            json!(format!("127.0.0.1:{port}{lane_path}")),
        ),
        ("relative path".into(), json!(lane_path.clone())),
        (
            "protocol-relative".into(),
            json!(format!("//127.0.0.1:{port}{lane_path}")),
        ),
        ("empty".into(), json!("")),
        (
            "ftp".into(),
            json!(format!("ftp://127.0.0.1:{port}{lane_path}")),
        ),
        ("file".into(), json!("file:///etc/passwd")),
        ("javascript".into(), json!("javascript:alert(1)")),
        ("ws".into(), json!(format!("ws://127.0.0.1:{port}"))),
        (
            "http to a public host".into(),
            json!("http://public-api.alternativepayments.io"),
        ),
        ("http to a private address".into(), json!("http://10.0.0.1")),
        (
            "http to a look-alike of localhost".into(),
            json!("http://localhost.example.com"),
        ),
        (
            "http to 127.0.0.1.nip.io".into(),
            json!("http://127.0.0.1.nip.io"),
        ),
        ("http to [::2]".into(), json!("http://[::2]")),
        (
            "http to 0.0.0.0".into(),
            json!(format!("http://0.0.0.0:{port}")),
        ),
        ("https with no host".into(), json!("https://")),
        ("not a URL".into(), json!("not a url")),
        ("baseUrl number".into(), json!(8080)),
        ("baseUrl null".into(), json!(null)),
        (
            "baseUrl object".into(),
            json!({ "href": "https://example.com" }),
        ),
    ];
    let cases: Vec<(&str, Value)> = cases
        .iter()
        .map(|(l, v)| (l.as_str(), json!({ "baseUrl": v })))
        .collect();
    each_is_invalid_config(&lane, cases).await;
}

#[wasm_bindgen_test]
async fn bad_environments() {
    let lane = lane("cfg-environment").await;
    let cases = vec![
        (
            "staging",
            json!({ "environment": "staging", "baseUrl": "$undef" }),
        ),
        (
            "upper case",
            json!({ "environment": "PRODUCTION", "baseUrl": "$undef" }),
        ),
        ("empty", json!({ "environment": "", "baseUrl": "$undef" })),
        ("number", json!({ "environment": 1, "baseUrl": "$undef" })),
        ("null", json!({ "environment": null, "baseUrl": "$undef" })),
        (
            "bad environment next to a baseUrl",
            json!({ "environment": "sandbox" }),
        ),
    ];
    each_is_invalid_config(&lane, cases).await;
}

#[wasm_bindgen_test]
async fn bad_timeouts_and_retries() {
    let lane = lane("cfg-numbers").await;
    let mut cases = vec![
        ("timeoutMs 0", json!({ "timeoutMs": 0 })),
        ("timeoutMs -1", json!({ "timeoutMs": -1 })),
        ("timeoutMs string", json!({ "timeoutMs": "100" })),
        ("timeoutMs null", json!({ "timeoutMs": null })),
        (
            "timeoutMs over setTimeout's range",
            json!({ "timeoutMs": 2_147_483_648u64 }),
        ),
        ("retries -1", json!({ "retries": -1 })),
        ("retries 1.5", json!({ "retries": 1.5 })),
        ("retries string", json!({ "retries": "2" })),
        ("retries null", json!({ "retries": null })),
        ("retries huge", json!({ "retries": 1e9 })),
    ];
    // NaN and Infinity are not JSON: set through JS.
    for (label, key, value) in [
        ("timeoutMs NaN", "timeoutMs", f64::NAN),
        ("timeoutMs Infinity", "timeoutMs", f64::INFINITY),
        ("retries NaN", "retries", f64::NAN),
        ("retries Infinity", "retries", f64::INFINITY),
    ] {
        let fetch = CountingFetch::new();
        let options = lane.options();
        set(&options, key, value);
        set(&options, "fetch", fetch.function.clone());
        check(&fail(&options).await, &options, &want("invalid_config"));
        assert_eq!(fetch.calls(), 0, "{label}");
    }
    cases.push(("both bad", json!({ "timeoutMs": -5, "retries": -5 })));
    each_is_invalid_config(&lane, cases).await;
}

#[wasm_bindgen_test]
async fn fetch_that_is_not_a_function() {
    let lane = lane("cfg-fetch").await;
    each_is_invalid_config(
        &lane,
        vec![
            ("string", json!({ "fetch": "fetch" })),
            ("number", json!({ "fetch": 42 })),
            ("object", json!({ "fetch": {} })),
            ("null", json!({ "fetch": null })),
            ("true", json!({ "fetch": true })),
        ],
    )
    .await;
}

#[wasm_bindgen_test]
async fn options_that_are_not_an_object() {
    invalid_options_value(JsValue::UNDEFINED, "undefined").await;
    invalid_options_value(JsValue::NULL, "null").await;
    invalid_options_value(JsValue::from_f64(42.0), "number").await;
    invalid_options_value(
        JsValue::from_str("wasm-suite-client:s3cr3t-DO-NOT-LEAK"),
        "string",
    )
    .await;
    invalid_options_value(JsValue::TRUE, "true").await;
    invalid_options_value(js_sys::Symbol::for_("options").into(), "symbol").await;
    invalid_options_value(js_sys::Array::new().into(), "array").await;
    invalid_options_value(Object::new().into(), "empty object").await;
    // A getter that throws is bad config too, not an escaped exception.
    let throwing = call_js(
        &js_fn(
            "",
            "return { get clientId() { throw new Error('getter threw s3cr3t-DO-NOT-LEAK'); }, clientSecret: 's3cr3t-DO-NOT-LEAK' }",
        ),
        &[],
    );
    invalid_options_value(throwing, "throwing getter").await;
    lane("cfg-not-object").await.recovers().await;
}

#[wasm_bindgen_test]
async fn loopback_http_and_https_anywhere_are_accepted() {
    // Valid config reaches fetch: a failing fake fetch shows the URL asked for, without any network.
    let refused_port = refused_url().await.rsplit(':').next().unwrap().to_string();
    let cases: Vec<(Value, String)> = vec![
        (
            json!({ "baseUrl": format!("http://localhost:{refused_port}") }),
            format!("http://localhost:{refused_port}/oauth/token"),
        ),
        (
            json!({ "baseUrl": format!("HTTP://LOCALHOST:{refused_port}/x/") }),
            format!("http://localhost:{refused_port}/x/oauth/token"),
        ),
        (
            json!({ "baseUrl": format!("http://127.9.9.9:{refused_port}") }),
            format!("http://127.9.9.9:{refused_port}/oauth/token"),
        ),
        (
            json!({ "baseUrl": format!("http://[::1]:{refused_port}") }),
            format!("http://[::1]:{refused_port}/oauth/token"),
        ),
        (
            json!({ "baseUrl": "https://auth.example.com/v1" }),
            "https://auth.example.com/v1/oauth/token".into(),
        ),
        (
            json!({ "baseUrl": "https://auth.example.com:443/" }),
            "https://auth.example.com/oauth/token".into(),
        ),
        (
            json!({ "baseUrl": "$undef" }),
            "https://public-api.alternativepayments.io/oauth/token".into(),
        ),
        (
            json!({ "baseUrl": "$undef", "environment": "production" }),
            "https://public-api.alternativepayments.io/oauth/token".into(),
        ),
        (
            json!({ "baseUrl": "$undef", "environment": "demo" }),
            "https://public-api.demo.alternativepayments.io/oauth/token".into(),
        ),
        (
            json!({ "environment": "demo" }),
            "http://127.0.0.1:1/oauth/token".into(),
        ),
    ];
    for (patch, url) in cases {
        let options = obj(json!({
            "clientId": client_id(),
            "clientSecret": secret(),
            "baseUrl": "http://127.0.0.1:1",
            "retries": 0,
        }));
        for (k, v) in patch.as_object().unwrap() {
            if v == "$undef" {
                js_sys::Reflect::delete_property(&options, &JsValue::from_str(k)).unwrap();
            } else {
                set(&options, k, js(v));
            }
        }
        let fetch = CountingFetch::failing();
        set(&options, "fetch", fetch.function.clone());
        fails_with(&options, &want("network_error")).await;
        let urls: Vec<String> = fetch.urls().iter().map(|u| href(u)).collect();
        assert_eq!(urls, vec![href(&url)], "options {patch}");
    }
    lane("cfg-accepted").await.recovers().await;
}
