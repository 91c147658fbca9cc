//! SQS message bodies: EventBridge events, SNS envelopes of them (raw message
//! delivery off), and anything else. Never panics; a body is malformed exactly
//! when it is not an event; and a refresh happens exactly when the event is
//! about a name the config declares (the reference below), so a body about an
//! undeclared name never causes one.

#![no_main]
#![allow(dead_code)]

#[path = "../common.rs"]
mod common;

use std::collections::BTreeMap;

use awsconf::{AwsConfig, SecretString};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

#[derive(AwsConfig, Debug)]
#[aws_config(app = "ev")]
struct App {
    port: u16,
    #[secret(id = "{env}/db/password")]
    password: SecretString,
    #[component]
    tenants: BTreeMap<String, Tenant>,
}

#[derive(AwsConfig, Debug)]
struct Tenant {
    host: String,
}

const ENV: &str = "prod";

/// Reference: the resource of a whole ARN of `service`
/// (`arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`).
fn resource<'a>(arn: &'a str, service: &str) -> Option<&'a str> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    (parts.len() == 6 && parts[0] == "arn" && parts[2] == service).then(|| parts[5])
}

/// Reference: is a Parameter Store name (or parameter ARN) one `App` in `prod` reads?
fn declared_parameter(name: &str) -> bool {
    let name = match resource(name, "ssm").and_then(|r| r.strip_prefix("parameter/")) {
        Some(path) => format!("/{path}"),
        None => name.to_string(),
    };
    name == "/prod/ev/port"
        || name
            .strip_prefix("/prod/ev/tenants/")
            .is_some_and(|rest| !rest.is_empty())
}

/// Reference: is a secret id (a name, or an ARN with or without Secrets Manager's
/// `-` and 6-character suffix) the one `App` in `prod` reads?
fn declared_secret(id: &str) -> bool {
    const NAME: &str = "prod/db/password";
    if id == NAME {
        return true;
    }
    let Some(name) = resource(id, "secretsmanager").and_then(|r| r.strip_prefix("secret:")) else {
        return false;
    };
    name == NAME
        || name.strip_prefix(NAME).is_some_and(|suffix| {
            suffix.len() == 7
                && suffix.starts_with('-')
                && suffix[1..].bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

/// An event of one of the shapes AWS documents, about `name`.
fn event(shape: u8, name: &str, op: &str) -> Value {
    let mut e = json!({
        "version": "0",
        "id": "6a7e4feb-b491-4cf7-a9f1-bf3703497718",
        "account": "123456789012",
        "time": "2026-12-02T10:00:00Z",
        "region": "us-east-1",
        "resources": [],
    });
    let (source, detail_type, detail) = match shape % 6 {
        0 => (
            "aws.ssm",
            "Parameter Store Change",
            json!({"operation": op, "name": name, "type": "String"}),
        ),
        1 => (
            "aws.ssm",
            "AWS API Call via CloudTrail",
            json!({"eventSource": "ssm.amazonaws.com", "eventName": op,
                   "requestParameters": {"name": name, "overwrite": true}}),
        ),
        2 => (
            "aws.secretsmanager",
            "AWS API Call via CloudTrail",
            json!({"eventSource": "secretsmanager.amazonaws.com", "eventName": op,
                   "requestParameters": {"secretId": name}}),
        ),
        3 => (
            "aws.secretsmanager",
            "AWS Service Event via CloudTrail",
            json!({"eventSource": "secretsmanager.amazonaws.com", "eventName": op,
                   "additionalEventData": {"SecretId": name}}),
        ),
        4 => (
            "aws.ec2",
            "EC2 Instance State-change Notification",
            json!({"instance-id": name, "state": op}),
        ),
        _ => (op, name, json!({"name": name})),
    };
    e["source"] = json!(source);
    e["detail-type"] = json!(detail_type);
    e["detail"] = detail;
    e
}

const OPS: [&str; 8] = [
    "Update",
    "Create",
    "Delete",
    "PutParameter",
    "DeleteParameter",
    "LabelParameterVersion",
    "PutSecretValue",
    "RotationSucceeded",
];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let body = if mode < 0x80 {
        // A body as is: JSON or not, any shape.
        let Some(body) = common::text(rest) else {
            return;
        };
        body.to_string()
    } else {
        // A documented shape about a fuzzed name, straight or in an SNS envelope.
        let Some(name) = common::text(rest) else {
            return;
        };
        let op = OPS[usize::from(mode >> 3) % OPS.len()];
        let e = event(mode, name, op);
        if mode & 0x40 == 0 {
            e.to_string()
        } else {
            json!({"Type": "Notification", "MessageId": "1", "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
                   "Message": e.to_string(), "Timestamp": "2026-12-02T10:00:00Z"})
            .to_string()
        }
    };
    let out = awsconf::__fuzz::event::<App>(ENV, &body);

    let concerned = match (&out.parameter, &out.secret) {
        (Some(name), None) => declared_parameter(name),
        (None, Some(id)) => declared_secret(id),
        (None, None) => false,
        (Some(_), Some(_)) => panic!("one event, two changes: {out:?}"),
    };
    assert_eq!(
        out.dirty, concerned,
        "refresh verdict differs from the reference: {out:?}\nbody: {body}"
    );
    assert!(
        !(out.malformed && out.dirty),
        "a malformed body refreshed: {out:?}"
    );
    for changed in &out.changed {
        assert!(
            declared_parameter(changed),
            "an undeclared name would be re-read: {changed:?} ({out:?})"
        );
    }
    // A body that is not JSON is malformed, always.
    if serde_json::from_str::<Value>(&body).is_err() {
        assert!(out.malformed, "a non-JSON body was taken as an event");
    }
});
