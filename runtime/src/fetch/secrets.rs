//! Secrets Manager calls: `BatchGetSecretValue` in batches of at most 20 ids, and
//! `GetSecretValue` for secrets pinned to a stage or version.

use std::collections::{BTreeMap, BTreeSet};

#[cfg(feature = "secretsmanager")]
use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
#[cfg(feature = "secretsmanager")]
use secrecy::{SecretBox, SecretString};

use std::sync::Arc;

#[cfg(feature = "secretsmanager")]
use std::sync::atomic::Ordering;
#[cfg(feature = "secretsmanager")]
use std::time::SystemTime;

#[cfg(feature = "secretsmanager")]
use super::pace::{is_throttling, SecretReads};
use super::{Fetcher, SecretCache, SecretPayload, SecretValue};
use crate::aws_error::{classify, service_problem, Call};
use crate::error::{Problem, ProblemKind};
use crate::location::Location;
use crate::plan::{SecretRef, BATCH_SECRETS_MAX};

/// What the secret calls produced.
#[derive(Default)]
pub(crate) struct SecretsResult {
    pub values: SecretCache,
    pub absent: BTreeMap<SecretRef, String>,
    pub failed: Vec<String>,
    pub problems: Vec<Problem>,
}

impl SecretsResult {
    fn merge(&mut self, other: SecretsResult) {
        self.values.extend(other.values);
        self.absent.extend(other.absent);
        self.failed.extend(other.failed);
        self.problems.extend(other.problems);
    }

    fn fail(&mut self, id: &str, problem: Problem) {
        self.failed.push(id.to_string());
        self.problems.push(problem);
    }
}

#[cfg(feature = "secretsmanager")]
fn plain(id: &str) -> SecretRef {
    SecretRef {
        id: id.to_string(),
        stage: None,
        version_id: None,
    }
}

#[cfg(feature = "secretsmanager")]
fn payload(
    text: Option<&str>,
    binary: Option<&aws_sdk_secretsmanager::primitives::Blob>,
) -> Option<Arc<SecretPayload>> {
    let payload = match (text, binary) {
        (Some(t), _) => SecretPayload::Text(SecretString::from(t.to_string())),
        (None, Some(b)) => SecretPayload::Binary(SecretBox::new(Box::new(b.as_ref().to_vec()))),
        (None, None) => return None,
    };
    Some(Arc::new(payload))
}

#[cfg(feature = "secretsmanager")]
fn no_value(id: &str) -> Problem {
    Problem::new(
        ProblemKind::Unavailable,
        "the secret has no value (neither SecretString nor SecretBinary); put one with PutSecretValue",
    )
    .at(Location::secret(id))
}

#[cfg(feature = "secretsmanager")]
/// A batch-level error that concerns one secret rather than the call.
fn per_secret_error<E: ProvideErrorMetadata, R>(
    err: &aws_sdk_secretsmanager::error::SdkError<E, R>,
) -> bool {
    err.as_service_error().is_some()
        && matches!(
            err.code(),
            Some("ResourceNotFoundException" | "InvalidRequestException" | "DecryptionFailure")
        )
}

#[cfg(feature = "secretsmanager")]
/// Why a `ResourceNotFoundException` means the value is absent.
fn not_found_reason(message: &str, stage: Option<&str>, version_id: Option<&str>) -> String {
    let about_stage = message.contains("staging label")
        || message.contains("VersionStage")
        || message.contains("VersionId");
    match (stage, version_id) {
        (Some(stage), _) if about_stage => format!(
            "the secret has no version in stage {stage} (AWSPREVIOUS exists only after a rotation or PutSecretValue)"
        ),
        (Some(stage), _) => format!(
            "the secret has no version in stage {stage}, or does not exist (AWSPREVIOUS exists only after a rotation or PutSecretValue)"
        ),
        (None, Some(version)) => format!("the secret has no version {version}, or does not exist"),
        (None, None) if about_stage => "the secret exists but has no value in stage AWSCURRENT".to_string(),
        (None, None) => "secret not found in Secrets Manager".to_string(),
    }
}

#[cfg(feature = "secretsmanager")]
impl Fetcher {
    fn secret_arn(&self, id: &str) -> String {
        crate::arn::secret(&self.region, "{account}", id)
    }

    /// Every secret call at once. With a cache from an earlier load, each secret is
    /// described first (`DescribeSecret`, no value transferred) and fetched only when
    /// the version behind its stage changed, as AWS's caching clients do.
    pub(crate) async fn secrets(
        &self,
        batches: Vec<Vec<String>>,
        pinned: Vec<SecretRef>,
        cache: Option<&SecretCache>,
    ) -> SecretsResult {
        let mut reused = SecretsResult::default();
        let mut rotations = BTreeMap::new();
        let (batches, pinned) = match cache {
            None => (batches, pinned),
            Some(cache) => {
                let plain_refs = batches.into_iter().flatten().map(|id| plain(&id));
                let all: Vec<SecretRef> = plain_refs.chain(pinned).collect();
                let checks = futures_util::future::join_all(
                    all.into_iter().map(|r| self.unchanged(r, cache)),
                );
                let mut plain_ids = Vec::new();
                let mut pinned = Vec::new();
                for (secret, kept, next_rotation) in checks.await {
                    if let Some(at) = next_rotation {
                        rotations.insert(secret.clone(), at);
                    }
                    match kept {
                        Some(value) => {
                            reused.values.insert(secret, value);
                        }
                        None if secret.pinned() => pinned.push(secret),
                        None => plain_ids.push(secret.id),
                    }
                }
                let batches = plain_ids
                    .chunks(BATCH_SECRETS_MAX)
                    .map(<[String]>::to_vec)
                    .collect();
                (batches, pinned)
            }
        };
        let mut out = self.fetch_secrets(batches, pinned).await;
        // A value read again because its version changed keeps the rotation
        // date its `DescribeSecret` gave.
        for (secret, value) in &mut out.values {
            if let (Some(at), Some(value)) = (rotations.get(secret), Arc::get_mut(value)) {
                value.next_rotation = Some(*at);
            }
        }
        out.merge(reused);
        out
    }

    /// The cached value of a secret when `DescribeSecret` shows the version behind
    /// its stage (or its pinned version id) is the one cached, and the secret's
    /// next scheduled rotation (`NextRotationDate`) when it has one.
    async fn unchanged(
        &self,
        secret: SecretRef,
        cache: &SecretCache,
    ) -> (SecretRef, Option<Arc<SecretValue>>, Option<SystemTime>) {
        let Some(cached) = cache.get(&secret) else {
            return (secret, None, None);
        };
        if let (Some(pinned), Some(have)) = (secret.version_id, &cached.version_id) {
            // A pinned version never changes: not described, no rotation date.
            let kept = (pinned == have).then(|| Arc::clone(cached));
            return (secret, kept, None);
        }
        let described = self
            .call(
                &self.secrets_permits,
                &self.secrets_pacer,
                "DescribeSecret",
                &secret.id,
                || self.secrets.describe_secret().secret_id(&secret.id).send(),
            )
            .await;
        let Ok(described) = described else {
            // Fetch for real: that call reports the problem in its own words.
            return (secret, None, None);
        };
        // A date SystemTime cannot hold is no date.
        let next_rotation = described
            .next_rotation_date()
            .and_then(|d| SystemTime::try_from(*d).ok());
        let stage = secret.stage.unwrap_or("AWSCURRENT");
        let current = described
            .version_ids_to_stages()
            .and_then(|m| {
                m.iter()
                    .find(|(_, stages)| stages.iter().any(|s| s == stage))
            })
            .map(|(version, _)| version.as_str());
        let kept = (current.is_some() && current == cached.version_id.as_deref()).then(|| {
            if cached.next_rotation == next_rotation {
                Arc::clone(cached)
            } else {
                Arc::new(SecretValue {
                    payload: Arc::clone(&cached.payload),
                    version_id: cached.version_id.clone(),
                    next_rotation,
                })
            }
        });
        (secret, kept, next_rotation)
    }

    /// Whether plain secrets are read with `GetSecretValue` now.
    fn individually(&self) -> bool {
        match self.secret_reads {
            SecretReads::Individual => true,
            SecretReads::Batch => false,
            SecretReads::Auto => self.batch_throttled.load(Ordering::Relaxed),
        }
    }

    async fn fetch_secrets(
        &self,
        mut batches: Vec<Vec<String>>,
        mut pinned: Vec<SecretRef>,
    ) -> SecretsResult {
        if self.individually() {
            pinned.extend(batches.drain(..).flatten().map(|id| plain(&id)));
        }
        let batch_calls =
            futures_util::future::join_all(batches.into_iter().map(|ids| self.batch(ids)));
        let pinned_calls =
            futures_util::future::join_all(pinned.into_iter().map(|r| self.pinned(r)));
        let (a, b) = tokio::join!(batch_calls, pinned_calls);
        let mut out = SecretsResult::default();
        for r in a.into_iter().chain(b) {
            out.merge(r);
        }
        out
    }

    /// One `BatchGetSecretValue` call; every entry of its `Errors` list becomes a
    /// problem or an absent value, and an id AWS says nothing about is reported too.
    async fn batch(&self, ids: Vec<String>) -> SecretsResult {
        debug_assert!(ids.len() <= BATCH_SECRETS_MAX);
        let mut out = SecretsResult::default();
        let mut pending: BTreeSet<String> = ids.iter().cloned().collect();
        let mut token: Option<String> = None;
        // Not `max_pages`, which bounds by-path chains: each page should answer
        // some of at most 20 ids, so a few more pages than ids is plenty.
        for _ in 0..2 * ids.len() + 2 {
            // Under `Auto`, a throttled batch is not re-issued: its ids are read
            // with `GetSecretValue`, whose quota is 100 times larger.
            let auto = self.secret_reads == SecretReads::Auto;
            let result = self
                .call_with(
                    &self.secrets_permits,
                    &self.batch_pacer,
                    "BatchGetSecretValue",
                    &ids.join(","),
                    !auto,
                    || {
                        self.secrets
                            .batch_get_secret_value()
                            .set_secret_id_list(Some(ids.clone()))
                            .set_next_token(token.clone())
                            .send()
                    },
                )
                .await;
            let page = match result {
                Ok(page) => page,
                Err(err) if auto && is_throttling(&err) => {
                    self.batch_throttled.store(true, Ordering::Relaxed);
                    tracing::debug!(
                        "awsconf: BatchGetSecretValue throttled; reading secrets with GetSecretValue"
                    );
                    let singles = ids
                        .iter()
                        .filter(|id| pending.contains(*id))
                        .map(|id| self.pinned(plain(id)));
                    for r in futures_util::future::join_all(singles).await {
                        out.merge(r);
                    }
                    return out;
                }
                Err(err) if per_secret_error(&err) => {
                    // One bad secret failed the whole call (moto does this for a
                    // secret without a value): ask for each id alone, so every
                    // secret gets its own answer and none is dropped.
                    if let [id] = ids.as_slice() {
                        let code = err.code().unwrap_or("Unknown");
                        let msg = err.message().unwrap_or("");
                        self.entry_error(&mut out, &plain(id), code, msg);
                    } else {
                        let singles = ids
                            .iter()
                            .filter(|id| pending.contains(*id))
                            .map(|id| self.pinned(plain(id)));
                        for r in futures_util::future::join_all(singles).await {
                            out.merge(r);
                        }
                    }
                    return out;
                }
                Err(err) => {
                    let mut problem = classify(
                        err,
                        &Call {
                            action: "secretsmanager:BatchGetSecretValue",
                            resource: "*".to_string(),
                            what: Some(Location::secrets(ids.clone())),
                            fields: String::new(),
                        },
                    );
                    if problem.kind() == ProblemKind::AccessDenied {
                        problem = Problem::new(
                            ProblemKind::AccessDenied,
                            format!(
                                "{} (BatchGetSecretValue needs Resource \"*\"), and secretsmanager:GetSecretValue on each secret",
                                problem.message()
                            ),
                        )
                        .at(Location::secrets(ids.clone()));
                    }
                    out.failed.extend(ids.iter().cloned());
                    out.problems.push(problem);
                    return out;
                }
            };
            for entry in page.secret_values() {
                let id = [entry.name(), entry.arn()]
                    .into_iter()
                    .flatten()
                    .find(|n| pending.contains(*n))
                    .map(str::to_string);
                let Some(id) = id else { continue };
                pending.remove(&id);
                match payload(entry.secret_string(), entry.secret_binary()) {
                    Some(payload) => {
                        out.values.insert(
                            plain(&id),
                            Arc::new(SecretValue {
                                payload,
                                version_id: entry.version_id().map(str::to_string),
                                next_rotation: None,
                            }),
                        );
                    }
                    None => out.fail(&id, no_value(&id)),
                }
            }
            for e in page.errors() {
                let Some(id) = e.secret_id() else { continue };
                let id = id.to_string();
                pending.remove(&id);
                let code = e.error_code().unwrap_or("Unknown");
                let msg = e.message().unwrap_or("");
                self.entry_error(&mut out, &plain(&id), code, msg);
            }
            match page.next_token() {
                Some(t) if !t.is_empty() && !pending.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        for id in pending {
            let problem = Problem::new(
                ProblemKind::Aws,
                "BatchGetSecretValue returned neither a value nor an error for this secret",
            )
            .at(Location::secret(&id));
            out.fail(&id, problem);
        }
        out
    }

    /// `GetSecretValue` for a secret pinned to a stage or version id.
    async fn pinned(&self, secret: SecretRef) -> SecretsResult {
        let mut out = SecretsResult::default();
        let result = self
            .call(
                &self.secrets_permits,
                &self.secrets_pacer,
                "GetSecretValue",
                &secret.id,
                || {
                    self.secrets
                        .get_secret_value()
                        .secret_id(&secret.id)
                        .set_version_stage(secret.stage.map(str::to_string))
                        .set_version_id(secret.version_id.map(str::to_string))
                        .send()
                },
            )
            .await;
        match result {
            Ok(v) => match payload(v.secret_string(), v.secret_binary()) {
                Some(payload) => {
                    out.values.insert(
                        secret.clone(),
                        Arc::new(SecretValue {
                            payload,
                            version_id: v.version_id().map(str::to_string),
                            next_rotation: None,
                        }),
                    );
                }
                None => out.fail(&secret.id, no_value(&secret.id)),
            },
            Err(err) => {
                if let Some(service) = err.as_service_error() {
                    let code = service.code().unwrap_or("Unknown").to_string();
                    let msg = service.message().unwrap_or("").to_string();
                    if matches!(
                        code.as_str(),
                        "ResourceNotFoundException" | "InvalidRequestException"
                    ) {
                        self.entry_error(&mut out, &secret, &code, &msg);
                        return out;
                    }
                }
                let call = Call {
                    action: "secretsmanager:GetSecretValue",
                    resource: self.secret_arn(&secret.id),
                    what: Some(Location::secret(&secret.id)),
                    fields: String::new(),
                };
                out.fail(&secret.id, classify(err, &call));
            }
        }
        out
    }

    /// One secret's error, from the `Errors` list or a `GetSecretValue` failure.
    fn entry_error(&self, out: &mut SecretsResult, secret: &SecretRef, code: &str, msg: &str) {
        let location = Location::secret(&secret.id);
        match code {
            "ResourceNotFoundException" => {
                out.absent.insert(
                    secret.clone(),
                    not_found_reason(msg, secret.stage, secret.version_id),
                );
            }
            "InvalidRequestException" if msg.contains("deletion") || msg.contains("deleted") => {
                let problem = Problem::new(
                    ProblemKind::Unavailable,
                    "the secret is marked for deletion; restore it with RestoreSecret or point the field at another secret",
                )
                .at(location);
                out.fail(&secret.id, problem);
            }
            _ => {
                let call = Call {
                    action: "secretsmanager:GetSecretValue",
                    resource: self.secret_arn(&secret.id),
                    what: Some(location.clone()),
                    fields: String::new(),
                };
                let (kind, message) = service_problem(code, msg, &call);
                out.fail(&secret.id, Problem::new(kind, message).at(location));
            }
        }
    }
}

/// Without the `secretsmanager` feature every secret field is a problem.
#[cfg(not(feature = "secretsmanager"))]
impl Fetcher {
    pub(crate) async fn secrets(
        &self,
        batches: Vec<Vec<String>>,
        pinned: Vec<SecretRef>,
        _cache: Option<&SecretCache>,
    ) -> SecretsResult {
        let mut out = SecretsResult::default();
        let ids = batches
            .into_iter()
            .flatten()
            .chain(pinned.into_iter().map(|s| s.id));
        for id in ids {
            let problem = super::disabled("secretsmanager", &format!("secret {id}"))
                .at(Location::secret(&id));
            out.fail(&id, problem);
        }
        out
    }
}
