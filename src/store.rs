//! The shared `TokenStore`, sans-IO part: the store key and the check of a token read back from a
//! store. The adapters (Workers KV, Redis) and the calls live in the JavaScript/wasm layer.

use crate::cache::refresh_at_ms;
use crate::response::{Token, MAX_VALID_TIME_MS};

/// Prefix of every store key; the version changes if the stored format ever does.
pub const KEY_PREFIX: &str = "altpay-oauth:v1:";

/// How long a store call may take before it counts as failed (the store being down or hanging
/// must degrade to a normal token request, not stall `getToken()`).
pub const STORE_TIMEOUT_MS: f64 = 1_000.0;

/// The key of a client's token in a shared store: [`KEY_PREFIX`] and a 128-bit FNV-1a hash of the
/// normalised base URL and the client id, in hex. Stable across processes, runtimes and versions of
/// the same format; never derived from the secret. (An identifier, not a security boundary: whoever
/// can read the store can read the token.)
pub fn store_key(base_url: &str, client_id: &str) -> String {
    let mut input = Vec::with_capacity(base_url.len() + client_id.len() + 1);
    input.extend_from_slice(base_url.as_bytes());
    input.push(0);
    input.extend_from_slice(client_id.as_bytes());
    let hi = fnv1a64(0xcbf2_9ce4_8422_2325, &input);
    let lo = fnv1a64(0x6c62_272e_07bb_0142, &input);
    let mut key = String::with_capacity(KEY_PREFIX.len() + 32);
    key.push_str(KEY_PREFIX);
    push_hex(&mut key, hi);
    push_hex(&mut key, lo);
    key
}

fn fnv1a64(seed: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(seed, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn push_hex(out: &mut String, v: u64) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for i in (0..16).rev() {
        let nibble = ((v >> (i * 4)) & 0xf) as usize;
        out.push(char::from(HEX.get(nibble).copied().unwrap_or(b'0')));
    }
}

/// How far a stored token's `expires_at` may lie beyond `now + expires_in`, in milliseconds: the
/// clocks of a fleet's members disagree a little. A token is trusted only up to `expires_in` from
/// when it could have been issued (at the latest now), so a store holding a far-future `expires_at`
/// (say 31 years ahead with `expires_in: 3600`) cannot keep a token alive.
pub const STORED_CLOCK_ALLOWANCE_MS: f64 = 60_000.0;

/// A token value that can be sent in a header: 1*VSCHAR (printable ASCII, RFC 6749 Appendix A).
fn is_vschar_string(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

/// The fields of a token object read back from a store, before checking.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredFields {
    /// `access_token`, if it was a string.
    pub access_token: Option<String>,
    /// `token_type`, if it was a string.
    pub token_type: Option<String>,
    /// `expires_in`, if it was a number.
    pub expires_in: Option<f64>,
    /// `expires_at`, if it was a number.
    pub expires_at: Option<f64>,
    /// `scope`: `Ok(None)` when absent, `Err(())` when present but not a string.
    pub scope: Result<Option<String>, ()>,
}

/// Why a stored token is not used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoredProblem {
    /// Not a valid AccessToken object (reported to the store-error hook).
    Malformed,
    /// Valid, but inside its refresh window or expired: a new token is requested (not an error).
    NotFresh,
}

/// Check the shape of a token read from a store: a well-formed AccessToken, `access_token` and
/// `token_type` 1*VSCHAR like a token from the server (its freshness and the plausibility of its
/// `expires_at` are not judged here: see [`check_stored`] and [`trusted_expiry`]).
pub fn well_formed(fields: StoredFields) -> Result<Token, StoredProblem> {
    let access_token = fields
        .access_token
        .filter(|t| is_vschar_string(t))
        .ok_or(StoredProblem::Malformed)?;
    let token_type = fields
        .token_type
        .filter(|t| is_vschar_string(t) && t.eq_ignore_ascii_case("bearer"))
        .ok_or(StoredProblem::Malformed)?;
    let expires_in = fields
        .expires_in
        .filter(|v| v.is_finite() && *v >= 0.0)
        .ok_or(StoredProblem::Malformed)?;
    let expires_at = fields
        .expires_at
        .filter(|v| v.is_finite() && *v >= 0.0 && *v <= MAX_VALID_TIME_MS)
        .ok_or(StoredProblem::Malformed)?;
    let scope = fields.scope.map_err(|()| StoredProblem::Malformed)?;
    Ok(Token {
        access_token,
        token_type,
        expires_in,
        expires_at,
        scope,
    })
}

/// Whether a stored token's `expires_at` is plausible at `now_ms`: no later than
/// `now_ms + expires_in` (+ [`STORED_CLOCK_ALLOWANCE_MS`]), since it was issued at the latest now. A
/// far-future `expires_at` (31 years ahead with `expires_in: 3600`) is not. False for a NaN clock.
pub fn trusted_expiry(expires_at_ms: f64, expires_in_s: f64, now_ms: f64) -> bool {
    expires_at_ms <= now_ms + expires_in_s * 1_000.0 + STORED_CLOCK_ALLOWANCE_MS
}

/// Check a token read from a store: it must be a well-formed AccessToken ([`well_formed`]), fresh at
/// `now_ms` (before its refresh point for this client's `skew_s`), and its `expires_at` plausible
/// ([`trusted_expiry`]; an implausible one is reported as malformed).
pub fn check_stored(
    fields: StoredFields,
    now_ms: f64,
    skew_s: f64,
) -> Result<Token, StoredProblem> {
    let token = well_formed(fields)?;
    // Written so that a NaN clock also counts as not fresh.
    let fresh = now_ms < refresh_at_ms(token.expires_at, token.expires_in, skew_s);
    if !fresh {
        return Err(StoredProblem::NotFresh);
    }
    if !trusted_expiry(token.expires_at, token.expires_in, now_ms) {
        return Err(StoredProblem::Malformed);
    }
    Ok(token)
}

/// The ttl to write a new token with: whole seconds until its refresh point (the store then drops it
/// when this client would refresh it anyway). `None` when that is under one second.
pub fn ttl_seconds(expires_at_ms: f64, expires_in_s: f64, now_ms: f64, skew_s: f64) -> Option<u32> {
    let secs = (refresh_at_ms(expires_at_ms, expires_in_s, skew_s) - now_ms) / 1000.0;
    if secs.is_finite() && secs >= 1.0 {
        // Positive: the cast truncates, which is the floor.
        Some(secs.min(f64::from(u32::MAX)) as u32)
    } else {
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn fields(expires_at: f64) -> StoredFields {
        StoredFields {
            access_token: Some("tok".into()),
            token_type: Some("Bearer".into()),
            expires_in: Some(3600.0),
            expires_at: Some(expires_at),
            scope: Ok(None),
        }
    }

    #[test]
    fn key_is_stable_distinct_and_secret_free() {
        let a = store_key("https://public-api.alternativepayments.io", "client-1");
        assert_eq!(
            a,
            store_key("https://public-api.alternativepayments.io", "client-1")
        );
        assert!(a.starts_with(KEY_PREFIX));
        assert_eq!(a.len(), KEY_PREFIX.len() + 32);
        assert_ne!(
            a,
            store_key("https://public-api.alternativepayments.io", "client-2")
        );
        assert_ne!(
            a,
            store_key("https://public-api.demo.alternativepayments.io", "client-1")
        );
        // the separator keeps ("ab", "c") and ("a", "bc") apart
        assert_ne!(store_key("ab", "c"), store_key("a", "bc"));
        assert!(!a.contains("client-1"));
    }

    #[test]
    fn fresh_token_is_used() {
        let now = 1_000_000.0;
        let t = check_stored(fields(now + 3_600_000.0), now, 300.0).unwrap();
        assert_eq!(t.access_token, "tok");
        assert_eq!(t.token_type, "Bearer");
    }

    #[test]
    fn token_in_refresh_window_or_expired_is_not_used() {
        let now = 1_000_000.0;
        assert_eq!(
            check_stored(fields(now + 299_000.0), now, 300.0),
            Err(StoredProblem::NotFresh)
        );
        assert_eq!(
            check_stored(fields(now - 1.0), now, 300.0),
            Err(StoredProblem::NotFresh)
        );
        assert_eq!(
            check_stored(fields(now + 1e6), f64::NAN, 300.0),
            Err(StoredProblem::NotFresh)
        );
    }

    #[test]
    fn malformed_tokens_are_rejected() {
        let now = 0.0;
        let good = fields(3_600_000.0);
        let cases = [
            StoredFields {
                access_token: None,
                ..good.clone()
            },
            StoredFields {
                access_token: Some(String::new()),
                ..good.clone()
            },
            StoredFields {
                token_type: Some("mac".into()),
                ..good.clone()
            },
            StoredFields {
                expires_in: Some(f64::NAN),
                ..good.clone()
            },
            StoredFields {
                expires_in: Some(-1.0),
                ..good.clone()
            },
            StoredFields {
                expires_at: None,
                ..good.clone()
            },
            StoredFields {
                expires_at: Some(f64::INFINITY),
                ..good.clone()
            },
            StoredFields {
                scope: Err(()),
                ..good.clone()
            },
            StoredFields {
                access_token: Some("abc\r\nX-Injected: yes".into()),
                ..good.clone()
            },
            StoredFields {
                access_token: Some("tok\u{4e00}".into()),
                ..good.clone()
            },
            StoredFields {
                token_type: Some("bearer\n".into()),
                ..good.clone()
            },
        ];
        for c in cases {
            assert_eq!(check_stored(c, now, 300.0), Err(StoredProblem::Malformed));
        }
    }

    #[test]
    fn far_future_expires_at_is_refused() {
        let now = 1_764_000_000_000.0;
        let year_ms = 365.25 * 86_400_000.0;
        // 31 years ahead with expires_in 3600: refused, not trusted until 2058.
        assert_eq!(
            check_stored(fields(now + 31.0 * year_ms), now, 300.0),
            Err(StoredProblem::Malformed)
        );
        // Up to expires_in from now, plus the allowance: used.
        let limit = now + 3_600_000.0 + STORED_CLOCK_ALLOWANCE_MS;
        assert!(check_stored(fields(limit), now, 300.0).is_ok());
        assert_eq!(
            check_stored(fields(limit + 1.0), now, 300.0),
            Err(StoredProblem::Malformed)
        );
        // A token written a while ago by another member is fine.
        assert!(check_stored(fields(now + 1_800_000.0), now, 300.0).is_ok());
    }

    #[test]
    fn ttl_ends_at_the_refresh_point() {
        let now = 0.0;
        let t = check_stored(fields(3_600_000.0), now, 300.0).unwrap();
        assert_eq!(
            ttl_seconds(t.expires_at, t.expires_in, now, 300.0),
            Some(3300)
        );
        // skew clamped to half the lifetime
        let short = Token {
            expires_in: 60.0,
            expires_at: 60_000.0,
            ..t.clone()
        };
        assert_eq!(
            ttl_seconds(short.expires_at, short.expires_in, now, 300.0),
            Some(30)
        );
        assert_eq!(
            ttl_seconds(short.expires_at, short.expires_in, 29_500.0, 300.0),
            None
        );
    }
}
