//! The options object as serde reads it: the data options of `createOAuthToken` and `TokenClient`
//! (clientId, clientSecret, environment, baseUrl, timeoutMs, retries, refreshSkewSeconds) with their
//! JSON kinds, type-checked into [`Options`] with messages that name the option. The wasm layer reads
//! each option of the caller's object once (getters and inherited values included) and hands the
//! values to serde-wasm-bindgen; the JavaScript handles (`fetch`, `signal`, `store`, `onStoreError`,
//! `onFleetEvent`) are kept as JavaScript values there.

use serde::{Deserialize, Deserializer};

use crate::body::Value;
use crate::cache::DEFAULT_SKEW_SECONDS;
use crate::config::Options;
use crate::error::Error;

/// The data options, in the order they are read.
pub const DATA_KEYS: [&str; 7] = [
    "clientId",
    "clientSecret",
    "environment",
    "baseUrl",
    "timeoutMs",
    "retries",
    "refreshSkewSeconds",
];

/// The data options as given: `None` when absent (or `undefined`), `Some(Value::Null)` for `null`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RawOptions {
    /// `clientId`
    #[serde(default, deserialize_with = "present")]
    pub client_id: Option<Value>,
    /// `clientSecret`
    #[serde(default, deserialize_with = "present")]
    pub client_secret: Option<Value>,
    /// `environment`
    #[serde(default, deserialize_with = "present")]
    pub environment: Option<Value>,
    /// `baseUrl`
    #[serde(default, deserialize_with = "present")]
    pub base_url: Option<Value>,
    /// `timeoutMs`
    #[serde(default, deserialize_with = "present")]
    pub timeout_ms: Option<Value>,
    /// `retries`
    #[serde(default, deserialize_with = "present")]
    pub retries: Option<Value>,
    /// `refreshSkewSeconds` (TokenClient)
    #[serde(default, deserialize_with = "present")]
    pub refresh_skew_seconds: Option<Value>,
}

/// A member that is present: `null` is kept as `Some(Value::Null)` (serde would read it as absent).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// What kind of value an option takes (for its type error).
#[derive(Clone, Copy)]
enum Kind {
    RequiredString,
    String,
    Number,
}

fn kind(key: &str) -> Kind {
    match key {
        "clientId" | "clientSecret" => Kind::RequiredString,
        "environment" | "baseUrl" => Kind::String,
        _ => Kind::Number,
    }
}

/// The `invalid_config` error for option `key` holding a value of the wrong type.
pub fn wrong_type(key: &str) -> Error {
    Error::config(match kind(key) {
        Kind::RequiredString => format!("{key} must be a non-empty string"),
        Kind::String => format!("{key} must be a string"),
        Kind::Number => format!("{key} must be a number"),
    })
}

/// The `invalid_config` error for an options argument that is not an object.
pub fn not_an_object() -> Error {
    Error::config("options must be an object with clientId and clientSecret")
}

/// The `invalid_config` error for option `key` whose getter (or proxy trap) threw.
pub fn read_failed(key: &str) -> Error {
    Error::config(format!("reading option {key} threw an exception"))
}

fn string(key: &str, v: &Option<Value>) -> Result<Option<String>, Error> {
    match v {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(wrong_type(key)),
    }
}

fn number(key: &str, v: &Option<Value>) -> Result<Option<f64>, Error> {
    match v {
        None => Ok(None),
        Some(Value::Number(n)) => Ok(Some(*n)),
        Some(_) => Err(wrong_type(key)),
    }
}

impl RawOptions {
    /// The type-checked core options (validated further by [`crate::config::validate`]).
    pub fn options(&self) -> Result<Options, Error> {
        let required =
            |key: &str, v: &Option<Value>| string(key, v)?.ok_or_else(|| wrong_type(key));
        Ok(Options {
            client_id: required("clientId", &self.client_id)?,
            client_secret: required("clientSecret", &self.client_secret)?,
            environment: string("environment", &self.environment)?,
            base_url: string("baseUrl", &self.base_url)?,
            timeout_ms: number("timeoutMs", &self.timeout_ms)?,
            retries: number("retries", &self.retries)?,
        })
    }

    /// `refreshSkewSeconds`: default [`DEFAULT_SKEW_SECONDS`], else a finite number >= 0.
    pub fn refresh_skew_seconds(&self) -> Result<f64, Error> {
        match number("refreshSkewSeconds", &self.refresh_skew_seconds)? {
            None => Ok(DEFAULT_SKEW_SECONDS),
            Some(s) if s.is_finite() && s >= 0.0 => Ok(s),
            Some(_) => Err(Error::config(
                "refreshSkewSeconds must be a number of seconds >= 0",
            )),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn raw(json: &str) -> RawOptions {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn reads_and_type_checks() {
        let o = raw(r#"{"clientId":"id","clientSecret":"s","baseUrl":"http://127.0.0.1:1","timeoutMs":5,"other":[1]}"#)
            .options()
            .unwrap();
        assert_eq!(o.client_id, "id");
        assert_eq!(o.base_url.as_deref(), Some("http://127.0.0.1:1"));
        assert_eq!(o.timeout_ms, Some(5.0));
        assert_eq!(o.retries, None);
        for (json, message) in [
            (
                r#"{"clientSecret":"s"}"#,
                "clientId must be a non-empty string",
            ),
            (
                r#"{"clientId":1,"clientSecret":"s"}"#,
                "clientId must be a non-empty string",
            ),
            (
                r#"{"clientId":"i","clientSecret":null}"#,
                "clientSecret must be a non-empty string",
            ),
            (
                r#"{"clientId":"i","clientSecret":"s","environment":null}"#,
                "environment must be a string",
            ),
            (
                r#"{"clientId":"i","clientSecret":"s","baseUrl":["x"]}"#,
                "baseUrl must be a string",
            ),
            (
                r#"{"clientId":"i","clientSecret":"s","timeoutMs":"5"}"#,
                "timeoutMs must be a number",
            ),
            (
                r#"{"clientId":"i","clientSecret":"s","retries":true}"#,
                "retries must be a number",
            ),
        ] {
            assert_eq!(raw(json).options().unwrap_err().message, message, "{json}");
        }
    }

    #[test]
    fn refresh_skew() {
        assert_eq!(
            raw("{}").refresh_skew_seconds().unwrap(),
            DEFAULT_SKEW_SECONDS
        );
        assert_eq!(
            raw(r#"{"refreshSkewSeconds":0}"#)
                .refresh_skew_seconds()
                .unwrap(),
            0.0
        );
        for bad in ["-1", "null", "\"5\""] {
            let json = format!(r#"{{"refreshSkewSeconds":{bad}}}"#);
            assert!(raw(&json).refresh_skew_seconds().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_data_key_has_a_type_error_naming_it() {
        for key in DATA_KEYS {
            assert!(wrong_type(key).message.starts_with(key));
        }
    }
}
