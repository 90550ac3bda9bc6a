//! The TokenClient cache state machine under arbitrary sequences of calls, reports, clears and clock
//! moves (including NaN, infinite and backwards clocks), checked against a small reference model.
//!
//! Invariants:
//! 1. at most one refresh in flight; `in_flight()` agrees with the model; `Join` only while one is;
//! 2. tickets of `Start` strictly increase;
//! 3. a token is never served (`Cached`, `Stale`, `peek`) at or after the expiry it was stored with
//!    (and never with a NaN clock or a NaN expiry); `forceRefresh` is never served from the cache;
//! 4. `peek(now)` is exactly what `get(now, false)` serves as `Cached`;
//! 5. a fresh token (now < refresh point, unexpired) is always served without a request;
//! 6. a failed refresh yields `Stale(cached)` iff a cached token is unexpired, else `Fail`;
//!    a success yields `Token(that token)`;
//! 7. one request per second: a `Start` is sent (at `not_before`) no sooner than 1 s after the previous
//!    one and, after n consecutive failures (last one at f), no sooner than `f + min(10 s, 2^(n-1) s)`,
//!    and no later than needed; all measured on a monotonic reading of the clock values passed in
//!    (backwards and non-finite steps pass no time), whatever the clock does;
//! 8. reports for tickets that are not the one in flight change nothing observable;
//! 9. the refresh point is never NaN and never after the expiry, and at most `skew` and half the
//!    lifetime before it (finite inputs).
#![no_main]

use altpay_oauth::cache::{Decision, Outcome, TokenCache, MIN_REQUEST_INTERVAL_MS};
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Clock {
    Forward(u32),
    Backward(u16),
    Set(f64),
    Nan,
}

#[derive(Arbitrary, Debug)]
enum Op {
    Get {
        force: bool,
    },
    /// Resolve the in-flight refresh (or, with `stale_pick`, one issued before) successfully.
    Succeed {
        lifetime_s: u32,
        exotic: Option<(f64, f64)>,
        stale_pick: Option<u8>,
    },
    Fail {
        stale_pick: Option<u8>,
    },
    Clear,
    Tick(Clock),
}

#[derive(Arbitrary, Debug)]
struct Input {
    skew_s: u16,
    ops: Vec<Op>,
}

struct Stored {
    id: u64,
    expires_at: f64,
}

const T0: f64 = 1_700_000_000_000.0;

fn gap_ms(failures: u32) -> f64 {
    let mut g = 1_000.0f64;
    for _ in 1..failures.min(10) {
        g *= 2.0;
    }
    g.min(10_000.0)
}

/// The reference monotonic clock: forward steps between the values passed to the cache count.
struct Mono {
    raw: f64,
    mono: f64,
}

impl Mono {
    fn tick(&mut self, now: f64) -> f64 {
        if now.is_finite() {
            self.mono = if self.raw.is_finite() {
                self.mono + (now - self.raw).max(0.0)
            } else {
                now
            };
            self.raw = now;
        }
        self.mono
    }
}

fn served_ok(expiry: &std::collections::HashMap<u64, f64>, id: u64, now: f64) {
    let exp = expiry.get(&id).copied().unwrap_or(f64::NAN);
    assert!(now < exp, "token {id} served at {now} >= expires_at {exp}");
}

fn run(input: Input) {
    let skew = f64::from(input.skew_s);
    let mut c: TokenCache<u64> = TokenCache::new(skew);
    let mut now = T0;
    let mut expiry = std::collections::HashMap::new();
    let mut next_id = 1u64;
    let mut in_flight: Option<u64> = None;
    let mut old_tickets: Vec<u64> = Vec::new();
    let mut last_ticket = 0u64;
    let mut stored: Option<Stored> = None;
    let mut failures = 0u32;
    let mut last_failure = f64::NEG_INFINITY;
    let mut clock = Mono {
        raw: f64::NEG_INFINITY,
        mono: f64::NEG_INFINITY,
    };
    let mut last_send = f64::NEG_INFINITY;
    // Once the clock has been non-finite or moved backwards (or a token came with exotic times),
    // the model no longer sleeps until `not_before` (it may be far off); every invariant still holds.
    let mut wild = false;

    for op in input.ops.iter().take(512) {
        match *op {
            Op::Tick(Clock::Forward(ms)) => now += f64::from(ms % 40_000_000),
            Op::Tick(Clock::Backward(ms)) => {
                now -= f64::from(ms);
                wild = true;
            }
            Op::Tick(Clock::Set(t)) => {
                now = t;
                wild = true;
            }
            Op::Tick(Clock::Nan) => {
                now = f64::NAN;
                wild = true;
            }
            Op::Get { force } => {
                let peeked = c.peek(now).copied();
                let was_in_flight = c.in_flight();
                let mono = clock.tick(now);
                let d = c.get(now, force);
                if !force {
                    assert_eq!(
                        peeked,
                        match d {
                            Decision::Cached(id) => Some(id),
                            _ => None,
                        },
                        "peek disagrees with get"
                    );
                }
                match d {
                    Decision::Cached(id) => {
                        assert!(!force, "forceRefresh served from the cache");
                        assert_eq!(stored.as_ref().map(|s| s.id), Some(id));
                        served_ok(&expiry, id, now);
                    }
                    Decision::Join => {
                        assert!(
                            was_in_flight && in_flight.is_some(),
                            "Join with nothing in flight"
                        );
                    }
                    Decision::Start {
                        ticket,
                        not_before_ms,
                    } => {
                        assert!(
                            !was_in_flight && in_flight.is_none(),
                            "Start while in flight"
                        );
                        assert!(ticket > last_ticket, "ticket not increasing");
                        last_ticket = ticket;
                        in_flight = Some(ticket);
                        let mut gap_end = last_send + MIN_REQUEST_INTERVAL_MS;
                        if failures > 0 {
                            gap_end = gap_end.max(last_failure + gap_ms(failures));
                        }
                        let wait = if gap_end > mono { gap_end - mono } else { 0.0 };
                        let base = if now.is_finite() { now } else { clock.raw };
                        let want = base + wait;
                        assert!(
                            not_before_ms == want || (not_before_ms.is_nan() && want.is_nan()),
                            "not_before {not_before_ms}, want {want}"
                        );
                        if mono.abs() < 1e15 && last_send.is_finite() {
                            assert!(
                                mono + wait >= last_send + MIN_REQUEST_INTERVAL_MS - 0.01,
                                "sent {} ms after the previous request",
                                mono + wait - last_send
                            );
                        }
                        last_send = mono + wait;
                        assert!(!not_before_ms.is_nan() || now.is_nan());
                        // A fresh token is never refreshed without force (invariant 5).
                        if !force {
                            if let Some(s) = &stored {
                                let r = c.refresh_at().unwrap_or(f64::NAN);
                                assert!(
                                    !(now < r && now < s.expires_at),
                                    "fresh token refreshed at {now} (refresh at {r})"
                                );
                            }
                        }
                        // The model follows the IO layer: it sleeps until not_before.
                        if !wild && not_before_ms.is_finite() && not_before_ms > now {
                            now = not_before_ms;
                        }
                    }
                }
            }
            Op::Succeed {
                lifetime_s,
                exotic,
                stale_pick,
            } => {
                let (ticket, current) = match (stale_pick, in_flight) {
                    (Some(p), _) if !old_tickets.is_empty() => (
                        old_tickets.swap_remove(usize::from(p) % old_tickets.len()),
                        false,
                    ),
                    (_, Some(t)) => (t, true),
                    _ => continue,
                };
                let id = next_id;
                next_id += 1;
                let (expires_at, life) = match exotic {
                    Some((e, l)) => {
                        wild = true;
                        (e, l)
                    }
                    None => {
                        let life = f64::from(lifetime_s % 200_000);
                        (now + life * 1000.0, life)
                    }
                };
                expiry.insert(
                    id,
                    if expires_at.is_nan() {
                        f64::NEG_INFINITY
                    } else {
                        expires_at
                    },
                );
                let before = (
                    c.peek(now).copied(),
                    c.in_flight(),
                    c.refresh_at().map(f64::to_bits),
                );
                clock.tick(now);
                assert_eq!(
                    c.succeed(ticket, id, expires_at, life, now),
                    Outcome::Token(id)
                );
                if current {
                    in_flight = None;
                    stored = Some(Stored { id, expires_at });
                    failures = 0;
                    last_failure = f64::NEG_INFINITY;
                    let r = c.refresh_at().unwrap_or(f64::NAN);
                    assert!(!r.is_nan(), "NaN refresh point");
                    if !expires_at.is_nan() {
                        assert!(r <= expires_at, "refresh point after expiry");
                    }
                    if expires_at.is_finite()
                        && life.is_finite()
                        && life >= 0.0
                        && expires_at.abs() < 1e15
                    {
                        let margin = expires_at - r;
                        assert!(margin <= skew * 1000.0 + 0.5, "margin {margin} > skew");
                        assert!(margin <= life * 500.0 + 0.5, "margin {margin} > half life");
                    }
                } else {
                    let after = (
                        c.peek(now).copied(),
                        c.in_flight(),
                        c.refresh_at().map(f64::to_bits),
                    );
                    assert_eq!(before, after, "an old ticket changed the cache");
                }
            }
            Op::Fail { stale_pick } => {
                let (ticket, current) = match (stale_pick, in_flight) {
                    (Some(p), _) if !old_tickets.is_empty() => (
                        old_tickets.swap_remove(usize::from(p) % old_tickets.len()),
                        false,
                    ),
                    (_, Some(t)) => (t, true),
                    _ => continue,
                };
                let before = (
                    c.peek(now).copied(),
                    c.in_flight(),
                    c.refresh_at().map(f64::to_bits),
                );
                let mono = clock.tick(now);
                let out = c.fail(ticket, now);
                match &stored {
                    Some(s) if now < expiry.get(&s.id).copied().unwrap_or(f64::NAN) => {
                        assert_eq!(
                            out,
                            Outcome::Stale(s.id),
                            "failure with a live cached token"
                        )
                    }
                    _ => assert_eq!(out, Outcome::Fail),
                }
                if current {
                    in_flight = None;
                    failures += 1;
                    last_failure = mono;
                } else {
                    let after = (
                        c.peek(now).copied(),
                        c.in_flight(),
                        c.refresh_at().map(f64::to_bits),
                    );
                    assert_eq!(before, after, "an old ticket changed the cache");
                }
            }
            Op::Clear => {
                c.clear();
                if let Some(t) = in_flight.take() {
                    old_tickets.push(t);
                }
                stored = None;
                failures = 0;
                last_failure = f64::NEG_INFINITY;
                assert_eq!(c.peek(now), None);
                assert_eq!(c.refresh_at(), None);
            }
        }
        // After every step.
        assert_eq!(c.in_flight(), in_flight.is_some(), "in_flight disagrees");
        if let Some(id) = c.peek(now).copied() {
            served_ok(&expiry, id, now);
        }
        if let Some(r) = c.refresh_at() {
            assert!(!r.is_nan());
        }
    }
}

fuzz_target!(|input: Input| run(input));
