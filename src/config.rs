//! Options -> validated [`Config`]. Every check here runs before any request is sent; a failure is an
//! `invalid_config` error whose message names the option, never its secret value.

use crate::error::Error;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use core::fmt;

/// Base URL of the production environment.
pub const PRODUCTION_URL: &str = "https://public-api.alternativepayments.io";
/// Base URL of the demo (sandbox) environment.
pub const DEMO_URL: &str = "https://public-api.demo.alternativepayments.io";
/// Default time limit of one attempt, in milliseconds.
pub const DEFAULT_TIMEOUT_MS: u32 = 10_000;
/// Default number of extra attempts after a retryable failure.
pub const DEFAULT_RETRIES: u32 = 2;
/// Most extra attempts allowed: more would only hammer an endpoint limited to 5 requests/s.
pub const MAX_RETRIES: u32 = 10;
/// Largest `timeoutMs` (the largest delay `setTimeout` supports).
pub const MAX_TIMEOUT_MS: u32 = 2_147_483_647;
/// Longest `clientId` and longest `clientSecret`, in UTF-8 bytes (4 KiB each). Real credentials are
/// tens of bytes; the bound keeps the Basic header within what servers accept and every pass over
/// the credentials (header building, [`Redactor`](crate::redact::Redactor) tables) small.
pub const MAX_CREDENTIAL_BYTES: usize = 4_096;

/// A string that must never be shown: `Debug` prints `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret value.
    pub fn new(value: String) -> Self {
        Secret(value)
    }

    /// The secret itself, for the one place that needs it (the request header).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The options of one client as they arrive from JavaScript, after type checks.
/// `None` means "not given"; type errors are reported by the caller before this.
#[derive(Clone, Default)]
pub struct Options {
    /// `clientId`.
    pub client_id: String,
    /// `clientSecret`.
    pub client_secret: String,
    /// `environment`: "production" or "demo".
    pub environment: Option<String>,
    /// `baseUrl`: overrides `environment`.
    pub base_url: Option<String>,
    /// `timeoutMs`.
    pub timeout_ms: Option<f64>,
    /// `retries`.
    pub retries: Option<f64>,
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("environment", &self.environment)
            .field("base_url", &self.base_url)
            .field("timeout_ms", &self.timeout_ms)
            .field("retries", &self.retries)
            .finish()
    }
}

/// A validated client configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Normalised base URL: lower-case scheme and host, no default port, no trailing slash.
    pub base_url: String,
    /// `{base_url}/oauth/token`.
    pub token_url: String,
    /// The client id (not secret).
    pub client_id: String,
    /// The client secret.
    pub client_secret: Secret,
    /// `Basic base64(client_id ":" client_secret)`.
    pub authorization: Secret,
    /// Time limit of one attempt in milliseconds.
    pub timeout_ms: u32,
    /// Extra attempts after a retryable failure.
    pub retries: u32,
}

impl Config {
    /// The [`Redactor`](crate::redact::Redactor) for these credentials: run every string that came
    /// from outside (server error fields, `fetch` error messages) through it before it goes into an
    /// error.
    pub fn redactor(&self) -> crate::redact::Redactor {
        crate::redact::Redactor::new(&self.client_id, self.client_secret.expose())
    }
}

/// Check `options` and build a [`Config`].
pub fn validate(options: &Options) -> Result<Config, Error> {
    check_credential("clientId", &options.client_id)?;
    check_credential("clientSecret", &options.client_secret)?;
    if options.client_id.contains(':') {
        return Err(Error::config(
            "clientId must not contain ':' (it cannot be sent in a Basic header)",
        ));
    }
    let base_url = match (&options.base_url, &options.environment) {
        (Some(url), _) => normalize_base_url(url)?,
        (None, None) => PRODUCTION_URL.into(),
        (None, Some(env)) => match env.as_str() {
            "production" => PRODUCTION_URL.into(),
            "demo" => DEMO_URL.into(),
            _ => {
                return Err(Error::config(
                    "environment must be \"production\" or \"demo\"",
                ))
            }
        },
    };
    if let (Some(_), Some(env)) = (&options.base_url, &options.environment) {
        if env != "production" && env != "demo" {
            return Err(Error::config(
                "environment must be \"production\" or \"demo\"",
            ));
        }
    }
    let timeout_ms = match options.timeout_ms {
        None => DEFAULT_TIMEOUT_MS,
        Some(t) if t.is_finite() && t > 0.0 && t <= f64::from(MAX_TIMEOUT_MS) => {
            // In range: the cast truncates, so add one for a fraction (no `f64::ceil` in no_std).
            let whole = t as u32;
            if f64::from(whole) < t {
                whole + 1
            } else {
                whole
            }
        }
        Some(_) => {
            return Err(Error::config(
                "timeoutMs must be a number of milliseconds > 0 and <= 2147483647",
            ))
        }
    };
    let retries = match options.retries {
        None => DEFAULT_RETRIES,
        Some(r)
            if r.is_finite()
                && r >= 0.0
                && r <= f64::from(MAX_RETRIES)
                && f64::from(r as u32) == r =>
        {
            r as u32
        }
        Some(_) => return Err(Error::config("retries must be a whole number from 0 to 10")),
    };
    let mut pair = String::with_capacity(options.client_id.len() + options.client_secret.len() + 1);
    pair.push_str(&options.client_id);
    pair.push(':');
    pair.push_str(&options.client_secret);
    let authorization = ["Basic ", &BASE64.encode(pair.as_bytes())].concat();
    let token_url = [&base_url, "/oauth/token"].concat();
    Ok(Config {
        base_url,
        token_url,
        client_id: options.client_id.clone(),
        client_secret: Secret::new(options.client_secret.clone()),
        authorization: Secret::new(authorization),
        timeout_ms,
        retries,
    })
}

fn check_credential(name: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::config(
            [name, " must be a non-empty string"].concat(),
        ));
    }
    if value.len() > MAX_CREDENTIAL_BYTES {
        let mut message = [name, " must be at most "].concat();
        push_decimal(&mut message, MAX_CREDENTIAL_BYTES as u32);
        message.push_str(" bytes long");
        return Err(Error::config(message));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::config(
            [name, " must not contain control characters"].concat(),
        ));
    }
    Ok(())
}

/// Validate a `baseUrl` and return its normal form (see [`Config::base_url`]).
///
/// Accepted: `https://host[:port][/path]`, and `http://` only to a loopback host (`localhost`,
/// `127.0.0.0/8`, `[::1]`). Rejected: other schemes, credentials in the URL, a query or fragment,
/// white space, backslashes, non-ASCII, and anything a WHATWG URL parser could read differently.
pub fn normalize_base_url(url: &str) -> Result<String, Error> {
    let bad = |why: &str| Error::config(["baseUrl ", why].concat());
    if url.is_empty() {
        return Err(bad("must be a non-empty absolute http(s) URL"));
    }
    if !url.is_ascii() {
        return Err(bad("must be ASCII (use punycode for international names)"));
    }
    if url
        .bytes()
        .any(|b| b.is_ascii_control() || b == b' ' || b == b'\\')
    {
        return Err(bad(
            "must not contain white space, control characters or backslashes",
        ));
    }
    let (scheme, rest) = url
        .as_bytes()
        .windows(3)
        .position(|w| w == b"://")
        .and_then(|i| Some((url.get(..i)?, url.get(i + 3..)?)))
        .ok_or_else(|| bad("must be an absolute http(s) URL such as https://api.example.com"))?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return Err(bad("must use https (or http to a loopback host)"));
    }
    if rest.contains(['?', '#']) {
        return Err(bad("must not have a query or fragment"));
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at_checked(i).unwrap_or((rest, "")),
        None => (rest, ""),
    };
    if authority.contains('@') {
        return Err(bad(
            "must not contain credentials (use clientId and clientSecret)",
        ));
    }
    let (host, port) =
        split_host_port(authority).ok_or_else(|| bad("has an invalid host or port"))?;
    let host = host.to_ascii_lowercase();
    if !valid_host(&host) {
        return Err(bad("has an invalid host"));
    }
    if scheme == "http" && !is_loopback(&host) {
        return Err(bad(
            "must use https; http is allowed only to localhost, 127.0.0.0/8 or [::1]",
        ));
    }
    let default_port = if scheme == "https" { 443 } else { 80 };
    let mut path = path;
    while let Some(p) = path.strip_suffix('/') {
        path = p;
    }
    if path.split('/').any(is_dot_segment) {
        return Err(bad("must not contain '.' or '..' path segments"));
    }
    let mut out = [&scheme, "://", &host].concat();
    if let Some(p) = port {
        if p != default_port {
            out.push(':');
            push_decimal(&mut out, u32::from(p));
        }
    }
    out.push_str(path);
    Ok(out)
}

/// A `.` or `..` path segment, also percent-encoded in any case (`%2e`, `.%2E`, `%2e%2e`): a WHATWG
/// URL parser treats those as dot segments too (so `/a/%2e%2e/oauth` would climb out of `/a`).
fn is_dot_segment(segment: &str) -> bool {
    let mut dots = 0;
    let mut rest = segment;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            rest = r;
        } else if let Some(r) = rest
            .get(..3)
            .filter(|p| p.eq_ignore_ascii_case("%2e"))
            .and_then(|_| rest.get(3..))
        {
            rest = r;
        } else {
            return false;
        }
        dots += 1;
    }
    dots == 1 || dots == 2
}

/// Split `host[:port]` / `[v6][:port]`; `None` if the port is not a number from 0 to 65535.
fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (h, tail) = authority.split_at_checked(end + 1)?;
        match tail {
            "" => (h, None),
            _ => (h, Some(tail.strip_prefix(':')?)),
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => None,
        Some(p) if p.len() <= 5 => Some(u16::try_from(digits(p)?).ok()?),
        Some(_) => return None,
    };
    Some((host, port))
}

fn valid_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return !inner.is_empty()
            && inner.contains(':')
            && inner
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
    }
    !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
        && host
            .as_bytes()
            .split(|&b| b == b'.')
            .all(|label| label.len() <= 63)
        && !host.starts_with('.')
        && !host.as_bytes().windows(2).any(|w| w == b"..")
}

/// `localhost`, a strict dotted-quad in 127.0.0.0/8, or `[::1]`. Strict on purpose: a form that a URL
/// parser reads differently (`0127.0.0.1` is octal there) is not called loopback.
pub fn is_loopback(host: &str) -> bool {
    if host == "localhost" || host == "[::1]" {
        return true;
    }
    let mut parts = 0;
    let mut first = None;
    for part in host.split('.') {
        parts += 1;
        let ok = part.len() <= 3
            && (part.len() == 1 || !part.starts_with('0'))
            && digits(part).is_some_and(|n| n <= 255);
        if !ok {
            return false;
        }
        if first.is_none() {
            first = Some(part);
        }
    }
    parts == 4 && first == Some("127")
}

/// 1 to 9 ASCII digits as a number (no sign, no white space); `None` for anything else.
fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 {
        return None;
    }
    s.bytes().try_fold(0u32, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

/// Append `n` in decimal. (Plain pushes: `core::fmt` would cost the wasm build kilobytes.)
fn push_decimal(out: &mut String, n: u32) {
    let mut digits = [0u8; 10];
    let mut len = 0;
    let mut rest = n;
    loop {
        if let Some(d) = digits.get_mut(len) {
            *d = b'0' + (rest % 10) as u8;
        }
        len += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for d in digits.iter().take(len).rev() {
        out.push(char::from(*d));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn opts(id: &str, secret: &str) -> Options {
        Options {
            client_id: id.into(),
            client_secret: secret.into(),
            ..Options::default()
        }
    }

    fn config_err(o: &Options) -> String {
        let e = validate(o).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidConfig);
        e.message
    }

    #[test]
    fn defaults_to_production() {
        let c = validate(&opts("id", "secret")).unwrap();
        assert_eq!(c.base_url, PRODUCTION_URL);
        assert_eq!(
            c.token_url,
            "https://public-api.alternativepayments.io/oauth/token"
        );
        assert_eq!(c.timeout_ms, 10_000);
        assert_eq!(c.retries, 2);
        assert_eq!(c.authorization.expose(), "Basic aWQ6c2VjcmV0");
    }

    #[test]
    fn environments() {
        let mut o = opts("id", "s");
        o.environment = Some("demo".into());
        assert_eq!(validate(&o).unwrap().base_url, DEMO_URL);
        o.environment = Some("production".into());
        assert_eq!(validate(&o).unwrap().base_url, PRODUCTION_URL);
        o.environment = Some("staging".into());
        assert!(config_err(&o).contains("environment"));
    }

    #[test]
    fn base_url_overrides_environment() {
        let mut o = opts("id", "s");
        o.environment = Some("demo".into());
        o.base_url = Some("http://127.0.0.1:8787/lane/a/".into());
        let c = validate(&o).unwrap();
        assert_eq!(c.base_url, "http://127.0.0.1:8787/lane/a");
        assert_eq!(c.token_url, "http://127.0.0.1:8787/lane/a/oauth/token");
    }

    #[test]
    fn credentials_checked() {
        assert!(config_err(&opts("", "s")).contains("clientId"));
        assert!(config_err(&opts("id", "")).contains("clientSecret"));
        assert!(config_err(&opts("a:b", "s")).contains("':'"));
        assert!(config_err(&opts("a\nb", "s")).contains("control"));
        let m = config_err(&opts("a", "hunter\u{7}2"));
        assert!(m.contains("clientSecret") && !m.contains("hunter"));
        // non-ASCII is fine (UTF-8 in the Basic header)
        assert!(validate(&opts("café", "s€cret")).is_ok());
    }

    #[test]
    fn decimal() {
        for n in [0, 7, 10, 443, 4_096, 65_535, u32::MAX] {
            let mut s = String::from("x");
            push_decimal(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
        assert_eq!(digits("0080"), Some(80));
        for bad in ["", "+1", "-1", "1 ", "١", "1234567890"] {
            assert_eq!(digits(bad), None, "{bad}");
        }
    }

    #[test]
    fn credentials_are_bounded() {
        let max = "x".repeat(MAX_CREDENTIAL_BYTES);
        assert!(validate(&opts(&max, &max)).is_ok());
        let over = "x".repeat(MAX_CREDENTIAL_BYTES + 1);
        let m = config_err(&opts("id", &over));
        assert!(m.contains("clientSecret") && m.contains("4096") && !m.contains("xxxx"));
        assert!(config_err(&opts(&over, "s")).contains("clientId"));
        // bytes, not characters: 1,366 x 3-byte "€" is 4,098 bytes
        assert!(config_err(&opts("id", &"€".repeat(1_366))).contains("clientSecret"));
        for len in [100_000, 1_000_000] {
            assert!(config_err(&opts("id", &"s".repeat(len))).contains("at most"));
        }
    }

    #[test]
    fn percent_encoded_dot_segments_are_refused() {
        for bad in [
            "https://example.com/a/%2e%2e/b",
            "https://example.com/a/%2E%2e",
            "https://example.com/a/.%2e/b",
            "https://example.com/a/%2E./b",
            "https://example.com/%2e/b",
            "https://example.com/a/%2E",
            "http://127.0.0.1:8080/lane/%2e%2E/oauth",
        ] {
            let e = normalize_base_url(bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidConfig, "{bad}");
            assert!(e.message.contains("'..'"), "{bad}: {}", e.message);
        }
        // not dot segments
        for ok in [
            "https://example.com/a/%2e%2e%2e",
            "https://example.com/a/...",
            "https://example.com/a/%2ex",
            "https://example.com/a/x%2e%2e",
            "https://example.com/a/%2",
        ] {
            assert!(normalize_base_url(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn base_urls() {
        let ok = |u: &str| normalize_base_url(u).unwrap();
        assert_eq!(ok("https://API.Example.com"), "https://api.example.com");
        assert_eq!(
            ok("HTTPS://api.example.com:443/"),
            "https://api.example.com"
        );
        assert_eq!(
            ok("https://api.example.com:8443/v1//"),
            "https://api.example.com:8443/v1"
        );
        assert_eq!(ok("http://localhost:3000"), "http://localhost:3000");
        assert_eq!(ok("http://LOCALHOST"), "http://localhost");
        assert_eq!(ok("http://127.0.0.1:80"), "http://127.0.0.1");
        assert_eq!(ok("http://127.255.3.4:9"), "http://127.255.3.4:9");
        assert_eq!(ok("http://[::1]:8080/x"), "http://[::1]:8080/x");
        assert_eq!(ok("https://[2001:db8::1]"), "https://[2001:db8::1]");
        for bad in [
            "",
            "api.example.com",
            "ftp://x.example",
            "http://example.com",
            "http://10.0.0.1",
            "http://0127.0.0.1",
            "http://127.1",
            "http://127.0.0.1.evil.com",
            "http://localhost.evil.com",
            "http://[::2]",
            "https://user:pw@example.com",
            "https://example.com?x=1",
            "https://example.com#f",
            "https://exa mple.com",
            "https://example.com\\@evil",
            "https://exämple.com",
            "https://example.com:99999",
            "https://example.com:",
            "https://example.com:-1",
            "https://example.com:+443",
            "http://127.0.0.+1",
            "https://",
            "https://example.com/a/../b",
            "javascript://alert(1)",
            "https://[::1",
            "https://a..b",
        ] {
            let e = normalize_base_url(bad);
            assert!(e.is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn numbers() {
        let mut o = opts("id", "s");
        o.timeout_ms = Some(1.5);
        assert_eq!(validate(&o).unwrap().timeout_ms, 2);
        for t in [0.0, -1.0, f64::NAN, f64::INFINITY, 3e9] {
            o.timeout_ms = Some(t);
            assert!(config_err(&o).contains("timeoutMs"));
        }
        o.timeout_ms = None;
        o.retries = Some(0.0);
        assert_eq!(validate(&o).unwrap().retries, 0);
        for r in [-1.0, 1.5, 11.0, f64::NAN] {
            o.retries = Some(r);
            assert!(config_err(&o).contains("retries"));
        }
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let o = opts("id", "hunter2-very-secret");
        let c = validate(&o).unwrap();
        let all = format!("{o:?} {c:?}");
        assert!(!all.contains("hunter2"));
        assert!(!all.contains(c.authorization.expose()));
        assert_eq!(format!("{:?}", c.redactor()), "Redactor([redacted])");
    }

    #[test]
    fn the_redactor_uses_the_header_encoding() {
        let c = validate(&opts("id", "hunter2-very-secret")).unwrap();
        let header = c.authorization.expose();
        let r = c.redactor();
        assert_eq!(
            r.clean(&format!("echo: {header}")),
            "echo: Basic [redacted]"
        );
        assert_eq!(r.clean("x hunter2-very-secret y"), "x [redacted] y");
    }
}
