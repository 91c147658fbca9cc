//! Change events: the SQS queue task of a [`Live`](crate::Live) (its public
//! docs, with the event shapes accepted and their sources, are on `Live`): the
//! queue's setup and teardown, the bodies' parsing, and the refreshes they cause.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::SdkConfig;
use serde_json::Value;
use tokio::sync::oneshot;

use crate::error::{Error, Problem};
use crate::location::Location;
use crate::plan::{self, Targets};
use crate::schema::{Schema, Scope};
use crate::AwsConfig;

/// How long each `ReceiveMessage` waits for a message by default: 20 s, the
/// longest SQS allows.
pub(crate) const DEFAULT_WAIT: Duration = Duration::from_secs(20);
/// The longest wait SQS allows for one `ReceiveMessage`.
pub(crate) const MAX_WAIT: Duration = Duration::from_secs(20);
/// The longest back-off between receives while the queue fails.
pub(crate) const MAX_QUEUE_BACKOFF: Duration = Duration::from_secs(60);
/// Retries of a failed refresh an event asked for (1 s doubling: about a minute).
const REFRESH_RETRIES: usize = 6;
/// The least time between two receives that found nothing.
const MIN_EMPTY_RECEIVE: Duration = Duration::from_millis(500);
/// SQS's limit of messages per `ReceiveMessage` and per `DeleteMessageBatch`.
const BATCH: usize = 10;

/// How long a `change_topic` queue may go without its heartbeat before
/// another instance of the same app and env deletes it: 15 minutes.
pub(crate) const DEFAULT_STALENESS: Duration = Duration::from_secs(15 * 60);
/// The least time between two refreshes that change events ask for: events
/// that arrive sooner are gathered into one refresh at the window's end. A
/// first event after a quiet window is refreshed at once.
pub(crate) const DEFAULT_WINDOW: Duration = Duration::from_secs(2);
/// The longest window kept.
pub(crate) const MAX_WINDOW: Duration = Duration::from_secs(300);
/// The least time between two warnings about malformed messages.
const MALFORMED_WARN_EVERY: Duration = Duration::from_secs(60);
/// The shortest staleness period (a longer one is kept).
pub(crate) const MIN_STALENESS: Duration = Duration::from_secs(2);
/// The longest staleness period: 7 days.
pub(crate) const MAX_STALENESS: Duration = Duration::from_secs(7 * 24 * 3600);
/// The most other queues one sweep reads the heartbeat of, picked at random
/// among those `ListQueues` returns: a fleet of N instances sweeping once per
/// staleness period each then costs N times this many `ListQueueTags`, not N²
/// (500 instances starting at once made 125,000), and a dead instance's queue
/// is still checked by about this many instances per period.
pub(crate) const SWEEP_SAMPLE: usize = 4;
/// The queue tag a live instance refreshes: unix seconds.
pub(crate) const HEARTBEAT_TAG: &str = "awsconf-heartbeat";
/// The tag with the staleness period (seconds) of the instance that owns a
/// `change_topic` queue: a sweep judges the queue by the longer of its own
/// period and this one, so an instance with a shorter period never deletes the
/// queue of a living one.
pub(crate) const STALENESS_TAG: &str = "awsconf-staleness";
/// The tag with the topic a `change_topic` queue is subscribed to, so a sweep
/// unsubscribes it there (a queue of an instance on an older topic).
pub(crate) const TOPIC_TAG: &str = "awsconf-topic";
/// SQS's longest tag value.
const TAG_VALUE_MAX: usize = 256;
/// The most a teardown that outlives the tokio runtime (from `Drop`) takes.
const DROP_TEARDOWN_BOUND: Duration = Duration::from_secs(10);

/// The queue settings a loader was given.
#[derive(Clone, Debug)]
pub(crate) struct Options {
    pub queue_url: String,
    pub wait: Duration,
    /// `change_topic`: an SNS topic to subscribe a queue of this `Live`'s own to.
    pub topic: Option<String>,
    /// `change_topic`: how long a queue goes without heartbeat before another
    /// instance deletes it.
    pub staleness: Duration,
    /// The least time between two refreshes events ask for.
    pub window: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            queue_url: String::new(),
            wait: DEFAULT_WAIT,
            topic: None,
            staleness: DEFAULT_STALENESS,
            window: DEFAULT_WINDOW,
        }
    }
}

/// The queue a `Live` reads, with its client.
pub(crate) struct Queue {
    pub client: aws_sdk_sqs::Client,
    /// Empty until a `change_topic` queue is created.
    pub url: String,
    pub wait: Duration,
    /// The least time between two refreshes events ask for.
    pub window: Duration,
    /// The queue's ARN, for messages (`sqs:ReceiveMessage on <arn>`).
    pub arn: String,
    pub region: String,
    /// With `change_topic`: the topic, and what was made for this `Live`.
    pub topic: Option<Topic>,
}

/// A queue of one `Live`'s own, subscribed to a topic (`change_topic`).
pub(crate) struct Topic {
    pub sns: aws_sdk_sns::Client,
    pub arn: String,
    /// The queue's name: `awsconf__<app>__<env>__<random>` ([`crate::topic_queue`]).
    pub queue_name: String,
    /// The name prefix of every queue of this app and env.
    pub prefix: String,
    pub subscription: Option<String>,
    /// A `CreateQueue` was sent: the queue may exist even without its URL.
    pub create_sent: bool,
    /// A `Subscribe` was sent: a subscription may exist even without its ARN.
    pub subscribe_sent: bool,
    pub staleness: Duration,
    /// For a teardown that outlives the tokio runtime.
    pub sdk_config: SdkConfig,
}

impl Topic {
    /// SNS Subscribe of the queue `queue_arn` to this topic, with raw message
    /// delivery: the subscription's ARN.
    async fn subscribe(&self, queue_arn: &str) -> Result<Option<String>, Problem> {
        self.sns
            .subscribe()
            .topic_arn(&self.arn)
            .protocol("sqs")
            .endpoint(queue_arn)
            .attributes("RawMessageDelivery", "true")
            .return_subscription_arn(true)
            .send()
            .await
            .map(|out| out.subscription_arn)
            .map_err(|e| {
                problem_at(
                    e,
                    "sns:Subscribe",
                    &self.arn,
                    Location::Topic {
                        arn: self.arn.clone(),
                    },
                )
            })
    }
}

impl Options {
    /// The SQS client, from the same `SdkConfig` as the other clients. Its
    /// per-attempt timeout is the wait plus 10 s, whatever the `SdkConfig` says:
    /// a long poll is an answer that takes `wait`, not a hung attempt.
    pub(crate) fn queue(&self, sdk_config: &SdkConfig, region: &str) -> Queue {
        let connect = sdk_config
            .timeout_config()
            .and_then(TimeoutConfig::connect_timeout)
            .unwrap_or(crate::timeouts::DEFAULT_CONNECT_TIMEOUT);
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(connect)
            .operation_attempt_timeout(self.wait + Duration::from_secs(10))
            .build();
        let config = aws_sdk_sqs::config::Builder::from(sdk_config)
            .timeout_config(timeouts)
            .retry_config(crate::timeouts::client_retries(sdk_config.retry_config()))
            .build();
        let topic = self.topic.as_ref().map(|arn| Topic {
            sns: aws_sdk_sns::Client::from_conf(
                aws_sdk_sns::config::Builder::from(sdk_config)
                    .timeout_config(crate::timeouts::client_timeouts(
                        sdk_config.timeout_config(),
                        crate::timeouts::DEFAULT_TIMEOUT,
                    ))
                    .retry_config(crate::timeouts::client_retries(sdk_config.retry_config()))
                    .build(),
            ),
            arn: arn.clone(),
            queue_name: String::new(),
            prefix: String::new(),
            subscription: None,
            create_sent: false,
            subscribe_sent: false,
            staleness: self.staleness.clamp(MIN_STALENESS, MAX_STALENESS),
            sdk_config: sdk_config.clone(),
        });
        Queue {
            client: aws_sdk_sqs::Client::from_conf(config),
            url: if topic.is_some() {
                String::new()
            } else {
                self.queue_url.clone()
            },
            wait: self.wait,
            window: self.window.min(MAX_WINDOW),
            arn: crate::arn::queue_of_url(&self.queue_url, region),
            region: region.to_string(),
            topic,
        }
    }
}

/// How long a message waits in a `change_topic` queue: an instance that died
/// without deleting its queue leaves one that holds at most 10 minutes of events.
pub(crate) const TOPIC_QUEUE_RETENTION: Duration = Duration::from_secs(600);

/// `awsconf__<app>__<env>__<12 hex digits>` ([`crate::topic_queue`]), within
/// SQS's 80 characters of letters, digits, `-` and `_`.
pub(crate) fn topic_queue_name(app: &str, env: &str) -> String {
    fresh_queue_name(&crate::topic_queue::prefix(app, env))
}

/// `prefix` and 12 random hex digits.
fn fresh_queue_name(prefix: &str) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u32(std::process::id());
    format!("{prefix}{:012x}", h.finish() & 0xffff_ffff_ffff)
}

/// What the config reads, to tell which events concern it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Watched {
    /// Declared parameter names (without selectors).
    pub params: BTreeSet<String>,
    /// Map components' paths, without the trailing `/`: a name under one concerns the config.
    pub prefixes: BTreeSet<String>,
    /// Declared secret ids (names or ARNs, as declared).
    pub secrets: BTreeSet<String>,
}

impl Watched {
    /// The names a schema declares for an env, before any map is read.
    pub(crate) fn of(schema: &'static Schema, scope: &Scope) -> Watched {
        let mut targets = Targets::default();
        plan::walk(schema, scope, None, &mut targets);
        Watched {
            params: targets.params.into_iter().map(|p| p.name).collect(),
            prefixes: targets.maps.into_iter().map(|m| m.prefix).collect(),
            secrets: targets.secrets.into_iter().map(|s| s.secret.id).collect(),
        }
    }

    /// Whether a change concerns the config.
    pub(crate) fn concerns(&self, change: &Change) -> bool {
        match change {
            Change::Parameter(name) => {
                let name = parameter_name(name);
                self.params.contains(name)
                    || self.prefixes.iter().any(|p| {
                        name.len() > p.len() + 1
                            && name.starts_with(p.as_str())
                            && name[p.len()..].starts_with('/')
                    })
            }
            Change::Secret(id) => {
                let wanted = secret_names(id);
                self.secrets
                    .iter()
                    .any(|declared| secret_names(declared).iter().any(|n| wanted.contains(n)))
            }
            Change::Other | Change::Confirm { .. } => false,
        }
    }
}

/// What one event says changed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum Change {
    /// A Parameter Store parameter, by name (or ARN, from CloudTrail).
    Parameter(String),
    /// A Secrets Manager secret, by name or ARN.
    Secret(String),
    /// A well-formed event about something else.
    Other,
    /// SNS asks the queue's owner to confirm a subscription (a topic in
    /// another account): the topic and the token to confirm with.
    Confirm {
        /// The topic's ARN.
        topic: String,
        /// The confirmation token (not a secret: it only confirms).
        token: String,
    },
}

/// A message body that is not an EventBridge event (or an SNS envelope of one).
/// Says why, never what the body held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Malformed(pub &'static str);

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// Reads one SQS message body: an EventBridge event, straight or wrapped by SNS.
pub(crate) fn parse(body: &str) -> Result<Change, Malformed> {
    let value: Value = serde_json::from_str(body).map_err(|_| Malformed("the body is not JSON"))?;
    let Value::Object(object) = &value else {
        return Err(Malformed("the body is not a JSON object"));
    };
    // A topic in another account asks to confirm the subscription (sent even
    // with raw message delivery).
    if object.get("Type").and_then(Value::as_str) == Some("SubscriptionConfirmation") {
        let text = |key| {
            object
                .get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        return match (text("TopicArn"), text("Token")) {
            (Some(topic), Some(token)) => Ok(Change::Confirm { topic, token }),
            _ => Err(Malformed(
                "an SNS SubscriptionConfirmation without TopicArn or Token",
            )),
        };
    }
    // SNS without raw message delivery: the event is the envelope's `Message`.
    if object.get("Type").and_then(Value::as_str) == Some("Notification") {
        let Some(message) = object.get("Message").and_then(Value::as_str) else {
            return Err(Malformed("an SNS notification without a Message string"));
        };
        let inner: Value = serde_json::from_str(message)
            .map_err(|_| Malformed("an SNS notification whose Message is not JSON"))?;
        return event(&inner);
    }
    event(&value)
}

/// One EventBridge event.
fn event(value: &Value) -> Result<Change, Malformed> {
    let detail_type = value
        .get("detail-type")
        .and_then(Value::as_str)
        .ok_or(Malformed("not an EventBridge event: no detail-type"))?;
    let detail = value
        .get("detail")
        .filter(|d| d.is_object())
        .ok_or(Malformed("not an EventBridge event: no detail object"))?;
    let source = value.get("source").and_then(Value::as_str).unwrap_or("");
    let text = |v: Option<&Value>, why: &'static str| {
        v.and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .ok_or(Malformed(why))
    };
    let event_name = detail.get("eventName").and_then(Value::as_str);
    match (source, detail_type) {
        ("aws.ssm", "Parameter Store Change") => Ok(Change::Parameter(text(
            detail.get("name"),
            "a Parameter Store Change event without detail.name",
        )?)),
        ("aws.ssm", "AWS API Call via CloudTrail") => match event_name {
            Some("PutParameter" | "DeleteParameter" | "LabelParameterVersion") => {
                Ok(Change::Parameter(text(
                    detail.pointer("/requestParameters/name"),
                    "a Parameter Store CloudTrail event without detail.requestParameters.name",
                )?))
            }
            _ => Ok(Change::Other),
        },
        ("aws.secretsmanager", "AWS API Call via CloudTrail") => match event_name {
            Some("PutSecretValue" | "UpdateSecret" | "UpdateSecretVersionStage") => {
                Ok(Change::Secret(text(
                    detail.pointer("/requestParameters/secretId"),
                    "a Secrets Manager CloudTrail event without detail.requestParameters.secretId",
                )?))
            }
            _ => Ok(Change::Other),
        },
        ("aws.secretsmanager", "AWS Service Event via CloudTrail") => match event_name {
            Some("RotationSucceeded") => Ok(Change::Secret(text(
                detail.pointer("/additionalEventData/SecretId"),
                "a RotationSucceeded event without detail.additionalEventData.SecretId",
            )?)),
            _ => Ok(Change::Other),
        },
        _ => Ok(Change::Other),
    }
}

/// The resource of an ARN of `service`:
/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` -> `RESOURCE`. `None` for
/// anything else (`arn:parameter/x` is no parameter's ARN).
fn arn_resource<'a>(arn: &'a str, service: &str) -> Option<&'a str> {
    let mut parts = arn.splitn(6, ':');
    let (arn_, _partition, svc) = (parts.next()?, parts.next()?, parts.next()?);
    let (_region, _account, resource) = (parts.next()?, parts.next()?, parts.next()?);
    (arn_ == "arn" && svc == service).then_some(resource)
}

/// A parameter name from an event: `arn:aws:ssm:r:a:parameter/p/x` -> `/p/x`.
fn parameter_name(name: &str) -> &str {
    arn_resource(name, "ssm")
        .and_then(|r| r.strip_prefix("parameter"))
        .filter(|path| path.starts_with('/'))
        .unwrap_or(name)
}

/// The names a secret id can stand for: itself, and for an ARN its name part
/// with and without the 6-character suffix Secrets Manager adds.
fn secret_names(id: &str) -> Vec<&str> {
    let mut names = vec![id];
    if let Some(name) = arn_resource(id, "secretsmanager").and_then(|r| r.strip_prefix("secret:")) {
        names.push(name);
        if let Some((base, suffix)) = name.rsplit_once('-') {
            if suffix.len() == 6 && suffix.bytes().all(|b| b.is_ascii_alphanumeric()) {
                names.push(base);
            }
        }
    }
    names
}

/// One received batch, handled.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Handled {
    /// How many messages were received.
    pub received: usize,
    /// Whether any concerns the config.
    pub dirty: bool,
    /// The declared parameter names (or names under a map's path) the events
    /// concern: a refresh re-reads only the batches and maps that hold them.
    pub changed: BTreeSet<String>,
    /// How many were malformed.
    pub malformed: usize,
    /// Why the first malformed one was (never its body).
    pub malformed_why: Option<Malformed>,
    /// Subscription confirmations: (topic ARN, token).
    pub confirm: Vec<(String, String)>,
}

/// Parses a batch of bodies against what the config reads. Malformed bodies
/// are counted, with the first one's reason (never the body); the caller
/// logs them, rate-limited ([`MalformedLog`]).
pub(crate) fn handle<'a>(
    bodies: impl Iterator<Item = Option<&'a str>>,
    watched: &Watched,
    queue: &str,
) -> Handled {
    let mut handled = Handled::default();
    for body in bodies {
        handled.received += 1;
        match parse(body.unwrap_or("")) {
            Ok(change) => {
                let concerns = watched.concerns(&change);
                tracing::debug!(queue, ?change, concerns, "awsconf: change event");
                handled.dirty |= concerns;
                if let (true, Change::Parameter(name)) = (concerns, &change) {
                    handled.changed.insert(parameter_name(name).to_string());
                }
                if let Change::Confirm { topic, token } = change {
                    handled.confirm.push((topic, token));
                }
            }
            Err(why) => {
                handled.malformed += 1;
                tracing::debug!(queue, reason = %why, "awsconf: malformed change event (body not shown)");
                handled.malformed_why.get_or_insert(why);
            }
        }
    }
    handled
}

/// One receive: the messages' bodies and receipt handles.
pub(crate) type Received = Vec<(Option<String>, Option<String>)>;

impl Queue {
    /// `ReceiveMessage` for up to 10 messages, waiting up to `wait`. The
    /// error says whether the queue no longer exists.
    pub(crate) async fn receive(&self, wait: Duration) -> Result<Received, (Problem, bool)> {
        let wait_s = i32::try_from(wait.min(MAX_WAIT).as_secs()).unwrap_or(20);
        let out = crate::fetch::traced(
            "ReceiveMessage",
            &self.url,
            self.client
                .receive_message()
                .queue_url(&self.url)
                .max_number_of_messages(BATCH as i32)
                .wait_time_seconds(wait_s)
                .send(),
        )
        .await
        .map_err(|e| {
            let gone = matches!(
                aws_smithy_types::error::metadata::ProvideErrorMetadata::code(&e),
                Some("AWS.SimpleQueueService.NonExistentQueue" | "QueueDoesNotExist")
            );
            (self.problem(e, "sqs:ReceiveMessage"), gone)
        })?;
        Ok(out
            .messages
            .unwrap_or_default()
            .into_iter()
            .map(|m| (m.body, m.receipt_handle))
            .collect())
    }

    /// `DeleteMessageBatch` for the handles (at most 10). Entries that fail
    /// for a reason on SQS's side are sent again once; the number still not
    /// deleted is returned with the first failure's code (an `Err` is the
    /// call's own failure).
    pub(crate) async fn delete(
        &self,
        handles: Vec<String>,
    ) -> Result<Option<(usize, String)>, Problem> {
        let mut left: Vec<(String, String)> = handles
            .into_iter()
            .enumerate()
            .map(|(i, h)| (i.to_string(), h))
            .collect();
        let mut failed = None;
        for attempt in 0..2 {
            if left.is_empty() {
                return Ok(None);
            }
            let entries: Vec<_> = left
                .iter()
                .filter_map(|(id, handle)| {
                    // Both fields are set, so the build cannot fail.
                    aws_sdk_sqs::types::DeleteMessageBatchRequestEntry::builder()
                        .id(id)
                        .receipt_handle(handle)
                        .build()
                        .ok()
                })
                .collect();
            let out = crate::fetch::traced(
                "DeleteMessageBatch",
                &self.url,
                self.client
                    .delete_message_batch()
                    .queue_url(&self.url)
                    .set_entries(Some(entries))
                    .send(),
            )
            .await
            .map_err(|e| self.problem(e, "sqs:DeleteMessage"))?;
            let entries = out.failed();
            if entries.is_empty() {
                return Ok(None);
            }
            failed = Some((entries.len(), entries[0].code().to_string()));
            // Sender faults (a stale receipt handle) will not succeed again.
            let retry: BTreeSet<&str> = entries
                .iter()
                .filter(|e| !e.sender_fault() && attempt == 0)
                .map(|e| e.id())
                .collect();
            if retry.is_empty() {
                break;
            }
            left.retain(|(id, _)| retry.contains(id.as_str()));
        }
        Ok(failed)
    }

    /// With `change_topic`, one step of setting up this `Live`'s queue
    /// ([`SetupStep::Create`], then [`SetupStep::Subscribe`]); a step already
    /// done is not done again. Without: nothing.
    pub(crate) async fn setup(&mut self, step: SetupStep) -> Result<(), Problem> {
        match step {
            SetupStep::Create => self.create().await,
            SetupStep::Subscribe => self.subscribe().await,
        }
    }

    /// With `change_topic`: creates this `Live`'s queue (2 calls: CreateQueue,
    /// and SetQueueAttributes for the policy that lets only the topic send),
    /// unless it exists. Without: nothing.
    async fn create(&mut self) -> Result<(), Problem> {
        use aws_sdk_sqs::types::QueueAttributeName as A;
        let Some((name, topic_arn, staleness)) = self
            .topic
            .as_ref()
            .map(|t| (t.queue_name.clone(), t.arn.clone(), t.staleness))
        else {
            return Ok(());
        };
        if self.url.is_empty() {
            let retention = TOPIC_QUEUE_RETENTION.as_secs().to_string();
            if let Some(topic) = &mut self.topic {
                // From here a stop may leave a queue without its URL: the
                // teardown looks it up by name.
                topic.create_sent = true;
            }
            let out = self
                .client
                .create_queue()
                .queue_name(&name)
                .attributes(A::MessageRetentionPeriod, retention)
                .set_tags(Some({
                    let mut tags = std::collections::HashMap::new();
                    tags.insert(HEARTBEAT_TAG.to_string(), unix_now().to_string());
                    tags.insert(STALENESS_TAG.to_string(), staleness.as_secs().to_string());
                    if topic_arn.len() <= TAG_VALUE_MAX {
                        tags.insert(TOPIC_TAG.to_string(), topic_arn.clone());
                    }
                    tags
                }))
                .send()
                .await
                .map_err(|e| problem_on(e, "sqs:CreateQueue", &name, &self.url))?;
            let url = out.queue_url.unwrap_or_default();
            self.arn = crate::arn::queue_of_url(&url, &self.region);
            self.url = url;
            let policy = serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": self.arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
                }],
            });
            if let Err(e) = self
                .client
                .set_queue_attributes()
                .queue_url(&self.url)
                .attributes(A::Policy, policy.to_string())
                .send()
                .await
            {
                let problem = problem_on(e, "sqs:SetQueueAttributes", &self.arn, &self.url);
                self.teardown().await;
                return Err(problem);
            }
        }
        Ok(())
    }

    /// With `change_topic`: subscribes this `Live`'s queue to the topic (SNS
    /// Subscribe with raw message delivery), unless it is, then sweeps the
    /// queues of dead instances. Without: nothing.
    async fn subscribe(&mut self) -> Result<(), Problem> {
        let Some(topic) = &mut self.topic else {
            return Ok(());
        };
        if topic.subscription.is_none() {
            topic.subscribe_sent = true;
            topic.subscription = topic.subscribe(&self.arn).await?;
            // The queues of instances that died without deleting theirs.
            if let Some(beat) = self.beat() {
                beat.sweep_stale().await;
            }
        }
        Ok(())
    }

    /// With `change_topic`, once subscribed: subscribes again. SNS answers a
    /// subscription that stands with its own ARN, so while the topic stands
    /// this changes nothing; a topic deleted and made again (its subscriptions
    /// went with it) gets a new one. `Ok(true)` when the subscription is new; an
    /// error when the topic is gone or refuses.
    pub(crate) async fn resubscribe(&mut self) -> Result<bool, Problem> {
        let Some(topic) = &mut self.topic else {
            return Ok(false);
        };
        let Some(old) = topic.subscription.clone() else {
            return Ok(false);
        };
        let new = topic.subscribe(&self.arn).await?;
        let renewed = new.as_deref().is_some_and(|new| new != old);
        if renewed {
            topic.subscription = new;
        }
        Ok(renewed)
    }

    /// How often [`resubscribe`](Self::resubscribe) is due: once per staleness
    /// period (`None` without `change_topic`).
    pub(crate) fn resubscribe_every(&self) -> Option<Duration> {
        self.topic.as_ref().map(|t| t.staleness)
    }

    /// The heartbeat and sweep of a set-up `change_topic` queue.
    pub(crate) fn beat(&self) -> Option<Beat> {
        let topic = self.topic.as_ref()?;
        (!self.url.is_empty()).then(|| Beat {
            client: self.client.clone(),
            sns: topic.sns.clone(),
            topic_arn: topic.arn.clone(),
            prefix: topic.prefix.clone(),
            url: self.url.clone(),
            arn: self.arn.clone(),
            region: self.region.clone(),
            staleness: topic.staleness,
        })
    }

    /// With `change_topic`: unsubscribes and deletes this `Live`'s queue (2
    /// calls; a subscription or queue whose creation was cut short is looked
    /// up first). Failures are logged: the queue then holds at most
    /// [`TOPIC_QUEUE_RETENTION`] of events until another instance of the
    /// app and env deletes it as stale.
    pub(crate) async fn teardown(&mut self) {
        let Some(topic) = &mut self.topic else {
            return;
        };
        remove(
            &self.client,
            &topic.sns,
            &topic.arn,
            if topic.create_sent {
                &topic.queue_name
            } else {
                ""
            },
            &self.arn,
            &mut self.url,
            &mut topic.subscription,
            topic.subscribe_sent,
            true,
        )
        .await;
        topic.create_sent = false;
        topic.subscribe_sent = false;
    }

    /// With `change_topic`, when this `Live`'s queue is gone (another
    /// instance's sweep took it for a dead one's, or it was deleted by hand):
    /// removes its subscription and forgets both, under a new queue name (SQS
    /// refuses a deleted queue's name for 60 s), so that `setup` makes new ones.
    /// `false` without `change_topic` (a queue of the user's own is not remade).
    pub(crate) async fn renew(&mut self) -> bool {
        if self.topic.is_none() {
            return false;
        }
        self.teardown().await;
        self.url.clear();
        self.arn.clear();
        if let Some(topic) = &mut self.topic {
            topic.subscription = None;
            topic.queue_name = fresh_queue_name(&topic.prefix);
        }
        true
    }

    /// Whether a `change_topic` queue or subscription may still exist.
    fn leftovers(&self) -> bool {
        self.topic.as_ref().is_some_and(|t| {
            t.create_sent || t.subscribe_sent || t.subscription.is_some() || !self.url.is_empty()
        })
    }

    fn problem<E, R>(
        &self,
        err: aws_smithy_runtime_api::client::result::SdkError<E, R>,
        action: &str,
    ) -> Problem
    where
        E: aws_smithy_types::error::metadata::ProvideErrorMetadata
            + std::error::Error
            + Send
            + Sync
            + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        problem_on(err, action, &self.arn, &self.url)
    }
}

/// The steps of setting up a `change_topic` queue, in order.
#[derive(Clone, Copy)]
pub(crate) enum SetupStep {
    /// CreateQueue and its policy.
    Create,
    /// SNS Subscribe.
    Subscribe,
}

/// What the heartbeat of a `change_topic` queue needs: it runs beside the
/// receives, in a task of its own.
pub(crate) struct Beat {
    client: aws_sdk_sqs::Client,
    sns: aws_sdk_sns::Client,
    topic_arn: String,
    prefix: String,
    url: String,
    arn: String,
    region: String,
    staleness: Duration,
}

/// Up to `n` of `items`, picked uniformly at random without replacement (all
/// of them, in order, when there are no more than `n`).
fn sample(mut items: Vec<String>, n: usize) -> Vec<String> {
    if items.len() <= n {
        return items;
    }
    // A partial Fisher-Yates shuffle: the first `n` places.
    for i in 0..n {
        let span = items.len() - i;
        let j = i + ((crate::fetch::pace::unit() * span as f64) as usize).min(span - 1);
        items.swap(i, j);
    }
    items.truncate(n);
    items
}

impl Beat {
    /// The time between heartbeats: a quarter of the staleness period.
    pub(crate) fn every(&self) -> Duration {
        self.staleness / 4
    }

    /// Tags the queue every quarter of the staleness period, and sweeps
    /// stale queues once per period. Runs until aborted.
    pub(crate) async fn run(self) {
        let mut beats: u32 = 0;
        loop {
            tokio::time::sleep(self.every()).await;
            self.heartbeat().await;
            beats += 1;
            if beats.is_multiple_of(4) {
                self.sweep_stale().await;
            }
        }
    }

    /// With `change_topic`: deletes the queues of this app and env (and their
    /// subscriptions) whose heartbeat is older than the staleness period:
    /// those of killed processes. Each sweep reads the heartbeats of at most
    /// [`SWEEP_SAMPLE`] other queues, picked at random, so a fleet's sweeps
    /// cost calls in proportion to its size, not its square. Failures are
    /// logged at `debug`; the next sweep tries again.
    pub(crate) async fn sweep_stale(&self) {
        let mut token = None;
        let mut others = Vec::new();
        let mut stale = Vec::new();
        for _ in 0..100 {
            let out = match self
                .client
                .list_queues()
                .queue_name_prefix(&self.prefix)
                .max_results(1000)
                .set_next_token(token.take())
                .send()
                .await
            {
                Ok(out) => out,
                Err(e) => {
                    let problem = problem_on(e, "sqs:ListQueues", "*", &self.url);
                    tracing::debug!(problem = %problem, "awsconf: could not list change-events queues to sweep");
                    return;
                }
            };
            others.extend(out.queue_urls().iter().filter(|u| **u != self.url).cloned());
            token = out.next_token;
            if token.is_none() {
                break;
            }
        }
        for url in sample(others, SWEEP_SAMPLE) {
            if let Some(topic) = self.stale(&url).await {
                stale.push((url, topic));
            }
        }
        for (url, topic) in stale {
            let arn = crate::arn::queue_of_url(&url, &self.region);
            let mut url = url;
            let mut subscription = None;
            let topic = topic.as_deref().unwrap_or(&self.topic_arn);
            if remove(
                &self.client,
                &self.sns,
                topic,
                "",
                &arn,
                &mut url,
                &mut subscription,
                true,
                topic == self.topic_arn,
            )
            .await
            {
                tracing::info!(queue = %arn, "awsconf: deleted the change-events queue of an instance gone without a heartbeat");
            }
        }
    }

    /// `Some(topic it is subscribed to, if tagged)` when the queue's heartbeat
    /// (or, without a usable one, its creation) is older than the longer of
    /// this instance's staleness period and its owner's (its tag). A heartbeat
    /// more than a period in the future (a clock running ahead) is not usable.
    /// A queue that cannot be read is not stale.
    async fn stale(&self, url: &str) -> Option<Option<String>> {
        let now = unix_now();
        let tags = self
            .client
            .list_queue_tags()
            .queue_url(url)
            .send()
            .await
            .ok()?
            .tags
            .unwrap_or_default();
        let number = |tag: &str| tags.get(tag).and_then(|v| epoch_seconds(v));
        let staleness = self
            .staleness
            .as_secs()
            .max(number(STALENESS_TAG).unwrap_or(0));
        let beat = match number(HEARTBEAT_TAG).filter(|b| *b <= now.saturating_add(staleness)) {
            Some(beat) => beat,
            None => {
                use aws_sdk_sqs::types::QueueAttributeName as A;
                let out = self
                    .client
                    .get_queue_attributes()
                    .queue_url(url)
                    .attribute_names(A::CreatedTimestamp)
                    .send()
                    .await
                    .ok()?;
                out.attributes()
                    .and_then(|a| a.get(&A::CreatedTimestamp))
                    .and_then(|v| epoch_seconds(v))?
            }
        };
        (now.saturating_sub(beat) > staleness).then(|| tags.get(TOPIC_TAG).cloned())
    }

    /// With `change_topic`: tags this `Live`'s queue with the time now, so
    /// other instances do not take it for a dead one.
    pub(crate) async fn heartbeat(&self) {
        if let Err(e) = self
            .client
            .tag_queue()
            .queue_url(&self.url)
            .tags(HEARTBEAT_TAG, unix_now().to_string())
            .send()
            .await
        {
            let problem = problem_on(e, "sqs:TagQueue", &self.arn, &self.url);
            tracing::warn!(problem = %problem, "awsconf: could not refresh the change-events queue's heartbeat");
        }
    }
}

/// A `change_topic` queue torn down when its task is dropped before it could
/// do so itself: the tokio runtime shut down (`main` returned after the last
/// `Live` handle was dropped), or the task was cut off during `CreateQueue` or
/// `Subscribe`. The teardown runs on a thread of its own with a runtime and
/// HTTP connections of its own (the old runtime's are gone), and `drop`
/// waits for it, at most [`DROP_TEARDOWN_BOUND`].
impl Drop for Queue {
    fn drop(&mut self) {
        if !self.leftovers() {
            return;
        }
        let Some(topic) = self.topic.take() else {
            return;
        };
        let url = std::mem::take(&mut self.url);
        let arn = self.arn.clone();
        let region = self.region.clone();
        let wait = self.wait;
        let thread = std::thread::Builder::new()
            .name("awsconf-teardown".into())
            .spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    // The SDK's own HTTPS client, new, for a new pool of
                    // connections; a client of the user's own is kept.
                    #[cfg(feature = "default-https-client")]
                    let config = {
                        let mut config = topic.sdk_config.to_builder();
                        config.set_http_client(None);
                        config.build()
                    };
                    #[cfg(not(feature = "default-https-client"))]
                    let config = topic.sdk_config.clone();
                    let options = Options {
                        queue_url: url.clone(),
                        wait,
                        topic: Some(topic.arn.clone()),
                        staleness: topic.staleness,
                        window: DEFAULT_WINDOW,
                    };
                    let fresh = options.queue(&config, &region);
                    let Some(fresh_topic) = &fresh.topic else {
                        return;
                    };
                    let mut url = url;
                    let mut subscription = topic.subscription.clone();
                    let done = tokio::time::timeout(
                        DROP_TEARDOWN_BOUND,
                        remove(
                            &fresh.client,
                            &fresh_topic.sns,
                            &topic.arn,
                            if topic.create_sent { &topic.queue_name } else { "" },
                            &arn,
                            &mut url,
                            &mut subscription,
                            topic.subscribe_sent,
                            true,
                        ),
                    )
                    .await;
                    if done.is_err() {
                        tracing::warn!(queue = %topic.queue_name, "awsconf: the change-events queue's teardown did not finish in time; another instance deletes it once stale");
                    }
                });
            });
        if let Ok(thread) = thread {
            let _ = thread.join();
        }
    }
}

/// Unsubscribes and deletes a `change_topic` queue. Without its URL, the
/// queue is looked up by `queue_name` (empty: not created); without the
/// subscription's ARN, it is looked up by the queue's ARN when `subscribed`
/// (a `Subscribe` was sent). Failures are logged. When the subscription could
/// not be removed (or looked up) and `keep` is set, the queue is kept: a
/// subscription to a deleted queue is found by no sweep, while the queue, its
/// heartbeat stopped, is swept later with its subscription. (A sweep of a
/// queue on another topic does not keep it: this app's role may have no
/// rights on that topic.) `true` when the queue is gone.
#[allow(clippy::too_many_arguments)]
async fn remove(
    sqs: &aws_sdk_sqs::Client,
    sns: &aws_sdk_sns::Client,
    topic_arn: &str,
    queue_name: &str,
    queue_arn: &str,
    url: &mut String,
    subscription: &mut Option<String>,
    subscribed: bool,
    keep: bool,
) -> bool {
    if subscription.is_none() && subscribed {
        match subscription_of(sns, topic_arn, queue_arn).await {
            Ok(found) => *subscription = found,
            Err(()) if keep => return false,
            Err(()) => {}
        }
    }
    if let Some(arn) = subscription.take() {
        if let Err(e) = sns.unsubscribe().subscription_arn(&arn).send().await {
            let gone = matches!(
                aws_smithy_types::error::metadata::ProvideErrorMetadata::code(&e),
                Some("NotFound" | "NotFoundException")
            );
            if !gone {
                let problem = problem_on(e, "sns:Unsubscribe", topic_arn, url);
                if keep {
                    tracing::warn!(problem = %problem, "awsconf: could not unsubscribe the change-events queue; the queue is kept for another instance's sweep to remove with its subscription");
                    *subscription = Some(arn);
                    return false;
                }
                tracing::warn!(problem = %problem, "awsconf: could not unsubscribe the change-events queue");
            }
        }
    }
    if url.is_empty() && !queue_name.is_empty() {
        if let Ok(out) = sqs.get_queue_url().queue_name(queue_name).send().await {
            *url = out.queue_url.unwrap_or_default();
        }
    }
    if !url.is_empty() {
        match sqs.delete_queue().queue_url(url.as_str()).send().await {
            Ok(_) => tracing::debug!(queue = %url, "awsconf: change-events queue deleted"),
            Err(e)
                if matches!(
                    aws_smithy_types::error::metadata::ProvideErrorMetadata::code(&e),
                    Some("AWS.SimpleQueueService.NonExistentQueue" | "QueueDoesNotExist")
                ) => {}
            Err(e) => {
                let problem = problem_on(e, "sqs:DeleteQueue", queue_arn, url);
                tracing::warn!(problem = %problem, "awsconf: could not delete the change-events queue");
                url.clear();
                return false;
            }
        }
        url.clear();
    }
    true
}

/// The subscription of `queue_arn` to the topic, if any; `Err` when the
/// topic's subscriptions could not be listed.
async fn subscription_of(
    sns: &aws_sdk_sns::Client,
    topic_arn: &str,
    queue_arn: &str,
) -> Result<Option<String>, ()> {
    let mut token = None;
    for _ in 0..1000 {
        let out = match sns
            .list_subscriptions_by_topic()
            .topic_arn(topic_arn)
            .set_next_token(token.take())
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                let gone = matches!(
                    aws_smithy_types::error::metadata::ProvideErrorMetadata::code(&e),
                    Some("NotFound" | "NotFoundException")
                );
                if gone {
                    // The topic is gone, and its subscriptions with it.
                    return Ok(None);
                }
                let problem = problem_on(e, "sns:ListSubscriptionsByTopic", topic_arn, "");
                tracing::warn!(problem = %problem, "awsconf: could not look up the change-events queue's subscription");
                return Err(());
            }
        };
        if let Some(found) = out
            .subscriptions()
            .iter()
            .find(|s| s.endpoint() == Some(queue_arn))
            .and_then(|s| s.subscription_arn())
            .filter(|a| a.starts_with("arn:"))
        {
            return Ok(Some(found.to_string()));
        }
        match out.next_token {
            Some(next) => token = Some(next),
            None => return Ok(None),
        }
    }
    Ok(None)
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Whole seconds from a number's text (`1733456789`, or `1733456789.25` as
/// some emulators write a timestamp); `None` for anything else.
fn epoch_seconds(text: &str) -> Option<u64> {
    text.parse::<u64>().ok().or_else(|| {
        text.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && *f >= 0.0 && *f < u64::MAX as f64)
            .map(|f| f as u64)
    })
}

/// Seconds since the Unix epoch.
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// An SDK error of a call on `resource`, in plain words, at the queue `url`.
fn problem_on<E, R>(
    err: aws_smithy_runtime_api::client::result::SdkError<E, R>,
    action: &str,
    resource: &str,
    url: &str,
) -> Problem
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata
        + std::error::Error
        + Send
        + Sync
        + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let queue = Location::Queue {
        url: url.to_string(),
    };
    problem_at(err, action, resource, queue)
}

/// An SDK error of a call on `resource`, in plain words, at `location`.
fn problem_at<E, R>(
    err: aws_smithy_runtime_api::client::result::SdkError<E, R>,
    action: &str,
    resource: &str,
    location: Location,
) -> Problem
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata
        + std::error::Error
        + Send
        + Sync
        + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let what = Some(location);
    let call = crate::aws_error::Call {
        action,
        resource: resource.to_string(),
        what,
        fields: String::new(),
    };
    crate::aws_error::classify(err, &call)
}

/// The queue's failure as an [`Error`] for [`Live::last_error`](crate::Live::last_error).
pub(crate) fn queue_error(type_name: &'static str, env: &str, problem: Problem) -> Arc<Error> {
    Arc::new(Error::new(type_name, Some(env.to_string()), vec![problem]))
}

/// 1 s, doubling, up to [`MAX_QUEUE_BACKOFF`].
pub(crate) fn next_queue_backoff(previous: Option<Duration>) -> Duration {
    match previous {
        None => Duration::from_secs(1),
        Some(b) => b.saturating_mul(2).min(MAX_QUEUE_BACKOFF),
    }
}

/// What the events task needs of the `Live` it serves (implemented by
/// `live.rs`, so this module does not import it).
pub(crate) trait Refreshes: Send + Sync + 'static {
    /// The env the `Live` loads.
    fn env(&self) -> &str;
    /// The `Live`'s refresh interval.
    fn every(&self) -> Duration;
    /// Why the queue fails, until a receive succeeds (`None`).
    fn set_queue_error(&self, error: Option<Arc<Error>>);
    /// The ids of the secrets the last load read (map entries' included).
    fn secret_ids_read(&self) -> Option<Vec<String>>;
    /// Re-reads what holds the `changed` names and swaps in the new config.
    fn refresh_changed(
        &self,
        changed: BTreeSet<String>,
    ) -> impl std::future::Future<Output = Result<(), Arc<Error>>> + Send;
}

/// The change-events task of a `Live`: receives, handles, deletes, refreshes;
/// ends when `stop` fires (the last handle dropped).
pub(crate) async fn run<T: AwsConfig, S: Refreshes>(
    shared: Arc<S>,
    (mut queue, mut watched): (Queue, Watched),
    mut stop: oneshot::Receiver<()>,
) {
    let type_name = T::schema().type_name;
    let declared_secrets = watched.secrets.clone();
    let mut backoff: Option<Duration> = None;
    // Set up (again, when the queue was taken away), then receive.
    'queue: loop {
        // The heartbeat runs beside the set-up and the receives, from the
        // moment the queue exists (a `Subscribe` retried for a while must not
        // leave it looking dead), and ends with this task or this queue.
        let mut beat: Option<AbortOnDrop> = None;
        // `change_topic`: this Live's own queue, subscribed to the topic.
        loop {
            let mut done = Ok(());
            for step in [SetupStep::Create, SetupStep::Subscribe] {
                let mut setup = Box::pin(queue.setup(step));
                let r = tokio::select! {
                    _ = &mut stop => {
                        // A `CreateQueue` or `Subscribe` on its way is not
                        // dropped: AWS may act on it after the teardown looked
                        // for what it makes. It finishes (bounded), then its
                        // result is removed.
                        let _ = tokio::time::timeout(DROP_TEARDOWN_BOUND, &mut setup).await;
                        drop(setup);
                        queue.teardown().await;
                        return;
                    }
                    r = &mut setup => r,
                };
                drop(setup);
                // Before `Subscribe`, which the SDK may retry for seconds.
                if beat.is_none() {
                    beat = queue.beat().map(|b| AbortOnDrop(tokio::spawn(b.run())));
                }
                if r.is_err() {
                    done = r;
                    break;
                }
            }
            match done {
                Ok(()) => break,
                Err(problem) => {
                    let wait = next_queue_backoff(backoff);
                    if backoff.is_none() {
                        tracing::warn!(
                            env = shared.env(),
                            problem = %problem,
                            "awsconf: could not set up the change-events queue; retrying with backoff, refreshing on the interval meanwhile"
                        );
                    }
                    backoff = Some(wait);
                    shared.set_queue_error(Some(queue_error(type_name, shared.env(), problem)));
                    tokio::select! {
                        _ = &mut stop => {
                            queue.teardown().await;
                            return;
                        }
                        _ = tokio::time::sleep(wait) => {}
                    }
                }
            }
        }
        if backoff.take().is_some() {
            shared.set_queue_error(None);
        }
        // Changed names awaiting a refresh, and when the last one began: events
        // cost at most one refresh per window.
        let mut pending: Option<BTreeSet<String>> = None;
        let mut last_refresh: Option<std::time::Instant> = None;
        let mut malformed = MalformedLog::default();
        // `change_topic`: when to subscribe again, and whether the last try
        // failed (its problem stands in `last_error` until one succeeds).
        let mut resubscribe_at = queue
            .resubscribe_every()
            .and_then(|every| std::time::Instant::now().checked_add(every));
        let mut resubscribe_failed = false;
        loop {
            if let Some(at) = resubscribe_at.filter(|at| *at <= std::time::Instant::now()) {
                resubscribe_at = queue
                    .resubscribe_every()
                    .and_then(|every| at.checked_add(every));
                let result = tokio::select! {
                    _ = &mut stop => break 'queue,
                    r = queue.resubscribe() => r,
                };
                match result {
                    Ok(renewed) => {
                        if renewed {
                            tracing::warn!(env = shared.env(), queue = %queue.url, "awsconf: the change topic had lost this queue's subscription (the topic deleted and made again?); subscribed again");
                        }
                        if std::mem::take(&mut resubscribe_failed) && backoff.is_none() {
                            shared.set_queue_error(None);
                        }
                    }
                    Err(problem) => {
                        if !resubscribe_failed {
                            tracing::warn!(env = shared.env(), problem = %problem, "awsconf: could not confirm the change topic's subscription (the topic deleted?); events may not arrive, refreshing on the interval meanwhile");
                        }
                        resubscribe_failed = true;
                        shared.set_queue_error(Some(queue_error(type_name, shared.env(), problem)));
                    }
                }
            }
            let due = last_refresh.and_then(|t| t.checked_add(queue.window));
            let until_due = due.map_or(Duration::ZERO, |d| {
                d.saturating_duration_since(std::time::Instant::now())
            });
            if pending.is_some() {
                if until_due.is_zero() {
                    let changed = pending.take().unwrap_or_default();
                    last_refresh = Some(std::time::Instant::now());
                    if refresh(&shared, &mut stop, &changed).await {
                        break 'queue;
                    }
                    continue;
                }
                if until_due < Duration::from_secs(1) {
                    // SQS waits in whole seconds: sleep the rest of the window.
                    tokio::select! {
                        _ = &mut stop => break 'queue,
                        _ = tokio::time::sleep(until_due) => continue,
                    }
                }
            }
            let wait = match pending {
                Some(_) => until_due.min(queue.wait),
                None => queue.wait,
            };
            let started = std::time::Instant::now();
            let received = tokio::select! {
                _ = &mut stop => break 'queue,
                r = queue.receive(wait) => r,
            };
            let messages = match received {
                Ok(messages) => {
                    if backoff.take().is_some() {
                        tracing::info!(env = shared.env(), queue = %queue.url, "awsconf: change-events queue answers again");
                        if !resubscribe_failed {
                            shared.set_queue_error(None);
                        }
                    }
                    messages
                }
                Err((problem, gone)) => {
                    let wait = next_queue_backoff(backoff);
                    if backoff.is_none() {
                        tracing::warn!(
                            env = shared.env(),
                            queue = %queue.url,
                            problem = %problem,
                            "awsconf: change-events queue failed; retrying with backoff, refreshing on the interval meanwhile"
                        );
                    }
                    backoff = Some(wait);
                    shared.set_queue_error(Some(queue_error(type_name, shared.env(), problem)));
                    tokio::select! {
                        _ = &mut stop => break 'queue,
                        _ = tokio::time::sleep(wait) => {}
                    }
                    // A queue of this `Live`'s own that is gone is made again.
                    if gone && queue.renew().await {
                        tracing::warn!(env = shared.env(), "awsconf: the change-events queue is gone (another instance's sweep, or deleted by hand); setting up a new one");
                        continue 'queue;
                    }
                    continue;
                }
            };
            if messages.is_empty() {
                // SQS answers an empty long poll after its wait; one that comes
                // back at once (a wait of 0 somewhere in between) is not retried
                // in a tight loop.
                if started.elapsed() < MIN_EMPTY_RECEIVE {
                    tokio::select! {
                        _ = &mut stop => break 'queue,
                        _ = tokio::time::sleep(MIN_EMPTY_RECEIVE - started.elapsed()) => {}
                    }
                }
                continue;
            }
            // Secrets of map entries are known once read.
            if let Some(ids) = shared.secret_ids_read() {
                watched.secrets = declared_secrets.iter().cloned().chain(ids).collect();
            }
            let (handled, handles) = sort(messages, &watched, &queue.url);
            malformed.note(
                handled.malformed,
                handled.malformed_why.as_ref(),
                &queue.url,
            );
            for (topic, token) in &handled.confirm {
                queue.confirm(topic, token).await;
            }
            delete(&queue, handles).await;
            if handled.dirty {
                pending
                    .get_or_insert_with(BTreeSet::new)
                    .extend(handled.changed);
            }
        }
    }
    queue.teardown().await;
    tracing::debug!(
        env = shared.env(),
        "awsconf: live config dropped; change-events task stopped"
    );
}

/// Handles a batch: whether any message concerns the config, and the
/// messages' receipt handles.
fn sort(messages: Received, watched: &Watched, queue: &str) -> (Handled, Vec<String>) {
    let handled = handle(
        messages.iter().map(|(body, _)| body.as_deref()),
        watched,
        queue,
    );
    let handles = messages.into_iter().filter_map(|(_, h)| h).collect();
    (handled, handles)
}

/// Deletes handled messages; a failure, of the call or of entries past one
/// retry, is logged. Not deleted, the messages come back after their
/// visibility timeout, and cost one more refresh at most.
async fn delete(queue: &Queue, handles: Vec<String>) {
    match queue.delete(handles).await {
        Ok(None) => {}
        Ok(Some((count, code))) => tracing::warn!(
            queue = %queue.url,
            count,
            code = %code,
            "awsconf: SQS did not delete some change events (they come back after their visibility timeout)"
        ),
        Err(problem) => {
            tracing::warn!(queue = %queue.url, problem = %problem, "awsconf: could not delete change events");
        }
    }
}

/// Warnings about malformed messages, at most one per
/// [`MALFORMED_WARN_EVERY`], with the count since the last.
#[derive(Default)]
struct MalformedLog {
    last: Option<std::time::Instant>,
    unreported: usize,
}

impl MalformedLog {
    fn note(&mut self, count: usize, why: Option<&Malformed>, queue: &str) {
        self.unreported += count;
        if self.unreported == 0 {
            return;
        }
        if self
            .last
            .is_some_and(|t| t.elapsed() < MALFORMED_WARN_EVERY)
        {
            return;
        }
        tracing::warn!(
            queue,
            count = self.unreported,
            reason = %why.map_or("", |w| w.0),
            "awsconf: dropped messages on the change-events queue that are not AWS change events (body not shown; at most one such warning a minute)"
        );
        self.last = Some(std::time::Instant::now());
        self.unreported = 0;
    }
}

impl Queue {
    /// Confirms a subscription SNS asks the queue to confirm (a topic in
    /// another account), when the topic is this `Live`'s `change_topic`; any
    /// other topic's is logged and left.
    async fn confirm(&mut self, topic_arn: &str, token: &str) {
        let Some(topic) = self.topic.as_mut().filter(|t| t.arn == topic_arn) else {
            tracing::warn!(
                queue = %self.url,
                topic = topic_arn,
                "awsconf: a subscription confirmation for a topic this Live did not subscribe to; left unconfirmed"
            );
            return;
        };
        match topic
            .sns
            .confirm_subscription()
            .topic_arn(topic_arn)
            .token(token)
            .send()
            .await
        {
            Ok(out) => {
                tracing::info!(
                    topic = topic_arn,
                    "awsconf: confirmed the change-events subscription"
                );
                if let Some(arn) = out.subscription_arn.filter(|a| a.starts_with("arn:")) {
                    topic.subscription = Some(arn);
                }
            }
            Err(e) => {
                let problem = problem_on(e, "sns:ConfirmSubscription", topic_arn, &self.url);
                tracing::warn!(problem = %problem, "awsconf: could not confirm the change-events subscription");
            }
        }
    }
}

/// Refreshes until it succeeds, retrying a failure after 1 s, 2 s, ... 32 s
/// (never more than the interval apart), then leaves it to the interval's own
/// refreshes; or until the `Live` is dropped: then `true`, and `stop` has
/// fired. A newer event met meanwhile is covered: each try reads the current
/// state.
async fn refresh<S: Refreshes>(
    shared: &Arc<S>,
    stop: &mut oneshot::Receiver<()>,
    changed: &BTreeSet<String>,
) -> bool {
    let mut wait = Duration::from_secs(1);
    for _ in 0..=REFRESH_RETRIES {
        let done = tokio::select! {
            _ = &mut *stop => return true,
            r = shared.refresh_changed(changed.clone()) => r.is_ok(),
        };
        if done {
            return false;
        }
        tokio::select! {
            _ = &mut *stop => return true,
            _ = tokio::time::sleep(wait.min(shared.every())) => {}
        }
        wait = wait.saturating_mul(2);
    }
    false
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_sweep_samples_a_few_distinct_queues() {
        let all: Vec<String> = (0..500).map(|i| format!("q{i}")).collect();
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let picked = super::sample(all.clone(), super::SWEEP_SAMPLE);
            assert_eq!(picked.len(), super::SWEEP_SAMPLE);
            let distinct: std::collections::BTreeSet<_> = picked.iter().collect();
            assert_eq!(distinct.len(), picked.len(), "{picked:?}");
            assert!(picked.iter().all(|q| all.contains(q)));
            seen.extend(picked);
        }
        // 800 picks reach far more than a few of the 500.
        assert!(seen.len() > 300, "{}", seen.len());
        // No more queues than the sample: all of them, in order.
        let few = vec!["a".to_string(), "b".to_string()];
        assert_eq!(super::sample(few.clone(), super::SWEEP_SAMPLE), few);
        assert!(super::sample(Vec::new(), 4).is_empty());
    }

    use super::*;

    fn watched() -> Watched {
        Watched {
            params: ["/prod/api/db/host".to_string()].into(),
            prefixes: ["/prod/api/tenants".to_string()].into(),
            secrets: [
                "prod/db".to_string(),
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/api-key-AbC123"
                    .to_string(),
            ]
            .into(),
        }
    }

    fn ssm_event(name: &str) -> String {
        serde_json::json!({
            "version": "0",
            "id": "9547ef2d-3b7e-4057-b6cb-5fdf09ee7c8f",
            "detail-type": "Parameter Store Change",
            "source": "aws.ssm",
            "account": "123456789012",
            "time": "2017-05-22T16:44:48Z",
            "region": "us-east-1",
            "resources": [format!("arn:aws:ssm:us-east-1:123456789012:parameter{name}")],
            "detail": {"operation": "Update", "name": name, "type": "String", "description": ""}
        })
        .to_string()
    }

    #[test]
    fn a_parameter_store_change_names_the_parameter() {
        assert_eq!(
            parse(&ssm_event("/prod/api/db/host")),
            Ok(Change::Parameter("/prod/api/db/host".into()))
        );
    }

    #[test]
    fn an_sns_envelope_is_unwrapped() {
        let envelope = serde_json::json!({
            "Type": "Notification",
            "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:changes",
            "Message": ssm_event("/prod/api/db/host"),
            "Timestamp": "2012-05-02T00:54:06.655Z",
            "SignatureVersion": "1",
        });
        assert_eq!(
            parse(&envelope.to_string()),
            Ok(Change::Parameter("/prod/api/db/host".into()))
        );
    }

    #[test]
    fn declared_names_and_names_under_map_paths_concern_the_config() {
        let w = watched();
        assert!(w.concerns(&Change::Parameter("/prod/api/db/host".into())));
        assert!(w.concerns(&Change::Parameter("/prod/api/tenants/acme/plan".into())));
        assert!(w.concerns(&Change::Parameter(
            "arn:aws:ssm:us-east-1:123456789012:parameter/prod/api/db/host".into()
        )));
        assert!(!w.concerns(&Change::Parameter("/prod/api/tenantsx/a".into())));
        assert!(!w.concerns(&Change::Parameter("/prod/api/tenants".into())));
        assert!(!w.concerns(&Change::Parameter("/prod/api/tenants/".into())));
        assert!(!w.concerns(&Change::Parameter("/prod/api/db/port".into())));
        assert!(!w.concerns(&Change::Other));
    }

    #[test]
    fn secrets_match_by_name_or_arn_either_way() {
        let w = watched();
        assert!(w.concerns(&Change::Secret("prod/db".into())));
        assert!(w.concerns(&Change::Secret(
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-x1Y2z3".into()
        )));
        assert!(w.concerns(&Change::Secret("prod/api-key".into())));
        assert!(w.concerns(&Change::Secret(
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/api-key-AbC123".into()
        )));
        assert!(!w.concerns(&Change::Secret("prod/other".into())));
        assert!(!w.concerns(&Change::Secret("prod/db-x1Y2z3".into())));
    }

    /// Found by the `event_bodies` fuzz target (after 8.1 million runs): a name
    /// that only looked like an ARN (`arn:parameter/...`, `arn::secret:...`)
    /// was cut at `:parameter/` or `:secret:` and refreshed the config for a
    /// name it does not declare. Only a whole ARN of the service is cut now.
    #[test]
    fn only_a_whole_arn_of_the_service_stands_for_a_declared_name() {
        let w = watched();
        for name in [
            "arn:parameter/prod/api/tenants/t4/ho",
            "arn::parameter/prod/api/db/host",
            "arn:aws:ssm:us-east-1:parameter/prod/api/db/host",
            "arn:aws:secretsmanager:us-east-1:123456789012:parameter/prod/api/db/host",
            "arn:aws:ssm:us-east-1:123456789012:parameterx/prod/api/db/host",
        ] {
            assert!(!w.concerns(&Change::Parameter(name.into())), "{name}");
        }
        for id in [
            "arn::secret:prod/db",
            "arn:aws:ssm:us-east-1:123456789012:secret:prod/db",
            "arn:aws:secretsmanager:us-east-1:secret:prod/db",
        ] {
            assert!(!w.concerns(&Change::Secret(id.into())), "{id}");
        }
        assert!(w.concerns(&Change::Parameter(
            "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/prod/api/tenants/t4/ho".into()
        )));
        assert!(w.concerns(&Change::Secret(
            "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:prod/db-AbC123".into()
        )));
    }

    #[test]
    fn secrets_manager_cloudtrail_events_name_the_secret() {
        let put = serde_json::json!({
            "version": "0", "id": "1", "detail-type": "AWS API Call via CloudTrail",
            "source": "aws.secretsmanager", "account": "123456789012",
            "time": "2024-01-01T00:00:00Z", "region": "us-east-1", "resources": [],
            "detail": {"eventSource": "secretsmanager.amazonaws.com", "eventName": "PutSecretValue",
                       "requestParameters": {"secretId": "prod/db", "clientRequestToken": "t"}}
        });
        assert_eq!(
            parse(&put.to_string()),
            Ok(Change::Secret("prod/db".into()))
        );
        let rotated = serde_json::json!({
            "version": "0", "id": "2", "detail-type": "AWS Service Event via CloudTrail",
            "source": "aws.secretsmanager", "account": "123456789012",
            "time": "2024-01-01T00:00:00Z", "region": "us-east-1", "resources": [],
            "detail": {"eventSource": "secretsmanager.amazonaws.com", "eventName": "RotationSucceeded",
                       "additionalEventData": {"SecretId": "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-x1Y2z3"}}
        });
        assert_eq!(
            parse(&rotated.to_string()),
            Ok(Change::Secret(
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-x1Y2z3".into()
            ))
        );
        let other = serde_json::json!({
            "detail-type": "AWS API Call via CloudTrail", "source": "aws.secretsmanager",
            "detail": {"eventName": "GetSecretValue", "requestParameters": {"secretId": "prod/db"}}
        });
        assert_eq!(parse(&other.to_string()), Ok(Change::Other));
    }

    #[test]
    fn malformed_bodies_say_why_without_quoting_them() {
        let canary = "CANARY-not-json";
        let why = parse(canary).expect_err("not JSON");
        assert!(!why.to_string().contains(canary));
        assert_eq!(
            parse("[1]").expect_err("not an object"),
            Malformed("the body is not a JSON object")
        );
        assert!(parse(r#"{"Type":"Notification","Message":"CANARY"}"#).is_err());
        assert!(parse(
            r#"{"detail-type":"Parameter Store Change","source":"aws.ssm","detail":{}}"#
        )
        .is_err());
    }

    #[test]
    fn queue_arn_comes_from_the_url() {
        assert_eq!(
            crate::arn::queue_of_url(
                "https://sqs.us-east-1.amazonaws.com/123456789012/changes",
                "us-east-1"
            ),
            "arn:aws:sqs:us-east-1:123456789012:changes"
        );
        assert_eq!(
            crate::arn::queue_of_url("http://localhost/q", "eu-west-1"),
            "arn:aws:sqs:eu-west-1:*:q"
        );
    }

    #[test]
    fn queue_backoff_doubles_up_to_a_minute() {
        let mut b = None;
        let mut seen = Vec::new();
        for _ in 0..8 {
            let next = next_queue_backoff(b);
            seen.push(next.as_secs());
            b = Some(next);
        }
        assert_eq!(seen, vec![1, 2, 4, 8, 16, 32, 60, 60]);
    }
}
