//! The token request, as data: what the IO layer sends for one `POST /oauth/token`.

use crate::config::Config;

/// HTTP method of the token request.
pub const METHOD: &str = "POST";
/// `Content-Type` of the token request.
pub const CONTENT_TYPE: &str = "application/x-www-form-urlencoded";
/// `Accept` of the token request.
pub const ACCEPT: &str = "application/json";
/// Body of the token request.
pub const BODY: &str = "grant_type=client_credentials";

/// One token request, borrowed from a [`Config`]. `Debug` hides the Authorization header.
#[derive(Clone, Copy)]
pub struct TokenRequest<'a> {
    /// `{base}/oauth/token`.
    pub url: &'a str,
    /// `Basic base64(client_id ":" client_secret)`.
    pub authorization: &'a str,
}

/// The header carrying the Basic credentials, sent first.
pub const AUTHORIZATION: &str = "Authorization";

/// The headers every token request carries with the same value, sent after [`AUTHORIZATION`].
pub const FIXED_HEADERS: [(&str, &str); 2] = [("Content-Type", CONTENT_TYPE), ("Accept", ACCEPT)];

impl TokenRequest<'_> {
    /// The request headers, in the order they are sent.
    pub fn headers(&self) -> [(&'static str, &str); 3] {
        let [content_type, accept] = FIXED_HEADERS;
        [(AUTHORIZATION, self.authorization), content_type, accept]
    }
}

impl core::fmt::Debug for TokenRequest<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TokenRequest")
            .field("method", &METHOD)
            .field("url", &self.url)
            .field("authorization", &"Basic [redacted]")
            .field("body", &BODY)
            .finish()
    }
}

/// The token request for `config`.
pub fn token_request(config: &Config) -> TokenRequest<'_> {
    TokenRequest {
        url: &config.token_url,
        authorization: config.authorization.expose(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::config::{validate, Options};

    #[test]
    fn the_request_on_the_wire() {
        let config = validate(&Options {
            client_id: "test-client".into(),
            client_secret: "test-secret".into(),
            base_url: Some("http://127.0.0.1:9/x/".into()),
            ..Options::default()
        })
        .unwrap();
        let r = token_request(&config);
        assert_eq!(r.url, "http://127.0.0.1:9/x/oauth/token");
        assert_eq!(
            r.headers(),
            [
                ("Authorization", "Basic dGVzdC1jbGllbnQ6dGVzdC1zZWNyZXQ="),
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Accept", "application/json"),
            ]
        );
        assert_eq!(BODY, "grant_type=client_credentials");
        let dbg = format!("{r:?}");
        assert!(!dbg.contains("dGVzdC1jbGllbnQ6dGVzdC1zZWNyZXQ="));
    }
}
