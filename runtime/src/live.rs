//! `Live<T>`: a config kept current in the background (its public docs are on
//! [`Live`]): the refresh task, rotation dates, and the state events refresh.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use arc_swap::ArcSwap;
use tokio::sync::{oneshot, watch};

use crate::error::Error;
use crate::fetch::{ParamCache, Reuse, SecretCache};
use crate::session::Session;
use crate::AwsConfig;

///A live config: [`get`](Live::get) always returns the latest complete, valid
///config. Clone it freely; when the last clone is dropped, its refresh task
///stops and its AWS clients are released.
///
/// A config that stays current: secret rotation and parameter changes without a
/// restart.
///
/// [`Loader::watch`](crate::Loader::watch) loads once, with the same guarantees as
/// `load`, then refreshes in a background task every `every` with ±10% jitter, so
/// a fleet does not refresh in lockstep. Only a complete, valid config is ever
/// swapped in: a refresh that fails (throttling, network, a deleted parameter, a
/// value that no longer parses) keeps the last good config, is retried with
/// backoff (1 s doubling up to `every`), logs one `tracing` warning listing the
/// problems (never a value), and shows in [`Live::last_error`].
///
/// Refreshes are cheap: each secret is described first (`DescribeSecret`, no
/// value transferred) and fetched only when the version behind its stage changed;
/// parameters re-use the fetch plan. Grant `secretsmanager:DescribeSecret` on the
/// secrets' ARNs for this (`iam::policy_with` with
/// `PolicyOptions::watch`, feature `tools`, adds it; a load
/// alone does not need it); without it every refresh reads the values again,
/// which works but costs more.
///
/// # Scheduled rotation
///
/// A secret with scheduled rotation is also refreshed just after its next
/// rotation date (`NextRotationDate`, which Secrets Manager says the rotation
/// finishes on or before), not only on the interval: the task waits for the
/// earlier of the interval and the earliest such date ahead, plus a random
/// spread of up to `min(60 s, every / 10)` so a fleet does not refresh in one
/// burst. That refresh describes the secrets and reads only the changed ones;
/// no parameter is read again, and the interval's schedule stands. A date is
/// acted on once: if the rotation has not finished (the version is the same),
/// the next refresh is the interval's, and a failed refresh backs off as usual.
/// A date in the past, or none, changes nothing.
///
/// The dates come from the `DescribeSecret` calls of refreshes: a load reads
/// values with `BatchGetSecretValue`/`GetSecretValue`, whose answers carry no
/// rotation date, and describing each secret during the load would add a call
/// per secret to every start. So the first refresh (on the interval, a
/// [`refresh_now`](Live::refresh_now) or a change event) learns the dates, and
/// every refresh after it keeps them current. Without
/// `secretsmanager:DescribeSecret` there are no dates and only the interval.
///
/// # The rotation window
///
/// During a single-user rotation, Secrets Manager moves the new password to
/// `AWSCURRENT` before (or after) the database accepts it. Declare both versions
/// and fall back, then ask for a refresh when the database says no:
///
/// ```no_run
/// use awsconf::{AwsConfig, ExposeSecret, SecretString};
/// # #[derive(Debug)] struct AuthFailed;
/// # async fn connect(_user: &str, _password: &str) -> Result<(), AuthFailed> { Ok(()) }
///
/// #[derive(AwsConfig, Debug)]
/// #[aws_config(app = "api")]
/// pub struct Config {
///     #[secret(id = "{env}/db/postgres", key = "password")]
///     pub password: SecretString,
///     #[secret(id = "{env}/db/postgres", key = "password", stage = "AWSPREVIOUS")]
///     pub previous_password: Option<SecretString>,
/// }
///
/// # async fn run() -> Result<(), awsconf::Error> {
/// let live = Config::loader().env("production").watch(std::time::Duration::from_secs(300)).await?;
/// let config = live.get();
/// if connect("app", config.password.expose_secret()).await.is_err() {
///     // Mid-rotation: the previous password may still be the one the database has.
///     let fallback = config.previous_password.as_ref().map(|p| p.expose_secret().to_string());
///     let ok = match fallback {
///         Some(p) => connect("app", &p).await.is_ok(),
///         None => false,
///     };
///     if !ok {
///         // The password changed since the last refresh: fetch now, not in 5 minutes.
///         let _ = live.refresh_now().await;
///     }
/// }
/// # Ok(()) }
/// ```
///
///# Change events (cargo feature `events`)
///
/// Change-driven refresh (cargo feature `events`): AWS's change events reach a
/// [`Live`](crate::Live) through an SQS queue, so it refreshes when something it
/// reads changed instead of polling often.
///
/// `Loader::change_events` names the queue
/// (`Loader::change_topic` makes one per `Live`,
/// subscribed to a fleet's SNS topic). The
/// `Live` long-polls it (`ReceiveMessage`, up to 10 messages, 20 s waits) beside
/// its interval, which becomes a safety net. For each batch of messages:
///
/// - an event about a parameter the config declares, a name under one of its
///   map components' paths, or a secret it declares marks the config dirty;
///   events about anything else are dropped without a reload (no AWS read);
/// - a message that is not one of the event shapes below is dropped and logged
///   once at `warn`, without its body;
/// - every message is deleted (`DeleteMessageBatch`), then, if dirty, the
///   messages already waiting are drained (receives with no wait) and the
///   config is refreshed once, reading only what changed where the plan
///   allows: the `GetParameters` batches and map page chains that hold a
///   changed name (the other parameters keep the values of the last load), and
///   each secret described and read only if its version changed. A burst of
///   100 events causes a handful of refreshes, not 100, and as a refresh reads
///   the current state, duplicate and out-of-order events are harmless. A failed refresh keeps the last good config and is retried
///   for about a minute (1 s doubling), then left to the interval.
///
/// When the queue fails (access denied, a deleted queue, throttling), the
/// `Live` backs off (1 s doubling up to 60 s), shows the failure in
/// [`Live::last_error`](crate::Live::last_error) until a receive succeeds
/// again, keeps refreshing on its interval and keeps the current config.
///
/// # Accepted bodies
///
/// A body is an EventBridge event, as an EventBridge rule with an SQS target
/// delivers it, or as an SNS topic delivers it to a subscribed queue: with raw
/// message delivery on, the event itself; off, an SNS notification envelope
/// (`{"Type": "Notification", "Message": "<the event as a JSON string>", ...}`,
/// see <https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html>
/// and <https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-delivery.html>).
///
/// The events (EventBridge's envelope: `version`, `id`, `detail-type`,
/// `source`, `account`, `time`, `region`, `resources`, `detail`):
///
/// - Parameter Store: `source` `aws.ssm`, `detail-type` `Parameter Store
///   Change`, `detail` `{"name", "type", "operation"}` with operation `Create`,
///   `Update`, `Delete` or `LabelParameterVersion`
///   (<https://docs.aws.amazon.com/systems-manager/latest/userguide/monitoring-systems-manager-event-examples.html#SSM-Parameter-Store-event-types>);
/// - Secrets Manager, through CloudTrail
///   (<https://docs.aws.amazon.com/secretsmanager/latest/userguide/monitoring-eventbridge.html>,
///   <https://docs.aws.amazon.com/secretsmanager/latest/userguide/cloudtrail_log_entries.html>):
///   `detail-type` `AWS API Call via CloudTrail` with `detail.eventName`
///   `PutSecretValue`, `UpdateSecret` or `UpdateSecretVersionStage` and the
///   secret in `detail.requestParameters.secretId`; and `AWS Service Event via
///   CloudTrail` with `detail.eventName` `RotationSucceeded` and the secret in
///   `detail.additionalEventData.SecretId`. A secret id there is a name or an
///   ARN; either matches a declared name or ARN (an ARN by its name part,
///   without the 6-character suffix Secrets Manager adds);
/// - Parameter Store API calls through CloudTrail (`PutParameter`,
///   `DeleteParameter`, `LabelParameterVersion` with
///   `detail.requestParameters.name`), for accounts that route CloudTrail.
///
/// Any other well-formed EventBridge event is dropped without a reload.
pub struct Live<T> {
    handle: Arc<Handle<T>>,
}

impl<T> Clone for Live<T> {
    fn clone(&self) -> Self {
        Live {
            handle: Arc::clone(&self.handle),
        }
    }
}

impl<T> std::fmt::Debug for Live<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live")
            .field("every", &self.handle.shared.every)
            .field("age", &self.age())
            .field("failing", &self.last_error().is_some())
            .finish_non_exhaustive()
    }
}

/// Dropping the last handle drops `stop`, which ends the task.
struct Handle<T> {
    shared: Arc<Shared<T>>,
    /// Ends the refresh task when sent or dropped ([`Live::close`] takes it).
    stop: Mutex<Option<oneshot::Sender<()>>>,
    /// Ends the change-events task, if there is one, and the task.
    #[cfg(feature = "events")]
    events: Mutex<Option<(oneshot::Sender<()>, tokio::task::JoinHandle<()>)>>,
}

pub(crate) struct Shared<T> {
    session: Session<T>,
    every: Duration,
    current: ArcSwap<T>,
    tx: watch::Sender<Arc<T>>,
    status: Mutex<Status>,
    refresh: tokio::sync::Mutex<RefreshState>,
    /// How many refreshes have begun. A `refresh_now` call shares the result of
    /// a refresh only if that refresh began after the call: one that began
    /// before may have read a secret before it was rotated.
    started: AtomicU64,
    /// The secrets' next scheduled rotations (`NextRotationDate`), as the last
    /// successful refresh's `DescribeSecret` calls gave them; the refresh task
    /// re-plans its wait when they change.
    rotations: watch::Sender<BTreeSet<SystemTime>>,
}

struct Status {
    loaded_at: Instant,
    last_error: Option<Arc<Error>>,
    /// Why the change-events queue fails, until a receive succeeds again.
    queue_error: Option<Arc<Error>>,
    /// [`Live::close`] was called: no refresh changes the config any more (set
    /// and read under this lock, so a refresh in flight either stored its
    /// config before `close` returned or stores nothing).
    closed: bool,
}

struct RefreshState {
    fingerprint: u64,
    cache: SecretCache,
    /// The parameter values of the last good load, for event-driven refreshes.
    params: ParamCache,
    last: Result<(), Arc<Error>>,
    /// What the last refresh re-read: every parameter (`None`), or only the
    /// batches and maps holding these changed names.
    last_scope: Option<BTreeSet<String>>,
}

impl<T: AwsConfig + Send + Sync + 'static> Live<T> {
    pub(crate) async fn start(
        #[allow(unused_mut)] mut session: Session<T>,
        every: Duration,
    ) -> Result<Live<T>, Error> {
        #[cfg(feature = "events")]
        let queue = session.take_queue();
        let loaded = session.run_bounded(None, None).await?;
        let config = Arc::new(loaded.config);
        let (tx, _) = watch::channel(Arc::clone(&config));
        let shared = Arc::new(Shared {
            session,
            every,
            current: ArcSwap::new(config),
            tx,
            status: Mutex::new(Status {
                loaded_at: Instant::now(),
                last_error: None,
                queue_error: None,
                closed: false,
            }),
            refresh: tokio::sync::Mutex::new(RefreshState {
                fingerprint: loaded.fingerprint,
                cache: loaded.secrets,
                params: loaded.params,
                last: Ok(()),
                last_scope: None,
            }),
            started: AtomicU64::new(0),
            rotations: watch::Sender::new(BTreeSet::new()),
        });
        let (stop_tx, stop_rx) = oneshot::channel();
        tokio::spawn(refresh_task(Arc::clone(&shared), stop_rx));
        #[cfg(feature = "events")]
        let events = queue.map(|queue| {
            let (tx, rx) = oneshot::channel();
            let task = tokio::spawn(crate::events::run::<T, _>(Arc::clone(&shared), queue, rx));
            (tx, task)
        });
        Ok(Live {
            handle: Arc::new(Handle {
                shared,
                stop: Mutex::new(Some(stop_tx)),
                #[cfg(feature = "events")]
                events: Mutex::new(events),
            }),
        })
    }
}

impl<T> Live<T> {
    /// The latest complete, valid config. Lock-free; cheap enough to call per request.
    pub fn get(&self) -> Arc<T> {
        self.handle.shared.current.load_full()
    }

    /// A receiver that changes each time a refresh changed a value.
    pub fn subscribe(&self) -> watch::Receiver<Arc<T>> {
        self.handle.shared.tx.subscribe()
    }

    /// Why the last refresh failed, or `None` when it succeeded. The config
    /// [`get`](Live::get) returns is then the last good one, [`age`](Live::age) old.
    ///
    /// With change events (cargo feature `events`), a failing queue shows here
    /// too when the last refresh succeeded, until a receive succeeds again.
    pub fn last_error(&self) -> Option<Arc<Error>> {
        let status = self.status();
        status
            .last_error
            .clone()
            .or_else(|| status.queue_error.clone())
    }

    /// How long ago the config was last loaded or confirmed by a successful refresh.
    pub fn age(&self) -> Duration {
        self.status().loaded_at.elapsed()
    }

    /// Stops this `Live` for every handle, and returns once it has cleaned up:
    /// with `Loader::change_topic` (feature `events`), its queue is
    /// unsubscribed and deleted (2 calls) before this returns (a set-up call
    /// on its way is let finish first, at most 10 s). Handles that remain keep
    /// serving the config they had when this returned, and refresh no more: a
    /// refresh in flight stores nothing.
    ///
    /// Dropping the last handle stops it too, with the cleanup in the
    /// background (finished during the tokio runtime's shutdown if `main`
    /// returns first); `close` is the way to know it is done, and the one to
    /// use on a runtime that may be left without being shut down.
    pub async fn close(self) {
        self.status().closed = true;
        let stop = self
            .handle
            .stop
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(stop) = stop {
            let _ = stop.send(());
        }
        #[cfg(feature = "events")]
        {
            let events = self
                .handle
                .events
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some((stop, task)) = events {
                let _ = stop.send(());
                let _ = task.await;
            }
        }
    }

    fn status(&self) -> std::sync::MutexGuard<'_, Status> {
        self.handle
            .shared
            .status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T: AwsConfig + Send + Sync + 'static> Live<T> {
    /// Refreshes now — call it when the database rejects the password.
    ///
    /// The result always comes from a fetch that began after this call, so a
    /// secret rotated before the call is seen. Concurrent callers share such a
    /// fetch: a hundred calls while one refresh is in flight make one more
    /// fetch, not a hundred. On failure the last good config stays in place and
    /// the error is returned (and kept in [`last_error`](Live::last_error)).
    pub async fn refresh_now(&self) -> Result<(), Arc<Error>> {
        self.handle.shared.refresh_now().await
    }
}

#[cfg(feature = "events")]
impl<T: AwsConfig> Shared<T> {
    /// The env this `Live` loads.
    pub(crate) fn env(&self) -> &str {
        self.session.env()
    }

    /// The refresh interval.
    pub(crate) fn every(&self) -> Duration {
        self.every
    }

    /// Records (or clears) the change-events queue's failure.
    pub(crate) fn set_queue_error(&self, error: Option<Arc<Error>>) {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .queue_error = error;
    }

    /// The ids of the secrets the last refresh read (map entries' included),
    /// unless a refresh is running.
    pub(crate) fn secret_ids_read(&self) -> Option<Vec<String>> {
        let state = self.refresh.try_lock().ok()?;
        Some(state.cache.keys().map(|k| k.id.clone()).collect())
    }
}

#[cfg(feature = "events")]
impl<T: AwsConfig + Send + Sync + 'static> crate::events::Refreshes for Shared<T> {
    fn env(&self) -> &str {
        Shared::env(self)
    }
    fn every(&self) -> Duration {
        Shared::every(self)
    }
    fn set_queue_error(&self, error: Option<Arc<Error>>) {
        Shared::set_queue_error(self, error)
    }
    fn secret_ids_read(&self) -> Option<Vec<String>> {
        Shared::secret_ids_read(self)
    }
    fn refresh_changed(
        &self,
        changed: BTreeSet<String>,
    ) -> impl std::future::Future<Output = Result<(), Arc<Error>>> + Send {
        Shared::refresh_changed(self, changed)
    }
}

impl<T: AwsConfig + Send + Sync + 'static> Shared<T> {
    /// A full refresh: every parameter is read again, each secret described.
    pub(crate) async fn refresh_now(&self) -> Result<(), Arc<Error>> {
        self.refresh(None).await
    }

    /// A refresh just after a secret's scheduled rotation: each secret is
    /// described (and read if its version changed); no parameter is read again.
    async fn refresh_secrets(&self) -> Result<(), Arc<Error>> {
        self.refresh(Some(BTreeSet::new())).await
    }

    /// A refresh after change events about these parameter names: only the
    /// `GetParameters` batches and map page chains that hold one are read
    /// again; each secret is described, as in every refresh.
    #[cfg(feature = "events")]
    pub(crate) async fn refresh_changed(
        &self,
        changed: BTreeSet<String>,
    ) -> Result<(), Arc<Error>> {
        self.refresh(Some(changed)).await
    }

    fn is_closed(&self) -> bool {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .closed
    }

    async fn refresh(&self, scope: Option<BTreeSet<String>>) -> Result<(), Arc<Error>> {
        if self.is_closed() {
            return Ok(());
        }
        let begun_before_call = self.started.load(Ordering::Acquire);
        let mut state = self.refresh.lock().await;
        let covered = match (&state.last_scope, &scope) {
            (None, _) => true,
            (Some(last), Some(wanted)) => wanted.is_subset(last),
            (Some(_), None) => false,
        };
        if self.started.load(Ordering::Acquire) > begun_before_call && covered {
            // Refreshes run one at a time, so one that began after this call
            // has finished by now, and it read at least what this call needs:
            // its result answers this call too.
            return state.last.clone();
        }
        self.started.fetch_add(1, Ordering::AcqRel);
        let state = &mut *state;
        let reuse = scope.as_ref().map(|changed| Reuse {
            params: &state.params,
            changed,
        });
        // A panic in user code (a Deserialize impl, a default expression) is a
        // failed refresh, not the end of refreshing.
        let run = std::panic::AssertUnwindSafe(
            self.session.run_bounded(Some(&state.cache), reuse.as_ref()),
        );
        let outcome = futures_util::FutureExt::catch_unwind(run)
            .await
            .unwrap_or_else(|_| Err(panicked::<T>(self.session.env())));
        let result = match outcome {
            Ok(loaded) => {
                state.cache = loaded.secrets;
                state.params = loaded.params;
                let rotations: BTreeSet<SystemTime> = state
                    .cache
                    .values()
                    .filter_map(|v| v.next_rotation)
                    .collect();
                self.rotations.send_if_modified(|old| {
                    let changed = *old != rotations;
                    *old = rotations;
                    changed
                });
                let mut status = self.status.lock().unwrap_or_else(PoisonError::into_inner);
                if status.closed {
                    // Closed while this refresh ran: the handles keep the
                    // config they had when `close` returned.
                    return Ok(());
                }
                if loaded.fingerprint != state.fingerprint {
                    state.fingerprint = loaded.fingerprint;
                    let config = Arc::new(loaded.config);
                    self.current.store(Arc::clone(&config));
                    self.tx.send_replace(config);
                    tracing::info!(env = self.session.env(), "awsconf: config changed");
                }
                status.loaded_at = Instant::now();
                status.last_error = None;
                Ok(())
            }
            Err(err) => {
                tracing::warn!(
                    env = self.session.env(),
                    problems = %err,
                    "awsconf: refresh failed; keeping the last good config"
                );
                let err = Arc::new(err);
                self.status
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .last_error = Some(Arc::clone(&err));
                Err(err)
            }
        };
        state.last = result.clone();
        state.last_scope = scope;
        result
    }
}

/// The error of a refresh that panicked. The panic's message is not kept: it
/// may quote a value.
fn panicked<T: AwsConfig>(env: &str) -> Error {
    Error::new(
        T::schema().type_name,
        Some(env.to_string()),
        vec![crate::error::Problem::new(
            crate::error::ProblemKind::Panic,
            "the refresh panicked (in a Deserialize impl, a default expression or awsconf itself); \
             the last good config stays in place and refreshing goes on; the panic's message is not shown, as it may hold a value",
        )],
    )
}

async fn refresh_task<T: AwsConfig + Send + Sync + 'static>(
    shared: Arc<Shared<T>>,
    mut stop: oneshot::Receiver<()>,
) {
    let every = shared.every;
    let mut rotations = shared.rotations.subscribe();
    let mut backoff: Option<Duration> = None;
    // The next full refresh; `None`: too far away for an `Instant`.
    let mut due = Instant::now().checked_add(jittered(every));
    // The latest rotation date a refresh was made for: never again before it.
    let mut acted: Option<SystemTime> = None;
    loop {
        let until_due = due.map_or(Duration::MAX, |d| {
            d.saturating_duration_since(Instant::now())
        });
        // While failing, the backoff decides alone.
        let rotation = match backoff {
            Some(_) => None,
            None => next_rotation(
                rotations.borrow_and_update().iter().copied(),
                acted,
                SystemTime::now(),
                every,
                crate::fetch::pace::unit(),
            ),
        };
        let (wait, rotated) = match rotation {
            Some((wait, at)) if wait < until_due => (wait, Some(at)),
            _ => (until_due, None),
        };
        tokio::select! {
            _ = &mut stop => break,
            // A refresh (`refresh_now`, change events) learnt other dates.
            Ok(()) = rotations.changed() => continue,
            _ = tokio::time::sleep(wait) => {}
        }
        let result = match rotated {
            Some(at) => {
                acted = Some(at);
                shared.refresh_secrets().await
            }
            None => shared.refresh_now().await,
        };
        backoff = match result {
            Ok(()) => None,
            Err(_) => Some(next_backoff(backoff, every)),
        };
        match backoff {
            Some(b) => due = Instant::now().checked_add(b),
            // A refresh after a rotation read no parameter: the interval stands.
            None if rotated.is_none() => due = Instant::now().checked_add(jittered(every)),
            None => {}
        }
    }
    tracing::debug!(
        env = shared.session.env(),
        "awsconf: live config dropped; refresh task stopped"
    );
}

/// The most a refresh after a rotation is spread: each instance of a fleet
/// picks a random point in `0..min(ROTATION_SPREAD_MAX, every / 10)` after the
/// date, so the fleet does not describe and read its secrets in one burst.
const ROTATION_SPREAD_MAX: Duration = Duration::from_secs(60);

/// The window a refresh after a rotation is spread over.
fn rotation_spread(every: Duration) -> Duration {
    (every / 10).min(ROTATION_SPREAD_MAX)
}

/// The wait for a refresh just after the earliest scheduled rotation later
/// than both `now` and `acted` (the last date refreshed for), and that date:
/// until the date plus `unit` (0..=1) of [`rotation_spread`]. `None` when no
/// date qualifies: none known, all past, or all already refreshed for.
fn next_rotation(
    dates: impl IntoIterator<Item = SystemTime>,
    acted: Option<SystemTime>,
    now: SystemTime,
    every: Duration,
    unit: f64,
) -> Option<(Duration, SystemTime)> {
    let at = dates
        .into_iter()
        .filter(|d| *d > now && acted.is_none_or(|a| *d > a))
        .min()?;
    let until = at.duration_since(now).ok()?;
    // An odd unit (NaN, out of range) is no spread, never a panic.
    let spread = Duration::try_from_secs_f64(rotation_spread(every).as_secs_f64() * unit.min(1.0))
        .unwrap_or(Duration::ZERO);
    Some((until.saturating_add(spread), at))
}

/// 1 s, doubling, never more than the refresh interval.
fn next_backoff(previous: Option<Duration>, every: Duration) -> Duration {
    let next = match previous {
        None => Duration::from_secs(1),
        Some(b) => b.saturating_mul(2),
    };
    next.min(every)
}

/// `every` ± 10%; an interval too long to add 10% to stays as it is.
fn jittered(every: Duration) -> Duration {
    let unit = crate::fetch::pace::unit();
    Duration::try_from_secs_f64(every.as_secs_f64() * (0.9 + 0.2 * unit)).unwrap_or(every)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_one_second_up_to_the_interval() {
        let every = Duration::from_secs(10);
        let mut b = None;
        let mut seen = Vec::new();
        for _ in 0..6 {
            let next = next_backoff(b, every);
            seen.push(next.as_secs());
            b = Some(next);
        }
        assert_eq!(seen, vec![1, 2, 4, 8, 10, 10]);
        assert_eq!(
            next_backoff(None, Duration::from_millis(300)),
            Duration::from_millis(300)
        );
    }

    #[test]
    fn jitter_on_a_huge_interval_does_not_panic() {
        assert!(jittered(Duration::MAX) >= Duration::from_secs(u64::MAX / 2));
    }

    fn at(now: SystemTime, secs: u64) -> SystemTime {
        now + Duration::from_secs(secs)
    }

    #[test]
    fn a_rotation_date_is_waited_for_plus_a_spread_within_its_window() {
        let now = SystemTime::now();
        let hour = Duration::from_secs(3600);
        let date = at(now, 120);
        assert_eq!(
            next_rotation([date], None, now, hour, 0.0),
            Some((Duration::from_secs(120), date))
        );
        // An hour's interval: the window is the 60 s cap.
        assert_eq!(
            next_rotation([date], None, now, hour, 1.0),
            Some((Duration::from_secs(180), date))
        );
        // A 5 minute interval: 10% of it, 30 s.
        let five = Duration::from_secs(300);
        assert_eq!(
            next_rotation([date], None, now, five, 1.0),
            Some((Duration::from_secs(150), date))
        );
        for _ in 0..1000 {
            let (wait, _) =
                next_rotation([date], None, now, hour, crate::fetch::pace::unit()).expect("a wait");
            assert!(
                wait >= Duration::from_secs(120) && wait <= Duration::from_secs(180),
                "{wait:?}"
            );
        }
        // The earliest date ahead wins.
        assert_eq!(
            next_rotation([at(now, 500), date, at(now, 9000)], None, now, hour, 0.0),
            Some((Duration::from_secs(120), date))
        );
    }

    #[test]
    fn a_past_absent_or_already_refreshed_rotation_date_changes_nothing() {
        let now = SystemTime::now();
        let every = Duration::from_secs(300);
        assert_eq!(next_rotation([], None, now, every, 0.5), None);
        let past = now - Duration::from_secs(1);
        assert_eq!(next_rotation([past], None, now, every, 0.5), None);
        assert_eq!(next_rotation([now], None, now, every, 0.5), None);
        // A rotation not finished yet: DescribeSecret still gives the date the
        // last refresh was made for; the next one is the interval's.
        let date = at(now, 10);
        assert_eq!(next_rotation([date], Some(date), now, every, 0.5), None);
        // A later date after it is waited for.
        let later = at(now, 20);
        assert_eq!(
            next_rotation([date, later], Some(date), now, every, 0.0),
            Some((Duration::from_secs(20), later))
        );
        if let Some(before_epoch) = SystemTime::UNIX_EPOCH.checked_sub(Duration::from_secs(86_400))
        {
            assert_eq!(next_rotation([before_epoch], None, now, every, 0.5), None);
        }
    }

    #[test]
    fn a_far_future_rotation_date_or_a_huge_interval_does_not_panic() {
        let now = SystemTime::now();
        let far = [
            Duration::from_secs(u64::MAX / 4),
            Duration::from_secs(1 << 40),
        ]
        .into_iter()
        .find_map(|d| now.checked_add(d))
        .expect("a far date");
        let (wait, date) = next_rotation([far], None, now, Duration::MAX, 1.0).expect("a wait");
        assert_eq!(date, far);
        assert!(wait >= far.duration_since(now).expect("ahead"));
        assert_eq!(rotation_spread(Duration::MAX), ROTATION_SPREAD_MAX);
        assert_eq!(rotation_spread(Duration::ZERO), Duration::ZERO);
        // An odd unit is clamped, never a panic.
        assert!(
            next_rotation([at(now, 5)], None, now, Duration::from_secs(60), f64::NAN).is_some()
        );
        assert!(next_rotation([at(now, 5)], None, now, Duration::from_secs(60), -3.0).is_some());
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        let every = Duration::from_secs(100);
        for _ in 0..1000 {
            let j = jittered(every);
            assert!(
                j >= Duration::from_secs(90) && j <= Duration::from_secs(110),
                "{j:?}"
            );
        }
    }
}
