//! A fleet in simulation: members running [`Refresh`] against one simulated store (a single clock, the
//! "true" time, as Redis or a Durable Object has) and a token endpoint, with random latencies (so
//! arbitrary interleavings), clock offsets per member, store calls that time out (carried out or not,
//! before or after the timeout, as under `CLIENT PAUSE`), a store that is down, slow requests that
//! outlive their lease and an endpoint outage. Checked after every run:
//! - two members never request holding a lease while the earlier one's lease is live;
//! - every member decides (requests or ends) within the wait budget plus one store call;
//! - without store faults: one request in all, whatever the clocks say; through an outage, each
//!   lease request starts only after the previous one's shared cooldown is over.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use super::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

type Tok = u32;
type Fail = u32;
type Machine = Refresh<Tok, Fail>;

/// The store-call bound of the driver (a call not answered by then is `Slow`).
const STORE_BOUND_MS: f64 = 1_000.0;
/// How long the simulated store remembers a failure after its cooldown.
const MEMORY_MS: f64 = 60_000.0;
/// Token lifetime of the simulated endpoint.
const LIFETIME_MS: f64 = 3_600_000.0;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        unit(self.next())
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

#[derive(Default)]
struct Store {
    /// token, expiry (true time), expires_in seconds
    token: Option<(Tok, f64)>,
    lease: Option<(String, f64)>,
    /// failure, count, end of cooldown, forgotten at
    failure: Option<(Fail, u32, f64, f64)>,
}

impl Store {
    fn expire(&mut self, t: f64) {
        if self.token.is_some_and(|(_, exp)| exp <= t) {
            self.token = None;
        }
        if self.lease.as_ref().is_some_and(|(_, exp)| *exp <= t) {
            self.lease = None;
        }
        if self.failure.is_some_and(|(.., forget)| forget <= t) {
            self.failure = None;
        }
    }

    fn snapshot(&mut self, t: f64) -> Snapshot<Tok, Fail> {
        self.expire(t);
        Snapshot {
            token: self.token.map(|(token, exp)| StoredToken {
                token,
                expires_in_s: LIFETIME_MS / 1000.0,
                remaining_ms: exp - t,
            }),
            lease: self.lease.as_ref().map(|(owner, _)| LeaseView {
                owner: owner.clone(),
            }),
            failure: self.failure.map(|(failure, count, until, _)| FailureView {
                failure,
                count,
                cooldown_ms: (until - t).max(0.0),
            }),
        }
    }

    fn acquire(
        &mut self,
        t: f64,
        owner: &str,
        ttl: f64,
        fresh: Option<f64>,
    ) -> (bool, Snapshot<Tok, Fail>) {
        self.expire(t);
        let blocked = fresh.is_some_and(|f| self.token.is_some_and(|(_, exp)| exp - t > f))
            || self.failure.is_some_and(|(_, _, until, _)| until > t)
            || self.lease.as_ref().is_some_and(|(o, _)| o != owner);
        if !blocked {
            self.lease = Some((owner.to_string(), t + ttl));
        }
        (!blocked, self.snapshot(t))
    }

    fn release(&mut self, t: f64, owner: &str) -> bool {
        self.expire(t);
        if self.lease.as_ref().is_some_and(|(o, _)| o == owner) {
            self.lease = None;
            true
        } else {
            false
        }
    }
}

#[derive(Clone, Debug)]
enum Op {
    Read,
    Acquire(f64, Option<f64>),
    Publish(Tok, f64),
    Share(Fail, u32, f64),
    Release,
}

enum Item {
    Start(usize),
    Apply(usize, Op, bool),
    Reply(usize, Event<Tok, Fail>),
}

#[derive(Clone, Debug)]
struct Req {
    member: usize,
    holder: bool,
    start: f64,
    end: f64,
    /// Expiry of the lease it held when it started (`start` if none was live).
    lease_exp: f64,
    ok: bool,
    /// When its failure was written, and the cooldown.
    shared: Option<(f64, f64)>,
}

#[derive(Clone, Debug)]
struct Scenario {
    members: usize,
    skews: Vec<f64>,
    starts: Vec<f64>,
    has_current: Vec<bool>,
    /// Probability that a store call times out (then carried out or not) / fails.
    p_slow: f64,
    p_down: f64,
    /// Requests started before this (true time) fail.
    outage_ms: f64,
    retry_after: bool,
    /// Longest request, as a fraction of the lease.
    max_request: f64,
    seed: u64,
}

struct Member {
    machine: Machine,
    skew: f64,
    started: f64,
    decided: bool,
    request: Option<usize>,
    result: Option<Finish<Tok, Fail>>,
    /// The last write's outcome: a shared failure waiting to be applied.
    share: Option<usize>,
}

struct Sim {
    s: Scenario,
    config: LeaseConfig,
    rng: Rng,
    now: f64,
    seq: u64,
    queue: BTreeMap<(u64, u64), (f64, Item)>,
    store: Store,
    members: Vec<Member>,
    reqs: Vec<Req>,
    fallbacks: usize,
    next_token: Tok,
    done: Vec<Finish<Tok, Fail>>,
    decide_times: Vec<f64>,
}

fn key(t: f64) -> u64 {
    // times are non-negative and far below 2^53 ms
    (t * 1_000.0) as u64
}

impl Sim {
    fn new(s: Scenario) -> Self {
        let config = LeaseConfig::for_client(1_000.0, 0, 0.0, 300.0);
        let mut rng = Rng(s.seed);
        let mut sim = Sim {
            config,
            now: 0.0,
            seq: 0,
            queue: BTreeMap::new(),
            store: Store::default(),
            members: Vec::new(),
            reqs: Vec::new(),
            fallbacks: 0,
            next_token: 0,
            done: Vec::new(),
            decide_times: Vec::new(),
            rng: Rng(rng.next()),
            s,
        };
        for i in 0..sim.s.members {
            let m = sim.machine(i);
            sim.members.push(Member {
                machine: m,
                skew: sim.s.skews[i % sim.s.skews.len()],
                started: 0.0,
                decided: false,
                request: None,
                result: None,
                share: None,
            });
            let at = sim.s.starts[i % sim.s.starts.len()];
            sim.at(at, Item::Start(i));
        }
        sim
    }

    fn machine(&mut self, i: usize) -> Machine {
        let has_current = self.s.has_current[i % self.s.has_current.len()];
        let mut e = || self.rng.next();
        Refresh::new(self.config, &mut e, has_current, false, None)
    }

    fn at(&mut self, t: f64, item: Item) {
        self.seq += 1;
        self.queue.insert((key(t), self.seq), (t, item));
    }

    fn clock(&self, i: usize) -> f64 {
        1_700_000_000_000.0 + self.now + self.members[i].skew
    }

    /// Perform the store call `op` for member `i`: latency, faults, apply and reply.
    fn store_call(&mut self, i: usize, op: Op) {
        let t = self.now;
        if self.rng.chance(self.s.p_down) {
            let reply = match op {
                Op::Read => Event::Read(StoreReply::Down),
                Op::Acquire(..) => Event::Leased(StoreReply::Down),
                _ => Event::Written(StoreReply::Down),
            };
            let at = t + self.rng.range(0.0, 20.0);
            self.at(at, Item::Reply(i, reply));
        } else if self.rng.chance(self.s.p_slow) {
            let reply = match op {
                Op::Read => Event::Read(StoreReply::Slow),
                Op::Acquire(..) => Event::Leased(StoreReply::Slow),
                _ => Event::Written(StoreReply::Slow),
            };
            self.at(t + STORE_BOUND_MS, Item::Reply(i, reply));
            // carried out later (a paused store), or never (lost)
            if self.rng.chance(0.7) {
                let at = t + self.rng.range(0.0, 1_600.0);
                self.at(at, Item::Apply(i, op, false));
            }
        } else {
            let at = t + self.rng.range(0.0, 40.0);
            self.at(at, Item::Apply(i, op, true));
        }
    }

    fn apply(&mut self, i: usize, op: Op, reply: bool) {
        let t = self.now;
        let owner = self.members[i].machine.owner().to_string();
        let event = match op {
            Op::Read => Event::Read(StoreReply::Ok(self.store.snapshot(t))),
            Op::Acquire(ttl, fresh) => {
                Event::Leased(StoreReply::Ok(self.store.acquire(t, &owner, ttl, fresh)))
            }
            Op::Publish(tok, ttl) => {
                self.store.expire(t);
                self.store.token = Some((tok, t + ttl));
                self.store.failure = None;
                Event::Written(StoreReply::Ok(self.store.release(t, &owner)))
            }
            Op::Share(fail, count, cd) => {
                self.store.expire(t);
                self.store.failure = Some((fail, count, t + cd, t + cd + MEMORY_MS));
                if let Some(r) = self.members[i].share.take() {
                    self.reqs[r].shared = Some((t, cd));
                }
                Event::Written(StoreReply::Ok(self.store.release(t, &owner)))
            }
            Op::Release => Event::Written(StoreReply::Ok(self.store.release(t, &owner))),
        };
        if reply {
            let at = t + self.rng.range(0.0, 10.0);
            self.at(at, Item::Reply(i, event));
        }
    }

    fn decide(&mut self, i: usize) -> Result<(), TestCaseError> {
        if !self.members[i].decided {
            self.members[i].decided = true;
            let took = self.now - self.members[i].started;
            self.decide_times.push(took);
            prop_assert!(
                took <= self.config.wait_budget_ms + STORE_BOUND_MS + 50.0 + 1e-6,
                "member {} decided after {} ms",
                i,
                took
            );
        }
        Ok(())
    }

    fn perform(&mut self, i: usize, step: Step<Tok, Fail>) -> Result<(), TestCaseError> {
        let t = self.now;
        match step {
            Step::ReadStore => self.store_call(i, Op::Read),
            Step::TryLease {
                ttl_ms,
                fresh_above_ms,
            } => self.store_call(i, Op::Acquire(ttl_ms, fresh_above_ms)),
            Step::Wait { ms } => {
                prop_assert!(ms > 0.0 && ms <= POLL_MAX_MS);
                self.at(t + ms, Item::Reply(i, Event::Waited));
            }
            Step::Request => {
                self.decide(i)?;
                let m = &self.members[i];
                let holder = m.machine.is_holder();
                if !holder {
                    self.fallbacks += 1;
                }
                let owner = m.machine.owner().to_string();
                let lease_exp = match &self.store.lease {
                    Some((o, exp)) if holder && *o == owner && *exp > t => *exp,
                    _ => t,
                };
                let duration = self
                    .rng
                    .range(1.0, self.config.lease_ttl_ms * self.s.max_request);
                let ok = t >= self.s.outage_ms;
                self.reqs.push(Req {
                    member: i,
                    holder,
                    start: t,
                    end: t + duration,
                    lease_exp,
                    ok,
                    shared: None,
                });
                let r = self.reqs.len() - 1;
                self.members[i].request = Some(r);
                let event = if ok {
                    self.next_token += 1;
                    Event::Requested(Ok((self.next_token, LIFETIME_MS)))
                } else {
                    let retry_after_ms = if self.s.retry_after && self.rng.chance(0.5) {
                        Some(self.rng.range(0.0, 5_000.0))
                    } else {
                        None
                    };
                    Event::Requested(Err(RequestFailure {
                        failure: u32::try_from(r).unwrap(),
                        retry_after_ms,
                        share: true,
                    }))
                };
                self.at(t + duration, Item::Reply(i, event));
            }
            Step::Publish { token, ttl_ms } => self.store_call(i, Op::Publish(token, ttl_ms)),
            Step::ShareFailure {
                failure,
                count,
                cooldown_ms,
            } => {
                self.members[i].share = self.members[i].request;
                self.store_call(i, Op::Share(failure, count, cooldown_ms));
            }
            Step::Release => self.store_call(i, Op::Release),
            Step::Done(finish) => {
                self.decide(i)?;
                let retry = matches!(finish, Finish::Failed(_) | Finish::SharedFailure { .. });
                self.members[i].result = Some(finish.clone());
                self.done.push(finish);
                // A failed member tries again a little later, as getToken() callers would, while
                // the outage lasts (and a little after).
                if retry && t < self.s.outage_ms + 10_000.0 {
                    let at = t + self.rng.range(100.0, 3_000.0);
                    self.at(at, Item::Start(i));
                }
            }
        }
        Ok(())
    }

    fn run(&mut self) -> Result<(), TestCaseError> {
        let mut n = 0u32;
        while let Some((_, (t, item))) = self.queue.pop_first() {
            n += 1;
            self.now = t;
            prop_assert!(n < 2_000_000, "the simulation does not end");
            match item {
                Item::Start(i) => {
                    let m = self.machine(i);
                    let member = &mut self.members[i];
                    member.machine = m;
                    member.decided = false;
                    member.request = None;
                    member.started = self.now;
                    let clock = self.clock(i);
                    let step = self.members[i].machine.start(clock);
                    self.perform(i, step)?;
                }
                Item::Apply(i, op, reply) => self.apply(i, op, reply),
                Item::Reply(i, event) => {
                    if let (Event::Requested(_), Some(r)) = (&event, self.members[i].request) {
                        self.reqs[r].end = self.now;
                    }
                    let clock = self.clock(i);
                    let step = self.members[i].machine.feed(clock, event);
                    self.perform(i, step)?;
                }
            }
        }
        Ok(())
    }

    /// The guarantees every run keeps, faults or not.
    fn check_always(&self) -> Result<(), TestCaseError> {
        for (i, m) in self.members.iter().enumerate() {
            prop_assert!(m.machine.is_done(), "member {} never finished", i);
            prop_assert!(m.result.is_some());
        }
        let holders: Vec<&Req> = self.reqs.iter().filter(|r| r.holder).collect();
        for a in &holders {
            for b in &holders {
                if a.member != b.member && a.start <= b.start && b.start < a.end {
                    prop_assert!(
                        a.lease_exp <= b.start,
                        "two lease holders requesting at once: {:?} and {:?}",
                        a,
                        b
                    );
                }
            }
        }
        Ok(())
    }

    /// Without store faults: no fallback; one request in all without an outage; through an
    /// outage, each lease request after the previous one's cooldown.
    fn check_reliable_store(&self) -> Result<(), TestCaseError> {
        prop_assert_eq!(
            self.fallbacks,
            0,
            "requests without the lease: {:?}",
            self.reqs
        );
        if self.s.outage_ms <= 0.0 {
            prop_assert_eq!(self.reqs.len(), 1, "requests: {:?}", self.reqs);
            for m in &self.members {
                match m.result.as_ref() {
                    Some(Finish::Stored { token, .. } | Finish::Fetched { token, .. }) => {
                        prop_assert_eq!(*token, 1)
                    }
                    Some(Finish::ServeCurrent) => {}
                    other => prop_assert!(false, "unexpected outcome {:?}", other),
                }
            }
        } else {
            let mut holders: Vec<&Req> = self.reqs.iter().filter(|r| r.holder).collect();
            holders.sort_by(|a, b| a.start.total_cmp(&b.start));
            for pair in holders.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                prop_assert!(b.start >= a.end, "overlapping requests {:?} {:?}", a, b);
                if let Some((written, cooldown)) = a.shared {
                    prop_assert!(
                        b.start >= written + cooldown - 1e-6,
                        "request {:?} inside the cooldown of {:?}",
                        b,
                        a
                    );
                }
            }
            // after the outage, exactly one more request succeeds and ends it
            prop_assert!(self.reqs.iter().filter(|r| r.ok).count() <= 1);
        }
        Ok(())
    }
}

fn scenario(faults: bool) -> impl Strategy<Value = Scenario> {
    (
        1usize..40,
        prop::collection::vec(-120_000.0..120_000.0f64, 1..6),
        prop::collection::vec(prop_oneof![Just(0.0), 0.0..3_000.0f64], 1..8),
        prop::collection::vec(prop::bool::weighted(0.2), 1..4),
        if faults {
            (0.0..0.4f64).boxed()
        } else {
            Just(0.0).boxed()
        },
        if faults {
            (0.0..0.2f64).boxed()
        } else {
            Just(0.0).boxed()
        },
        prop_oneof![Just(0.0), 0.0..8_000.0f64],
        any::<bool>(),
        if faults {
            (0.05..1.6f64).boxed()
        } else {
            (0.05..0.8f64).boxed()
        },
        any::<u64>(),
    )
        .prop_map(
            |(
                members,
                skews,
                starts,
                has_current,
                p_slow,
                p_down,
                outage_ms,
                retry_after,
                max_request,
                seed,
            )| {
                Scenario {
                    members,
                    skews,
                    starts,
                    has_current,
                    p_slow,
                    p_down,
                    outage_ms,
                    retry_after,
                    max_request,
                    seed,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// A reliable store: any interleaving, clock skews up to ±2 min, outages with or without
    /// Retry-After.
    #[test]
    fn fleet_with_a_reliable_store(s in scenario(false)) {
        let mut sim = Sim::new(s);
        sim.run()?;
        sim.check_always()?;
        sim.check_reliable_store()?;
    }

    /// Store calls that time out (carried out late or never) or fail, and requests that outlive
    /// their lease: still never two lease holders requesting at once, and bounded waiting.
    #[test]
    fn fleet_with_store_faults(s in scenario(true)) {
        let mut sim = Sim::new(s);
        sim.run()?;
        sim.check_always()?;
    }
}

/// The measured shape of the cold start: 200 members at the same instant, one request.
#[test]
fn two_hundred_cold_members_make_one_request() {
    let mut sim = Sim::new(Scenario {
        members: 200,
        skews: vec![0.0, 30_000.0, -26_000.0],
        starts: vec![0.0],
        has_current: vec![false],
        p_slow: 0.0,
        p_down: 0.0,
        outage_ms: 0.0,
        retry_after: false,
        max_request: 0.5,
        seed: 7,
    });
    sim.run().unwrap();
    sim.check_always().unwrap();
    sim.check_reliable_store().unwrap();
    assert_eq!(sim.reqs.len(), 1);
    assert_eq!(sim.done.len(), 200);
}

/// A store that is down for everyone: one request per member, each by itself.
#[test]
fn store_down_degrades_to_one_request_per_member() {
    let mut sim = Sim::new(Scenario {
        members: 20,
        skews: vec![0.0],
        starts: vec![0.0, 100.0],
        has_current: vec![false],
        p_slow: 0.0,
        p_down: 1.0,
        outage_ms: 0.0,
        retry_after: false,
        max_request: 0.5,
        seed: 3,
    });
    sim.run().unwrap();
    sim.check_always().unwrap();
    assert_eq!(sim.reqs.len(), 20);
    assert_eq!(sim.fallbacks, 20);
}
