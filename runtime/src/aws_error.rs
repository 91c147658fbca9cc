//! AWS errors in plain words: an SDK error becomes a [`Problem`] that names the
//! call, the IAM action and resource it needs, and what to do. Used by the load
//! (`fetch`), `push` and `check` alike.

use std::error::Error as StdError;
use std::fmt::Debug;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::error::{Problem, ProblemKind};
use crate::location::Location;

/// A call, for error messages: the IAM action and the resource it needs.
pub(crate) struct Call<'a> {
    pub action: &'a str,
    pub resource: String,
    /// What the call read, e.g. `/production/api/database/{host,port}`.
    pub what: Option<Location>,
    pub fields: String,
}

/// Turns an SDK error into a problem in plain words, keeping the error as source.
pub(crate) fn classify<E, R>(err: SdkError<E, R>, call: &Call<'_>) -> Problem
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    R: Debug + Send + Sync + 'static,
{
    let (kind, message) = describe(&err, call);
    let mut p = Problem::new(kind, message);
    if let Some(what) = &call.what {
        p = p.at(what.clone());
    }
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
        code if is_throttling_code(code) => {
            let hint = if call.action.starts_with("ssm:") {
                format!(
                    "Parameter Store allows {} calls per second per account and region by default, shared by every process; raise .timeout(..), spread the starts with .start_jitter(..), or raise the account's Parameter Store throughput",
                    crate::quota::PARAMETER_STORE_GET_TPS
                )
            } else {
                "Secrets Manager's quotas are per account and region, shared by every process; raise .timeout(..) or spread the starts with .start_jitter(..)".to_string()
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

/// The error codes AWS throttles with: every code the AWS SDK's own retry
/// classifier counts as throttling (`aws_runtime::retries::classifiers::THROTTLING_ERRORS`),
/// so none of them is left unretried (the SDK is told not to retry throttling;
/// awsconf re-issues these, paced).
pub(crate) const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Whether AWS throttled with this error code.
pub(crate) fn is_throttling_code(code: &str) -> bool {
    THROTTLING_CODES.contains(&code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_is_read_from_an_arn_in_the_message() {
        let msg = "User: arn:aws:sts::123456789012:assumed-role/x/y is not authorized";
        assert_eq!(account_in(msg).as_deref(), Some("123456789012"));
        assert_eq!(account_in("denied"), None);
    }

    #[test]
    fn every_code_the_sdk_throttles_with_is_throttling_here() {
        for code in aws_runtime::retries::classifiers::THROTTLING_ERRORS {
            assert!(is_throttling_code(code), "{code}");
        }
        assert_eq!(
            THROTTLING_CODES.len(),
            aws_runtime::retries::classifiers::THROTTLING_ERRORS.len()
        );
        assert!(!is_throttling_code("AccessDeniedException"));
    }

    #[test]
    fn service_codes_map_to_problem_kinds() {
        let call = Call {
            action: "ssm:GetParameters",
            resource: "arn:aws:ssm:us-east-1:{account}:parameter/p/*".into(),
            what: None,
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
