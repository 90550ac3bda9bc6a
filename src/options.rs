//! The options object as serde reads it: the data options of `createOAuthToken` and `TokenClient`
//! (clientId, clientSecret, environment, baseUrl, timeoutMs, retries, refreshSkewSeconds) with their
//! JSON kinds, type-checked into [`Options`] with messages that name the option. The wasm layer reads
//! each option of the caller's object once (getters and inherited values included) and hands the
//! values to serde-wasm-bindgen; the JavaScript handles (`fetch`, `signal`, `store`, `onStoreError`,
//! `onFleetEvent`) are kept as JavaScript values there.

use serde::{Deserialize, Deserializer};

use crate::cache::DEFAULT_SKEW_SECONDS;
use crate::config::Options;
use crate::error::Error;

/// The data options, in the order they are read: a token request's, then the one a `TokenClient`
/// reads besides (`refreshSkewSeconds`, last).
pub const DATA_KEYS: [&str; 7] = [
    "clientId",
    "clientSecret",
    "environment",
    "baseUrl",
    "timeoutMs",
    "retries",
    "refreshSkewSeconds",
];

/// The data options of a token request (`createOAuthToken`): all but the last of [`DATA_KEYS`].
pub const REQUEST_KEYS: &[&str] = match DATA_KEYS.split_last() {
    Some((_, keys)) => keys,
    None => &[],
};

/// An option as given: absent (or `undefined`), a value of the option's type, or a value of another
/// type (`null` included: serde would read it as absent).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Given<T> {
    /// Not given.
    #[default]
    Absent,
    /// A value of the option's type.
    Is(T),
    /// A value of another type (the option's type error).
    Wrong,
}

/// Read as `T` (`deserialize_string`, `deserialize_f64`: one look at a JavaScript value for
/// serde-wasm-bindgen); a value `T` refuses is [`Given::Wrong`].
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Given<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Given<T>, D::Error> {
        Ok(T::deserialize(d).map_or(Given::Wrong, Given::Is))
    }
}

/// The data options as given. The options are read one value at a time (serde's `MapDeserializer`
/// in the wasm layer), so a refused value leaves nothing half-read.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct RawOptions {
    /// `clientId`
    pub client_id: Given<String>,
    /// `clientSecret`
    pub client_secret: Given<String>,
    /// `environment`
    pub environment: Given<String>,
    /// `baseUrl`
    pub base_url: Given<String>,
    /// `timeoutMs`
    pub timeout_ms: Given<f64>,
    /// `retries`
    pub retries: Given<f64>,
    /// `refreshSkewSeconds` (TokenClient)
    pub refresh_skew_seconds: Given<f64>,
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

fn typed<T: Clone>(key: &str, v: &Given<T>) -> Result<Option<T>, Error> {
    match v {
        Given::Absent => Ok(None),
        Given::Is(value) => Ok(Some(value.clone())),
        Given::Wrong => Err(wrong_type(key)),
    }
}

impl RawOptions {
    /// The type-checked core options (validated further by [`crate::config::validate`]).
    pub fn options(&self) -> Result<Options, Error> {
        let required = |key: &str, v: &Given<String>| typed(key, v)?.ok_or_else(|| wrong_type(key));
        Ok(Options {
            client_id: required("clientId", &self.client_id)?,
            client_secret: required("clientSecret", &self.client_secret)?,
            environment: typed("environment", &self.environment)?,
            base_url: typed("baseUrl", &self.base_url)?,
            timeout_ms: typed("timeoutMs", &self.timeout_ms)?,
            retries: typed("retries", &self.retries)?,
        })
    }

    /// `refreshSkewSeconds`: default [`DEFAULT_SKEW_SECONDS`], else a finite number >= 0.
    pub fn refresh_skew_seconds(&self) -> Result<f64, Error> {
        match typed("refreshSkewSeconds", &self.refresh_skew_seconds)? {
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

    /// Options from JSON text, read the way the wasm layer reads a JavaScript object: each member's
    /// value on its own, through serde's `MapDeserializer`.
    fn raw(json: &str) -> RawOptions {
        let members: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(json).unwrap();
        RawOptions::deserialize(
            serde::de::value::MapDeserializer::<_, serde_json::Error>::new(members.into_iter()),
        )
        .unwrap()
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
