//! Scenario tests of the lease state machine, one member at a time (the fleet is in `sim.rs`).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use super::*;

const T0: f64 = 1_700_000_000_000.0;
const HOUR_MS: f64 = 3_600_000.0;

type R = Refresh<&'static str, &'static str>;
type Ev = Event<&'static str, &'static str>;

fn config() -> LeaseConfig {
    LeaseConfig::for_client(1_000.0, 0, 0.0, 300.0)
}

fn counter() -> impl FnMut() -> u64 {
    let mut n = 0u64;
    move || {
        n += 1;
        n.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn member(has_current: bool) -> R {
    Refresh::new(config(), &mut counter(), has_current, false, None)
}

fn empty() -> Snapshot<&'static str, &'static str> {
    Snapshot {
        token: None,
        lease: None,
        failure: None,
    }
}

fn with_token(token: &'static str, remaining_ms: f64) -> Snapshot<&'static str, &'static str> {
    Snapshot {
        token: Some(StoredToken {
            token,
            expires_in_s: 3_600.0,
            remaining_ms,
        }),
        ..empty()
    }
}

fn leased_by(owner: &str) -> Snapshot<&'static str, &'static str> {
    Snapshot {
        lease: Some(LeaseView {
            owner: owner.into(),
        }),
        ..empty()
    }
}

fn failed(count: u32, cooldown_ms: f64) -> Snapshot<&'static str, &'static str> {
    Snapshot {
        failure: Some(FailureView {
            failure: "rate_limited",
            count,
            cooldown_ms,
        }),
        ..empty()
    }
}

fn read(s: Snapshot<&'static str, &'static str>) -> Ev {
    Event::Read(StoreReply::Ok(s))
}

fn leased(acquired: bool, s: Snapshot<&'static str, &'static str>) -> Ev {
    Event::Leased(StoreReply::Ok((acquired, s)))
}

fn lease_step() -> Step<&'static str, &'static str> {
    Step::TryLease {
        ttl_ms: config().lease_ttl_ms,
        fresh_above_ms: Some(300_000.0),
    }
}

#[test]
fn sizing_covers_every_attempt_and_is_clamped() {
    let c = LeaseConfig::for_client(10_000.0, 2, 8_000.0, 300.0);
    assert_eq!(c.lease_ttl_ms, 10_000.0 * 3.0 + 16_000.0 + 1_000.0);
    assert_eq!(c.wait_budget_ms, 2.0 * c.lease_ttl_ms);
    assert_eq!(
        LeaseConfig::for_client(100.0, 0, 0.0, 300.0).lease_ttl_ms,
        LEASE_MIN_MS
    );
    assert_eq!(
        LeaseConfig::for_client(1e9, 5, 0.0, 300.0).lease_ttl_ms,
        LEASE_MAX_MS
    );
    assert_eq!(
        LeaseConfig::for_client(f64::NAN, 0, 0.0, f64::NAN).lease_ttl_ms,
        LEASE_MIN_MS
    );
    // fresh above min(skew, half the lifetime)
    assert_eq!(c.fresh_above_ms(3_600.0), 300_000.0);
    assert_eq!(c.fresh_above_ms(100.0), 50_000.0);
    assert_eq!(c.fresh_above_ms(f64::NAN), 300_000.0);
}

#[test]
fn cooldown_doubles_honours_retry_after_and_is_capped() {
    assert_eq!(cooldown_ms(1, None), 1_000.0);
    assert_eq!(cooldown_ms(2, None), 2_000.0);
    assert_eq!(cooldown_ms(3, None), 4_000.0);
    assert_eq!(cooldown_ms(3, Some(7_000.0)), 7_000.0);
    assert_eq!(cooldown_ms(3, Some(100.0)), 4_000.0);
    assert_eq!(cooldown_ms(1, Some(1e9)), COOLDOWN_MAX_MS);
    assert_eq!(cooldown_ms(u32::MAX, None), COOLDOWN_MAX_MS);
    assert_eq!(cooldown_ms(0, Some(f64::NAN)), 1_000.0);
}

#[test]
fn owner_values_are_random_hex_and_distinct() {
    let mut e = counter();
    let a: R = Refresh::new(config(), &mut e, false, false, None);
    let b: R = Refresh::new(config(), &mut e, false, false, None);
    assert_eq!(a.owner().len(), 32);
    assert!(a.owner().bytes().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(a.owner(), b.owner());
}

#[test]
fn cold_member_takes_the_lease_requests_and_publishes_before_releasing() {
    let mut m = member(false);
    assert_eq!(m.start(T0), Step::ReadStore);
    assert_eq!(m.feed(T0 + 1.0, read(empty())), lease_step());
    assert_eq!(m.feed(T0 + 2.0, leased(true, empty())), Step::Request);
    assert!(m.is_holder());
    assert_eq!(m.take_events(), vec![FleetEvent::LeaseTaken]);
    let step = m.feed(T0 + 500.0, Event::Requested(Ok(("tok", HOUR_MS))));
    assert_eq!(
        step,
        Step::Publish {
            token: "tok",
            ttl_ms: HOUR_MS
        }
    );
    assert!(!m.is_done());
    let done = m.feed(T0 + 501.0, Event::Written(StoreReply::Ok(true)));
    assert_eq!(
        done,
        Step::Done(Finish::Fetched {
            token: "tok",
            remaining_ms: HOUR_MS
        })
    );
    assert!(m.is_done());
    assert_eq!(m.take_events(), vec![]);
}

#[test]
fn fresh_stored_token_is_taken_by_its_remaining_lifetime() {
    // 3600 s token with 1000 s left: fresh whatever the member's clock says.
    for now in [T0, T0 + 30_000.0, T0 - 86_400_000.0, f64::NAN] {
        let mut m = member(false);
        m.start(now);
        assert_eq!(
            m.feed(now, read(with_token("shared", 1_000_000.0))),
            Step::Done(Finish::Stored {
                token: "shared",
                remaining_ms: 1_000_000.0
            })
        );
    }
    // 299 s left of a 3600 s token: in the refresh window, so the member takes the lease.
    let mut m = member(false);
    m.start(T0);
    assert_eq!(m.feed(T0, read(with_token("old", 299_000.0))), lease_step());
    // A NaN remaining lifetime is never fresh.
    let mut m = member(false);
    m.start(T0);
    assert_eq!(m.feed(T0, read(with_token("odd", f64::NAN))), lease_step());
}

#[test]
fn lease_refused_for_a_fresh_token_hands_that_token_back() {
    let mut m = member(false);
    m.start(T0);
    m.feed(T0, read(empty()));
    assert_eq!(
        m.feed(
            T0 + 1.0,
            leased(false, with_token("just-published", HOUR_MS))
        ),
        Step::Done(Finish::Stored {
            token: "just-published",
            remaining_ms: HOUR_MS
        })
    );
    assert_eq!(m.take_events(), vec![]);
}

#[test]
fn a_lease_acquired_beside_a_fresh_short_token_is_given_back() {
    // 100 s token with 60 s left: the store (fresh above 300 s) granted the lease, but the token is
    // fresh for this member (margin 50 s).
    let mut m = member(false);
    m.start(T0);
    m.feed(T0, read(empty()));
    let short = Snapshot {
        token: Some(StoredToken {
            token: "short",
            expires_in_s: 100.0,
            remaining_ms: 60_000.0,
        }),
        ..empty()
    };
    assert_eq!(m.feed(T0, leased(true, short)), Step::Release);
    assert_eq!(
        m.feed(T0, Event::Written(StoreReply::Ok(true))),
        Step::Done(Finish::Stored {
            token: "short",
            remaining_ms: 60_000.0
        })
    );
}

#[test]
fn waiting_member_polls_with_growing_jittered_pauses_until_the_token_appears() {
    let mut m = member(false);
    m.start(T0);
    let mut now = T0;
    let mut pauses = Vec::new();
    let mut step = m.feed(now, read(leased_by("someone-else")));
    for _ in 0..8 {
        let Step::Wait { ms } = step else {
            panic!("expected a wait, got {step:?}")
        };
        pauses.push(ms);
        now += ms;
        assert_eq!(m.feed(now, Event::Waited), Step::ReadStore);
        step = m.feed(now, read(leased_by("someone-else")));
    }
    // jittered within [half, all] of 50 ms growing by 1.5 up to 500 ms
    let mut cap = POLL_FIRST_MS;
    for p in &pauses {
        assert!(*p >= cap / 2.0 && *p <= cap, "pause {p} cap {cap}");
        cap = (cap * 1.5).min(POLL_MAX_MS);
    }
    let distinct: std::collections::BTreeSet<u64> = pauses.iter().map(|p| p.to_bits()).collect();
    assert!(distinct.len() > 4, "jittered: {pauses:?}");
    let Step::Wait { ms } = step else { panic!() };
    now += ms;
    m.feed(now, Event::Waited);
    assert_eq!(
        m.feed(now, read(with_token("theirs", HOUR_MS))),
        Step::Done(Finish::Stored {
            token: "theirs",
            remaining_ms: HOUR_MS
        })
    );
    let events = m.take_events();
    assert_eq!(events.len(), 1);
    let FleetEvent::Waited { ms, polls } = events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(polls, 9);
    assert!(
        (ms - (now - T0)).abs() < 0.01,
        "waited {ms} of {}",
        now - T0
    );
}

#[test]
fn a_member_with_a_current_token_keeps_serving_it_while_another_refreshes() {
    let mut m = member(true);
    m.start(T0);
    assert_eq!(
        m.feed(T0, read(leased_by("other"))),
        Step::Done(Finish::ServeCurrent)
    );
    // and through TryLease's refusal too
    let mut m = member(true);
    m.start(T0);
    m.feed(T0, read(empty()));
    assert_eq!(
        m.feed(T0, leased(false, leased_by("other"))),
        Step::Done(Finish::ServeCurrent)
    );
}

#[test]
fn a_member_with_a_current_token_does_not_wait_for_a_slow_store() {
    let mut m = member(true);
    m.start(T0);
    assert_eq!(
        m.feed(T0 + 1_000.0, Event::Read(StoreReply::Slow)),
        Step::Done(Finish::ServeCurrent)
    );
    // a TryLease that timed out may still go through: the lease is given back
    let mut m = member(true);
    m.start(T0);
    m.feed(T0, read(empty()));
    assert_eq!(
        m.feed(T0 + 1_000.0, Event::Leased(StoreReply::Slow)),
        Step::Release
    );
    assert_eq!(
        m.feed(T0 + 2_000.0, Event::Written(StoreReply::Slow)),
        Step::Done(Finish::ServeCurrent)
    );
    assert!(!m.is_holder());
    // and the store being down still means a request (the cached token covers its failure)
    let mut m = member(true);
    m.start(T0);
    assert_eq!(m.feed(T0, Event::Read(StoreReply::Down)), Step::Request);
}

#[test]
fn a_shared_failure_in_its_cooldown_ends_the_refresh_without_a_request() {
    let mut m = member(false);
    m.start(T0);
    assert_eq!(
        m.feed(T0, read(failed(1, 800.0))),
        Step::Done(Finish::SharedFailure {
            failure: "rate_limited",
            cooldown_ms: 800.0
        })
    );
    // after the cooldown the count is remembered: the next failure cools down longer
    let mut m = member(false);
    m.start(T0);
    assert_eq!(m.feed(T0, read(failed(2, 0.0))), lease_step());
    assert_eq!(m.feed(T0, leased(true, failed(2, 0.0))), Step::Request);
    let step = m.feed(
        T0 + 10.0,
        Event::Requested(Err(RequestFailure {
            failure: "http_error",
            retry_after_ms: None,
            share: true,
        })),
    );
    assert_eq!(
        step,
        Step::ShareFailure {
            failure: "http_error",
            count: 3,
            cooldown_ms: 4_000.0
        }
    );
    assert_eq!(
        m.take_events(),
        vec![
            FleetEvent::LeaseTaken,
            FleetEvent::FailureShared {
                cooldown_ms: 4_000.0,
                count: 3
            }
        ]
    );
    assert_eq!(
        m.feed(T0 + 11.0, Event::Written(StoreReply::Ok(true))),
        Step::Done(Finish::Failed("http_error"))
    );
}

#[test]
fn retry_after_sets_the_shared_cooldown() {
    let mut m = member(false);
    m.start(T0);
    m.feed(T0, read(empty()));
    m.feed(T0, leased(true, empty()));
    let step = m.feed(
        T0,
        Event::Requested(Err(RequestFailure {
            failure: "rate_limited",
            retry_after_ms: Some(7_000.0),
            share: true,
        })),
    );
    assert_eq!(
        step,
        Step::ShareFailure {
            failure: "rate_limited",
            count: 1,
            cooldown_ms: 7_000.0
        }
    );
}

#[test]
fn an_aborted_holder_releases_without_sharing() {
    let mut m = member(false);
    m.start(T0);
    m.feed(T0, read(empty()));
    m.feed(T0, leased(true, empty()));
    let step = m.feed(
        T0,
        Event::Requested(Err(RequestFailure {
            failure: "aborted",
            retry_after_ms: None,
            share: false,
        })),
    );
    assert_eq!(step, Step::Release);
    assert_eq!(
        m.feed(T0, Event::Written(StoreReply::Down)),
        Step::Done(Finish::Failed("aborted"))
    );
}

#[test]
fn store_down_means_requesting_alone_without_writing_back() {
    let mut m = member(false);
    m.start(T0);
    assert_eq!(m.feed(T0, Event::Read(StoreReply::Down)), Step::Request);
    assert!(!m.is_holder());
    assert_eq!(
        m.take_events(),
        vec![FleetEvent::FellBack(FallbackReason::StoreDown)]
    );
    assert_eq!(
        m.feed(T0, Event::Requested(Ok(("own", HOUR_MS)))),
        Step::Done(Finish::Fetched {
            token: "own",
            remaining_ms: HOUR_MS
        })
    );
    // the same when TryLease fails
    let mut m = member(false);
    m.start(T0);
    m.feed(T0, read(empty()));
    assert_eq!(m.feed(T0, Event::Leased(StoreReply::Down)), Step::Request);
}

#[test]
fn a_store_that_does_not_answer_is_polled_a_few_bounds_then_the_member_requests_alone() {
    let c = config();
    let mut m = member(false);
    let mut now = T0;
    m.start(now);
    let mut step = Step::ReadStore;
    let mut reads = 0;
    while step == Step::ReadStore {
        reads += 1;
        now += 1_000.0; // each read times out after the store-call bound
        step = m.feed(now, Event::Read(StoreReply::Slow));
        if let Step::Wait { ms } = step {
            now += ms;
            step = m.feed(now, Event::Waited);
        }
    }
    assert_eq!(step, Step::Request);
    assert_eq!(reads, MAX_SLOW_REPLIES);
    assert!(now - T0 < c.wait_budget_ms, "waited {} ms", now - T0);
    let events = m.take_events();
    assert!(matches!(events[0], FleetEvent::Waited { .. }), "{events:?}");
    assert_eq!(events[1], FleetEvent::FellBack(FallbackReason::StoreDown));
    // a store that does not answer is not written to
    assert!(matches!(
        m.feed(now, Event::Requested(Ok(("own", HOUR_MS)))),
        Step::Done(Finish::Fetched { .. })
    ));
}

#[test]
fn a_stuck_or_broken_clock_still_ends_the_wait() {
    let c = config();
    for clock in [T0, f64::NAN, f64::INFINITY] {
        let mut m = member(false);
        m.start(clock);
        let mut step = m.feed(clock, read(leased_by("forever")));
        let mut paused = 0.0;
        let mut n = 0;
        while let Step::Wait { ms } = step {
            assert!(ms > 0.0);
            paused += ms;
            n += 1;
            assert!(n < 10_000);
            m.feed(clock, Event::Waited);
            step = m.feed(clock, read(leased_by("forever")));
        }
        assert_eq!(step, Step::Request, "clock {clock}");
        assert!((paused - c.wait_budget_ms).abs() < 1e-6, "paused {paused}");
    }
    // a clock going backwards does not extend it either
    let mut m = member(false);
    let mut now = T0;
    m.start(now);
    let mut step = m.feed(now, read(leased_by("forever")));
    let mut paused = 0.0;
    while let Step::Wait { ms } = step {
        paused += ms;
        now -= 5_000.0;
        m.feed(now, Event::Waited);
        step = m.feed(now, read(leased_by("forever")));
    }
    assert!(paused <= c.wait_budget_ms + 1e-6);
}

#[test]
fn a_timed_out_try_lease_that_went_through_is_recognised_by_its_owner() {
    let mut m = member(false);
    m.start(T0);
    m.feed(T0, read(empty()));
    let Step::Wait { ms } = m.feed(T0 + 1_000.0, Event::Leased(StoreReply::Slow)) else {
        panic!()
    };
    m.feed(T0 + 1_000.0 + ms, Event::Waited);
    let mine = leased_by(m.owner());
    assert_eq!(m.feed(T0 + 1_600.0, read(mine)), Step::Request);
    assert!(m.is_holder());
}

#[test]
fn a_lost_lease_is_reported() {
    let mut m = member(false);
    m.start(T0);
    m.feed(T0, read(empty()));
    m.feed(T0, leased(true, empty()));
    m.feed(T0, Event::Requested(Ok(("tok", HOUR_MS))));
    m.take_events();
    m.feed(T0, Event::Written(StoreReply::Ok(false)));
    assert_eq!(m.take_events(), vec![FleetEvent::LeaseLost]);
}

#[test]
fn a_token_without_lifetime_is_not_published_but_the_lease_is_released() {
    let mut m = member(false);
    m.start(T0);
    m.feed(T0, read(empty()));
    m.feed(T0, leased(true, empty()));
    assert_eq!(
        m.feed(T0, Event::Requested(Ok(("zero", 0.0)))),
        Step::Release
    );
}

#[test]
fn forced_refresh_ignores_the_rejected_token_but_takes_a_newer_one() {
    let mut m: R = Refresh::new(config(), &mut counter(), true, true, Some("rejected"));
    m.start(T0);
    assert_eq!(
        m.feed(T0, read(with_token("rejected", HOUR_MS))),
        Step::TryLease {
            ttl_ms: config().lease_ttl_ms,
            fresh_above_ms: None
        }
    );
    let mut m: R = Refresh::new(config(), &mut counter(), true, true, Some("rejected"));
    m.start(T0);
    assert!(matches!(
        m.feed(T0, read(with_token("newer", HOUR_MS))),
        Step::Done(Finish::Stored { token: "newer", .. })
    ));
    // forced without a token of its own: never takes a stored one
    let mut m: R = Refresh::new(config(), &mut counter(), false, true, None);
    m.start(T0);
    assert!(matches!(
        m.feed(T0, read(with_token("any", HOUR_MS))),
        Step::TryLease { .. }
    ));
}

#[test]
fn unexpected_events_repeat_the_step_and_done_stays_done() {
    let mut m = member(false);
    m.start(T0);
    assert_eq!(m.feed(T0, Event::Waited), Step::ReadStore);
    m.feed(T0, read(empty()));
    assert_eq!(m.feed(T0, read(empty())), lease_step());
    m.feed(T0, leased(true, empty()));
    assert_eq!(m.feed(T0, Event::Waited), Step::Request);
    m.feed(T0, Event::Requested(Ok(("t", HOUR_MS))));
    let done = m.feed(T0, Event::Written(StoreReply::Ok(true)));
    assert_eq!(m.feed(T0, Event::Waited), done);
    assert_eq!(m.feed(T0, Event::Written(StoreReply::Slow)), done);
}

#[test]
fn a_store_that_never_answers_counts_as_down_after_a_few_bounds() {
    let mut m = member(false);
    let mut now = T0;
    assert_eq!(m.start(now), Step::ReadStore);
    let mut step = m.feed(now, Event::Read(StoreReply::Slow));
    let mut slow = 1;
    while step != Step::Request {
        now += 1_000.0;
        step = match step {
            Step::Wait { .. } => m.feed(now, Event::Waited),
            Step::ReadStore => {
                slow += 1;
                m.feed(now, Event::Read(StoreReply::Slow))
            }
            Step::TryLease { .. } => {
                slow += 1;
                m.feed(now, Event::Leased(StoreReply::Slow))
            }
            other => panic!("unexpected {other:?}"),
        };
        assert!(
            slow <= MAX_SLOW_REPLIES,
            "still polling after {slow} slow replies"
        );
    }
    assert_eq!(slow, MAX_SLOW_REPLIES);
    assert_eq!(
        m.take_events().last(),
        Some(&FleetEvent::FellBack(FallbackReason::StoreDown))
    );
    // One answer in between starts the count again.
    let mut m = member(false);
    m.start(T0);
    m.feed(T0, Event::Read(StoreReply::Slow));
    let step = m.feed(T0 + 1.0, Event::Read(StoreReply::Slow));
    assert!(
        matches!(step, Step::Wait { .. } | Step::ReadStore),
        "{step:?}"
    );
}
