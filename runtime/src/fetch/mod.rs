//! Fetching from AWS: every independent call at once, under a cap per service, each failure
//! turned into a problem in plain words.

pub(crate) mod pace;
pub(crate) mod secrets;
pub(crate) mod ssm;

/// The problem for a field whose service was compiled out.
#[cfg(any(not(feature = "ssm"), not(feature = "secretsmanager")))]
pub(crate) fn disabled(feature: &str, what: &str) -> Problem {
    Problem::new(
        ProblemKind::Disabled,
        format!("awsconf was built without its `{feature}` feature, so {what} cannot be read; enable the feature or supply the value from a local layer with .offline()"),
    )
}

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::error::Error as StdError;
use std::fmt::Debug;
use std::sync::Arc;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use tokio::sync::Semaphore;

use crate::error::{Problem, ProblemKind};
use crate::plan::{self, MapTarget, SecretRef, Targets};

/// One Parameter Store value as read.
#[derive(Clone)]
pub(crate) struct ParamValue {
    pub value: String,
    pub secure: bool,
    pub version: i64,
}

/// One Secrets Manager value as read. Never printed.
pub(crate) enum SecretPayload {
    Text(secrecy::SecretString),
    Binary(secrecy::SecretBox<Vec<u8>>),
}

/// A secret as read.
pub(crate) struct SecretValue {
    pub payload: SecretPayload,
    pub version_id: Option<String>,
}

/// Secret values by what was asked for, kept by a `Live` between refreshes so an
/// unchanged secret is not fetched again.
pub(crate) type SecretCache = BTreeMap<SecretRef, Arc<SecretValue>>;

/// What the fetch produced.
#[derive(Default)]
pub(crate) struct Fetched {
    /// Parameter values by requested name (SSM name plus selector).
    pub params: BTreeMap<String, ParamValue>,
    /// Names read under map prefixes.
    pub by_path_names: BTreeSet<String>,
    pub secrets: SecretCache,
    /// Secrets that do not exist (or lack the stage): why, for the "missing" message.
    pub absent_secrets: BTreeMap<SecretRef, String>,
    pub problems: Vec<Problem>,
    /// SSM names and secret ids whose call failed.
    pub failed: HashSet<String>,
}

/// The clients and settings of one load.
#[derive(Clone)]
pub(crate) struct Fetcher {
    #[cfg(feature = "ssm")]
    pub ssm: aws_sdk_ssm::Client,
    #[cfg(feature = "secretsmanager")]
    pub secrets: aws_sdk_secretsmanager::Client,
    pub region: String,
    /// Calls in flight to Parameter Store, at most the loader's `concurrency`.
    #[cfg(feature = "ssm")]
    pub ssm_permits: Arc<Semaphore>,
    /// Calls in flight to Secrets Manager, at most the loader's `concurrency`:
    /// each service throttles on its own, so one service's calls never wait for
    /// the other's.
    #[cfg(feature = "secretsmanager")]
    pub secrets_permits: Arc<Semaphore>,
    /// Pacing of Parameter Store calls, shared by every fetch of a load or `Live`.
    #[cfg(feature = "ssm")]
    pub ssm_pacer: Arc<pace::Pacer>,
    /// Pacing of Secrets Manager's `GetSecretValue` and `DescribeSecret` calls.
    #[cfg(feature = "secretsmanager")]
    pub secrets_pacer: Arc<pace::Pacer>,
    /// Pacing of `BatchGetSecretValue` calls, which have a quota of their own.
    #[cfg(feature = "secretsmanager")]
    pub batch_pacer: Arc<pace::Pacer>,
    /// How secrets are read.
    pub secret_reads: pace::SecretReads,
    /// Set when AWS throttled a `BatchGetSecretValue` under `SecretReads::Auto`:
    /// later reads use `GetSecretValue`.
    pub batch_throttled: Arc<std::sync::atomic::AtomicBool>,
    pub max_pages: usize,
    /// The load's `.timeout(..)`.
    pub timeout: std::time::Duration,
    /// Throttled calls are re-issued until then; set by each fetch.
    pub retry_until: Option<std::time::Instant>,
    /// The `SdkConfig` the clients were built from (for the change-events queue).
    #[cfg(feature = "events")]
    pub sdk_config: aws_config::SdkConfig,
}

impl Fetcher {
    /// Phase one reads named parameters, map prefixes and static secrets at once;
    /// phase two reads the secrets of map entries, known only after phase one.
    pub async fn fetch(&self, targets: &mut Targets, cache: Option<&SecretCache>) -> Fetched {
        let retry_until = std::time::Instant::now() + self.timeout.mul_f64(pace::RETRY_SHARE);
        let this = Fetcher {
            retry_until: Some(retry_until),
            ..self.clone()
        };
        this.fetch_within(targets, cache).await
    }

    async fn fetch_within(&self, targets: &mut Targets, cache: Option<&SecretCache>) -> Fetched {
        let mut out = Fetched::default();
        let batches = plan::parameter_batches(&targets.params);
        let (secret_batches, pinned) = plan::secret_batches(&targets.secrets);

        let params =
            futures_util::future::join_all(batches.into_iter().map(|b| self.get_parameters(b)));
        let maps = futures_util::future::join_all(targets.maps.iter().map(|m| self.by_path(m)));
        let secrets = self.secrets(secret_batches, pinned, cache);
        let (params, maps, secrets) = tokio::join!(params, maps, secrets);

        for result in params {
            out.merge_params(result);
        }
        for (map, result) in targets.maps.iter().zip(maps) {
            match result {
                Ok(values) => {
                    out.by_path_names.extend(values.keys().cloned());
                    out.params.extend(values);
                }
                Err(problem) => {
                    out.failed.insert(map.prefix.clone());
                    out.problems.push(problem);
                }
            }
        }
        out.merge_secrets(secrets);

        // Map entries: their parameters are already read; walk them for secrets.
        let mut entries = Targets::default();
        for map in &targets.maps {
            entry_targets(map, &out.by_path_names, &mut entries);
        }
        let (refused, ids) = crate::limits::refuse_secrets(&mut entries.secrets);
        out.problems.extend(refused);
        out.failed.extend(ids);
        if !entries.secrets.is_empty() {
            let (secret_batches, pinned) = plan::secret_batches(&entries.secrets);
            let secrets = self.secrets(secret_batches, pinned, cache).await;
            out.merge_secrets(secrets);
        }
        targets.params.extend(entries.params);
        targets.secrets.extend(entries.secrets);
        out
    }
}

/// Walks the entries of one map component, read under its prefix.
fn entry_targets(map: &MapTarget, names: &BTreeSet<String>, out: &mut Targets) {
    let crate::schema::Kind::Map(element) = &map.field.kind else {
        return;
    };
    for key in plan::map_keys(&map.prefix, names) {
        plan::walk(
            element(),
            &map.scope.entry(map.field, &key),
            Some(names),
            out,
        );
    }
}

impl Fetched {
    fn merge_params(&mut self, result: ssm::BatchResult) {
        match result.outcome {
            Ok(values) => self.params.extend(values),
            Err(problem) => {
                self.failed
                    .extend(result.names.into_iter().map(|n| strip_selector(&n)));
                self.problems.push(problem);
            }
        }
    }

    fn merge_secrets(&mut self, result: secrets::SecretsResult) {
        self.secrets.extend(result.values);
        self.absent_secrets.extend(result.absent);
        self.failed.extend(result.failed);
        self.problems.extend(result.problems);
    }
}

/// Runs one AWS call in a `tracing` span (`awsconf.call`, with the API and the
/// names or ids asked for) and logs its duration and outcome at DEBUG. Never a
/// value: the response is not looked at here.
pub(crate) async fn traced<T, E>(
    api: &'static str,
    target: &str,
    call: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, E> {
    use tracing::Instrument;
    let span = tracing::debug_span!("awsconf.call", api, target);
    let started = std::time::Instant::now();
    let result = call.instrument(span.clone()).await;
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        tracing::debug!(
            api,
            target,
            ok = result.is_ok(),
            duration_ms,
            "awsconf: AWS call"
        )
    });
    result
}

/// `/a/b:3` -> `/a/b`.
pub(crate) fn strip_selector(request: &str) -> String {
    match request.rfind(':') {
        Some(i) if request[..i].rfind('/').is_some() => request[..i].to_string(),
        _ => request.to_string(),
    }
}

/// A call, for error messages: the IAM action and the resource it needs.
pub(crate) struct Call<'a> {
    pub action: &'a str,
    pub resource: String,
    /// What the call read, e.g. `parameters /production/api/database/{host,port}`.
    pub what: String,
    pub fields: String,
}

/// Turns an SDK error into a problem in plain words, keeping the error as source.
pub(crate) fn classify<E, R>(err: SdkError<E, R>, call: &Call<'_>) -> Problem
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    R: Debug + Send + Sync + 'static,
{
    let (kind, message) = describe(&err, call);
    let mut p = Problem::new(kind, message).location(call.what.clone());
    if !call.fields.is_empty() {
        p = p.field(call.fields.clone());
    }
    // A response that is not an AWS answer may carry anything in its raw body (a
    // secret, even): keep only its description.
    let opaque = match &err {
        SdkError::ResponseError(_) => true,
        SdkError::ServiceError(_) => err.code().is_none(),
        _ => false,
    };
    if opaque {
        p
    } else {
        p.source(err)
    }
}

/// The HTTP status of the response behind an SDK error, if there was one.
fn http_status<E, R: 'static>(err: &SdkError<E, R>) -> Option<u16> {
    let raw: &dyn std::any::Any = err.raw_response()?;
    raw.downcast_ref::<aws_smithy_runtime_api::client::orchestrator::HttpResponse>()
        .map(|r| r.status().as_u16())
}

/// The innermost error's text: `Connection refused (os error 111)`, not the SDK's
/// whole chain and its `Debug` dump.
fn root_cause(err: &(dyn StdError + 'static)) -> String {
    let mut e = err;
    while let Some(inner) = e.source() {
        e = inner;
    }
    e.to_string()
}

fn not_an_aws_answer(call: &Call<'_>, status: Option<u16>) -> (ProblemKind, String) {
    let status = status.map(|s| format!("HTTP {s}, ")).unwrap_or_default();
    (
        ProblemKind::Aws,
        format!(
            "{} got a response that is not an AWS answer ({status}an HTML error page or a truncated body); the endpoint or a proxy in between is failing",
            call.action
        ),
    )
}

fn describe<E, R>(err: &SdkError<E, R>, call: &Call<'_>) -> (ProblemKind, String)
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    R: Debug + 'static,
{
    match err {
        SdkError::ServiceError(_) => {
            let status = http_status(err);
            let Some(code) = err.code() else {
                return not_an_aws_answer(call, status);
            };
            let msg = err.message().unwrap_or("");
            match (service_problem(code, msg, call), status) {
                ((ProblemKind::Aws, _), Some(status)) if status >= 500 => (
                    ProblemKind::Aws,
                    format!(
                        "{} failed with HTTP {status} past the SDK's retries ({code}: {msg}); AWS or the endpoint is failing, try again later",
                        call.action
                    ),
                ),
                (problem, _) => problem,
            }
        }
        SdkError::TimeoutError(_) => (
            ProblemKind::Timeout,
            format!(
                "{} timed out (no answer within the per-attempt timeout)",
                call.action
            ),
        ),
        SdkError::DispatchFailure(d) => {
            let text = DisplayErrorContext(err).to_string();
            if d.is_timeout() {
                (
                    ProblemKind::Timeout,
                    format!("{} timed out: {}", call.action, root_cause(err)),
                )
            } else if text.contains("credentials") || text.contains("Credentials") {
                (
                    ProblemKind::NoCredentials,
                    format!(
                        "{} was not sent: {}",
                        call.action,
                        crate::identity::why_no_credentials(err)
                    ),
                )
            } else if d.is_io() {
                (
                    ProblemKind::Unreachable,
                    format!(
                        "could not reach the AWS endpoint for {}: {}",
                        call.action,
                        root_cause(err)
                    ),
                )
            } else {
                (
                    ProblemKind::Aws,
                    format!("{} could not be sent: {text}", call.action),
                )
            }
        }
        SdkError::ResponseError(_) => not_an_aws_answer(call, http_status(err)),
        SdkError::ConstructionFailure(_) => {
            let text = DisplayErrorContext(err).to_string();
            if text.contains("region") {
                (
                    ProblemKind::NoRegion,
                    format!("no AWS region is configured: {text}"),
                )
            } else {
                (
                    ProblemKind::Aws,
                    format!("{} could not be built: {text}", call.action),
                )
            }
        }
        _ => (ProblemKind::Aws, DisplayErrorContext(err).to_string()),
    }
}

/// A service error code and message, in plain words.
pub(crate) fn service_problem(code: &str, msg: &str, call: &Call<'_>) -> (ProblemKind, String) {
    let is_kms = code.contains("KMS")
        || code == "InvalidKeyId"
        || code == "DecryptionFailure"
        || code == "DecryptionFailureException"
        || msg.contains("kms:")
        || msg.contains("KMS");
    if is_kms {
        return (
            ProblemKind::Kms,
            format!(
                "KMS could not decrypt ({code}: {msg}); check that the KMS key exists and is enabled, and that the role has kms:Decrypt on it"
            ),
        );
    }
    match code {
        "AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation" | "NotAuthorized" => {
            let account = account_in(msg).unwrap_or_else(|| "*".to_string());
            let resource = call.resource.replace("{account}", &account);
            (
                ProblemKind::AccessDenied,
                format!("access denied: needs {} on {resource}", call.action),
            )
        }
        "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "ExpiredTokenException"
        | "InvalidClientTokenId" => (
            ProblemKind::NoCredentials,
            format!("AWS rejected the credentials ({code}: {msg})"),
        ),
        code if pace::is_throttling_code(code) => {
            let hint = if call.action.starts_with("ssm:") {
                "Parameter Store allows 40 calls per second per account and region by default, shared by every process; raise .timeout(..), spread the starts with .start_jitter(..), or raise the account's Parameter Store throughput"
            } else {
                "Secrets Manager's quotas are per account and region, shared by every process; raise .timeout(..) or spread the starts with .start_jitter(..)"
            };
            (
                ProblemKind::Throttled,
                format!(
                    "{} was still throttled by AWS when the load's deadline came near ({code}); {hint}",
                    call.action
                ),
            )
        }
        _ => (ProblemKind::Aws, format!("AWS answered {code}: {msg}")),
    }
}

/// The 12-digit account id in an AWS error message's ARN, if any.
fn account_in(msg: &str) -> Option<String> {
    msg.split("arn:")
        .skip(1)
        .filter_map(|rest| rest.split(':').nth(3))
        .find(|acct| acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string)
}

/// `{a,b}` style summary of names under their common prefix, for messages.
pub(crate) fn summarize(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        _ => {
            let first = &names[0];
            let mut prefix_len = first.rfind('/').map(|i| i + 1).unwrap_or(0);
            for n in names {
                while prefix_len > 0 && !n.starts_with(&first[..prefix_len]) {
                    prefix_len = first[..prefix_len - 1]
                        .rfind('/')
                        .map(|i| i + 1)
                        .unwrap_or(0);
                }
            }
            let rest: Vec<&str> = names.iter().map(|n| &n[prefix_len..]).collect();
            format!("{}{{{}}}", &first[..prefix_len], rest.join(","))
        }
    }
}

/// Dotted field paths under their common prefix: `database.{host,port}`.
pub(crate) fn summarize_fields(fields: &[String]) -> String {
    let slashed: Vec<String> = fields.iter().map(|f| f.replace('.', "/")).collect();
    summarize(&slashed).replace('/', ".")
}

/// The longest common `/`-prefix of SSM names, for a wildcard resource.
pub(crate) fn common_prefix(names: &[String]) -> String {
    let Some(first) = names.first() else {
        return String::new();
    };
    if names.len() == 1 {
        return first.clone();
    }
    let mut prefix: &str = first;
    for n in names {
        while !n.starts_with(prefix) {
            // Drop a whole character: slicing a byte off could split one.
            let mut chars = prefix.chars();
            chars.next_back();
            prefix = chars.as_str();
        }
    }
    format!("{prefix}*")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarize_groups_names_under_their_common_prefix() {
        let names = vec!["/p/api/db/host".to_string(), "/p/api/db/port".to_string()];
        assert_eq!(summarize(&names), "/p/api/db/{host,port}");
        let names = vec![
            "/p/api/db/host".to_string(),
            "/p/api/redis/port".to_string(),
        ];
        assert_eq!(summarize(&names), "/p/api/{db/host,redis/port}");
        assert_eq!(summarize(&["/p/a".to_string()]), "/p/a");
        assert_eq!(
            summarize_fields(&["db.host".into(), "db.port".into()]),
            "db.{host,port}"
        );
    }

    #[test]
    fn common_prefix_becomes_a_wildcard_resource() {
        let names = vec!["/p/api/db/host".to_string(), "/p/api/db/port".to_string()];
        assert_eq!(common_prefix(&names), "/p/api/db/*");
        assert_eq!(common_prefix(&["/p/x".to_string()]), "/p/x");
    }

    #[test]
    fn selectors_are_stripped_but_colons_in_names_are_not_selectors_before_a_slash() {
        assert_eq!(strip_selector("/p/api/port:3"), "/p/api/port");
        assert_eq!(strip_selector("/p/api/port:stable"), "/p/api/port");
        assert_eq!(strip_selector("/p/api/port"), "/p/api/port");
    }

    #[test]
    fn account_is_read_from_an_arn_in_the_message() {
        let msg = "User: arn:aws:sts::123456789012:assumed-role/x/y is not authorized";
        assert_eq!(account_in(msg).as_deref(), Some("123456789012"));
        assert_eq!(account_in("denied"), None);
    }

    #[test]
    fn service_codes_map_to_problem_kinds() {
        let call = Call {
            action: "ssm:GetParameters",
            resource: "arn:aws:ssm:us-east-1:{account}:parameter/p/*".into(),
            what: String::new(),
            fields: String::new(),
        };
        let (kind, msg) = service_problem("AccessDeniedException", "no", &call);
        assert_eq!(kind, ProblemKind::AccessDenied);
        assert_eq!(
            msg,
            "access denied: needs ssm:GetParameters on arn:aws:ssm:us-east-1:*:parameter/p/*"
        );
        assert_eq!(
            service_problem("ThrottlingException", "", &call).0,
            ProblemKind::Throttled
        );
        assert_eq!(
            service_problem("InvalidKeyId", "", &call).0,
            ProblemKind::Kms
        );
        assert_eq!(
            service_problem("Weird", "x", &call).1,
            "AWS answered Weird: x"
        );
    }
}
