//! The fleet lease: one token request per token lifetime for a whole fleet of processes or isolates
//! sharing a lease-capable store. A sans-IO state machine with an injected clock and randomness.
//!
//! One [`Refresh`] runs one member's refresh. The IO layer (the async driver in `TokenClient`) starts
//! it with [`Refresh::start`], performs each [`Step`] it returns against the store or the token
//! endpoint, and feeds the result back with [`Refresh::feed`] until a [`Step::Done`].
//!
//! Shared under the store key, for every member of the fleet:
//! - the **token**, kept until it expires; the store reports its *remaining* lifetime (its own TTL),
//!   so freshness never compares clocks across machines;
//! - the **lease**: one owner (a random value per refresh), expiring on its own;
//! - the **last failure** with its cooldown (a `Retry-After` honoured) and a count of consecutive
//!   failures, remembered a while after the cooldown so that cooldowns grow through an outage.
//!
//! The protocol for one member:
//! 1. read the store; a fresh token ends the refresh ([`Finish::Stored`]); a failure still in its
//!    cooldown ends it too ([`Finish::SharedFailure`]); a live lease of another member means wait;
//!    no lease means try to take it. A member that still has an unexpired token of its own never
//!    waits (for another member, or for a slow store): it keeps serving that token
//!    ([`Finish::ServeCurrent`]) and looks again later;
//! 2. taking the lease is atomic in the store and refused while a fresh token, a failure in its
//!    cooldown or another live lease is there (the reply then is the state that refused it);
//! 3. the holder requests, then writes the token *and* releases the lease in one store step
//!    ([`Step::Publish`]), or writes the failure and releases ([`Step::ShareFailure`]);
//! 4. the others poll with jittered, growing pauses for the token or the failure, within
//!    [`LeaseConfig::wait_budget_ms`] (not the per-call store bound). After the budget, or at once
//!    when the store is down (a call failed, as opposed to timing out), a member requests by itself.
//!
//! A store call that times out (slow, paused) is not "down": the member keeps polling within its
//! budget. Such a call may still have been carried out, so a lease taken by a timed-out
//! [`Step::TryLease`] is recognised by its owner value on the next read and used.

/// First pause between two polls of a waiting member, in milliseconds (before jitter).
pub const POLL_FIRST_MS: f64 = 50.0;
/// Longest pause between two polls, in milliseconds (before jitter).
pub const POLL_MAX_MS: f64 = 500.0;
/// Store calls in a row that ran past the store-call bound after which the store counts as
/// unreachable (a queueing client of a dead server never answers): the member requests by itself
/// then, instead of polling a store that does not answer until the wait budget is spent. A pause
/// shorter than this many bounds (`CLIENT PAUSE 1500`) is still waited out.
pub const MAX_SLOW_REPLIES: u32 = 3;
/// Growth of the poll pause after each poll.
const POLL_GROWTH: f64 = 1.5;
/// Shortest lease, in milliseconds.
pub const LEASE_MIN_MS: f64 = 2_000.0;
/// Longest lease, in milliseconds: a longer refresh may lose its lease (then one more request).
pub const LEASE_MAX_MS: f64 = 120_000.0;
/// Margin added to the longest request when sizing the lease, in milliseconds.
const LEASE_MARGIN_MS: f64 = 1_000.0;
/// First shared cooldown after a failure, in milliseconds; it doubles with each consecutive failure.
pub const COOLDOWN_FIRST_MS: f64 = 1_000.0;
/// Longest cooldown, in milliseconds, `Retry-After` included.
pub const COOLDOWN_MAX_MS: f64 = 60_000.0;

/// How the protocol is sized for one client.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeaseConfig {
    /// How long a lease lasts: the longest a holder's token request (with its retries) may take.
    pub lease_ttl_ms: f64,
    /// How long a member waits for another member's token or failure before requesting by itself.
    pub wait_budget_ms: f64,
    /// `refreshSkewSeconds`: a stored token counts as fresh while its remaining lifetime is more
    /// than `min(skew, expires_in / 2)`.
    pub skew_s: f64,
}

impl LeaseConfig {
    /// The sizing for a client with `timeoutMs` per attempt, `retries` extra attempts, the backoff
    /// cap between attempts and `refreshSkewSeconds`: the lease covers every attempt and every
    /// backoff, clamped to [`LEASE_MIN_MS`]..=[`LEASE_MAX_MS`]; the wait budget is two leases (the
    /// holder's lease running out, then one more member's request).
    pub fn for_client(timeout_ms: f64, retries: u32, max_backoff_ms: f64, skew_s: f64) -> Self {
        let attempts = f64::from(retries.saturating_add(1));
        let worst = timeout_ms * attempts + max_backoff_ms * f64::from(retries) + LEASE_MARGIN_MS;
        let lease_ttl_ms = if worst.is_nan() {
            LEASE_MIN_MS
        } else {
            worst.clamp(LEASE_MIN_MS, LEASE_MAX_MS)
        };
        LeaseConfig {
            lease_ttl_ms,
            wait_budget_ms: lease_ttl_ms * 2.0,
            skew_s: skew_s.max(0.0),
        }
    }

    /// The remaining lifetime (ms) above which a stored token of `expires_in_s` counts as fresh.
    pub fn fresh_above_ms(&self, expires_in_s: f64) -> f64 {
        self.skew_s.min(expires_in_s / 2.0).max(0.0) * 1_000.0
    }
}

/// A source of random 64-bit values (owner values and poll jitter). Closures returning `u64` are one.
pub trait Entropy {
    /// The next random value.
    fn next_u64(&mut self) -> u64;
}

impl<G: FnMut() -> u64> Entropy for G {
    fn next_u64(&mut self) -> u64 {
        self()
    }
}

/// A token read from the store.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredToken<T> {
    /// The token (already checked to be a well-formed token by the IO layer).
    pub token: T,
    /// Its `expires_in`, seconds, as sent by the token endpoint.
    pub expires_in_s: f64,
    /// Its remaining lifetime according to the store (the store's own TTL), milliseconds.
    pub remaining_ms: f64,
}

/// The lease as the store reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseView {
    /// The owner value of the member holding it.
    pub owner: String,
}

/// The last shared failure as the store reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct FailureView<F> {
    /// What failed (an error summary without secrets; opaque here).
    pub failure: F,
    /// Consecutive failures so far.
    pub count: u32,
    /// What is left of its cooldown, milliseconds (0 when over; the count is still remembered).
    pub cooldown_ms: f64,
}

/// The shared state under one key, as one store call saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot<T, F> {
    /// The token, if the store holds one (whatever its freshness).
    pub token: Option<StoredToken<T>>,
    /// The live lease, if any.
    pub lease: Option<LeaseView>,
    /// The last failure, if remembered.
    pub failure: Option<FailureView<F>>,
}

/// The reply to a store call.
#[derive(Clone, Debug, PartialEq)]
pub enum StoreReply<R> {
    /// The call succeeded with this result.
    Ok(R),
    /// The call ran past the store-call bound: the store may be slow or paused, and the call may
    /// still be carried out.
    Slow,
    /// The call failed (connection refused, closed client, script error): the store is down.
    Down,
}

impl<R> StoreReply<R> {
    /// The same reply with the result converted.
    pub fn map<S>(self, f: impl FnOnce(R) -> S) -> StoreReply<S> {
        match self {
            StoreReply::Ok(r) => StoreReply::Ok(f(r)),
            StoreReply::Slow => StoreReply::Slow,
            StoreReply::Down => StoreReply::Down,
        }
    }
}

/// A failed token request, as the IO layer reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestFailure<F> {
    /// The error summary to share (never the secret) and to hand back in [`Finish::Failed`].
    pub failure: F,
    /// `Retry-After` of the last response, milliseconds, if the server sent one.
    pub retry_after_ms: Option<f64>,
    /// Whether the other members should see it: false for the caller's own abort.
    pub share: bool,
}

/// What happened, fed back after each [`Step`].
#[derive(Clone, Debug, PartialEq)]
pub enum Event<T, F> {
    /// Reply to [`Step::ReadStore`].
    Read(StoreReply<Snapshot<T, F>>),
    /// Reply to [`Step::TryLease`]: `acquired` true when the lease is now ours; otherwise the
    /// state that refused it.
    Leased(StoreReply<(bool, Snapshot<T, F>)>),
    /// The pause of [`Step::Wait`] is over.
    Waited,
    /// Reply to [`Step::Request`]: the token and its remaining lifetime in ms (`expires_at - now`
    /// on this member's own clock), or the failure.
    Requested(Result<(T, f64), RequestFailure<F>>),
    /// Reply to [`Step::Publish`], [`Step::ShareFailure`] or [`Step::Release`]: `Ok(true)` when
    /// the lease was still ours and is now released.
    Written(StoreReply<bool>),
}

/// What the IO layer should do next.
#[derive(Clone, Debug, PartialEq)]
pub enum Step<T, F> {
    /// Read the token, lease and failure under the key.
    ReadStore,
    /// Take the lease for [`Refresh::owner`] for `ttl_ms`, atomically refused while a token with a
    /// remaining lifetime above `fresh_above_ms` (`None`: any token is ignored, a forced refresh),
    /// a failure in its cooldown or another member's live lease is there.
    TryLease {
        /// Lease lifetime, milliseconds.
        ttl_ms: f64,
        /// The remaining lifetime above which the stored token blocks the lease.
        fresh_above_ms: Option<f64>,
    },
    /// Pause this long (jittered), then feed [`Event::Waited`].
    Wait {
        /// Milliseconds.
        ms: f64,
    },
    /// Send one token request (with the client's own retries), feed [`Event::Requested`].
    Request,
    /// Write the token with a store TTL of `ttl_ms` (its remaining lifetime), clear the shared
    /// failure, and release the lease if [`Refresh::owner`] still holds it: one atomic store step.
    Publish {
        /// The token to share.
        token: T,
        /// Store TTL, milliseconds.
        ttl_ms: f64,
    },
    /// Write the failure with its `count` and `cooldown_ms`, and release the lease if ours: one
    /// atomic store step.
    ShareFailure {
        /// The error summary.
        failure: F,
        /// Consecutive failures including this one.
        count: u32,
        /// Cooldown, milliseconds.
        cooldown_ms: f64,
    },
    /// Release the lease if [`Refresh::owner`] still holds it (compare-and-delete).
    Release,
    /// The refresh is over.
    Done(Finish<T, F>),
}

/// How one member's refresh ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Finish<T, F> {
    /// A fresh token from the store. It expires `remaining_ms` from now on this member's clock.
    Stored {
        /// The token.
        token: T,
        /// Remaining lifetime, milliseconds.
        remaining_ms: f64,
    },
    /// This member's own request got the token (remaining lifetime as fed in).
    Fetched {
        /// The token.
        token: T,
        /// Remaining lifetime, milliseconds.
        remaining_ms: f64,
    },
    /// This member's own request failed with this error.
    Failed(F),
    /// Another member's request failed and its cooldown is not over: serve an unexpired token if
    /// there is one, else throw this failure. Nobody requests before the cooldown ends.
    SharedFailure {
        /// The shared error summary.
        failure: F,
        /// What is left of the cooldown, milliseconds.
        cooldown_ms: f64,
    },
    /// Another member is refreshing and this member has an unexpired token: keep serving it.
    ServeCurrent,
}

/// Why a member requested without the lease.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FallbackReason {
    /// A store call failed.
    StoreDown,
    /// The wait budget ran out.
    BudgetSpent,
}

/// What the fleet did, for the `onFleetEvent` hook (drained with [`Refresh::take_events`]).
#[derive(Clone, Debug, PartialEq)]
pub enum FleetEvent {
    /// This member took the lease and requests for the fleet.
    LeaseTaken,
    /// This member waited for another member and got its token or failure (or gave up).
    Waited {
        /// Milliseconds spent waiting (own clock, at least the pauses asked for).
        ms: f64,
        /// Store reads while waiting.
        polls: u32,
    },
    /// This member requested by itself, without the lease.
    FellBack(FallbackReason),
    /// This member shared its failure with this cooldown.
    FailureShared {
        /// Milliseconds.
        cooldown_ms: f64,
        /// Consecutive failures.
        count: u32,
    },
    /// This member's lease had expired (and maybe been taken) before it wrote its token.
    LeaseLost,
}

/// Where a refresh is: what its last step was.
#[derive(Clone, Debug, PartialEq)]
enum State<T, F> {
    /// [`Step::ReadStore`] is out.
    Reading,
    /// [`Step::TryLease`] is out.
    Leasing,
    /// [`Step::Wait`] is out.
    Waiting,
    /// [`Step::Request`] is out.
    Requesting,
    /// [`Step::Publish`], [`Step::ShareFailure`] or [`Step::Release`] is out; then this finish.
    Writing(Finish<T, F>),
    /// Over.
    Done(Finish<T, F>),
}

/// How the member came to request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Not requesting (yet).
    Member,
    /// Holds (or held) the lease.
    Holder,
    /// Requests by itself; `store_up` says whether to write the outcome back.
    Alone {
        /// The store answered before (the budget ran out): write the outcome back.
        store_up: bool,
    },
}

/// One member's refresh: see the module documentation.
#[derive(Clone, Debug)]
pub struct Refresh<T, F> {
    config: LeaseConfig,
    owner: String,
    state: State<T, F>,
    mode: Mode,
    /// A forced refresh: stored tokens are taken only if they differ from `rejected` (and never
    /// when it is `None`).
    force: bool,
    rejected: Option<T>,
    /// This member has an unexpired token it can keep serving.
    has_current: bool,
    /// Consecutive failures the store remembers (0: none).
    prior_failures: u32,
    /// Time spent, own clock: only moves forward.
    clock_ms: f64,
    last_now_ms: f64,
    /// Sum of the pauses asked for (so a stuck clock still ends the wait).
    paused_ms: f64,
    /// Store calls in a row that ran past the bound.
    slow_replies: u32,
    /// Elapsed time when the first pause was asked for.
    wait_started_ms: Option<f64>,
    polls: u32,
    next_poll_ms: f64,
    random: u64,
    events: Vec<FleetEvent>,
}

/// A uniform value in `[0, 1)` from 64 random bits.
fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// Shared cooldown after `count` consecutive failures, `Retry-After` honoured: the larger of
/// `1 s * 2^(count - 1)` and the `Retry-After`, at most [`COOLDOWN_MAX_MS`].
pub fn cooldown_ms(count: u32, retry_after_ms: Option<f64>) -> f64 {
    let exp = count.saturating_sub(1).min(16);
    let backoff = COOLDOWN_FIRST_MS * f64::from(1u32 << exp);
    // `max` ignores a NaN Retry-After.
    backoff
        .max(retry_after_ms.unwrap_or(0.0))
        .min(COOLDOWN_MAX_MS)
}

impl<T: Clone + PartialEq, F: Clone> Refresh<T, F> {
    /// A refresh for one member.
    /// - `has_current`: it holds an unexpired token it can keep serving while another member
    ///   refreshes (then it does not wait).
    /// - `force`: a forced refresh (say after a 401) whose `rejected` token, if any, was refused:
    ///   a stored token is taken only if it differs from `rejected`, and taking the lease ignores
    ///   whatever token the store holds.
    pub fn new(
        config: LeaseConfig,
        entropy: &mut impl Entropy,
        has_current: bool,
        force: bool,
        rejected: Option<T>,
    ) -> Self {
        let owner = format!("{:016x}{:016x}", entropy.next_u64(), entropy.next_u64());
        Refresh {
            config,
            owner,
            state: State::Reading,
            mode: Mode::Member,
            force,
            rejected,
            has_current,
            prior_failures: 0,
            clock_ms: 0.0,
            last_now_ms: f64::NAN,
            paused_ms: 0.0,
            slow_replies: 0,
            wait_started_ms: None,
            polls: 0,
            next_poll_ms: POLL_FIRST_MS,
            random: entropy.next_u64(),
            events: Vec::new(),
        }
    }

    /// The random owner value of this refresh's lease (32 hex digits).
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Fleet events since the last call, oldest first.
    pub fn take_events(&mut self) -> Vec<FleetEvent> {
        core::mem::take(&mut self.events)
    }

    /// Whether this member's request (if it made one) was made holding the lease.
    pub fn is_holder(&self) -> bool {
        self.mode == Mode::Holder
    }

    /// Whether the refresh is over.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done(_))
    }

    /// The first step, at `now_ms` on this member's clock.
    pub fn start(&mut self, now_ms: f64) -> Step<T, F> {
        self.tick(now_ms);
        Step::ReadStore
    }

    /// Feed the outcome of the last step at `now_ms` (this member's clock); returns the next step.
    /// An event that does not answer the last step is ignored and that step is asked for again
    /// (after a write, or once done, the refresh ends with its outcome).
    pub fn feed(&mut self, now_ms: f64, event: Event<T, F>) -> Step<T, F> {
        self.tick(now_ms);
        let state = core::mem::replace(&mut self.state, State::Reading);
        match (state, event) {
            (State::Reading, Event::Read(reply)) => {
                self.on_snapshot(false, reply.map(|s| (false, s)))
            }
            (State::Leasing, Event::Leased(reply)) => self.on_snapshot(true, reply),
            (State::Waiting, Event::Waited) => {
                self.polls = self.polls.saturating_add(1);
                Step::ReadStore
            }
            (State::Requesting, Event::Requested(result)) => self.on_requested(result),
            (State::Writing(finish), Event::Written(reply)) => {
                if self.mode == Mode::Holder
                    && reply == StoreReply::Ok(false)
                    && matches!(finish, Finish::Fetched { .. })
                {
                    self.events.push(FleetEvent::LeaseLost);
                }
                self.finish(finish)
            }
            (State::Writing(finish) | State::Done(finish), _) => self.finish(finish),
            (State::Reading, _) => Step::ReadStore,
            (State::Leasing, _) => self.try_lease(),
            (State::Waiting, _) => Step::ReadStore,
            (State::Requesting, _) => {
                self.state = State::Requesting;
                Step::Request
            }
        }
    }

    /// Advance the own clock: only forward, only on finite clock values.
    fn tick(&mut self, now_ms: f64) {
        if now_ms.is_finite() {
            let d = now_ms - self.last_now_ms;
            if d > 0.0 {
                self.clock_ms += d;
            }
            self.last_now_ms = now_ms;
        }
    }

    /// Time spent in this refresh: the own clock's, and never less than the pauses asked for.
    fn elapsed_ms(&self) -> f64 {
        self.clock_ms.max(self.paused_ms)
    }

    /// Record the wait, if there was one, as a fleet event.
    fn end_wait(&mut self) {
        if let Some(started) = self.wait_started_ms.take() {
            self.events.push(FleetEvent::Waited {
                ms: self.elapsed_ms() - started,
                polls: self.polls,
            });
        }
    }

    fn finish(&mut self, finish: Finish<T, F>) -> Step<T, F> {
        self.end_wait();
        self.state = State::Done(finish.clone());
        Step::Done(finish)
    }

    fn is_fresh(&self, stored: &StoredToken<T>) -> bool {
        if self.force && self.rejected.as_ref().map_or(true, |r| *r == stored.token) {
            return false;
        }
        // Written so that a NaN remaining lifetime is not fresh.
        stored.remaining_ms > self.config.fresh_above_ms(stored.expires_in_s)
    }

    fn try_lease(&mut self) -> Step<T, F> {
        self.state = State::Leasing;
        Step::TryLease {
            ttl_ms: self.config.lease_ttl_ms,
            // Any token with more than the skew left is fresh for every lifetime (the margin is
            // at most the skew): the store may refuse the lease for it.
            fresh_above_ms: if self.force {
                None
            } else {
                Some(self.config.skew_s * 1_000.0)
            },
        }
    }

    fn on_snapshot(
        &mut self,
        leasing: bool,
        reply: StoreReply<(bool, Snapshot<T, F>)>,
    ) -> Step<T, F> {
        if matches!(reply, StoreReply::Slow) {
            self.slow_replies = self.slow_replies.saturating_add(1);
        } else {
            self.slow_replies = 0;
        }
        let (acquired, snapshot) = match reply {
            StoreReply::Ok(ok) => ok,
            StoreReply::Slow if self.has_current && leasing => {
                // The lease may still be taken when the call goes through: give it back.
                self.state = State::Writing(Finish::ServeCurrent);
                return Step::Release;
            }
            StoreReply::Slow if self.slow_replies >= MAX_SLOW_REPLIES => {
                return self.fall_back(FallbackReason::StoreDown)
            }
            StoreReply::Slow => return self.wait_or_fall_back(),
            StoreReply::Down => return self.fall_back(FallbackReason::StoreDown),
        };
        let Snapshot {
            token,
            lease,
            failure,
        } = snapshot;
        let ours = acquired || lease.as_ref().is_some_and(|l| l.owner == self.owner);
        if let Some(f) = &failure {
            self.prior_failures = f.count;
        }
        if let Some(stored) = token.filter(|t| self.is_fresh(t)) {
            let finish = Finish::Stored {
                token: stored.token,
                remaining_ms: stored.remaining_ms,
            };
            if ours {
                // Taken by a timed-out TryLease, or for a short-lived token: give it back.
                self.state = State::Writing(finish);
                return Step::Release;
            }
            return self.finish(finish);
        }
        if ours {
            return self.take_lease();
        }
        if let Some(f) = failure.filter(|f| f.cooldown_ms > 0.0) {
            return self.finish(Finish::SharedFailure {
                failure: f.failure,
                cooldown_ms: f.cooldown_ms,
            });
        }
        if lease.is_some() {
            return self.wait_or_fall_back();
        }
        if leasing {
            // Refused with nothing in the way (it just went away): look again after a pause.
            return self.wait_or_fall_back();
        }
        self.try_lease()
    }

    fn take_lease(&mut self) -> Step<T, F> {
        self.end_wait();
        self.mode = Mode::Holder;
        self.events.push(FleetEvent::LeaseTaken);
        self.state = State::Requesting;
        Step::Request
    }

    fn fall_back(&mut self, reason: FallbackReason) -> Step<T, F> {
        self.end_wait();
        self.mode = Mode::Alone {
            store_up: reason == FallbackReason::BudgetSpent,
        };
        self.events.push(FleetEvent::FellBack(reason));
        self.state = State::Requesting;
        Step::Request
    }

    /// A jittered pause within what is left of the budget, or the fallback once it is spent. A
    /// member with an unexpired token of its own never waits: it keeps serving that token.
    fn wait_or_fall_back(&mut self) -> Step<T, F> {
        if self.has_current {
            return self.finish(Finish::ServeCurrent);
        }
        let left = self.config.wait_budget_ms - self.elapsed_ms();
        if left.is_nan() || left <= 0.0 {
            return self.fall_back(FallbackReason::BudgetSpent);
        }
        // splitmix64: the jitter stream of this refresh.
        self.random = self.random.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.random;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        let ms = (self.next_poll_ms * (0.5 + 0.5 * unit(z))).min(left);
        self.next_poll_ms = (self.next_poll_ms * POLL_GROWTH).min(POLL_MAX_MS);
        if self.wait_started_ms.is_none() {
            self.wait_started_ms = Some(self.elapsed_ms());
        }
        // The budget is spent at the latest when the pauses alone add up to it.
        self.paused_ms = self.elapsed_ms() + ms;
        self.state = State::Waiting;
        Step::Wait { ms }
    }

    fn on_requested(&mut self, result: Result<(T, f64), RequestFailure<F>>) -> Step<T, F> {
        let write_back = match self.mode {
            Mode::Holder => true,
            Mode::Alone { store_up } => store_up,
            Mode::Member => false,
        };
        match result {
            Ok((token, remaining_ms)) => {
                let finish = Finish::Fetched {
                    token: token.clone(),
                    remaining_ms,
                };
                if write_back && remaining_ms >= 1.0 {
                    self.state = State::Writing(finish);
                    Step::Publish {
                        token,
                        ttl_ms: remaining_ms,
                    }
                } else if self.mode == Mode::Holder {
                    self.state = State::Writing(finish);
                    Step::Release
                } else {
                    self.finish(finish)
                }
            }
            Err(failed) => {
                let finish = Finish::Failed(failed.failure.clone());
                if write_back && failed.share {
                    let count = self.prior_failures.saturating_add(1);
                    let cooldown_ms = cooldown_ms(count, failed.retry_after_ms);
                    self.events
                        .push(FleetEvent::FailureShared { cooldown_ms, count });
                    self.state = State::Writing(finish);
                    Step::ShareFailure {
                        failure: failed.failure,
                        count,
                        cooldown_ms,
                    }
                } else if self.mode == Mode::Holder {
                    self.state = State::Writing(finish);
                    Step::Release
                } else {
                    self.finish(finish)
                }
            }
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod sim;
#[cfg(test)]
mod tests;
