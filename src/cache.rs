//! The token cache of `TokenClient`: a sans-IO state machine against an injected clock.
//!
//! The IO layer drives it. For each `getToken()` it asks [`TokenCache::get`] what to do:
//! - [`Decision::Cached`]: answer with that token now, no request;
//! - [`Decision::Join`]: a refresh is already in flight, wait for its outcome (one shared promise);
//! - [`Decision::Start`]: send one token request (after sleeping until `not_before_ms` if that is
//!   later than now), then report the result with [`TokenCache::succeed`] or [`TokenCache::fail`],
//!   which returns the [`Outcome`] to hand to every waiter of that refresh.
//!
//! Rules (what users rely on):
//! - a token is served from the cache until it enters its refresh window, `refresh_at_ms`
//!   (`expires_at` minus the skew, the skew never being more than half the token's lifetime);
//! - at most one refresh is in flight; every caller that needs a refresh meanwhile joins it, a
//!   forced refresh included;
//! - **one token request per second**: two refreshes of one cache start at least
//!   [`MIN_REQUEST_INTERVAL_MS`] apart, whatever the callers (`forceRefresh` loops, 401 loops in
//!   `TokenClient.fetch`, `clear()` loops), the server (`expires_in: 0`) or the clock do. A refresh
//!   needed sooner, forced or not, is started with a `not_before_ms` at the end of that second (the IO
//!   layer sleeps until then and callers arriving meanwhile join it), so a forced refresh still gets a
//!   new token, a second later at most. Inside that second, with no refresh in flight, an unexpired
//!   cached token is served to plain callers even in its refresh window;
//! - a failed refresh while the cached token is unexpired yields that token ([`Outcome::Stale`]);
//!   once it has expired the failure is reported ([`Outcome::Fail`]); a token is never served at or
//!   after its `expires_at`;
//! - after `n` consecutive failed refreshes the next one is not sent before
//!   `last_failure + min(10 s, 1 s * 2^(n-1))`; inside that gap an unexpired cached token is served
//!   even in its refresh window, and without one the refresh is started with a `not_before_ms`;
//! - every [`Decision::Start`] carries a new, increasing ticket; reports with a ticket that is not
//!   the current in-flight one (say after [`TokenCache::clear`]) leave the cache unchanged.
//!   `clear()` forgets the token and the failure backoff, not the time of the last start.
//!
//! **Short-lived tokens.** A token whose lifetime is shorter than the one-second spacing (down to
//! `expires_in: 0`) is what the server issued: it goes to every caller of the request that got it,
//! and is cached only while unexpired (a 0-second token not at all; as for every token, its refresh
//! point is at half its lifetime at most). The next caller after that waits for the spacing and gets
//! a new one. So a server answering `expires_in: 0` is asked once a second by one client, and its
//! callers get tokens that may be expired by the time they are used (which is what it asked for).
//!
//! **Times.** All times are `f64` epoch milliseconds given by the caller. Token expiry is judged by
//! each call's own `now` (a token is served only while `now < expires_at`; a NaN time never serves
//! a token, a NaN expiry counts as already expired). The spacing and the failure backoff are measured
//! on a monotonic reading of those same values: time passes only when the clock moves forward, a
//! backwards step counts as no time passed, and a non-finite reading as none either. Waits are
//! turned back into the caller's clock as `now + remaining`, so a clock that jumps back by an hour
//! delays nothing by an hour and lets nothing through early.

/// Default `refreshSkewSeconds`: refresh a token this long before it expires.
pub const DEFAULT_SKEW_SECONDS: f64 = 300.0;

/// Least time between the starts of two token requests of one client, in milliseconds (the API
/// allows 5 requests per second per key; one client keeps to one).
pub const MIN_REQUEST_INTERVAL_MS: f64 = 1_000.0;

/// First backoff gap after one failed refresh, in milliseconds.
const BACKOFF_BASE_MS: f64 = 1_000.0;
/// Largest backoff gap, in milliseconds.
const BACKOFF_MAX_MS: f64 = 10_000.0;

/// When a token should be refreshed, in epoch milliseconds:
/// `expires_at_ms - min(skew_s, expires_in_s / 2)` seconds, so the skew is never more than half the
/// token's lifetime. A negative or NaN margin counts as 0 (the refresh point is never after
/// `expires_at_ms`).
pub fn refresh_at_ms(expires_at_ms: f64, expires_in_s: f64, skew_s: f64) -> f64 {
    // `f64::min`/`max` ignore a NaN operand, so a NaN lifetime or skew falls back to the other one
    // and a NaN result of both becomes 0.
    let margin_s = skew_s.min(expires_in_s / 2.0).max(0.0);
    expires_at_ms - margin_s * 1_000.0
}

/// The gap after `failures` consecutive failed refreshes: `min(10 s, 1 s * 2^(failures - 1))`.
fn backoff_ms(failures: u32) -> f64 {
    if failures == 0 {
        return 0.0;
    }
    // 2^4 s is already past the cap; clamping the exponent keeps the shift small.
    let exp = failures.saturating_sub(1).min(8);
    (BACKOFF_BASE_MS * f64::from(1u32 << exp)).min(BACKOFF_MAX_MS)
}

/// What the IO layer should do for one `getToken()` call.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision<T> {
    /// Serve this cached token now; no request.
    Cached(T),
    /// A refresh is already in flight: wait for its outcome (the IO layer shares one promise).
    Join,
    /// Start a refresh now: the cache has marked itself in flight under `ticket`, which must be
    /// passed back to [`TokenCache::succeed`] or [`TokenCache::fail`]. If `not_before_ms` is later
    /// than now, wait until then before sending (failure backoff); callers arriving meanwhile join.
    Start {
        /// Identifies this refresh; new and increasing for every `Start`.
        ticket: u64,
        /// Earliest time to send the request, epoch milliseconds. At or before now: send at once.
        not_before_ms: f64,
    },
}

/// The result of one refresh, to hand to every caller waiting on it.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome<T> {
    /// The refresh succeeded: the new token.
    Token(T),
    /// The refresh failed but this cached token is still unexpired: serve it, do not throw.
    Stale(T),
    /// The refresh failed and there is no unexpired token: throw the refresh's error.
    Fail,
}

/// A cached token and the times that govern it.
#[derive(Clone, Debug)]
struct Entry<T> {
    token: T,
    /// Never NaN: a NaN expiry is stored as `-inf` (already expired).
    expires_at_ms: f64,
    /// Never NaN and never after `expires_at_ms`.
    refresh_at_ms: f64,
}

impl<T> Entry<T> {
    /// Unexpired at `now_ms` (false for a NaN `now_ms`).
    fn usable(&self, now_ms: f64) -> bool {
        now_ms < self.expires_at_ms
    }

    /// Before its refresh window at `now_ms` (false for a NaN `now_ms`).
    fn fresh(&self, now_ms: f64) -> bool {
        now_ms < self.refresh_at_ms && self.usable(now_ms)
    }
}

/// A monotonic reading of the caller's clock: time passes only while it moves forward.
#[derive(Clone, Debug)]
struct Monotonic {
    /// Last finite reading passed in, `-inf` before the first.
    last_raw_ms: f64,
    /// Monotonic time at that reading (equal to the reading while the clock only moves forward),
    /// `-inf` before the first finite reading.
    mono_ms: f64,
}

impl Monotonic {
    const fn new() -> Self {
        Monotonic {
            last_raw_ms: f64::NEG_INFINITY,
            mono_ms: f64::NEG_INFINITY,
        }
    }

    /// The monotonic time of `now_ms`, without recording it.
    fn at(&self, now_ms: f64) -> f64 {
        if !now_ms.is_finite() {
            self.mono_ms
        } else if self.last_raw_ms.is_finite() {
            self.mono_ms + (now_ms - self.last_raw_ms).max(0.0)
        } else {
            now_ms
        }
    }

    /// Record `now_ms` and return its monotonic time.
    fn tick(&mut self, now_ms: f64) -> f64 {
        let mono = self.at(now_ms);
        if now_ms.is_finite() {
            self.last_raw_ms = now_ms;
            self.mono_ms = mono;
        }
        mono
    }
}

/// The refresh state machine of `TokenClient`, generic over the token payload `T`.
#[derive(Clone, Debug)]
pub struct TokenCache<T> {
    skew_s: f64,
    entry: Option<Entry<T>>,
    /// Ticket of the refresh in flight, if any.
    in_flight: Option<u64>,
    /// Ticket handed out by the next `Start`.
    next_ticket: u64,
    /// Consecutive failed refreshes since the last success or `clear()`.
    failures: u32,
    /// Monotonic time the last of those failures was reported (`-inf` if none).
    last_failure_mono: f64,
    /// Monotonic time the last refresh was (to be) sent: its `not_before` (`-inf` if none).
    last_start_mono: f64,
    /// The caller's clock, read monotonically for the spacing and the backoff.
    clock: Monotonic,
}

impl<T: Clone> Default for TokenCache<T> {
    fn default() -> Self {
        TokenCache::new(DEFAULT_SKEW_SECONDS)
    }
}

impl<T: Clone> TokenCache<T> {
    /// An empty cache refreshing tokens `refresh_skew_seconds` before they expire (never more than
    /// half their lifetime). The caller validates the skew (finite, `>= 0`); a NaN or negative one
    /// is taken as 0 here.
    pub fn new(refresh_skew_seconds: f64) -> Self {
        TokenCache {
            skew_s: refresh_skew_seconds.max(0.0),
            entry: None,
            in_flight: None,
            next_ticket: 1,
            failures: 0,
            last_failure_mono: f64::NEG_INFINITY,
            last_start_mono: f64::NEG_INFINITY,
            clock: Monotonic::new(),
        }
    }

    /// Monotonic end of the failure backoff gap (`-inf` when there is none).
    fn backoff_end_mono(&self) -> f64 {
        if self.failures == 0 {
            f64::NEG_INFINITY
        } else {
            self.last_failure_mono + backoff_ms(self.failures)
        }
    }

    /// Monotonic end of the one-second spacing after the last start (`-inf` before any start).
    fn spacing_end_mono(&self) -> f64 {
        self.last_start_mono + MIN_REQUEST_INTERVAL_MS
    }

    /// The cached token `get(now_ms, false)` would serve as [`Decision::Cached`], `mono` being the
    /// monotonic time of `now_ms`.
    fn servable(&self, now_ms: f64, mono: f64) -> Option<&Entry<T>> {
        let entry = self.entry.as_ref()?;
        // No refresh can be sent yet: serve what is still unexpired rather than wait (while a
        // refresh is in flight, callers in the refresh window join it instead, as always).
        let waiting = mono < self.backoff_end_mono()
            || (self.in_flight.is_none() && mono < self.spacing_end_mono());
        if entry.fresh(now_ms) || (entry.usable(now_ms) && waiting) {
            Some(entry)
        } else {
            None
        }
    }

    /// What to do for a `getToken()` at `now_ms`.
    ///
    /// - A fresh token (before its refresh window) is [`Decision::Cached`] unless `force_refresh`.
    /// - Inside a failure backoff gap an unexpired token is [`Decision::Cached`] unless
    ///   `force_refresh`, even in its refresh window.
    /// - Inside the second after the last start, with no refresh in flight, an unexpired token is
    ///   [`Decision::Cached`] unless `force_refresh`, even in its refresh window.
    /// - Otherwise a refresh is needed: [`Decision::Join`] if one is in flight (forced or not),
    ///   else [`Decision::Start`] with a new ticket, the cache being in flight from now on, and a
    ///   `not_before_ms` at the end of the backoff gap and of the one-second spacing (`now_ms` when
    ///   both are over).
    pub fn get(&mut self, now_ms: f64, force_refresh: bool) -> Decision<T> {
        let mono = self.clock.tick(now_ms);
        if !force_refresh {
            if let Some(entry) = self.servable(now_ms, mono) {
                return Decision::Cached(entry.token.clone());
            }
        }
        if self.in_flight.is_some() {
            return Decision::Join;
        }
        let ticket = self.next_ticket;
        self.next_ticket = self.next_ticket.wrapping_add(1);
        self.in_flight = Some(ticket);
        let gap_end = self.backoff_end_mono().max(self.spacing_end_mono());
        let wait_ms = if gap_end > mono { gap_end - mono } else { 0.0 };
        self.last_start_mono = mono + wait_ms;
        // In the caller's clock. A non-finite `now_ms` waits from the last finite reading (`-inf`
        // when there was none: send at once).
        let not_before_ms = if now_ms.is_finite() {
            now_ms + wait_ms
        } else {
            self.clock.last_raw_ms + wait_ms
        };
        Decision::Start {
            ticket,
            not_before_ms,
        }
    }

    /// Report that the refresh `ticket` got `token`, which expires at `expires_at_ms` (time the
    /// request was sent + `expires_in_s`). Returns [`Outcome::Token`] with that token. If `ticket`
    /// is the refresh in flight, the token is cached and the failure count reset; otherwise (a
    /// refresh from before [`TokenCache::clear`], or a second report) nothing changes.
    pub fn succeed(
        &mut self,
        ticket: u64,
        token: T,
        expires_at_ms: f64,
        expires_in_s: f64,
        now_ms: f64,
    ) -> Outcome<T> {
        self.clock.tick(now_ms);
        if self.in_flight == Some(ticket) {
            self.in_flight = None;
            self.failures = 0;
            self.last_failure_mono = f64::NEG_INFINITY;
            let expires_at_ms = if expires_at_ms.is_nan() {
                f64::NEG_INFINITY
            } else {
                expires_at_ms
            };
            let refresh = refresh_at_ms(expires_at_ms, expires_in_s, self.skew_s);
            let refresh_at_ms = if refresh.is_nan() {
                expires_at_ms
            } else {
                refresh.min(expires_at_ms)
            };
            self.entry = Some(Entry {
                token: token.clone(),
                expires_at_ms,
                refresh_at_ms,
            });
        }
        Outcome::Token(token)
    }

    /// Report that the refresh `ticket` failed at `now_ms`. Returns [`Outcome::Stale`] with the
    /// cached token if it is unexpired at `now_ms`, else [`Outcome::Fail`]. If `ticket` is the
    /// refresh in flight, the failure counts towards the backoff; otherwise nothing changes.
    pub fn fail(&mut self, ticket: u64, now_ms: f64) -> Outcome<T> {
        let mono = self.clock.tick(now_ms);
        if self.in_flight == Some(ticket) {
            self.in_flight = None;
            self.failures = self.failures.saturating_add(1);
            self.last_failure_mono = mono;
        }
        match &self.entry {
            Some(entry) if entry.usable(now_ms) => Outcome::Stale(entry.token.clone()),
            _ => Outcome::Fail,
        }
    }

    /// Forget the cached token, the failure backoff and the in-flight marker. Reports for tickets
    /// handed out before this are ignored (their callers still get an [`Outcome`]). The time of the
    /// last start is kept: a `clear()` loop gets no more than one request per second either.
    pub fn clear(&mut self) {
        self.entry = None;
        self.in_flight = None;
        self.failures = 0;
        self.last_failure_mono = f64::NEG_INFINITY;
    }

    /// The token [`TokenCache::get`]`(now_ms, false)` would serve as [`Decision::Cached`], without
    /// side effects.
    pub fn peek(&self, now_ms: f64) -> Option<&T> {
        self.servable(now_ms, self.clock.at(now_ms))
            .map(|entry| &entry.token)
    }

    /// When the cached token enters its refresh window (epoch milliseconds), if a token is cached.
    pub fn refresh_at(&self) -> Option<f64> {
        self.entry.as_ref().map(|entry| entry.refresh_at_ms)
    }

    /// Whether a refresh is in flight.
    pub fn in_flight(&self) -> bool {
        self.in_flight.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: f64 = 1_700_000_000_000.0;
    const HOUR_S: f64 = 3_600.0;

    fn start(d: Decision<&'static str>) -> (u64, f64) {
        match d {
            Decision::Start {
                ticket,
                not_before_ms,
            } => (ticket, not_before_ms),
            other => unreachable!("expected Start, got {other:?}"),
        }
    }

    /// A cache holding `tok` with lifetime `life_s` that expires at `at + life_s`, its request
    /// started a second before `at` (so the one-second spacing is over at `at`), nothing in flight.
    fn with_token(tok: &'static str, at: f64, life_s: f64) -> TokenCache<&'static str> {
        let mut c = TokenCache::new(DEFAULT_SKEW_SECONDS);
        let (t, _) = start(c.get(at - MIN_REQUEST_INTERVAL_MS, false));
        assert_eq!(
            c.succeed(t, tok, at + life_s * 1_000.0, life_s, at),
            Outcome::Token(tok)
        );
        c
    }

    #[test]
    fn refresh_at_uses_skew_capped_at_half_the_lifetime() {
        assert_eq!(
            refresh_at_ms(T0 + 3_600_000.0, 3_600.0, 300.0),
            T0 + 3_300_000.0
        );
        assert_eq!(refresh_at_ms(T0 + 400_000.0, 400.0, 300.0), T0 + 200_000.0);
        assert_eq!(refresh_at_ms(T0 + 600_000.0, 600.0, 300.0), T0 + 300_000.0);
        assert_eq!(refresh_at_ms(T0, 0.0, 300.0), T0);
        assert_eq!(refresh_at_ms(T0 + 60_000.0, 60.0, 0.0), T0 + 60_000.0);
        // A nonsense lifetime never moves the refresh point past the expiry.
        assert_eq!(refresh_at_ms(T0, -10.0, 300.0), T0);
        assert_eq!(refresh_at_ms(T0, f64::NAN, 300.0), T0 - 300_000.0);
        assert_eq!(refresh_at_ms(T0, f64::INFINITY, 300.0), T0 - 300_000.0);
    }

    #[test]
    fn backoff_doubles_from_one_second_up_to_ten() {
        let gaps: Vec<f64> = (0..8).map(backoff_ms).collect();
        assert_eq!(
            gaps,
            [0.0, 1_000.0, 2_000.0, 4_000.0, 8_000.0, 10_000.0, 10_000.0, 10_000.0]
        );
        assert_eq!(backoff_ms(u32::MAX), 10_000.0);
    }

    #[test]
    fn empty_cache_starts_then_everyone_joins() {
        let mut c: TokenCache<&str> = TokenCache::default();
        assert!(!c.in_flight());
        assert_eq!(c.peek(T0), None);
        assert_eq!(c.refresh_at(), None);
        let (t, nb) = start(c.get(T0, false));
        assert_eq!(nb, T0);
        assert!(c.in_flight());
        assert_eq!(c.get(T0 + 1.0, false), Decision::Join);
        assert_eq!(c.get(T0 + 2.0, true), Decision::Join);
        assert_eq!(
            c.succeed(t, "a", T0 + 3_600_000.0, HOUR_S, T0 + 5.0),
            Outcome::Token("a")
        );
        assert!(!c.in_flight());
        assert_eq!(c.get(T0 + 6.0, false), Decision::Cached("a"));
    }

    #[test]
    fn fresh_token_is_cached_until_the_refresh_window() {
        let mut c = with_token("a", T0, HOUR_S);
        let refresh = T0 + 3_300_000.0;
        assert_eq!(c.refresh_at(), Some(refresh));
        assert_eq!(c.get(T0, false), Decision::Cached("a"));
        assert_eq!(c.peek(refresh - 1.0), Some(&"a"));
        assert_eq!(c.get(refresh - 1.0, false), Decision::Cached("a"));
        assert_eq!(c.peek(refresh), None);
        let (t, nb) = start(c.get(refresh, false));
        assert_eq!(nb, refresh);
        // Callers in the refresh window wait for the refresh.
        assert_eq!(c.get(refresh + 1.0, false), Decision::Join);
        assert_eq!(
            c.succeed(t, "b", refresh + 3_600_000.0, HOUR_S, refresh),
            Outcome::Token("b")
        );
        assert_eq!(c.get(refresh + 2.0, false), Decision::Cached("b"));
    }

    #[test]
    fn short_lived_tokens_refresh_at_half_life() {
        let mut c = with_token("a", T0, 100.0);
        assert_eq!(c.refresh_at(), Some(T0 + 50_000.0));
        assert_eq!(c.get(T0 + 49_999.0, false), Decision::Cached("a"));
        start(c.get(T0 + 50_000.0, false));
    }

    #[test]
    fn force_refresh_skips_the_cache_but_joins_in_flight() {
        let mut c = with_token("a", T0, HOUR_S);
        let (t, nb) = start(c.get(T0 + 10.0, true));
        assert_eq!(nb, T0 + 10.0);
        // A fresh token still serves plain callers while the forced refresh runs.
        assert_eq!(c.get(T0 + 11.0, false), Decision::Cached("a"));
        assert_eq!(c.get(T0 + 12.0, true), Decision::Join);
        assert_eq!(
            c.succeed(t, "b", T0 + 3_600_000.0, HOUR_S, T0 + 20.0),
            Outcome::Token("b")
        );
        assert_eq!(c.get(T0 + 21.0, false), Decision::Cached("b"));
    }

    #[test]
    fn failed_refresh_serves_the_unexpired_token() {
        let mut c = with_token("a", T0, HOUR_S);
        let window = T0 + 3_400_000.0;
        let (t, _) = start(c.get(window, false));
        assert_eq!(c.fail(t, window + 10.0), Outcome::Stale("a"));
        assert!(!c.in_flight());
    }

    #[test]
    fn failed_refresh_after_expiry_fails() {
        let mut c = with_token("a", T0, HOUR_S);
        let expiry = T0 + 3_600_000.0;
        let (t, _) = start(c.get(expiry - 1.0, false));
        // The token expired while the request ran.
        assert_eq!(c.fail(t, expiry), Outcome::Fail);
        // And it is never served again.
        assert_eq!(c.peek(expiry), None);
        assert_eq!(c.peek(expiry + 500.0), None);
        start(c.get(expiry + 1_000.0, false));
    }

    #[test]
    fn expired_token_is_never_cached() {
        let mut c = with_token("a", T0, HOUR_S);
        let expiry = T0 + 3_600_000.0;
        assert_eq!(c.peek(expiry), None);
        start(c.get(expiry, false));
    }

    #[test]
    fn backoff_without_a_token_delays_the_next_start() {
        let mut c: TokenCache<&str> = TokenCache::new(300.0);
        let (t, _) = start(c.get(T0, false));
        assert_eq!(c.fail(t, T0), Outcome::Fail);
        let (t, nb) = start(c.get(T0 + 100.0, false));
        assert_eq!(nb, T0 + 1_000.0);
        // Callers arriving while the IO layer sleeps join, forced or not.
        assert_eq!(c.get(T0 + 200.0, false), Decision::Join);
        assert_eq!(c.get(T0 + 300.0, true), Decision::Join);
        assert_eq!(c.fail(t, nb), Outcome::Fail);
        let (_, nb2) = start(c.get(nb + 5.0, false));
        assert_eq!(nb2, nb + 2_000.0);
    }

    #[test]
    fn backoff_sequence_is_1_2_4_8_10_10() {
        let mut c: TokenCache<&str> = TokenCache::new(300.0);
        let mut now = T0;
        let (mut t, _) = start(c.get(now, false));
        let mut gaps = Vec::new();
        for _ in 0..6 {
            assert_eq!(c.fail(t, now), Outcome::Fail);
            let (t2, nb) = start(c.get(now, false));
            gaps.push(nb - now);
            t = t2;
            now = nb;
        }
        assert_eq!(
            gaps,
            [1_000.0, 2_000.0, 4_000.0, 8_000.0, 10_000.0, 10_000.0]
        );
        // A success resets the count.
        c.succeed(t, "a", now + 1_000.0, 1.0, now);
        let (t, nb) = start(c.get(now + 1_000.0, false));
        assert_eq!(nb, now + 1_000.0);
        c.fail(t, now + 1_000.0);
        let (_, nb) = start(c.get(now + 1_000.0, false));
        assert_eq!(nb, now + 2_000.0);
    }

    #[test]
    fn backoff_with_a_usable_token_serves_it_inside_the_window() {
        let mut c = with_token("a", T0, HOUR_S);
        let window = T0 + 3_400_000.0;
        let (t, _) = start(c.get(window, false));
        assert_eq!(c.fail(t, window), Outcome::Stale("a"));
        // Inside the gap: served although in the refresh window, no request.
        assert_eq!(c.peek(window + 999.0), Some(&"a"));
        assert_eq!(c.get(window + 999.0, false), Decision::Cached("a"));
        assert!(!c.in_flight());
        // Gap over: refresh at once.
        let (t, nb) = start(c.get(window + 1_000.0, false));
        assert_eq!(nb, window + 1_000.0);
        assert_eq!(c.fail(t, window + 1_000.0), Outcome::Stale("a"));
        assert_eq!(c.get(window + 2_999.0, false), Decision::Cached("a"));
        start(c.get(window + 3_000.0, false));
    }

    #[test]
    fn backoff_gap_never_serves_an_expired_token() {
        let mut c = with_token("a", T0, HOUR_S);
        let expiry = T0 + 3_600_000.0;
        let (t, _) = start(c.get(expiry - 500.0, false));
        assert_eq!(c.fail(t, expiry - 500.0), Outcome::Stale("a"));
        assert_eq!(c.get(expiry - 1.0, false), Decision::Cached("a"));
        // Still inside the gap, but the token has expired: start, delayed to the gap end.
        let (_, nb) = start(c.get(expiry, false));
        assert_eq!(nb, expiry + 500.0);
    }

    #[test]
    fn force_refresh_in_the_gap_respects_the_backoff() {
        let mut c = with_token("a", T0, HOUR_S);
        let (t, _) = start(c.get(T0 + 10.0, true));
        assert_eq!(c.fail(t, T0 + 10.0), Outcome::Stale("a"));
        let (t, nb) = start(c.get(T0 + 20.0, true));
        assert_eq!(nb, T0 + 1_010.0);
        // Plain callers are not delayed by the sleeping forced refresh.
        assert_eq!(c.get(T0 + 30.0, false), Decision::Cached("a"));
        assert_eq!(c.get(T0 + 30.0, true), Decision::Join);
        assert_eq!(
            c.succeed(t, "b", T0 + 3_601_010.0, HOUR_S, T0 + 1_010.0),
            Outcome::Token("b")
        );
        assert_eq!(c.get(T0 + 1_011.0, false), Decision::Cached("b"));
    }

    #[test]
    fn tickets_increase() {
        let mut c: TokenCache<&str> = TokenCache::new(0.0);
        let mut last = 0;
        for i in 0..5 {
            let now = T0 + f64::from(i) * 20_000.0;
            let (t, _) = start(c.get(now, true));
            assert!(t > last);
            last = t;
            c.fail(t, now);
        }
        c.clear();
        let (t, _) = start(c.get(T0 + 200_000.0, false));
        assert!(t > last);
    }

    #[test]
    fn clear_forgets_token_backoff_and_in_flight() {
        let mut c = with_token("a", T0, HOUR_S);
        let (old, _) = start(c.get(T0, true));
        assert_eq!(c.fail(old, T0), Outcome::Stale("a"));
        let (old, _) = start(c.get(T0 + 1.0, true));
        c.clear();
        assert!(!c.in_flight());
        assert_eq!(c.peek(T0 + 2.0), None);
        assert_eq!(c.refresh_at(), None);
        // No backoff left, but the spacing after the last start (sent at T0 + 1 s, after the
        // backoff) holds: a clear() loop gets one request per second, no more.
        let (new, nb) = start(c.get(T0 + 2.0, false));
        assert_eq!(nb, T0 + 2_000.0);
        assert!(new > old);
        // The old request's report changes nothing.
        assert_eq!(
            c.succeed(old, "old", T0 + 3_600_000.0, HOUR_S, T0 + 3.0),
            Outcome::Token("old")
        );
        assert!(c.in_flight());
        assert_eq!(c.peek(T0 + 3.0), None);
        assert_eq!(c.get(T0 + 3.0, false), Decision::Join);
        assert_eq!(c.fail(old, T0 + 3.0), Outcome::Fail);
        assert!(c.in_flight());
        // The current one still lands.
        assert_eq!(
            c.succeed(new, "b", T0 + 3_600_000.0, HOUR_S, T0 + 4.0),
            Outcome::Token("b")
        );
        assert_eq!(c.get(T0 + 5.0, false), Decision::Cached("b"));
        // A late failure of an old request gets the current unexpired token, no backoff.
        assert_eq!(c.fail(old, T0 + 6.0), Outcome::Stale("b"));
        let (_, nb) = start(c.get(T0 + 3_500.0, true));
        assert_eq!(nb, T0 + 3_500.0);
    }

    #[test]
    fn clear_with_nothing_in_flight_and_old_success_is_not_stored() {
        let mut c = with_token("a", T0, HOUR_S);
        let (old, _) = start(c.get(T0, true));
        c.clear();
        assert_eq!(
            c.succeed(old, "b", T0 + 3_600_000.0, HOUR_S, T0 + 1.0),
            Outcome::Token("b")
        );
        assert!(!c.in_flight());
        assert_eq!(c.peek(T0 + 1.0), None);
        start(c.get(T0 + 1.0, false));
    }

    #[test]
    fn a_second_report_for_the_same_ticket_changes_nothing() {
        let mut c: TokenCache<&str> = TokenCache::new(300.0);
        let (t, _) = start(c.get(T0, false));
        c.succeed(t, "a", T0 + 3_600_000.0, HOUR_S, T0);
        assert_eq!(c.fail(t, T0 + 1.0), Outcome::Stale("a"));
        assert_eq!(c.get(T0 + 2.0, false), Decision::Cached("a"));
        c.succeed(t, "z", T0 + 7_200_000.0, 2.0 * HOUR_S, T0 + 3.0);
        assert_eq!(c.get(T0 + 4.0, false), Decision::Cached("a"));
        // No backoff was recorded by the stray failure (it would end at T0 + 1.001 s): only the
        // one-second spacing after the start at T0.
        let (_, nb) = start(c.get(T0 + 5.0, true));
        assert_eq!(nb, T0 + 1_000.0);
    }

    #[test]
    fn zero_lifetime_token_is_returned_but_never_cached() {
        let mut c: TokenCache<&str> = TokenCache::new(300.0);
        let (t, _) = start(c.get(T0, false));
        assert_eq!(c.succeed(t, "z", T0, 0.0, T0 + 10.0), Outcome::Token("z"));
        assert_eq!(c.peek(T0 + 10.0), None);
        let (t, _) = start(c.get(T0 + 10.0, false));
        assert_eq!(c.fail(t, T0 + 10.0), Outcome::Fail);
    }

    #[test]
    fn nan_clock_never_serves_and_never_panics() {
        let mut c = with_token("a", T0, HOUR_S);
        assert_eq!(c.peek(f64::NAN), None);
        let (t, nb) = start(c.get(f64::NAN, false));
        assert_eq!(nb, T0, "no backoff, spacing over: send at once");
        assert_eq!(c.get(f64::NAN, false), Decision::Join);
        assert_eq!(c.fail(t, f64::NAN), Outcome::Fail);
        // The backoff is anchored at the last good clock reading.
        let (t, nb) = start(c.get(f64::NAN, false));
        assert_eq!(nb, T0 + 1_000.0);
        c.fail(t, T0 + 1_000.0);
        // Good clock again: the (fresh) token is served.
        assert_eq!(c.get(T0 + 1_001.0, false), Decision::Cached("a"));
    }

    #[test]
    fn nan_expiry_is_expired_and_nan_lifetime_uses_the_skew() {
        let mut c: TokenCache<&str> = TokenCache::new(300.0);
        let (t, _) = start(c.get(T0, false));
        assert_eq!(c.succeed(t, "n", f64::NAN, HOUR_S, T0), Outcome::Token("n"));
        assert_eq!(c.peek(T0), None);
        assert_eq!(c.refresh_at(), Some(f64::NEG_INFINITY));
        let (t, _) = start(c.get(T0, false));
        assert_eq!(c.fail(t, T0), Outcome::Fail);
        let (t, nb) = start(c.get(T0, false));
        c.succeed(t, "n", T0 + 60_000.0, f64::NAN, nb);
        // NaN lifetime: plain skew, still before expiry.
        assert_eq!(c.refresh_at(), Some(T0 + 60_000.0 - 300_000.0));
        assert_eq!(c.peek(T0 + 59_999.0), None);
        let (t, _) = start(c.get(T0 + 59_999.0, false));
        assert_eq!(c.fail(t, T0 + 59_999.0), Outcome::Stale("n"));
    }

    #[test]
    fn clock_going_backwards_judges_each_call_by_its_own_now() {
        let expiry = T0 + 3_600_000.0;
        let mut c = with_token("a", T0, HOUR_S);
        let (t, _) = start(c.get(expiry + 10.0, false));
        // The clock jumps back before the expiry: the token is unexpired again by that clock.
        assert_eq!(c.fail(t, expiry - 10.0), Outcome::Stale("a"));
        // And forward again: never served at or after expiry.
        assert_eq!(c.peek(expiry), None);
        // A jump back counts as no time passed: the 2 s backoff after a failure stamped in the
        // "future" is waited from now, not until the clock is back there.
        let (t, _) = start(c.get(expiry + 100_000.0, false));
        c.fail(t, expiry + 100_000.0);
        let (_, nb) = start(c.get(T0, true));
        assert_eq!(nb, T0 + 2_000.0);
    }

    #[test]
    fn zero_lifetime_tokens_are_requested_once_a_second() {
        let mut c: TokenCache<&str> = TokenCache::new(300.0);
        let mut now = T0;
        let mut sends = Vec::new();
        for _ in 0..5 {
            let (t, nb) = start(c.get(now, false));
            sends.push(nb);
            now = now.max(nb) + 3.0;
            assert_eq!(c.succeed(t, "z", nb, 0.0, now), Outcome::Token("z"));
            // Callers right after: nothing cached, the next refresh waits for the second.
            assert_eq!(c.peek(now), None);
        }
        assert_eq!(
            sends,
            [T0, T0 + 1_000.0, T0 + 2_000.0, T0 + 3_000.0, T0 + 4_000.0]
        );
    }

    #[test]
    fn forced_refresh_loops_wait_for_the_second_then_request() {
        let mut c = with_token("a", T0, HOUR_S);
        let mut now = T0;
        let mut last = f64::NEG_INFINITY;
        for i in 0..10 {
            let (t, nb) = start(c.get(now, true));
            assert!(
                nb >= last + MIN_REQUEST_INTERVAL_MS,
                "{i}: {nb} after {last}"
            );
            // Callers meanwhile share it, forced or not (the cached token is fresh: plain callers
            // are served).
            assert_eq!(c.get(now + 1.0, true), Decision::Join);
            assert_eq!(
                c.get(now + 1.0, false),
                Decision::Cached(if i == 0 { "a" } else { "b" })
            );
            last = nb;
            now = nb + 2.0;
            c.succeed(t, "b", now + 3_600_000.0, HOUR_S, now);
        }
        // The first one went at once, each next one a second after the previous.
        assert_eq!(last, T0 + 9_000.0);
    }

    #[test]
    fn failing_refresh_loops_keep_the_spacing_and_the_backoff() {
        let mut c: TokenCache<&str> = TokenCache::new(300.0);
        let (t, nb) = start(c.get(T0, true));
        assert_eq!(nb, T0);
        assert_eq!(c.fail(t, T0 + 10.0), Outcome::Fail);
        // backoff 1 s from the failure (T0 + 1.01 s) is later than the spacing (T0 + 1 s)
        let (_, nb) = start(c.get(T0 + 20.0, true));
        assert_eq!(nb, T0 + 1_010.0);
    }

    #[test]
    fn the_spacing_holds_whatever_the_clock_does() {
        let mut c = with_token("a", T0, HOUR_S);
        let (t, nb) = start(c.get(T0, true));
        assert_eq!(nb, T0);
        c.succeed(t, "b", T0 + 3_600_000.0, HOUR_S, T0 + 100.0);
        // An hour back: 900 ms of the second are left, in the caller's new clock.
        let back = T0 - 3_600_000.0;
        let (t, nb) = start(c.get(back, true));
        assert_eq!(nb, back + 900.0);
        c.succeed(t, "c", back + 3_600_000.0, HOUR_S, back + 900.0);
        // Back and forth again: only forward motion counts (none here since the last start).
        let (t, nb) = start(c.get(back - 5_000.0, true));
        assert_eq!(nb, back - 5_000.0 + 1_000.0);
        c.fail(t, back - 4_000.0);
        // NaN and infinite readings pass no time either.
        let (t, nb) = start(c.get(f64::NAN, true));
        assert_eq!(
            nb,
            back - 4_000.0 + 1_000.0,
            "waits from the last finite reading"
        );
        c.fail(t, f64::INFINITY);
        let (_, nb) = start(c.get(back - 3_000.0, true));
        // Two failures: 2 s of backoff from the last one (reported with an infinite clock, so at
        // the last finite reading, back - 4 s); 1 s of it has passed.
        assert_eq!(nb, back - 3_000.0 + 1_000.0);
    }

    #[test]
    fn short_tokens_are_served_inside_the_second_when_nothing_is_in_flight() {
        let mut c: TokenCache<&str> = TokenCache::new(300.0);
        let (t, _) = start(c.get(T0, false));
        c.succeed(t, "s", T0 + 800.0, 0.8, T0 + 50.0);
        // refresh point at half life (T0 + 400): in its window, but no request can go yet.
        assert_eq!(c.refresh_at(), Some(T0 + 400.0));
        assert_eq!(c.get(T0 + 500.0, false), Decision::Cached("s"));
        // expired: wait for the end of the second
        let (_, nb) = start(c.get(T0 + 800.0, false));
        assert_eq!(nb, T0 + 1_000.0);
    }

    #[test]
    fn negative_or_nan_skew_is_zero() {
        let mut c = TokenCache::<&str>::new(-5.0);
        let (t, _) = start(c.get(T0, false));
        c.succeed(t, "a", T0 + 1_000.0, 1.0, T0);
        assert_eq!(c.refresh_at(), Some(T0 + 1_000.0));
        let mut c = TokenCache::<&str>::new(f64::NAN);
        let (t, _) = start(c.get(T0, false));
        c.succeed(t, "a", T0 + 1_000.0, 1.0, T0);
        assert_eq!(c.refresh_at(), Some(T0 + 1_000.0));
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests {
    //! Property tests: arbitrary operation sequences driving a model of the IO layer.

    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    const T0: f64 = 1_700_000_000_000.0;

    #[derive(Clone, Debug)]
    enum Op {
        Get {
            force: bool,
        },
        Succeed {
            lifetime_s: u32,
        },
        Fail,
        Clear,
        /// Report the outcome of a request abandoned by `clear()`.
        ResolveOld {
            pick: usize,
            ok: bool,
            lifetime_s: u32,
        },
        Forward(u64),
        Backward(u64),
    }

    fn step_ms() -> impl Strategy<Value = u64> {
        prop_oneof![Just(0u64), 0u64..2_000, 0u64..20_000, 0u64..8_000_000,]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            30 => any::<bool>().prop_map(|force| Op::Get { force }),
            12 => (0u32..7_200).prop_map(|lifetime_s| Op::Succeed { lifetime_s }),
            12 => Just(Op::Fail),
            3 => Just(Op::Clear),
            4 => (any::<usize>(), any::<bool>(), 0u32..7_200)
                .prop_map(|(pick, ok, lifetime_s)| Op::ResolveOld { pick, ok, lifetime_s }),
            25 => step_ms().prop_map(Op::Forward),
            3 => step_ms().prop_map(Op::Backward),
        ]
    }

    /// A request the IO layer has sent (or is sleeping before sending).
    #[derive(Clone, Copy, Debug)]
    struct Pending {
        ticket: u64,
        /// Effective send time: `max(now, not_before_ms)` at `Start`.
        send_ms: f64,
        /// Callers sharing this request's promise.
        waiters: usize,
    }

    /// The token the model believes is cached (stored since the last `clear()`).
    #[derive(Clone, Copy, Debug)]
    struct Stored {
        id: u64,
        expires_at_ms: f64,
        refresh_at_ms: f64,
    }

    struct Model {
        skew_s: f64,
        now: f64,
        cache: TokenCache<u64>,
        /// Every token ever issued: id -> expires_at.
        expiry: HashMap<u64, f64>,
        next_id: u64,
        current: Option<Pending>,
        abandoned: Vec<Pending>,
        stored: Option<Stored>,
        failures: u32,
        /// Monotonic time of the last failure (the model's own reading of the clock).
        last_failure_mono: f64,
        last_ticket: u64,
        /// The model's monotonic clock: the last time value passed to the cache and its
        /// monotonic time (forward steps between values passed in count, backward ones do not).
        seen_raw: f64,
        mono: f64,
        /// Monotonic send time of the last request started.
        last_send_mono: f64,
    }

    fn gap_ms(failures: u32) -> f64 {
        let mut gap = 1_000.0f64;
        for _ in 1..failures.min(10) {
            gap *= 2.0;
        }
        gap.min(10_000.0)
    }

    impl Model {
        fn new(skew_s: f64) -> Self {
            Model {
                skew_s,
                now: T0,
                cache: TokenCache::new(skew_s),
                expiry: HashMap::new(),
                next_id: 1,
                current: None,
                abandoned: Vec::new(),
                stored: None,
                failures: 0,
                last_failure_mono: f64::NEG_INFINITY,
                last_ticket: 0,
                seen_raw: f64::NEG_INFINITY,
                mono: f64::NEG_INFINITY,
                last_send_mono: f64::NEG_INFINITY,
            }
        }

        /// Pass `self.now` to the cache's clock, as the model sees it: its monotonic time.
        fn tick(&mut self) -> f64 {
            self.mono = if self.seen_raw.is_finite() {
                self.mono + (self.now - self.seen_raw).max(0.0)
            } else {
                self.now
            };
            self.seen_raw = self.now;
            self.mono
        }

        /// (2): a token handed to a caller now must be unexpired now.
        fn check_served(&self, id: u64) -> Result<(), TestCaseError> {
            let exp = self.expiry.get(&id).copied();
            prop_assert!(exp.is_some(), "unknown token {}", id);
            let exp = exp.unwrap_or(f64::NEG_INFINITY);
            prop_assert!(
                self.now < exp,
                "token {} served at {} >= expires_at {}",
                id,
                self.now,
                exp
            );
            Ok(())
        }

        /// (3) + (2): what a failed refresh must yield for its waiters at `now`.
        fn check_failure(&self, out: &Outcome<u64>) -> Result<(), TestCaseError> {
            match self.stored {
                Some(s) if self.now < s.expires_at_ms => {
                    prop_assert_eq!(
                        out,
                        &Outcome::Stale(s.id),
                        "failure with a live cached token"
                    );
                }
                _ => prop_assert_eq!(out, &Outcome::Fail),
            }
            if let Outcome::Stale(id) = out {
                self.check_served(*id)?;
            }
            Ok(())
        }

        fn get(&mut self, force: bool) -> Result<(), TestCaseError> {
            let peeked = self.cache.peek(self.now).copied();
            let mono = self.tick();
            let d = self.cache.get(self.now, force);
            if !force {
                prop_assert_eq!(
                    peeked.map(Decision::Cached),
                    match d {
                        Decision::Cached(id) => Some(Decision::Cached(id)),
                        _ => None,
                    }
                );
                // A fresh token is always served without a request.
                if let Some(s) = self.stored {
                    if self.now < s.refresh_at_ms && self.now < s.expires_at_ms {
                        prop_assert_eq!(&d, &Decision::Cached(s.id));
                    }
                }
            }
            match d {
                Decision::Cached(id) => {
                    prop_assert!(!force, "forceRefresh served from cache");
                    prop_assert_eq!(self.stored.map(|s| s.id), Some(id));
                    self.check_served(id)?;
                }
                Decision::Join => {
                    // (5) nobody waits on a refresh that is not coming.
                    prop_assert!(self.current.is_some(), "Join with nothing in flight");
                    if let Some(p) = self.current.as_mut() {
                        p.waiters += 1;
                    }
                }
                Decision::Start {
                    ticket,
                    not_before_ms,
                } => {
                    // (1) one request in flight at a time.
                    prop_assert!(self.current.is_none(), "Start while in flight");
                    prop_assert!(ticket > self.last_ticket, "ticket not increasing");
                    self.last_ticket = ticket;
                    // (4) the send waits for the end of the backoff gap and of the one-second
                    // spacing after the last send, both on the monotonic clock, and no longer.
                    let mut gap_end = self.last_send_mono + MIN_REQUEST_INTERVAL_MS;
                    if self.failures > 0 {
                        gap_end = gap_end.max(self.last_failure_mono + gap_ms(self.failures));
                    }
                    let wait = (gap_end - mono).max(0.0);
                    prop_assert_eq!(not_before_ms, self.now + wait);
                    let send_ms = self.now + wait;
                    // (6) one client, one request per second, whatever the clock did.
                    prop_assert!(
                        mono + wait >= self.last_send_mono + MIN_REQUEST_INTERVAL_MS,
                        "sent {} ms after the previous one",
                        mono + wait - self.last_send_mono
                    );
                    self.last_send_mono = mono + wait;
                    self.current = Some(Pending {
                        ticket,
                        send_ms,
                        waiters: 1,
                    });
                }
            }
            Ok(())
        }

        fn issue(&mut self, send_ms: f64, lifetime_s: u32) -> (u64, f64) {
            let id = self.next_id;
            self.next_id += 1;
            let expires_at_ms = send_ms + f64::from(lifetime_s) * 1_000.0;
            self.expiry.insert(id, expires_at_ms);
            (id, expires_at_ms)
        }

        fn succeed(&mut self, lifetime_s: u32) -> Result<(), TestCaseError> {
            let Some(p) = self.current.take() else {
                return Ok(());
            };
            // The IO layer slept until the send time, then the response came.
            self.now = self.now.max(p.send_ms);
            self.tick();
            let (id, expires_at_ms) = self.issue(p.send_ms, lifetime_s);
            let life = f64::from(lifetime_s);
            let out = self
                .cache
                .succeed(p.ticket, id, expires_at_ms, life, self.now);
            // The fresh token of this very request goes to all its waiters.
            prop_assert!(p.waiters >= 1);
            prop_assert_eq!(out, Outcome::Token(id));
            self.stored = Some(Stored {
                id,
                expires_at_ms,
                refresh_at_ms: expires_at_ms - self.skew_s.min(life / 2.0) * 1_000.0,
            });
            self.failures = 0;
            prop_assert_eq!(
                self.cache.refresh_at(),
                self.stored.map(|s| s.refresh_at_ms)
            );
            Ok(())
        }

        fn fail(&mut self) -> Result<(), TestCaseError> {
            let Some(p) = self.current.take() else {
                return Ok(());
            };
            self.now = self.now.max(p.send_ms);
            let mono = self.tick();
            let out = self.cache.fail(p.ticket, self.now);
            self.check_failure(&out)?;
            self.failures += 1;
            self.last_failure_mono = mono;
            Ok(())
        }

        fn clear(&mut self) {
            self.cache.clear();
            if let Some(p) = self.current.take() {
                self.abandoned.push(p);
            }
            self.stored = None;
            self.failures = 0;
            self.last_failure_mono = f64::NEG_INFINITY;
        }

        fn resolve_old(
            &mut self,
            pick: usize,
            ok: bool,
            lifetime_s: u32,
        ) -> Result<(), TestCaseError> {
            if self.abandoned.is_empty() {
                return Ok(());
            }
            let p = self.abandoned.swap_remove(pick % self.abandoned.len());
            let before = (
                self.cache.peek(self.now).copied(),
                self.cache.in_flight(),
                self.cache.refresh_at(),
            );
            self.tick();
            if ok {
                let (id, expires_at_ms) = self.issue(p.send_ms, lifetime_s);
                let out = self.cache.succeed(
                    p.ticket,
                    id,
                    expires_at_ms,
                    f64::from(lifetime_s),
                    self.now,
                );
                prop_assert_eq!(out, Outcome::Token(id));
            } else {
                let out = self.cache.fail(p.ticket, self.now);
                self.check_failure(&out)?;
            }
            let after = (
                self.cache.peek(self.now).copied(),
                self.cache.in_flight(),
                self.cache.refresh_at(),
            );
            prop_assert_eq!(before, after, "an abandoned request changed the cache");
            Ok(())
        }

        fn apply(&mut self, op: &Op) -> Result<(), TestCaseError> {
            match *op {
                Op::Get { force } => self.get(force)?,
                Op::Succeed { lifetime_s } => self.succeed(lifetime_s)?,
                Op::Fail => self.fail()?,
                Op::Clear => self.clear(),
                Op::ResolveOld {
                    pick,
                    ok,
                    lifetime_s,
                } => self.resolve_old(pick, ok, lifetime_s)?,
                Op::Forward(ms) => self.now += ms as f64,
                Op::Backward(ms) => self.now -= ms as f64,
            }
            // Invariants after every step.
            prop_assert_eq!(self.cache.in_flight(), self.current.is_some());
            if let Some(id) = self.cache.peek(self.now).copied() {
                self.check_served(id)?;
            }
            Ok(())
        }
    }

    fn skew() -> impl Strategy<Value = f64> {
        prop_oneof![
            Just(DEFAULT_SKEW_SECONDS),
            Just(0.0),
            (0u32..7_200).prop_map(f64::from)
        ]
    }

    /// Clock values including the bad ones.
    fn wild_time() -> impl Strategy<Value = f64> {
        prop_oneof![
            6 => (-20_000_000i64..20_000_000).prop_map(|d| T0 + d as f64),
            1 => Just(f64::NAN),
            1 => Just(f64::INFINITY),
            1 => Just(f64::NEG_INFINITY),
            1 => any::<f64>(),
        ]
    }

    #[derive(Clone, Debug)]
    enum WildOp {
        Get(f64, bool),
        Succeed(u64, f64, f64, f64),
        Fail(u64, f64),
        Clear,
    }

    fn wild_op() -> impl Strategy<Value = WildOp> {
        prop_oneof![
            4 => (wild_time(), any::<bool>()).prop_map(|(t, f)| WildOp::Get(t, f)),
            2 => (0u64..6, wild_time(), prop_oneof![0.0..7_200.0f64, any::<f64>()], wild_time())
                .prop_map(|(k, e, l, t)| WildOp::Succeed(k, e, l, t)),
            2 => (0u64..6, wild_time()).prop_map(|(k, t)| WildOp::Fail(k, t)),
            1 => Just(WildOp::Clear),
        ]
    }

    proptest! {
        // Default case count; no regression files written into the source tree.
        #![proptest_config(ProptestConfig {
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn io_layer_model_holds(skew_s in skew(), ops in prop::collection::vec(op(), 1..200)) {
            let mut m = Model::new(skew_s);
            for op in &ops {
                m.apply(op)?;
            }
        }

        /// Any clock values, tickets and lifetimes: no panic, one request at a time, and nothing
        /// served at or after the expiry it was stored with (NaN expiry: never served).
        #[test]
        fn bad_clocks_never_serve_expired(skew_s in skew(), ops in prop::collection::vec(wild_op(), 1..120)) {
            let mut c: TokenCache<u64> = TokenCache::new(skew_s);
            let mut expiry: HashMap<u64, f64> = HashMap::new();
            let mut in_flight: Option<u64> = None;
            let mut issued: Vec<u64> = Vec::new();
            let mut next_id = 0u64;
            for op in ops {
                match op {
                    WildOp::Get(now, force) => {
                        let peeked = c.peek(now).copied();
                        match c.get(now, force) {
                            Decision::Cached(id) => {
                                prop_assert!(!force);
                                prop_assert_eq!(peeked, Some(id));
                                let exp = expiry.get(&id).copied().unwrap_or(f64::NAN);
                                prop_assert!(now < exp, "served {} at {} >= {}", id, now, exp);
                            }
                            Decision::Join => prop_assert!(in_flight.is_some()),
                            Decision::Start { ticket, not_before_ms } => {
                                prop_assert!(in_flight.is_none());
                                prop_assert!(!not_before_ms.is_nan() || now.is_nan());
                                in_flight = Some(ticket);
                                issued.push(ticket);
                            }
                        }
                    }
                    WildOp::Succeed(k, exp, life, now) => {
                        let ticket = issued.iter().rev().nth(usize::try_from(k).unwrap_or(0)).copied().unwrap_or(0);
                        next_id += 1;
                        expiry.insert(next_id, exp);
                        prop_assert_eq!(c.succeed(ticket, next_id, exp, life, now), Outcome::Token(next_id));
                        if in_flight == Some(ticket) {
                            in_flight = None;
                        }
                    }
                    WildOp::Fail(k, now) => {
                        let ticket = issued.iter().rev().nth(usize::try_from(k).unwrap_or(0)).copied().unwrap_or(0);
                        if let Outcome::Stale(id) = c.fail(ticket, now) {
                            let exp = expiry.get(&id).copied().unwrap_or(f64::NAN);
                            prop_assert!(now < exp, "stale {} at {} >= {}", id, now, exp);
                        }
                        if in_flight == Some(ticket) {
                            in_flight = None;
                        }
                    }
                    WildOp::Clear => {
                        c.clear();
                        in_flight = None;
                    }
                }
                prop_assert_eq!(c.in_flight(), in_flight.is_some());
                if let Some(r) = c.refresh_at() {
                    prop_assert!(!r.is_nan());
                }
            }
        }

        #[test]
        fn refresh_point_is_within_skew_and_half_life(
            exp in 0.0..4e12f64, life in 0.0..1e7f64, skew_s in 0.0..1e5f64,
        ) {
            // Epoch milliseconds up to year 2096: one ulp is below 0.001 ms.
            let r = refresh_at_ms(exp, life, skew_s);
            prop_assert!(r <= exp);
            prop_assert!(exp - r <= skew_s * 1_000.0 + 0.01);
            prop_assert!(exp - r <= life / 2.0 * 1_000.0 + 0.01);
            prop_assert!(exp - r >= skew_s.min(life / 2.0) * 1_000.0 - 0.01);
        }
    }
}
