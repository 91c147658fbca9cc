#!/usr/bin/env python3
"""Writes the seed corpus, fuzz/corpus/<target>/seed-*: the tests' inputs and
AWS's documented event shapes (EventBridge "Parameter Store Change", CloudTrail
"AWS API Call via CloudTrail" and "AWS Service Event via CloudTrail" for
Secrets Manager, SNS notifications with raw message delivery off). Rerun after
changing it; libFuzzer's own finds stay out of git (fuzz/.gitignore)."""

import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SEP = b"\xff"


def write(target, seeds):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for name in os.listdir(d):
        if name.startswith("seed-"):
            os.remove(os.path.join(d, name))
    for i, seed in enumerate(seeds):
        if isinstance(seed, str):
            seed = seed.encode()
        with open(os.path.join(d, f"seed-{i:03}"), "wb") as f:
            f.write(seed)


BASE = {
    "version": "0",
    "id": "6a7e4feb-b491-4cf7-a9f1-bf3703497718",
    "account": "123456789012",
    "time": "2026-12-02T10:00:00Z",
    "region": "us-east-1",
}


def parameter_change(name, op):
    return dict(BASE, **{
        "detail-type": "Parameter Store Change", "source": "aws.ssm",
        "resources": [f"arn:aws:ssm:us-east-1:123456789012:parameter{name}"],
        "detail": {"operation": op, "name": name, "type": "String", "description": ""},
    })


def ssm_cloudtrail(name, event):
    return dict(BASE, **{
        "detail-type": "AWS API Call via CloudTrail", "source": "aws.ssm", "resources": [],
        "detail": {"eventVersion": "1.09", "eventSource": "ssm.amazonaws.com", "eventName": event,
                   "awsRegion": "us-east-1", "requestParameters": {"name": name, "overwrite": True},
                   "eventType": "AwsApiCall", "managementEvent": True},
    })


def put_secret_value(secret_id, event="PutSecretValue"):
    return dict(BASE, **{
        "detail-type": "AWS API Call via CloudTrail", "source": "aws.secretsmanager", "resources": [],
        "detail": {"eventVersion": "1.09", "userIdentity": {"type": "AssumedRole", "accountId": "123456789012"},
                   "eventSource": "secretsmanager.amazonaws.com", "eventName": event, "awsRegion": "us-east-1",
                   "requestParameters": {"secretId": secret_id, "clientRequestToken": "EXAMPLE-token"},
                   "responseElements": {"arn": secret_id}, "readOnly": False, "eventType": "AwsApiCall",
                   "managementEvent": True},
    })


def rotation_succeeded(secret_arn):
    return dict(BASE, **{
        "detail-type": "AWS Service Event via CloudTrail", "source": "aws.secretsmanager", "resources": [],
        "detail": {"eventVersion": "1.09", "userIdentity": {"accountId": "123456789012", "invokedBy": "secretsmanager.amazonaws.com"},
                   "eventSource": "secretsmanager.amazonaws.com", "eventName": "RotationSucceeded",
                   "requestParameters": None, "responseElements": None,
                   "additionalEventData": {"SecretId": secret_arn}, "eventType": "AwsServiceEvent"},
    })


def sns(message):
    return {"Type": "Notification", "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:awsconf-changes",
            "Message": json.dumps(message), "Timestamp": "2026-12-02T10:00:00.000Z",
            "SignatureVersion": "1", "Signature": "EXAMPLE", "SigningCertURL": "https://example.invalid/c.pem",
            "UnsubscribeURL": "https://example.invalid/u"}


ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
events = [
    parameter_change("/prod/ev/port", "Update"),
    parameter_change("/prod/ev/tenants/acme/host", "Create"),
    parameter_change("/prod/ev/portx", "Update"),
    parameter_change("/prod/other/port", "Delete"),
    parameter_change("/prod/ev/tenants", "Update"),
    ssm_cloudtrail("/prod/ev/port", "PutParameter"),
    ssm_cloudtrail("arn:aws:ssm:us-east-1:123456789012:parameter/prod/ev/port", "LabelParameterVersion"),
    ssm_cloudtrail("/prod/ev/port", "GetParameters"),
    put_secret_value("prod/db/password"),
    put_secret_value(ARN + "prod/db/password-AbCdEf"),
    put_secret_value(ARN + "prod/db/password"),
    put_secret_value("prod/db/password-old"),
    put_secret_value(ARN + "prod/other-AbCdEf", "UpdateSecretVersionStage"),
    rotation_succeeded(ARN + "prod/db/password-Zz9Yy8"),
    rotation_succeeded("someone-elses-secret"),
    dict(BASE, **{"detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
                  "resources": [], "detail": {"instance-id": "i-1", "state": "running"}}),
]
bodies = [json.dumps(e) for e in events] + [json.dumps(sns(e)) for e in events[:3] + events[8:10]]
bodies += [
    "not json MALFORMED",
    '["MALFORMED"]',
    json.dumps({"Type": "Notification", "Message": "MALFORMED"}),
    json.dumps({"Type": "Notification", "Message": 5}),
    json.dumps({"detail-type": "Parameter Store Change", "source": "aws.ssm", "detail": {"value": "x"}}),
    json.dumps({"detail-type": "Parameter Store Change", "source": "aws.ssm", "detail": {"name": ""}}),
    json.dumps({"hello": "MALFORMED"}),
    "",
    "{}",
    "null",
]
# Mode byte: < 0x80 the body as is; >= 0x80 a documented shape about the name that follows.
event_seeds = [b"\x00" + b.encode() for b in bodies]
for mode in [0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0xC0, 0xC2, 0x98, 0xB2, 0xBB]:
    for name in ["/prod/ev/port", "prod/db/password", ARN + "prod/db/password-AbCdEf",
                 "arn:aws:ssm:us-east-1:123456789012:parameter/prod/ev/tenants/t1/host"]:
        event_seeds.append(bytes([mode]) + name.encode())
write("event_bodies", event_seeds)

# Parameter text, as Parameter Store returns it (tests/tests/hostile_values.rs, bad_input.rs).
write("leaf_decoding", [
    "8080", "0", "-1", "255", "65536", "+5", " 5", "1e3", "3.14", "NaN", "inf", "-0.0",
    "true", "false", "TRUE", "yes", "", "é", "Zoë 🚀 日本語 \u202ertl", "line 1\nline 2\r\n\tindented",
    "a,b,c", "a,,b", "1,2,3", "true,false", "info", "debug", "30", "30s",
    '{"secs": 30, "nanos": 0}', '{"x": 1, "y": 2}', '{"a": 1}', '["a","b"]', "[1.5, null]",
    "340282366920938463463374607431768211455", "-170141183460469231731687303715884105728",
    "{\"x\": 1", "\u0000", "a" * 5000,
])

write("secret_decoding", [
    SEP.join(v.encode() for v in vals) for vals in [
        ["CANARY-secret-1234", '{"username":"shop","password":"CANARY-pw-5678"}', "CANARY-rds-9012",
         "k1,CANARY-k2-3456", "CANARY-pin-7890", '{"eu":"CANARY-eu-1111"}'],
        ["pässwörd\n🔑", '{"username":"u","password":"p","port":5432}', "", "a,b", "0000", "{}"],
        ["x", '{"username":"u"}', "r", "", "p", '{"eu": CANARY-bad-json}'],
        ["x", '{"username":5,"password":"CANARY-typed-2222"}', "r", "k", "p", '["CANARY-list-3333"]'],
        ["x", '{"password":"CANARY-missing-user-4444"}', "r", "k", "p", "null"],
        ["x", "not json CANARY-raw-5555", "r", "k", "p", '{"eu": {"x": "CANARY-nested-6666"}}'],
        ["x", '{"username":"u","password":"p","port":"CANARY-port-7777"}', "r", "k", "p", '{"eu":1}'],
        # The oracle's false alarm found by the fuzzer: a pin that spells the
        # Debug of the map beside it (`{"eu":`), which shows its keys by design.
        ["x", '{"username":"u","password":"p"}', "r", "k", '{"eu":"x"}', '{"eu":"CANARY-eu-2222"}'],
    ]
] + [
    # The fuzzer's input, as it found it (crash-49351f91...).
    open(os.path.join(HERE, "regressions", "secret_decoding-map-key-beside-pin"), "rb").read(),
    # serde_json's own "(\u0000-\u001F)" beside a secret holding "0000-\" (crash-0f674441...).
    open(os.path.join(HERE, "regressions", "secret_decoding-serde-json-control-character"), "rb").read(),
])

toml_layers = [
    'port = 5432\nhost = "db.internal"\npassword = "dev-only"\n[database]\nname = "app"\nreplicas = ["r1", "r2"]\n',
    '[tenants.acme]\nplan = "gold"\n[tenants.zeta]\nplan = "free"\n',
    'password = "hunter2',
    'port = "abc"\nenabled = "yes"',
    'host = """\nmulti\nline secret-CANARY\n',
    '[database\nname = "x"',
    'port = 1\nport = 2\n',
    'a.b.c = 1\n[a]\nb = 2\n',
    'key = value-without-quotes-CANARY\n',
    '= "no key CANARY-value"\n',
    "[[tenants]]\nplan = 1\n",
    'password = \'CANARY\\x\'',
    "host = \"\\uD800-CANARY\"\n",
]
json_layers = [
    '{"port": 5432, "host": "db", "password": "dev-only", "database": {"name": "n", "replicas": ["a"]}}',
    '{"tenants": {"acme": {"plan": "gold"}}}',
    '{"password": "CANARY-unterminated',
    '{"port": 1,, "host": "x"}',
    '{\n  "host": "line-two-CANARY"\n  "port": 1\n}',
    '[1, 2, "CANARY-array"]',
    '{"password": "CANARY"} trailing-CANARY',
    '{"database": "CANARY-not-a-table"}',
]
write("layer_errors", [b"\x00" + t.encode() for t in toml_layers] + [b"\x01" + t.encode() for t in json_layers])

write("names", [
    SEP.join(v.encode() for v in vals) for vals in [
        ["prod", "acme", "zeta"],
        ["production", "tenant-1", "a.b_c"],
        ["", "x"],
        ["aws-prod", "ssm"],
        ["AWS", "Ssm1"],
        ["pr od", "hôst"],
        ["e" * 1011, "k"],
        ["prod", "k/with/slash", "", "{env}", "{key}", "a b"],
        ["prod", "/".join(["l"] * 16)],
        ["prod", "x" * 500],
        ["prod", "arn:aws:secretsmanager:us-east-1:1:secret:x"],
        ["{key}", "k"],
        ["a/b"],
    ]
])

write("push_input", [
    'port = 8080\nhost = "db.internal"\nhosts = ["a", "b"]\npassword = "dev-only"\napi_key = "k"\n'
    'rds_user = "shop"\nrds_password = "pw"\n[limits]\nrps = 10\n[tenants.acme]\nhost = "acme.internal"\ntoken = "t"\n',
    'port = "abc"\n',
    'hosts = ["a,b"]\n',
    'host = ""\n',
    'pinned = "v3"\n',
    'password = "hunter2',
    'unknown = 1\n[tenants.x]\nnope = 2\n',
    'hosts = [1, true, 2.5]\n',
    'hosts = [[1]]\n',
    'host = "' + "h" * 9000 + '"\n',
    'hosts = ["' + '", "'.join(["x" * 100] * 90) + '"]\n',
    'api_key = [1, 2, 300]\n',
    'api_key = {a = 1}\n',
    'limits = "{\\"rps\\": 1}"\n',
    'tenants = 5\n',
    '[tenants."a/b"]\nhost = "x"\n',
    '[tenants."{env}"]\nhost = "x"\ntoken = "t"\n',
    '',
])
