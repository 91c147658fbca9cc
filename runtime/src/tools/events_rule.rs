//! The EventBridge rules and SQS queue policy that feed a config's change
//! events to a queue, for [`Loader::change_events`](crate::Loader) (cargo
//! feature `events`).
//!
//! [`events_rule`] returns three rules, each matching only what the config
//! reads, all targeting the queue:
//!
//! - `…-parameters`: "Parameter Store Change" events (source `aws.ssm`) whose
//!   `detail.name` is a declared parameter name, or starts with a map
//!   component's path and `/` (EventBridge `prefix` matching);
//! - `…-secret-writes`: "AWS API Call via CloudTrail" events of Secrets
//!   Manager's `PutSecretValue`, `UpdateSecret` and `UpdateSecretVersionStage`
//!   whose `detail.requestParameters.secretId` is a declared secret: its name,
//!   or its ARN (prefix `arn:…:secret:NAME-`), as callers may give either;
//! - `…-rotations`: "AWS Service Event via CloudTrail" `RotationSucceeded`
//!   events, matched on `detail.additionalEventData.SecretId` the same way.
//!
//! A rule is left out when the config has nothing it would match. A secret id
//! with `{key}` (one secret per map entry) matches by the prefix before it.
//! Secrets Manager's events come through CloudTrail: the account needs a trail
//! (management events), as AWS's docs say; Parameter Store's come directly.
//!
//! The queue policy lets EventBridge (`events.amazonaws.com`) send to the
//! queue for these rules only (`aws:SourceArn`).

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::{leaves, root_scope, Home, Leaf};
use crate::plan::{self, Targets};
use crate::schema::{Field, Kind, Scope};
use crate::{arn, AwsConfig, Root};

/// Secrets Manager's API calls that change a secret's current value.
pub const SECRET_WRITE_EVENTS: [&str; 3] =
    ["PutSecretValue", "UpdateSecret", "UpdateSecretVersionStage"];

/// The statements a `Live` with `Loader::change_topic(topic_arn)` needs beyond
/// the load policy: its own queues (`awsconf__<app>__<env>__*`, a pattern no
/// other app or env matches: create and tag, set the policy, receive, delete
/// messages, delete; look up, read the tags and creation time of, the queues
/// the stale sweep finds), `sqs:ListQueues` (which has no resource), the topic
/// (unsubscribe, list its subscriptions) and `sns:Subscribe` on it only for
/// SQS endpoints of that pattern.
pub fn change_topic_statements<T: AwsConfig + Root>(
    env: &str,
    region: &str,
    account: &str,
    topic_arn: &str,
) -> Vec<Value> {
    let schema = T::schema();
    let prefix = crate::topic_queue::prefix(schema.app.unwrap_or("app"), env);
    let queues = arn::queue(region, account, &format!("{prefix}*"));
    vec![
        json!({
            "Sid": "OwnChangeEventQueues",
            "Effect": "Allow",
            "Action": [
                "sqs:CreateQueue",
                "sqs:TagQueue",
                "sqs:SetQueueAttributes",
                "sqs:GetQueueUrl",
                "sqs:GetQueueAttributes",
                "sqs:ListQueueTags",
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:DeleteQueue",
            ],
            "Resource": queues,
        }),
        json!({
            "Sid": "FindStaleChangeEventQueues",
            "Effect": "Allow",
            "Action": "sqs:ListQueues",
            "Resource": "*",
        }),
        json!({
            "Sid": "SubscribeToChangeEvents",
            "Effect": "Allow",
            "Action": "sns:Subscribe",
            "Resource": topic_arn,
            "Condition": {
                "StringEquals": {"sns:Protocol": "sqs"},
                "StringLike": {"sns:Endpoint": queues},
            },
        }),
        json!({
            "Sid": "UnsubscribeFromChangeEvents",
            "Effect": "Allow",
            "Action": ["sns:Unsubscribe", "sns:ListSubscriptionsByTopic"],
            "Resource": topic_arn,
        }),
    ]
}

/// The parts of an SQS queue ARN: `arn:PARTITION:sqs:REGION:ACCOUNT:NAME`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueArn {
    /// `aws`, `aws-cn`, ...
    pub partition: String,
    /// The queue's region.
    pub region: String,
    /// The queue's account.
    pub account: String,
    /// The queue's name.
    pub name: String,
}

impl QueueArn {
    /// Reads a queue ARN; `None` if it is not one.
    pub fn parse(text: &str) -> Option<QueueArn> {
        let parts: Vec<&str> = text.split(':').collect();
        match parts.as_slice() {
            ["arn", partition, "sqs", region, account, name]
                if !partition.is_empty()
                    && !region.is_empty()
                    && account.len() == 12
                    && account.bytes().all(|b| b.is_ascii_digit())
                    && !name.is_empty() =>
            {
                Some(QueueArn {
                    partition: partition.to_string(),
                    region: region.to_string(),
                    account: account.to_string(),
                    name: name.to_string(),
                })
            }
            _ => None,
        }
    }

    fn arn(&self) -> String {
        arn::queue_in(&self.partition, &self.region, &self.account, &self.name)
    }
}

/// The rules (`Name`, `EventPattern`, `Targets`) and the queue policy for
/// `T` in `env`, sending to `queue`. Rule names are `awsconf-<app>-<env>-…`.
pub fn events_rule<T: AwsConfig + Root>(env: &str, queue: &QueueArn) -> Value {
    let schema = T::schema();
    let scope = root_scope(schema, env);
    let mut targets = Targets::default();
    plan::walk(schema, &scope, None, &mut targets);

    let names: BTreeSet<String> = targets.params.iter().map(|p| p.name.clone()).collect();
    let prefixes: BTreeSet<String> = targets
        .maps
        .iter()
        .map(|m| format!("{}/", m.prefix))
        .collect();
    let mut parameter_matchers: Vec<Value> = names.into_iter().map(Value::String).collect();
    parameter_matchers.extend(prefixes.into_iter().map(|p| json!({ "prefix": p })));

    let secret_matchers = secret_matchers(&all_leaves(schema, &scope), queue);

    let base = format!(
        "awsconf-{}-{env}",
        schema.app.unwrap_or(schema.type_name).to_lowercase()
    );
    let mut rules = Vec::new();
    if !parameter_matchers.is_empty() {
        rules.push((
            format!("{base}-parameters"),
            json!({
                "source": ["aws.ssm"],
                "detail-type": ["Parameter Store Change"],
                "detail": { "name": parameter_matchers },
            }),
        ));
    }
    if !secret_matchers.is_empty() {
        rules.push((
            format!("{base}-secret-writes"),
            json!({
                "source": ["aws.secretsmanager"],
                "detail-type": ["AWS API Call via CloudTrail"],
                "detail": {
                    "eventSource": ["secretsmanager.amazonaws.com"],
                    "eventName": SECRET_WRITE_EVENTS,
                    "requestParameters": { "secretId": secret_matchers },
                },
            }),
        ));
        rules.push((
            format!("{base}-rotations"),
            json!({
                "source": ["aws.secretsmanager"],
                "detail-type": ["AWS Service Event via CloudTrail"],
                "detail": {
                    "eventSource": ["secretsmanager.amazonaws.com"],
                    "eventName": ["RotationSucceeded"],
                    "additionalEventData": { "SecretId": secret_matchers },
                },
            }),
        ));
    }
    let rule_arn = |name: &str| arn::rule(&queue.partition, &queue.region, &queue.account, name);
    let source_arns: Vec<String> = rules.iter().map(|(name, _)| rule_arn(name)).collect();
    let queue_arn = queue.arn();
    json!({
        "Rules": rules
            .into_iter()
            .map(|(name, pattern)| json!({
                "Name": name,
                "EventPattern": pattern,
                "Targets": [{ "Id": "awsconf", "Arn": queue_arn }],
            }))
            .collect::<Vec<_>>(),
        "QueuePolicy": {
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "AllowAwsconfChangeEvents",
                "Effect": "Allow",
                "Principal": { "Service": "events.amazonaws.com" },
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": { "ArnEquals": { "aws:SourceArn": source_arns } },
            }],
        },
    })
}

/// Every parameter and secret leaf, with map entries' keys as `*`.
fn all_leaves(schema: &'static crate::schema::Schema, scope: &Scope) -> Vec<Leaf> {
    let mut all = Vec::new();
    let mut wildcard = |_: &Scope, _: &'static Field| vec!["*".to_string()];
    leaves(schema, scope, &mut wildcard, &mut all);
    all
}

/// Each secret by name and by ARN; an id with a map key (`*`) by the prefix
/// before it. An id given as an ARN matches as itself, or by prefix without
/// the suffix when it has none.
fn secret_matchers(all: &[Leaf], queue: &QueueArn) -> Vec<Value> {
    let ids: BTreeSet<&str> = all
        .iter()
        .filter_map(|leaf| match (&leaf.home, &leaf.field.kind) {
            (Home::Secret { id }, Kind::Secret(_)) => Some(id.as_str()),
            _ => None,
        })
        .collect();
    let mut exact: BTreeSet<String> = BTreeSet::new();
    let mut prefixes: BTreeSet<String> = BTreeSet::new();
    let arn_prefix = arn::secrets_prefix(&queue.region, &queue.account);
    for id in ids {
        if let Some((before, _)) = id.split_once('*') {
            if id.starts_with("arn:") {
                prefixes.insert(before.to_string());
            } else {
                prefixes.insert(before.to_string());
                prefixes.insert(format!("{arn_prefix}{before}"));
            }
        } else if id.starts_with("arn:") {
            exact.insert(id.to_string());
            // A partial ARN (no suffix) and the full one.
            prefixes.insert(format!("{id}-"));
        } else {
            exact.insert(id.to_string());
            prefixes.insert(format!("{arn_prefix}{id}-"));
        }
    }
    exact
        .into_iter()
        .map(Value::String)
        .chain(prefixes.into_iter().map(|p| json!({ "prefix": p })))
        .collect()
}
