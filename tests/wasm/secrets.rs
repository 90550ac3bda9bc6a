//! The secret and the Basic credentials appear in no error. Every rejection in every suite is already
//! scanned by `support::check`; these tests add servers and fetches that echo the credentials back, and
//! one error of each code in one place.

use crate::support::*;
use serde_json::json;
use std::collections::BTreeSet;
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
async fn credentials_echoed_by_the_server_are_redacted() {
    let lane = lane("secret-echo").await;
    let s = secret();
    let b64 = base64(&format!("{}:{s}", client_id()));
    let auth = format!("Basic {b64}");
    let echo = json!({
        "message": format!("Invalid credentials for {}:{s}", client_id()),
        "error": "invalid_client",
        "error_description": format!("got Authorization: {auth}"),
        "hint": b64,
    });
    for status in [403u16, 400, 401, 500] {
        lane.script(json!({ "status": status, "json": echo })).await;
        let code = if status == 403 {
            "invalid_credentials"
        } else {
            "http_error"
        };
        let options = lane.options_with(json!({ "retries": 0 }));
        let e = fails_with(&options, &want(code).status(status).any_details()).await;
        let keys: Vec<&str> = e
            .details
            .as_ref()
            .unwrap()
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(
            keys,
            ["error", "error_description", "hint", "message"],
            "details keep their keys"
        );
    }
    // A 2xx whose fields echo the secret (a token_type that is the secret is echoed in messages).
    for (label, step) in [
        (
            "token_type = secret",
            json!({ "normal": true, "tokenType": s }),
        ),
        (
            "expires_in = secret",
            json!({ "normal": true, "expiresIn": s }),
        ),
        (
            "not JSON, quoting the header",
            json!({ "status": 200, "body": format!("not json {auth}") }),
        ),
    ] {
        console_log!("case: {label}");
        lane.script(step).await;
        fails_with(
            &lane.options(),
            &want("invalid_response").status_or_none(200),
        )
        .await;
    }
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn a_fetch_error_that_quotes_the_request_is_redacted() {
    let lane = lane("secret-fetch-error").await;
    for body in [
        "throw new Error('request ' + JSON.stringify(init))",
        "return Promise.reject(new Error(init.headers.Authorization || init.headers.authorization))",
        "const e = new TypeError('fetch failed'); e.cause = { code: init.headers.Authorization }; throw e",
        "throw String(init.headers.Authorization)",
    ] {
        let options = lane.options_with(json!({ "retries": 0 }));
        set(&options, "fetch", js_fn("input, init", body));
        fails_with(&options, &want("network_error")).await;
    }
    lane.recovers().await;
}

#[wasm_bindgen_test]
async fn no_error_code_carries_the_secret() {
    let mut seen = BTreeSet::new();
    let mut record = |c: Checked| {
        seen.insert(c.code);
    };

    let l = lane("secret-all-codes").await;
    let base = || l.options_with(json!({ "retries": 0, "timeoutMs": 150 }));

    record(
        fails_with(
            &l.options_with(json!({ "baseUrl": "ftp://127.0.0.1/" })),
            &want("invalid_config"),
        )
        .await,
    );
    l.script(json!({ "status": 403 })).await;
    record(
        fails_with(
            &base(),
            &want("invalid_credentials").status(403).any_details(),
        )
        .await,
    );
    l.script(json!({ "status": 500 })).await;
    record(fails_with(&base(), &want("http_error").status(500).any_details()).await);
    l.script(json!({ "status": 429, "headers": { "retry-after": "3" } }))
        .await;
    record(
        fails_with(
            &base(),
            &want("rate_limited")
                .status(429)
                .any_details()
                .retry_after(3.0),
        )
        .await,
    );
    l.script(json!({ "normal": true, "tokenType": "mac" }))
        .await;
    record(fails_with(&base(), &want("invalid_response").status_or_none(200)).await);
    let refused = obj(json!({
        "clientId": client_id(), "clientSecret": secret(), "baseUrl": refused_url().await, "retries": 0
    }));
    record(fails_with(&refused, &want("network_error")).await);
    l.script(json!({ "normal": true, "delayMs": 300 })).await;
    record(fails_with(&base(), &want("timeout")).await);
    let aborted = AbortController::new();
    aborted.abort();
    let options = base();
    set(&options, "signal", aborted.signal());
    record(fails_with(&options, &want("aborted")).await);

    let all: BTreeSet<String> = CODES.iter().map(|c| c.to_string()).collect();
    assert_eq!(seen, all, "one error of every code was checked");
    l.recovers().await;
}

// BUG (src/response.rs + src/error.rs): server text is truncated (echoed token_type / expires_in to 40
// chars, the server's message in `message` to 200, detail values to 1024) *before* `Error::redact`
// runs, and redact only replaces whole occurrences. So when the cut falls inside an echoed secret or
// Basic header, the surviving head of it is not redacted: e.g. token_type = the Basic header gives the
// message `token_type must be "bearer", got "Basic d2FzbS1zdWl0ZS1jbGllbnQ6czNjcjN0LU…"`, whose base64
// decodes to "wasm-suite-client:s3cr3t-". Un-ignore once secrets are redacted before truncating.
#[wasm_bindgen_test]
async fn truncated_echoes_of_the_credentials_are_redacted() {
    let lane = lane("secret-truncated-echo").await;
    let s = secret();
    let auth = basic(&client_id(), &s);
    let pad = |n: usize| "x".repeat(n);
    let cases = [
        // 40-char echoes of token_type / expires_in: the header is 66 chars long.
        (
            "token_type = Basic header",
            json!({ "normal": true, "tokenType": auth }),
            "invalid_response",
            200u16,
        ),
        (
            "expires_in = Basic header",
            json!({ "normal": true, "expiresIn": auth }),
            "invalid_response",
            200,
        ),
        (
            "token_type = base64 credentials",
            json!({ "normal": true, "tokenType": base64(&format!("{}:{s}", client_id())) }),
            "invalid_response",
            200,
        ),
        // The server's message is cut at 200 chars inside the header / the secret.
        (
            "403 message cut inside the header",
            json!({ "status": 403, "json": { "message": format!("{} {auth}", pad(153)) } }),
            "invalid_credentials",
            403,
        ),
        (
            "403 message cut inside the secret",
            json!({ "status": 403, "json": { "message": format!("{}{s}", pad(190)) } }),
            "invalid_credentials",
            403,
        ),
        // Detail values are cut at 1024 chars.
        (
            "400 error_description cut inside the header",
            json!({ "status": 400, "json": { "error": "invalid_client", "error_description": format!("{} {auth}", pad(977)) } }),
            "http_error",
            400,
        ),
    ];
    let mut leaks = Vec::new();
    for (label, step, code, status) in cases {
        lane.script(step).await;
        let options = lane.options_with(json!({ "retries": 0 }));
        let err = fail(&options).await;
        assert_eq!(
            get(&err, "code").as_string().as_deref(),
            Some(code),
            "{label}"
        );
        assert_eq!(
            get(&err, "status").as_f64().unwrap_or(f64::from(status)),
            f64::from(status)
        );
        if let Some((surface, at, len)) = find_leak(&err, &options) {
            leaks.push(format!("{label}: in {surface} at byte {at} of {len}"));
        }
    }
    assert!(
        leaks.is_empty(),
        "pieces of the credentials leaked:\n{}",
        leaks.join("\n")
    );
    lane.recovers().await;
}
