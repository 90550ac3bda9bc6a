//! The token endpoint's bodies as serde types. In wasm the runtime parses the JSON (`JSON.parse`) and
//! serde-wasm-bindgen hands the parsed value to these `Deserialize` impls; natively (tests, fuzzing)
//! serde_json does. Only what the validators in [`crate::response`] need is kept: the four token
//! members with their JSON kinds, and the string members of an error object.

use core::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// At most this many members of a server error object are kept as details.
pub const MAX_DETAILS: usize = 32;

/// A JSON value, kept only as deep as validation needs: scalars with their value, arrays and
/// objects by kind (their contents are skipped).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// Any JSON number.
    Number(f64),
    /// A string.
    String(String),
    /// An array (contents skipped).
    Array,
    /// An object (contents skipped).
    Object,
}

impl Value {
    /// The JSON type with its article, for messages: "a null", "an array", ...
    pub fn article(&self) -> &'static str {
        match self {
            Value::Null => "a null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array => "an array",
            Value::Object => "an object",
        }
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Value::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Value::Object)
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

/// The members of a token response the validator reads (others are ignored). A member that is
/// present with `null` is `Some(Value::Null)`; an absent one is `None`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TokenFields {
    /// `access_token`
    pub access_token: Option<Value>,
    /// `token_type`
    pub token_type: Option<Value>,
    /// `expires_in`
    pub expires_in: Option<Value>,
    /// `scope`
    pub scope: Option<Value>,
}

/// A 2xx body: an object with its token members, or another JSON value (by kind).
#[derive(Clone, Debug, PartialEq)]
pub enum TokenBody {
    /// A JSON object.
    Object(TokenFields),
    /// Anything else (an array, a string, ...), which is not a token response.
    Other(Value),
}

/// The members of a token response that are read, as serde struct fields.
pub const TOKEN_FIELDS: [&str; 4] = {
    let [a, b, c, d] = Key::READ;
    [a.name(), b.name(), c.name(), d.name()]
};

struct TokenFieldsVisitor;

impl<'de> Visitor<'de> for TokenFieldsVisitor {
    type Value = TokenFields;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a token response object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TokenFields, A::Error> {
        let mut fields = TokenFields::default();
        // With JSON.parse a repeated member has already been reduced to its last value; serde_json
        // hands over every occurrence, and the last one wins here too.
        while let Some(key) = map.next_key::<Key>()? {
            let slot = match key {
                Key::AccessToken => &mut fields.access_token,
                Key::TokenType => &mut fields.token_type,
                Key::ExpiresIn => &mut fields.expires_in,
                Key::Scope => &mut fields.scope,
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = Some(map.next_value::<Value>()?);
        }
        Ok(fields)
    }
}

/// The token members of an object, read as a struct: a format that can look members up by name
/// (serde-wasm-bindgen reads just these four properties of a parsed object) does so; others hand
/// over every member. Only for a value known to be an object: see [`TokenBody`] for any value.
impl<'de> Deserialize<'de> for TokenFields {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TokenFields, D::Error> {
        d.deserialize_struct("TokenFields", &TOKEN_FIELDS, TokenFieldsVisitor)
    }
}

struct TokenBodyVisitor;

impl<'de> Visitor<'de> for TokenBodyVisitor {
    type Value = TokenBody;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a token response")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<TokenBody, A::Error> {
        TokenFieldsVisitor.visit_map(map).map(TokenBody::Object)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<TokenBody, A::Error> {
        ValueVisitor.visit_seq(seq).map(TokenBody::Other)
    }
    fn visit_unit<E>(self) -> Result<TokenBody, E> {
        Ok(TokenBody::Other(Value::Null))
    }
    fn visit_none<E>(self) -> Result<TokenBody, E> {
        Ok(TokenBody::Other(Value::Null))
    }
    fn visit_bool<E>(self, v: bool) -> Result<TokenBody, E> {
        Ok(TokenBody::Other(Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<TokenBody, E> {
        Ok(TokenBody::Other(Value::Number(v as f64)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<TokenBody, E> {
        Ok(TokenBody::Other(Value::Number(v as f64)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<TokenBody, E> {
        Ok(TokenBody::Other(Value::Number(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<TokenBody, E> {
        Ok(TokenBody::Other(Value::String(v.to_owned())))
    }
}

impl<'de> Deserialize<'de> for TokenBody {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TokenBody, D::Error> {
        d.deserialize_any(TokenBodyVisitor)
    }
}

/// A member name of a token response.
#[derive(Clone, Copy)]
enum Key {
    AccessToken,
    TokenType,
    ExpiresIn,
    Scope,
    Other,
}

impl Key {
    /// The members that are read.
    const READ: [Key; 4] = [Key::AccessToken, Key::TokenType, Key::ExpiresIn, Key::Scope];

    /// The member's name in the JSON body (the one copy of it).
    const fn name(self) -> &'static str {
        match self {
            Key::AccessToken => "access_token",
            Key::TokenType => "token_type",
            Key::ExpiresIn => "expires_in",
            Key::Scope => "scope",
            Key::Other => "",
        }
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(Key::READ
                    .into_iter()
                    .find(|key| key.name() == v)
                    .unwrap_or(Key::Other))
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

/// A non-2xx body: the string-valued members of a JSON object (the seed's 403 `{"message": ...}`,
/// RFC 6749's `error` / `error_description`, ...), in order, the first of each name, at most
/// [`MAX_DETAILS`]. Anything that is not an object gives none.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ErrorBody(pub Vec<(String, String)>);

impl<'de> Deserialize<'de> for ErrorBody {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ErrorBody, D::Error> {
        struct ErrorBodyVisitor;
        impl<'de> Visitor<'de> for ErrorBodyVisitor {
            type Value = ErrorBody;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an error object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ErrorBody, A::Error> {
                let mut members: Vec<(String, String)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value = map.next_value::<Value>()?;
                    if members.len() >= MAX_DETAILS {
                        continue;
                    }
                    if let Value::String(v) = value {
                        if !members.iter().any(|(k, _)| *k == key) {
                            members.push((key, v));
                        }
                    }
                }
                Ok(ErrorBody(members))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<ErrorBody, A::Error> {
                ValueVisitor.visit_seq(seq).map(|_| ErrorBody::default())
            }
            fn visit_unit<E>(self) -> Result<ErrorBody, E> {
                Ok(ErrorBody::default())
            }
            fn visit_none<E>(self) -> Result<ErrorBody, E> {
                Ok(ErrorBody::default())
            }
            fn visit_bool<E>(self, _: bool) -> Result<ErrorBody, E> {
                Ok(ErrorBody::default())
            }
            fn visit_i64<E>(self, _: i64) -> Result<ErrorBody, E> {
                Ok(ErrorBody::default())
            }
            fn visit_u64<E>(self, _: u64) -> Result<ErrorBody, E> {
                Ok(ErrorBody::default())
            }
            fn visit_f64<E>(self, _: f64) -> Result<ErrorBody, E> {
                Ok(ErrorBody::default())
            }
            fn visit_str<E>(self, _: &str) -> Result<ErrorBody, E> {
                Ok(ErrorBody::default())
            }
        }
        d.deserialize_any(ErrorBodyVisitor)
    }
}

/// A token read back from a `TokenStore` (what the package wrote: the `AccessToken` object), by
/// member kind; [`StoredToken::fields`] gives what [`crate::store::check_stored`] checks.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
pub struct StoredToken {
    /// `access_token`
    #[serde(default)]
    pub access_token: Option<Value>,
    /// `token_type`
    #[serde(default)]
    pub token_type: Option<Value>,
    /// `expires_in`
    #[serde(default)]
    pub expires_in: Option<Value>,
    /// `expires_at`
    #[serde(default)]
    pub expires_at: Option<Value>,
    /// `scope` (`null` is absent)
    #[serde(default)]
    pub scope: Option<Value>,
}

impl StoredToken {
    /// The typed fields (a member of the wrong kind reads as absent, which the check refuses).
    pub fn fields(self) -> crate::store::StoredFields {
        let string = |v: Option<Value>| match v {
            Some(Value::String(s)) => Some(s),
            _ => None,
        };
        let number = |v: Option<Value>| match v {
            Some(Value::Number(n)) => Some(n),
            _ => None,
        };
        crate::store::StoredFields {
            access_token: string(self.access_token),
            token_type: string(self.token_type),
            expires_in: number(self.expires_in),
            expires_at: number(self.expires_at),
            scope: match self.scope {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(()),
            },
        }
    }
}

/// Why a body could not be decoded into one of the types above.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyError {
    /// Empty, or only white space.
    Empty,
    /// Larger than [`crate::response::MAX_BODY_BYTES`] (reading stopped there).
    TooLarge,
    /// Not UTF-8.
    NotUtf8,
    /// Not JSON (the runtime's parser refused it; its message is not kept: it quotes the body).
    NotJson,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn token_members_by_kind_last_one_wins() {
        let b: TokenBody = serde_json::from_str(
            r#"{"access_token":"a","x":{"y":[1]},"token_type":null,"expires_in":"3600","access_token":"b"}"#,
        )
        .unwrap();
        assert_eq!(
            b,
            TokenBody::Object(TokenFields {
                access_token: Some(Value::String("b".into())),
                token_type: Some(Value::Null),
                expires_in: Some(Value::String("3600".into())),
                scope: None,
            })
        );
        for (text, kind) in [
            ("[1,2]", Value::Array),
            ("\"s\"", Value::String("s".into())),
            ("null", Value::Null),
            ("3", Value::Number(3.0)),
            ("true", Value::Bool(true)),
        ] {
            let b: TokenBody = serde_json::from_str(text).unwrap();
            assert_eq!(b, TokenBody::Other(kind));
        }
    }

    #[test]
    fn token_fields_read_as_a_struct_match_the_body() {
        let text =
            r#"{"scope":"a b","access_token":"t","expires_in":60,"other":1,"token_type":"Bearer"}"#;
        let fields: TokenFields = serde_json::from_str(text).unwrap();
        assert_eq!(
            TokenBody::Object(fields),
            serde_json::from_str::<TokenBody>(text).unwrap()
        );
        assert!(serde_json::from_str::<TokenFields>("\"s\"").is_err());
    }

    #[test]
    fn error_bodies_keep_string_members() {
        let b: ErrorBody =
            serde_json::from_str(r#"{"error":"invalid_client","n":1,"error":"x","d":"y"}"#)
                .unwrap();
        assert_eq!(
            b.0,
            vec![
                ("error".into(), "invalid_client".into()),
                ("d".into(), "y".into())
            ]
        );
        let many = (0..40)
            .map(|i| format!("\"k{i}\":\"v\""))
            .collect::<Vec<_>>()
            .join(",");
        let b: ErrorBody = serde_json::from_str(&format!("{{{many}}}")).unwrap();
        assert_eq!(b.0.len(), MAX_DETAILS);
        let b: ErrorBody = serde_json::from_str("[\"a\"]").unwrap();
        assert!(b.0.is_empty());
    }
}
