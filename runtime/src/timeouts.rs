//! Retries and deadlines of the AWS clients a load builds.
//!
//! The caller's `SdkConfig` wins wherever it says something. Where it is silent,
//! awsconf fills in:
//!
//! - **retries**: the SDK's standard mode, 3 attempts with jittered exponential
//!   backoff (1 s base, 20 s cap), for every error but throttling. Throttling
//!   is retried by awsconf, whatever the `SdkConfig` says: paced, with
//!   full-jitter backoff, until 90% of the load's `.timeout(..)` has passed (see
//!   [`Loader::pacing`](crate::Loader::pacing));
//! - **connect timeout**: [`DEFAULT_CONNECT_TIMEOUT`], 3.1 s (the SDK's own
//!   "standard" defaults mode);
//! - **per-attempt timeout**: a quarter of the load's `.timeout(..)`, kept within
//!   [`MIN_ATTEMPT_TIMEOUT`]..=[`MAX_ATTEMPT_TIMEOUT`] (10 s for the default
//!   2 min load), so an attempt that hangs is abandoned and retried, and a call
//!   whose three attempts all hang is reported, naming its API and names, long
//!   before the load's own deadline (3 x 10 s plus at most 3 s of backoff).
//!
//! A timeout the `SdkConfig` disables explicitly stays disabled. The load's
//! `.timeout(..)` bounds everything in any case.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::SdkConfig;
use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority, RetryReason,
};
use aws_smithy_types::retry::ErrorKind;

/// The default bound on a whole load: 2 minutes, room for a fleet of 200
/// processes of 100 parameters each starting at once under Parameter Store's
/// default 40 calls per second (49 s at the least). A hung call is reported
/// sooner, by its per-attempt timeouts (below).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// The longest `.timeout(..)` a load keeps: one day. A longer one (even
/// `Duration::MAX`) is clamped to it.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 3600);
/// The longest `.start_jitter(..)` a load keeps: 5 minutes. A longer one is
/// clamped to it.
pub const MAX_START_JITTER: Duration = Duration::from_secs(300);
/// The connect timeout set on the clients when the `SdkConfig` leaves it unset.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);
/// The shortest per-attempt timeout awsconf sets (for loads with a short `.timeout(..)`).
pub const MIN_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(1);
/// The longest per-attempt timeout awsconf sets (for loads with a long `.timeout(..)`).
pub const MAX_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// The per-attempt timeout for a load bounded by `load_timeout`, when the
/// `SdkConfig` leaves it unset.
pub fn default_attempt_timeout(load_timeout: Duration) -> Duration {
    (load_timeout / 4).clamp(MIN_ATTEMPT_TIMEOUT, MAX_ATTEMPT_TIMEOUT)
}

/// The instant `after` from now, or as far as an `Instant` reaches (about
/// a century on) when that overflows: never a panic.
pub(crate) fn deadline(after: Duration) -> std::time::Instant {
    let now = std::time::Instant::now();
    now.checked_add(after)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(now)
}

/// The caller's timeouts, with every unset one filled in.
pub(crate) fn client_timeouts(
    user: Option<&TimeoutConfig>,
    load_timeout: Duration,
) -> TimeoutConfig {
    let defaults = TimeoutConfig::builder()
        .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
        .operation_attempt_timeout(default_attempt_timeout(load_timeout))
        .build();
    let mut merged = user
        .cloned()
        .unwrap_or_else(|| TimeoutConfig::builder().build());
    merged.take_defaults_from(&defaults);
    merged
}

/// The caller's retry settings, or the SDK's standard mode (3 attempts).
pub(crate) fn client_retries(user: Option<&RetryConfig>) -> RetryConfig {
    user.cloned().unwrap_or_else(RetryConfig::standard)
}

/// The Parameter Store client of a load.
#[cfg(feature = "ssm")]
pub(crate) fn ssm_client(sdk_config: &SdkConfig, load_timeout: Duration) -> aws_sdk_ssm::Client {
    let config = aws_sdk_ssm::config::Builder::from(sdk_config)
        .timeout_config(client_timeouts(sdk_config.timeout_config(), load_timeout))
        .retry_config(client_retries(sdk_config.retry_config()))
        .retry_classifier(ThrottlingRetriedByAwsconf)
        .build();
    aws_sdk_ssm::Client::from_conf(config)
}

/// The Secrets Manager client of a load.
#[cfg(feature = "secretsmanager")]
pub(crate) fn secrets_client(
    sdk_config: &SdkConfig,
    load_timeout: Duration,
) -> aws_sdk_secretsmanager::Client {
    let config = aws_sdk_secretsmanager::config::Builder::from(sdk_config)
        .timeout_config(client_timeouts(sdk_config.timeout_config(), load_timeout))
        .retry_config(client_retries(sdk_config.retry_config()))
        .retry_classifier(ThrottlingRetriedByAwsconf)
        .build();
    aws_sdk_secretsmanager::Client::from_conf(config)
}

/// Tells the SDK not to retry a throttling error itself: awsconf re-issues it,
/// paced, until the load's deadline. Runs after the SDK's own classifiers and
/// forbids only what they classified as throttling.
#[derive(Debug)]
pub(crate) struct ThrottlingRetriedByAwsconf;

impl ClassifyRetry for ThrottlingRetriedByAwsconf {
    fn classify_retry(&self, _ctx: &InterceptorContext) -> RetryAction {
        RetryAction::NoActionIndicated
    }

    fn classify_retry_v2(&self, _ctx: &InterceptorContext, previous: &RetryAction) -> RetryAction {
        match previous {
            RetryAction::RetryIndicated(RetryReason::RetryableError {
                kind: ErrorKind::ThrottlingError,
                ..
            }) => RetryAction::RetryForbidden,
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "awsconf: throttling is retried by awsconf"
    }

    fn priority(&self) -> RetryClassifierPriority {
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_timeouts_get_a_connect_and_a_per_attempt_bound() {
        let t = client_timeouts(None, Duration::from_secs(30));
        assert_eq!(t.connect_timeout(), Some(Duration::from_millis(3100)));
        assert_eq!(
            t.operation_attempt_timeout(),
            Some(Duration::from_millis(7500))
        );
        assert_eq!(t.operation_timeout(), None);
        assert_eq!(t.read_timeout(), None);
    }

    #[test]
    fn the_attempt_timeout_is_a_quarter_of_the_load_within_bounds() {
        assert_eq!(
            default_attempt_timeout(Duration::from_secs(2)),
            Duration::from_secs(1)
        );
        assert_eq!(
            default_attempt_timeout(Duration::from_secs(8)),
            Duration::from_secs(2)
        );
        assert_eq!(
            default_attempt_timeout(Duration::from_secs(600)),
            Duration::from_secs(10)
        );
    }

    #[test]
    fn the_callers_timeouts_win_and_disabled_stays_disabled() {
        let user = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(1))
            .disable_operation_attempt_timeout()
            .build();
        let t = client_timeouts(Some(&user), Duration::from_secs(30));
        assert_eq!(t.connect_timeout(), Some(Duration::from_secs(1)));
        assert_eq!(t.operation_attempt_timeout(), None);

        let user = TimeoutConfig::builder()
            .operation_attempt_timeout(Duration::from_secs(20))
            .build();
        let t = client_timeouts(Some(&user), Duration::from_secs(30));
        assert_eq!(t.connect_timeout(), Some(Duration::from_millis(3100)));
        assert_eq!(t.operation_attempt_timeout(), Some(Duration::from_secs(20)));
    }

    #[test]
    fn a_deadline_never_overflows() {
        let now = std::time::Instant::now();
        assert!(deadline(Duration::MAX) > now + Duration::from_secs(86_400));
        assert!(deadline(Duration::ZERO) >= now);
    }

    #[test]
    fn retries_default_to_the_sdks_standard_three_attempts() {
        let r = client_retries(None);
        assert_eq!(r.max_attempts(), 3);
        assert_eq!(r.mode(), aws_config::retry::RetryMode::Standard);
        let user = RetryConfig::standard().with_max_attempts(7);
        assert_eq!(client_retries(Some(&user)).max_attempts(), 7);
    }
}
