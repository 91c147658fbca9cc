//! Living within AWS's account quotas.
//!
//! AWS meters reads per account and region, not per process: Parameter Store's
//! `GetParameter`, `GetParameters` and `GetParametersByPath` share 40 calls per
//! second by default, and a fleet that starts at once shares them all. So:
//!
//! - **A throttled call is retried until the load's deadline**, not for a fixed
//!   number of attempts: awsconf takes throttling retries over from the SDK (a
//!   retry classifier tells the SDK not to retry throttling errors, whatever the
//!   `SdkConfig`'s `RetryConfig` says) and re-issues the call after a backoff with
//!   full jitter ([`backoff`]) until 90% of `.timeout(..)` has passed; then the
//!   throttling error is reported. Other errors keep the SDK's retries.
//! - **Each process paces itself** ([`Pacer`], one per service): a load sends
//!   its calls at once, up to the loader's `concurrency` in flight per service,
//!   so a quiet account answers a load in one round trip. Nothing tells a
//!   process that a fleet is starting beside it until AWS throttles: the first
//!   throttling is that signal and switches to a paced rate: twice the calls per
//!   second AWS let through in the last second (at least [`FIRST_PACED_RATE`]),
//!   the first paced call at a random point of that whole interval (a fleet
//!   started together was throttled together). Each further throttling
//!   multiplies the rate by [`DECREASE`] and halves the window (once per round:
//!   calls sent before the last cut do not cut again; the next call at a random
//!   point of the next [`PHASE_MAX`]), never below [`MIN_RATE`]; each answer
//!   adds [`GROWTH`] of the rate, and from the [`STREAK`]th answer in
//!   a row on, half as much again per further answer, and after an answer the
//!   rate doubles every [`QUIET_DOUBLING`] until the next call starts: a process
//!   that stops being throttled (the rest of its fleet has finished) speeds up
//!   within a few calls. Past [`UNPACED_RATE`] the pacing ends. A new rate applies at
//!   once, also to a call already waiting for its start.
//!
//!   Growth per answer makes a fleet's total rate grow with what the quota lets
//!   through rather than with the number of processes, so a fleet converges on
//!   the quota instead of hammering it; the floor keeps a process that was
//!   throttled many times from falling far behind its fleet. The price of one
//!   round trip on a quiet account is the fleet's first burst: N processes of
//!   10 calls each send 10 N calls before any answer comes back, and all but the
//!   quota's burst are throttled. The constants were
//!   chosen with a simulation of N processes of 10 calls each sharing one token
//!   bucket of 40 calls per second (`bench/sim/pacing.py`, N from 1 to 300) and
//!   checked with the fleet benchmark (`scripts/bench.sh --fleet-only`, BENCHMARKS.md): at the fleet
//!   sizes of up to 200 it measures, the last process is ready within about 1.2 times
//!   the least time the quota allows plus 1 s (8 of 9 starts in each of its
//!   last two runs; one of N = 50 took 16.9 s against 14.8 s, one of N = 10
//!   3.2 s against 2.8 s), and AWS throttles more calls than it answers from
//!   N = 50 on. A larger fleet still loads (each process keeps trying at
//!   [`MIN_RATE`] or faster until the deadline), with more throttling.
//! - **A fleet that names its size** ([`Pacing::Fleet`]) skips the search:
//!   after the first burst no process knows how many share the quota (the
//!   rate each needs spans 33x between 10 and 200 processes, and only
//!   throttling says "too fast"), which is what the adaptive rule pays for in
//!   throttled calls. Told `n`, a process throttled in its first burst knows
//!   how long the quota needs for the fleet's throttled calls and sends its own
//!   in that time ([`Share`]); answers do not grow the rate (at the share, any
//!   growth overshoots the quota), one throttling more is the quota's jitter,
//!   and a second hands over to the adaptive rule (more processes than `n`).
//!   The first burst still goes at once, so a process alone keeps its one
//!   round trip. In the fleet benchmark it met every target in all 9 starts
//!   (N = 10, 50, 200): AWS throttled 61-62, 462-465 and 2,019-2,036 calls
//!   (about the first burst's) against 110, 550 and 2,785-2,848 answered.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use tokio::sync::{Notify, Semaphore};

use super::{traced, Fetcher};

/// How a load paces its calls to each service; see
/// [`Loader::pacing`](crate::Loader::pacing).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Pacing {
    /// Send a load's calls at once (up to the `concurrency` cap), and once AWS
    /// throttles, send at a rate that shrinks on each throttling and grows with
    /// each success (the default).
    #[default]
    Adaptive,
    /// [`Adaptive`](Self::Adaptive), told that up to this many processes of
    /// the config may start together (a deployment's task count, say). A load
    /// still sends its calls at once, so a process alone on a quiet account
    /// still takes one round trip. At the first throttling it paces at its
    /// share of the service's default quota instead of searching for a rate:
    /// if `n` processes each sent as many calls as it did, all but the quota's
    /// one second of burst were throttled, and the quota needs a known time to
    /// answer them; the process sends what is left of its own calls (one fewer
    /// for each AWS answered meanwhile) evenly over that time, and later
    /// answers do not speed it up. If AWS throttles it twice more, the fleet is
    /// larger than it was told, and the adaptive rule takes over. A `Live`'s
    /// refresh long after the start is not paced.
    ///
    /// Too large a number slows a smaller start down to the pace of the whole
    /// fleet it names (a lone process is never slowed); 0 and 1 mean
    /// [`Adaptive`](Self::Adaptive).
    Fleet(u32),
    /// Send every call as soon as the `concurrency` cap allows, throttled or not.
    /// Throttled calls are still retried until the deadline.
    Off,
}

/// How a load reads its secrets (those not pinned to a stage or version); see
/// [`Loader::secret_reads`](crate::Loader::secret_reads).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretReads {
    /// `BatchGetSecretValue`, 20 ids a call, until AWS throttles one: then that
    /// batch's ids, and every later read of this load or `Live`, use parallel
    /// `GetSecretValue` calls (the default).
    #[default]
    Auto,
    /// Always `BatchGetSecretValue` (throttled batches are re-issued until the
    /// deadline).
    Batch,
    /// Always one `GetSecretValue` per secret, in parallel.
    Individual,
}

/// The least calls per second of the rate set at the first throttling (the
/// first paced call starts at a random point of the whole interval).
pub(crate) const FIRST_PACED_RATE: f64 = 1.6;
/// The least calls per second a process slows down to: at Parameter Store's
/// default 40 calls per second, 200 processes at this rate ask for the whole
/// quota (a larger fleet at the floor gets more throttling than answers).
pub(crate) const MIN_RATE: f64 = 0.2;
/// What each throttling (once per round) multiplies the paced rate by.
pub(crate) const DECREASE: f64 = 0.5;
/// The throttlings after the first that a [`Pacing::Fleet`] share takes
/// before the adaptive rule takes over (the fleet is larger than named). One
/// keeps the share: a fleet at its share of the quota meets an empty bucket
/// now and then, and slowing down for it makes the processes it hit the last.
pub(crate) const FLEET_CUTS: u32 = 1;
/// A [`Pacing::Fleet`] share doubles with each [`QUIET_DOUBLING`] only once
/// this many intervals have passed without an answer (the fleet has finished:
/// a `Live`'s refresh an hour later is not paced).
pub(crate) const FLEET_IDLE: f64 = 2.0;
/// How much each answer grows the paced rate (30%).
pub(crate) const GROWTH: f64 = 0.3;
/// From this many answers in a row (without a throttling) on, each further
/// answer grows the rate [`STREAK_BOOST`] times as much as the one before.
pub(crate) const STREAK: u32 = 2;
/// See [`STREAK`].
pub(crate) const STREAK_BOOST: f64 = 1.5;
/// The most boosts a streak adds up (growth at most `1.5^6`, about 11 times).
pub(crate) const STREAK_BOOST_MAX: u32 = 6;
/// After an answer that was not throttled, the rate doubles with every this
/// much time without another answer (until the next call starts): a process
/// slowed down far, whose fleet has finished meanwhile, need not sit out a
/// long interval.
pub(crate) const QUIET_DOUBLING: Duration = Duration::from_secs(1);
/// The most a throttled process's next call is put off, at random, past the
/// interval's start (the phase that keeps a fleet slowed down together from
/// resending together).
pub(crate) const PHASE_MAX: Duration = Duration::from_millis(250);
/// After a throttling of a lone call (no other call of the service in flight or
/// waiting: a `Live`'s narrowed refresh after a change event), its re-issue
/// starts up to this share of the interval early, at random: a fleet
/// throttled together otherwise keeps resending in the same cohorts, one
/// interval apart.
pub(crate) const LONE_JITTER: f64 = 0.5;
/// How often a call waiting for its start re-reckons it while the rate grows
/// with time.
const RECHECK: Duration = Duration::from_millis(25);
/// Past this many calls per second, pacing ends.
pub(crate) const UNPACED_RATE: f64 = 1000.0;
/// The first backoff bound of a throttled call; it doubles per attempt.
pub(crate) const BACKOFF_BASE: Duration = Duration::from_millis(100);
/// The largest backoff bound of a throttled call (the pacer spaces the calls
/// further).
pub(crate) const BACKOFF_CAP: Duration = Duration::from_secs(1);
/// The share of `.timeout(..)` within which throttled calls are re-issued; the
/// rest is left to report the throttling before the load's deadline.
pub(crate) const RETRY_SHARE: f64 = 0.9;

/// The wait before re-issuing a call throttled `attempt` times before (0 for the
/// first throttling): full jitter, uniform in `0..min(cap, base * 2^attempt)`.
pub(crate) fn backoff(attempt: u32) -> Duration {
    let bound = BACKOFF_BASE
        .saturating_mul(1u32 << attempt.min(16))
        .min(BACKOFF_CAP);
    bound.mul_f64(unit())
}

/// A number uniform in `[0, 1)`, from std's randomly keyed hasher.
pub(crate) fn unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

pub(crate) fn is_throttling<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    err.code().is_some_and(crate::aws_error::is_throttling_code)
}

/// One service's pacing: a window of calls in flight and, once AWS has
/// throttled, a rate.
pub(crate) struct Pacer {
    adaptive: bool,
    /// [`Pacing::Fleet`]'s processes and the service's quota (calls per
    /// second, with one second of burst).
    fleet: Option<(f64, f64)>,
    max_window: usize,
    state: Mutex<PaceState>,
    wake: Notify,
}

struct PaceState {
    window: usize,
    in_flight: usize,
    /// Calls waiting in [`Pacer::slot`].
    waiting: usize,
    /// Calls per second; `None` until AWS throttles.
    rate: Option<f64>,
    /// The start of the last paced call; the next may start `1 / rate` later
    /// (after a cut: no sooner than a random point of the next [`PHASE_MAX`]).
    last_start: Option<Instant>,
    last_cut: Option<Instant>,
    /// Answers since the last cut.
    streak: u32,
    /// The last answer that was not throttled.
    last_answer: Option<Instant>,
    /// Successes in the last second.
    recent_ok: VecDeque<Instant>,
    /// The current burst's calls (started unpaced since none was in flight)
    /// and its answers so far.
    unpaced_started: u32,
    unpaced_answered: u32,
    /// Paced at a [`Pacing::Fleet`] share.
    share: Option<Share>,
}

/// A [`Pacing::Fleet`] share: set at the first throttling of a burst.
struct Share {
    /// The first throttling: calls sent before it are the burst's.
    since: Instant,
    /// The burst's calls, and those of them AWS answered.
    burst: u32,
    answered: u32,
    /// Throttlings since the first.
    cuts: u32,
}

impl Share {
    /// The calls per second that finish this process's throttled calls when
    /// the fleet's finish: `n` processes of `burst` calls each leave
    /// `n * burst - quota` throttled (the quota's one second of burst
    /// answered the rest), which the quota answers in `(n * burst - quota) /
    /// quota` seconds.
    fn rate(&self, n: f64, quota: f64) -> f64 {
        let burst = f64::from(self.burst.max(1));
        let left = f64::from(self.burst.saturating_sub(self.answered).max(1));
        quota * left / (n * burst - quota).max(burst)
    }
}

impl PaceState {
    fn prune(&mut self, now: Instant) {
        while self
            .recent_ok
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) > Duration::from_secs(1))
        {
            self.recent_ok.pop_front();
        }
    }

    /// The paced rate at `now`: it doubles every [`QUIET_DOUBLING`] since the
    /// last answer while the answers since the last cut were not throttled.
    fn rate_at(&self, now: Instant) -> Option<f64> {
        let rate = self.rate?;
        let quiet = match self.last_answer {
            Some(at) if self.streak > 0 => now.saturating_duration_since(at).as_secs_f64(),
            _ => return Some(rate),
        };
        // A fleet share holds while the fleet's calls come at its pace.
        let quiet = if self.share.is_some() {
            (quiet - FLEET_IDLE / rate).max(0.0)
        } else {
            quiet
        };
        let doublings = (quiet / QUIET_DOUBLING.as_secs_f64()).min(30.0);
        Some(rate * doublings.exp2())
    }

    /// Not paced at `now`: never throttled, or grown past [`UNPACED_RATE`].
    fn unpaced(&self, now: Instant) -> bool {
        self.rate_at(now).is_none_or(|r| r >= UNPACED_RATE)
    }

    /// When the next paced call may start, at `rate`.
    fn next_start(&self, rate: f64) -> Option<Instant> {
        let last = self.last_start?;
        // A rate below the floor cannot be set; the fallback only guards the
        // conversion.
        let interval = Duration::try_from_secs_f64(1.0 / rate).unwrap_or(Duration::from_secs(10));
        last.checked_add(interval)
    }
}

/// The right to send one call; dropping it frees its place in the window.
pub(crate) struct Slot<'a> {
    pacer: &'a Pacer,
    sent: Instant,
}

impl Pacer {
    /// `quota`: the service's default calls per second per account and
    /// region, which [`Pacing::Fleet`] shares out.
    pub(crate) fn new(pacing: Pacing, concurrency: usize, quota: f64) -> Pacer {
        let max_window = concurrency.max(1);
        Pacer {
            adaptive: pacing != Pacing::Off,
            fleet: match pacing {
                Pacing::Fleet(n) if n > 1 => Some((f64::from(n), quota)),
                _ => None,
            },
            max_window,
            state: Mutex::new(PaceState {
                // The whole load at once: a quiet account answers in one round trip.
                window: max_window,
                in_flight: 0,
                waiting: 0,
                rate: None,
                last_start: None,
                last_cut: None,
                streak: 0,
                last_answer: None,
                recent_ok: VecDeque::new(),
                unpaced_started: 0,
                unpaced_answered: 0,
                share: None,
            }),
            wake: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, PaceState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current paced rate, if AWS has throttled (for tests and logs).
    #[cfg(test)]
    pub(crate) fn rate(&self) -> Option<f64> {
        self.lock().rate
    }

    /// A slot now, outside the window and the rate.
    fn slot_now(&self) -> Slot<'_> {
        if self.adaptive {
            self.lock().in_flight += 1;
        }
        Slot {
            pacer: self,
            sent: Instant::now(),
        }
    }

    /// Waits for a place in the window and, when paced, for the next start time
    /// (re-reckoned whenever the rate changes); `None` when that start would
    /// come after `until`.
    pub(crate) async fn slot(&self, until: Option<Instant>) -> Option<Slot<'_>> {
        if !self.adaptive {
            return Some(self.slot_now());
        }
        self.lock().waiting += 1;
        let _waiting = Waiting(self);
        loop {
            let notified = self.wake.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let wait_until = {
                let mut s = self.lock();
                if s.in_flight < s.window {
                    let now = Instant::now();
                    let at = s.rate_at(now).and_then(|rate| s.next_start(rate));
                    match at {
                        Some(at) if at > now => {
                            if until.is_some_and(|until| at >= until) {
                                return None;
                            }
                            // A rate growing with time brings the start closer.
                            Some(if s.streak > 0 {
                                at.min(now + RECHECK)
                            } else {
                                at
                            })
                        }
                        _ => {
                            if s.unpaced(now) {
                                // A burst: the calls sent since none was in flight.
                                if s.in_flight == 0 {
                                    s.unpaced_started = 0;
                                    s.unpaced_answered = 0;
                                }
                                s.unpaced_started = s.unpaced_started.saturating_add(1);
                            }
                            s.in_flight += 1;
                            if s.rate.is_some() {
                                s.last_start = Some(now);
                            }
                            return Some(Slot {
                                pacer: self,
                                sent: now,
                            });
                        }
                    }
                } else {
                    None
                }
            };
            match wait_until {
                // Until the start, or until the rate changes or a place frees.
                Some(at) => {
                    tokio::select! {
                        _ = tokio::time::sleep_until(at.into()) => {}
                        _ = notified => {}
                    }
                }
                None => notified.await,
            }
        }
    }
}

/// Counts a call as waiting in [`Pacer::slot`] until it returns or is dropped.
struct Waiting<'a>(&'a Pacer);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let mut s = self.0.lock();
        s.waiting = s.waiting.saturating_sub(1);
    }
}

impl Slot<'_> {
    /// AWS answered (anything but throttling): widen the window, speed up.
    pub(crate) fn succeeded(&self) {
        let p = self.pacer;
        if !p.adaptive {
            return;
        }
        let now = Instant::now();
        let mut s = p.lock();
        let unpaced = s.unpaced(now);
        if unpaced {
            s.unpaced_answered = s.unpaced_answered.saturating_add(1);
        }
        s.window = (s.window + 1).min(p.max_window);
        s.rate = s.rate_at(now);
        s.last_answer = Some(now);
        s.streak = s.streak.saturating_add(1);
        if let (Some(share), Some((n, quota))) = (&mut s.share, p.fleet) {
            // The share is the fleet's pace: an answer only says that one of
            // the burst's calls is not left to send.
            if self.sent < share.since {
                share.answered = share.answered.saturating_add(1);
                let rate = share.rate(n, quota);
                s.rate = Some(rate);
            } else if unpaced {
                // Idle long enough to grow past the pacing's end.
                s.rate = None;
                s.share = None;
            }
            drop(s);
            p.wake.notify_waiters();
            return;
        }
        let boost = STREAK_BOOST.powi(
            s.streak
                .saturating_sub(STREAK)
                .min(STREAK_BOOST_MAX)
                .try_into()
                .unwrap_or(0),
        );
        s.rate = s
            .rate
            .map(|r| r + GROWTH * r * boost)
            .filter(|r| *r < UNPACED_RATE);
        s.prune(now);
        s.recent_ok.push_back(now);
        drop(s);
        p.wake.notify_waiters();
    }

    /// AWS throttled the call: slow the rate down and halve the window, once per
    /// round.
    pub(crate) fn throttled(&self) {
        let p = self.pacer;
        if !p.adaptive {
            return;
        }
        let now = Instant::now();
        let mut s = p.lock();
        if s.last_cut.is_some_and(|cut| self.sent < cut) {
            // Sent before the last slow-down: already accounted for.
            return;
        }
        s.prune(now);
        // A rate grown past the pacing's end while quiet (a `Live` whose last
        // refresh was long ago) counts as unpaced: the first cut's rule applies.
        let paced = s.rate_at(now).filter(|r| *r < UNPACED_RATE);
        let first = paced.is_none();
        if first {
            s.share = p.fleet.map(|_| Share {
                since: now,
                burst: s.unpaced_started,
                answered: s.unpaced_answered,
                cuts: 0,
            });
        } else if let Some(share) = &mut s.share {
            share.cuts += 1;
            if share.cuts > FLEET_CUTS {
                // Throttled again and again: more processes share the quota
                // than the fleet named.
                s.share = None;
            }
        }
        let rate = match (paced, &s.share, p.fleet) {
            (None, Some(share), Some((n, quota))) => share.rate(n, quota),
            (None, _, _) => (2.0 * s.recent_ok.len() as f64).max(FIRST_PACED_RATE),
            (Some(r), Some(_), _) => r,
            (Some(r), None, _) => r * DECREASE,
        };
        let rate = if s.share.is_some() {
            rate
        } else {
            rate.max(MIN_RATE)
        };
        s.unpaced_started = 0;
        s.unpaced_answered = 0;
        s.rate = Some(rate);
        s.window = (s.window / 2).max(1);
        s.last_cut = Some(now);
        s.streak = 0;
        // The next call starts an interval after the last paced one or, if
        // later, at a random point of the next PHASE_MAX (at most; of the whole
        // interval at the first throttling, when a fleet that started together
        // has all its calls throttled together), so the processes a throttling
        // slowed down together do not resend together.
        let interval = Duration::from_secs_f64(1.0 / rate);
        let spread = if first {
            interval
        } else {
            interval.min(PHASE_MAX)
        };
        let phase = spread.mul_f64(unit());
        let from_phase = (now + phase).checked_sub(interval);
        let lone = s.in_flight <= 1 && s.waiting == 0;
        s.last_start = if lone && !first {
            // One interval from now, less up to LONE_JITTER of it.
            now.checked_sub(interval.mul_f64(LONE_JITTER * unit()))
                .or(Some(now))
        } else {
            s.last_start.max(from_phase).or(Some(now))
        };
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        if !self.pacer.adaptive {
            return;
        }
        let mut s = self.pacer.lock();
        s.in_flight = s.in_flight.saturating_sub(1);
        drop(s);
        self.pacer.wake.notify_waiters();
    }
}

impl Fetcher {
    /// Sends one call (`send` builds it afresh for each attempt) under the
    /// service's concurrency cap and pacer, in a `tracing` span; re-issues it
    /// after a full-jitter backoff while AWS throttles it, until the deadline.
    pub(crate) async fn call<T, E, R, Fut>(
        &self,
        permits: &Semaphore,
        pacer: &Pacer,
        api: &'static str,
        target: &str,
        send: impl FnMut() -> Fut,
    ) -> Result<T, SdkError<E, R>>
    where
        Fut: Future<Output = Result<T, SdkError<E, R>>>,
        E: ProvideErrorMetadata,
    {
        self.call_with(permits, pacer, api, target, true, send)
            .await
    }

    /// [`call`](Self::call), re-issuing throttled calls only if `reissue`.
    pub(crate) async fn call_with<T, E, R, Fut>(
        &self,
        permits: &Semaphore,
        pacer: &Pacer,
        api: &'static str,
        target: &str,
        reissue: bool,
        mut send: impl FnMut() -> Fut,
    ) -> Result<T, SdkError<E, R>>
    where
        Fut: Future<Output = Result<T, SdkError<E, R>>>,
        E: ProvideErrorMetadata,
    {
        let mut attempt = 0u32;
        let mut throttled: Option<SdkError<E, R>> = None;
        loop {
            let result = {
                let _permit = permits.acquire().await;
                // A re-issue that could not start before the deadline reports
                // the throttling instead; a first attempt is sent at once.
                let slot = match (pacer.slot(self.retry_until).await, throttled.take()) {
                    (Some(slot), _) => slot,
                    (None, Some(err)) => return Err(err),
                    (None, None) => pacer.slot_now(),
                };
                let result = traced(api, target, send()).await;
                match &result {
                    Err(err) if is_throttling(err) => slot.throttled(),
                    _ => slot.succeeded(),
                }
                result
            };
            match result {
                Err(err) if is_throttling(&err) => {
                    let wait = backoff(attempt);
                    let in_time = reissue
                        && self.retry_until.is_some_and(|until| {
                            Instant::now().checked_add(wait).is_some_and(|t| t < until)
                        });
                    if !in_time {
                        return Err(err);
                    }
                    throttled = Some(err);
                    tracing::debug!(api, target, attempt, ?wait, "awsconf: throttled, retrying");
                    attempt += 1;
                    tokio::time::sleep(wait).await;
                }
                other => return other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_full_jitter_under_a_doubling_bound() {
        for attempt in 0..8 {
            let bound = BACKOFF_BASE.saturating_mul(1 << attempt).min(BACKOFF_CAP);
            for _ in 0..50 {
                assert!(backoff(attempt) < bound);
            }
        }
        // Spread, not a fixed wait.
        let waits: std::collections::BTreeSet<_> = (0..20).map(|_| backoff(3)).collect();
        assert!(waits.len() > 10);
        assert!(backoff(40) < BACKOFF_CAP);
    }

    #[tokio::test]
    async fn a_whole_load_goes_at_once_and_throttling_switches_to_a_shrinking_rate() {
        let pacer = Pacer::new(Pacing::Adaptive, 10, 40.0);
        // A quiet account: all ten calls start at once, none waits.
        let mut first_round = Vec::new();
        for _ in 0..10 {
            let slot = tokio::time::timeout(Duration::from_millis(50), pacer.slot(None))
                .await
                .expect("no call of the first round waits")
                .expect("slot");
            first_round.push(slot);
        }
        let first = first_round.pop().expect("a slot");
        first.succeeded();
        drop(first);
        drop(first_round);
        assert_eq!(pacer.lock().window, 10);
        assert_eq!(pacer.rate(), None, "unpaced until AWS throttles");

        let s = pacer.slot(None).await.expect("slot");
        s.throttled();
        // One success in the last second: twice that rate.
        assert_eq!(pacer.rate(), Some(2.0));
        assert_eq!(pacer.lock().window, 5, "a window of 10, halved");
        // A call sent before that cut does not cut again.
        s.throttled();
        assert_eq!(pacer.rate(), Some(2.0));
        drop(s);
        // A call sent after it does; never below the floor.
        for _ in 0..30 {
            let mut s = pacer.slot_now();
            s.sent += Duration::from_millis(10);
            s.throttled();
        }
        assert_eq!(pacer.rate(), Some(MIN_RATE));
        assert_eq!(pacer.lock().window, 1);
        // Successes grow it again.
        let s = pacer.slot_now();
        s.succeeded();
        let r = pacer.rate().unwrap_or_default();
        assert!((r - MIN_RATE * (1.0 + GROWTH)).abs() < 1e-9, "{r}");
    }

    #[tokio::test]
    async fn a_fleet_share_is_the_quota_over_the_processes_its_first_burst_left_throttled() {
        let pacer = Pacer::new(Pacing::Fleet(50), 10, 40.0);
        // A lone process is not slowed: the whole load at once.
        let mut burst = Vec::new();
        for _ in 0..10 {
            let slot = tokio::time::timeout(Duration::from_millis(50), pacer.slot(None))
                .await
                .expect("no call of the first burst waits")
                .expect("slot");
            burst.push(slot);
        }
        assert_eq!(pacer.rate(), None);
        burst[0].throttled();
        // 50 processes of 10 calls leave 460 throttled, 11.5 s of the quota:
        // 10 calls in that time (46 processes at 40 / 46 per second).
        let close = |r: Option<f64>, want: f64| r.is_some_and(|r| (r - want).abs() < 1e-12);
        assert!(close(pacer.rate(), 40.0 / 46.0), "{:?}", pacer.rate());
        // The rest of the burst was sent before the cut: no further cut.
        burst[1].throttled();
        assert!(close(pacer.rate(), 40.0 / 46.0));
        // A call of the burst answered: 9 calls left for the same 11.5 s.
        burst[2].succeeded();
        let share = 9.0 / 11.5;
        assert!(close(pacer.rate(), share), "{:?}", pacer.rate());
        drop(burst);
        // Answers do not speed the share up, nor does the time between them.
        let s = pacer.slot_now();
        s.succeeded();
        s.succeeded();
        drop(s);
        assert!(close(pacer.rate(), share));
        let share = pacer.rate().unwrap_or_default();
        let at = Instant::now() + Duration::from_secs_f64(1.5 / share);
        assert_eq!(
            pacer.lock().rate_at(at),
            Some(share),
            "within FLEET_IDLE intervals"
        );
        let later = Instant::now() + Duration::from_secs_f64(FLEET_IDLE / share + 3.0);
        let grown = pacer.lock().rate_at(later).unwrap_or_default();
        assert!(grown > 7.0 * share, "idle: doubling again ({grown})");
        // One throttling later: still the share.
        let mut s = pacer.slot_now();
        s.sent += Duration::from_millis(10);
        s.throttled();
        drop(s);
        assert_eq!(pacer.rate(), Some(share));
        // Another: more processes than named share the quota; the adaptive rule.
        let mut s = pacer.slot_now();
        s.sent += Duration::from_millis(20);
        s.throttled();
        drop(s);
        assert_eq!(pacer.rate(), Some((share * DECREASE).max(MIN_RATE)));
        let s = pacer.slot_now();
        s.succeeded();
        assert!(
            pacer.rate().unwrap_or_default() > MIN_RATE,
            "answers grow it again"
        );
    }

    #[tokio::test]
    async fn a_fleet_share_ends_when_idle_and_the_next_burst_is_counted_afresh() {
        let pacer = Pacer::new(Pacing::Fleet(200), 10, 40.0);
        for _ in 0..3 {
            // A refresh long after the last: its own burst of 4 calls, all at once.
            let burst: Vec<_> = futures_util::future::join_all((0..4).map(|_| pacer.slot(None)))
                .await
                .into_iter()
                .map(|s| s.expect("slot"))
                .collect();
            burst[0].succeeded();
            burst[1].throttled();
            // 200 processes of 4 calls leave 760 throttled, 19 s of the quota;
            // 3 calls left in that time.
            let want = 40.0 * 3.0 / 760.0;
            assert!(
                pacer.rate().is_some_and(|r| (r - want).abs() < 1e-12),
                "{:?}",
                pacer.rate()
            );
            drop(burst);
            // The fleet's start is long over: idle past FLEET_IDLE intervals and
            // thirty doublings, an answer ends the pacing.
            {
                let mut s = pacer.lock();
                s.last_answer = Instant::now().checked_sub(Duration::from_secs(2_000));
                s.streak = 1;
            }
            let late = pacer.slot(None).await.expect("unpaced");
            late.succeeded();
            drop(late);
            assert_eq!(pacer.rate(), None);
        }
    }

    #[tokio::test]
    async fn a_fleet_of_one_or_a_share_past_the_quota_is_the_adaptive_rule() {
        for n in [0, 1] {
            let pacer = Pacer::new(Pacing::Fleet(n), 10, 40.0);
            pacer.slot_now().throttled();
            assert_eq!(pacer.rate(), Some(FIRST_PACED_RATE), "Fleet({n})");
        }
        // Fewer processes than the burst answers: at most the whole quota.
        let pacer = Pacer::new(Pacing::Fleet(3), 10, 40.0);
        pacer.slot(None).await.expect("slot").throttled();
        assert_eq!(pacer.rate(), Some(40.0));
        // The largest fleet there is: a rate, no panic.
        let pacer = Pacer::new(Pacing::Fleet(u32::MAX), 10, 40.0);
        pacer.slot(None).await.expect("slot").throttled();
        assert!(pacer.rate().is_some_and(|r| r > 0.0));
        assert!(pacer
            .slot(Some(Instant::now() + Duration::from_secs(1)))
            .await
            .is_none());
    }

    #[tokio::test]
    async fn paced_slots_are_spaced_by_the_rate() {
        let pacer = Pacer::new(Pacing::Adaptive, 10, 40.0);
        {
            let mut s = pacer.lock();
            s.rate = Some(20.0);
            s.window = 10;
        }
        let started = Instant::now();
        let mut sent = Vec::new();
        for _ in 0..5 {
            let s = pacer.slot(None).await.expect("slot");
            sent.push(s.sent);
        }
        for pair in sent.windows(2) {
            assert!(pair[1] - pair[0] >= Duration::from_millis(50));
        }
        assert!(started.elapsed() >= Duration::from_millis(200));
    }

    #[tokio::test]
    async fn a_waiting_call_starts_sooner_when_the_rate_grows() {
        let pacer = Pacer::new(Pacing::Adaptive, 10, 40.0);
        {
            let mut s = pacer.lock();
            s.rate = Some(MIN_RATE);
            s.window = 10;
            s.last_start = Some(Instant::now());
        }
        // At MIN_RATE the next start is 4 s away; answers speed the rate up to
        // past UNPACED_RATE while the call waits, and it starts at once.
        let waiting = pacer.slot(None);
        tokio::pin!(waiting);
        assert!(
            tokio::time::timeout(Duration::from_millis(50), waiting.as_mut())
                .await
                .is_err(),
            "paced"
        );
        let answered = pacer.slot_now();
        for _ in 0..40 {
            answered.succeeded();
        }
        drop(answered);
        assert_eq!(pacer.rate(), None, "fast enough to end the pacing");
        tokio::time::timeout(Duration::from_secs(2), waiting)
            .await
            .expect("started once the rate grew")
            .expect("a slot");
    }

    #[test]
    fn a_throttling_after_a_long_quiet_starts_over_from_what_aws_let_through() {
        let pacer = Pacer::new(Pacing::Adaptive, 10, 40.0);
        {
            let mut s = pacer.lock();
            s.rate = Some(MIN_RATE);
            s.streak = 1;
            // The last answer, 20 s ago (40 doublings): the rate has grown past
            // the end of pacing.
            s.last_answer = Instant::now().checked_sub(Duration::from_secs(20));
        }
        let mut late = pacer.slot_now();
        late.sent += Duration::from_millis(1);
        late.throttled();
        // No success in the last second: the first cut's floor, not MIN_RATE * DECREASE.
        assert_eq!(pacer.rate(), Some(FIRST_PACED_RATE));
    }

    #[test]
    fn the_first_throttling_spreads_the_next_call_over_the_whole_interval() {
        // A fleet throttled together on its first burst, nothing answered: each
        // process's first paced call lands anywhere in the first interval, not
        // all in its first PHASE_MAX.
        let interval = Duration::from_secs_f64(1.0 / FIRST_PACED_RATE);
        let mut waits = Vec::new();
        for _ in 0..40 {
            let pacer = Pacer::new(Pacing::Adaptive, 10, 40.0);
            let slot = pacer.slot_now();
            let now = Instant::now();
            slot.throttled();
            let s = pacer.lock();
            assert_eq!(s.rate, Some(FIRST_PACED_RATE));
            let next = s.next_start(FIRST_PACED_RATE).expect("paced");
            let wait = next.saturating_duration_since(now);
            assert!(wait <= interval, "{wait:?}");
            waits.push(wait);
        }
        assert!(waits.iter().any(|w| *w > PHASE_MAX * 2), "{waits:?}");
        assert!(waits.iter().any(|w| *w < interval / 2), "{waits:?}");
    }

    #[test]
    fn a_lone_throttled_call_is_reissued_early_in_its_interval_at_random() {
        let interval = Duration::from_secs(2);
        let mut waits = Vec::new();
        for _ in 0..40 {
            let pacer = Pacer::new(Pacing::Adaptive, 10, 40.0);
            // Paced at 1 call per second; the cut halves it: a 2 s interval.
            pacer.lock().rate = Some(1.0);
            let slot = pacer.slot_now();
            let now = Instant::now();
            slot.throttled();
            let s = pacer.lock();
            let next = s.next_start(0.5).expect("paced");
            let wait = next.saturating_duration_since(now);
            assert!(wait <= interval, "{wait:?}");
            assert!(wait >= interval.mul_f64(1.0 - LONE_JITTER) - Duration::from_millis(50));
            waits.push(wait);
        }
        // Not one cohort an interval apart: spread over the interval's second half.
        assert!(
            waits.iter().any(|w| *w < interval.mul_f64(0.8)),
            "{waits:?}"
        );

        // A call throttled beside others keeps the interval after the last start.
        let pacer = Pacer::new(Pacing::Adaptive, 10, 40.0);
        let started = Instant::now();
        {
            let mut s = pacer.lock();
            s.rate = Some(1.0);
            s.last_start = Some(started);
        }
        let other = pacer.slot_now();
        let slot = pacer.slot_now();
        slot.throttled();
        assert_eq!(
            pacer.lock().next_start(0.5),
            Some(started + interval),
            "the next start stays one interval after the last"
        );
        drop(other);
    }

    #[test]
    fn answers_in_a_row_grow_the_rate_faster() {
        let pacer = Pacer::new(Pacing::Adaptive, 10, 40.0);
        pacer.lock().rate = Some(2.0);
        let slot = pacer.slot_now();
        let mut steps = Vec::new();
        for _ in 0..5 {
            let before = pacer.rate().unwrap_or_default();
            slot.succeeded();
            steps.push(pacer.rate().unwrap_or_default() - before);
        }
        // 0.6, 0.78, then 1.5 times the plain growth per answer in a row.
        let plain: Vec<f64> = steps.iter().take(2).copied().collect();
        assert!((plain[0] - GROWTH * 2.0).abs() < 1e-9, "{steps:?}");
        assert!(steps[2] > steps[1] * STREAK_BOOST, "{steps:?}");
        assert!(steps[4] > steps[3] * STREAK_BOOST, "{steps:?}");
        // A throttling ends the streak.
        let mut late = pacer.slot_now();
        late.sent += Duration::from_millis(1);
        late.throttled();
        assert_eq!(pacer.lock().streak, 0);
    }

    #[tokio::test]
    async fn no_slot_is_given_past_the_deadline_once_paced() {
        let pacer = Pacer::new(Pacing::Adaptive, 10, 40.0);
        {
            let mut s = pacer.lock();
            s.rate = Some(0.1);
            // The next start is 10 s after this one.
            s.last_start = Some(Instant::now());
        }
        let until = Instant::now() + Duration::from_secs(1);
        assert!(pacer.slot(Some(until)).await.is_none());
        assert_eq!(pacer.lock().in_flight, 0, "the refused slot holds no place");
    }

    #[tokio::test]
    async fn a_full_window_waits_for_a_call_to_finish() {
        let pacer = Pacer::new(Pacing::Adaptive, 1, 40.0);
        let first = pacer.slot(None).await.expect("slot");
        let waiting = pacer.slot(None);
        tokio::pin!(waiting);
        assert!(
            tokio::time::timeout(Duration::from_millis(50), waiting.as_mut())
                .await
                .is_err(),
            "the window holds one call"
        );
        drop(first);
        let _second = tokio::time::timeout(Duration::from_secs(1), waiting)
            .await
            .expect("freed");
    }

    #[tokio::test]
    async fn pacing_off_never_waits() {
        let pacer = Pacer::new(Pacing::Off, 1, 40.0);
        let a = pacer.slot(None).await.expect("slot");
        let b = pacer.slot(None).await.expect("slot");
        a.throttled();
        b.throttled();
        assert_eq!(pacer.rate(), None);
    }
}
