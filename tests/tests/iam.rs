//! `awsconf::iam::policy` against moto with IAM enforcement on: the policy alone
//! lets a load succeed, and removing any one statement makes it fail with an
//! access-denied problem naming that statement's action.
//!
//! What moto 5.2.1 checks, and so what these tests can prove through it:
//!
//! - moto authorizes Parameter Store and Secrets Manager requests by *action*
//!   only: it evaluates every statement against the resource `*` (those services
//!   pass no resource to its authorizer), so a statement naming ARNs never
//!   matches. The tests therefore give moto the policy with each statement's
//!   `Resource` widened to `*`, and check the real resources themselves: every
//!   name, path and secret ARN that the load sent (recorded by the proxy) must
//!   match a resource of a statement allowing that action, by IAM's wildcard rules.
//! - moto does not check `secretsmanager:GetSecretValue` for each secret inside a
//!   `BatchGetSecretValue` (AWS does). The config has a secret pinned to a stage,
//!   which the loader reads with `GetSecretValue` itself, so removing that
//!   statement is still seen.
//! - moto never makes the KMS call that Parameter Store and Secrets Manager make on
//!   the caller's behalf, so it cannot show that `kms:Decrypt` is needed; its
//!   statement is checked as written (resource and `kms:ViaService` condition).
//!
//! Each test starts a private moto: enforcement is global to a moto process.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ssm::config::{Credentials, SharedCredentialsProvider};
use awsconf::{AwsConfig, ExposeSecret, ProblemKind, SecretString};
use awsconf_testkit::moto::http_post;
use awsconf_testkit::{Moto, Proxy};
use awsconf_tests::{problems, sdk_config, unique_env, Seed};
use serde_json::{json, Value};

const ACCOUNT: &str = "123456789012"; // moto's default account
const REGION: &str = "us-east-1";

#[derive(AwsConfig, Debug)]
#[aws_config(app = "shop")]
struct Shop {
    #[component]
    database: Database,
    #[param(default = "info")]
    log_level: String,
    #[secret(id = "{env}/stripe/api-key")]
    stripe_key: SecretString,
    /// Pinned to a stage: read with its own `GetSecretValue`.
    #[secret(id = "{env}/db/mysql", key = "password", stage = "AWSPREVIOUS")]
    previous_password: Option<SecretString>,
    #[component]
    tenants: BTreeMap<String, Tenant>,
}

#[derive(AwsConfig, Debug)]
struct Database {
    host: String,
    port: u16,
    password: SecretString,
}

#[derive(AwsConfig, Debug)]
struct Tenant {
    plan: String,
    #[secret(id = "{env}/tenants/{key}/rds")]
    rds: SecretString,
}

async fn seed(endpoint: &str, env: &str) {
    let config = sdk_config(endpoint);
    let seed = Seed {
        ssm: aws_sdk_ssm::Client::new(&config),
        secrets: aws_sdk_secretsmanager::Client::new(&config),
    };
    seed.param(&format!("/{env}/shop/database/host"), "db.internal")
        .await;
    seed.param(&format!("/{env}/shop/database/port"), "3306")
        .await;
    seed.secure(&format!("/{env}/shop/database/password"), "pw-param")
        .await;
    seed.param(&format!("/{env}/shop/tenants/acme/plan"), "gold")
        .await;
    seed.param(&format!("/{env}/shop/tenants/globex/plan"), "free")
        .await;
    seed.secret(&format!("{env}/stripe/api-key"), "sk_live_iam")
        .await;
    seed.secret(&format!("{env}/db/mysql"), r#"{"password":"old-pw"}"#)
        .await;
    seed.rotate(&format!("{env}/db/mysql"), r#"{"password":"new-pw"}"#)
        .await;
    seed.secret(&format!("{env}/tenants/acme/rds"), "acme-rds")
        .await;
    seed.secret(&format!("{env}/tenants/globex/rds"), "globex-rds")
        .await;
}

/// An SDK config with the given credentials and no retries (a denial is final).
fn sdk_with(endpoint: &str, access_key: &str, secret_key: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            access_key, secret_key, None, None, "iam-test",
        )))
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .operation_attempt_timeout(Duration::from_secs(10))
                .build(),
        )
        .build()
}

/// One IAM query-protocol call to moto (enforcement still off), returning the XML.
fn iam(endpoint: &str, params: &[(&str, &str)]) -> String {
    let mut body = String::from("Version=2010-05-08");
    for (k, v) in params {
        body.push_str(&format!("&{k}={}", form_encode(v)));
    }
    // moto routes an unsigned-looking request by the credential scope's service.
    let auth = "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0";
    let (status, xml) = http_post(
        endpoint,
        "/",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Authorization", auth),
        ],
        &body,
    )
    .unwrap_or_else(|e| panic!("IAM call {params:?}: {e}"));
    assert_eq!(status, 200, "IAM call {params:?} answered {status}: {xml}");
    xml
}

fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn xml_text(xml: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("no <{tag}> in {xml}"))
        + open.len();
    let end = xml[start..]
        .find(&close)
        .unwrap_or_else(|| panic!("no </{tag}> in {xml}"))
        + start;
    xml[start..end].to_string()
}

/// Creates an IAM user whose only permissions are `policy`, and its access key.
fn user_with_policy(endpoint: &str, name: &str, policy: &Value) -> (String, String) {
    iam(endpoint, &[("Action", "CreateUser"), ("UserName", name)]);
    iam(
        endpoint,
        &[
            ("Action", "PutUserPolicy"),
            ("UserName", name),
            ("PolicyName", "awsconf"),
            ("PolicyDocument", &policy.to_string()),
        ],
    );
    let xml = iam(
        endpoint,
        &[("Action", "CreateAccessKey"), ("UserName", name)],
    );
    (
        xml_text(&xml, "AccessKeyId"),
        xml_text(&xml, "SecretAccessKey"),
    )
}

/// The policy as moto can evaluate it: every `Resource` widened to `*` (see the
/// module docs); actions and conditions unchanged.
fn for_moto(policy: &Value) -> Value {
    let mut p = policy.clone();
    if let Some(statements) = p["Statement"].as_array_mut() {
        for s in statements {
            s["Resource"] = json!("*");
        }
    }
    p
}

fn without(policy: &Value, sid: &str) -> Value {
    let mut p = policy.clone();
    if let Some(statements) = p["Statement"].as_array_mut() {
        statements.retain(|s| s["Sid"] != sid);
    }
    p
}

fn statements(policy: &Value) -> Vec<Value> {
    policy["Statement"].as_array().cloned().unwrap_or_default()
}

/// IAM's wildcard match: `*` any run of characters, `?` one character.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Does a statement of `policy` allow `action` on `resource`?
fn allows(policy: &Value, action: &str, resource: &str) -> bool {
    statements(policy).iter().any(|s| {
        s["Action"] == action
            && match &s["Resource"] {
                Value::String(r) => glob(r, resource),
                Value::Array(rs) => rs
                    .iter()
                    .any(|r| r.as_str().is_some_and(|r| glob(r, resource))),
                _ => false,
            }
    })
}

#[test]
fn iam_wildcards_match_like_iam() {
    assert!(glob(
        "arn:x:secret:prod/db-??????",
        "arn:x:secret:prod/db-AbC123"
    ));
    assert!(!glob(
        "arn:x:secret:prod/db-??????",
        "arn:x:secret:prod/db-old-AbC123"
    ));
    assert!(glob(
        "arn:x:parameter/p/shop/tenants/*",
        "arn:x:parameter/p/shop/tenants/"
    ));
    assert!(!glob(
        "arn:x:parameter/p/shop/tenants/*",
        "arn:x:parameter/p/shop/tenantsx/"
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn least_privilege_policy_loads_and_each_statement_is_needed() {
    let moto = Moto::start().expect("moto");
    let endpoint = moto.endpoint().to_string();
    let env = unique_env("iam");
    seed(&endpoint, &env).await;

    let policy = awsconf::iam::policy::<Shop>(&env, REGION, ACCOUNT);
    let sids: Vec<String> = statements(&policy)
        .iter()
        .map(|s| s["Sid"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        sids,
        [
            "ReadNamedParameters",
            "ReadMapComponents",
            "ReadSecrets",
            "BatchReadSecrets",
            "DecryptSecureValues"
        ]
    );

    // Users are made while enforcement is off: one with the whole policy, one per
    // statement removed.
    let full = user_with_policy(&endpoint, "loader", &for_moto(&policy));
    let partial: Vec<(String, String, (String, String))> = statements(&policy)
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let sid = s["Sid"].as_str().unwrap_or_default().to_string();
            let action = s["Action"].as_str().unwrap_or_default().to_string();
            let user = user_with_policy(
                &endpoint,
                &format!("without-{i}"),
                &for_moto(&without(&policy, &sid)),
            );
            (sid, action, user)
        })
        .collect();
    moto.set_iam_enforcement(true).expect("enforce IAM");
    // moto answers its IAM checks in XML even on these JSON services; the proxy
    // turns that into the JSON error AWS sends (see `Proxy::set_json_errors`).
    let proxy = Proxy::start(&endpoint).expect("proxy");
    proxy.set_json_errors(true);

    // Enforcement is really on: the dummy credentials every other test uses fail.
    let err = Shop::loader()
        .env(&env)
        .sdk_config(&sdk_with(&proxy.endpoint(), "testing", "testing"))
        .load()
        .await
        .expect_err("unknown credentials must be refused");
    assert!(
        err.problems()
            .iter()
            .all(|p| p.kind() == ProblemKind::NoCredentials),
        "{:?}",
        problems(&err)
    );

    // The whole policy: the load succeeds; the proxy records its requests.
    proxy.reset_stats();
    let config = Shop::loader()
        .env(&env)
        .sdk_config(&sdk_with(&proxy.endpoint(), &full.0, &full.1))
        .load()
        .await
        .unwrap_or_else(|e| panic!("the policy must be enough: {e}"));
    assert_eq!(config.database.host, "db.internal");
    assert_eq!(config.database.port, 3306);
    assert_eq!(config.database.password.expose_secret(), "pw-param");
    assert_eq!(config.stripe_key.expose_secret(), "sk_live_iam");
    assert_eq!(
        config
            .previous_password
            .as_ref()
            .map(|p| p.expose_secret().to_string()),
        Some("old-pw".to_string())
    );
    assert_eq!(config.tenants["acme"].plan, "gold");
    assert_eq!(config.tenants["globex"].rds.expose_secret(), "globex-rds");

    // The real resources: every request of that load is allowed by the policy as
    // written (ARNs, not `*`).
    let mut secret_arns: BTreeMap<String, String> = BTreeMap::new();
    {
        moto.set_iam_enforcement(false).expect("pause IAM");
        let sm = aws_sdk_secretsmanager::Client::new(&sdk_config(&endpoint));
        for id in [
            "stripe/api-key",
            "db/mysql",
            "tenants/acme/rds",
            "tenants/globex/rds",
        ] {
            let id = format!("{env}/{id}");
            let d = sm
                .describe_secret()
                .secret_id(&id)
                .send()
                .await
                .expect("describe");
            secret_arns.insert(id, d.arn().unwrap_or_default().to_string());
        }
        moto.set_iam_enforcement(true).expect("enforce IAM");
    }
    let ssm_arn = |name: &str| format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{name}");
    let mut checked = 0;
    for request in proxy.requests() {
        let body: Value = serde_json::from_str(&request.body).unwrap_or(Value::Null);
        let wanted: Vec<(&str, String)> = match request.op.as_str() {
            "GetParameters" => body["Names"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|n| {
                    (
                        "ssm:GetParameters",
                        ssm_arn(n.split(':').next().unwrap_or(n)),
                    )
                })
                .collect(),
            "GetParametersByPath" => vec![(
                "ssm:GetParametersByPath",
                ssm_arn(body["Path"].as_str().unwrap_or_default()),
            )],
            "BatchGetSecretValue" => {
                let mut w = vec![("secretsmanager:BatchGetSecretValue", "*".to_string())];
                for id in body["SecretIdList"].as_array().into_iter().flatten() {
                    let id = id.as_str().unwrap_or_default();
                    w.push(("secretsmanager:GetSecretValue", secret_arns[id].clone()));
                }
                w
            }
            "GetSecretValue" => vec![(
                "secretsmanager:GetSecretValue",
                secret_arns[body["SecretId"].as_str().unwrap_or_default()].clone(),
            )],
            other => panic!("unexpected request {other}"),
        };
        for (action, resource) in wanted {
            assert!(
                allows(&policy, action, &resource),
                "{action} on {resource} is not allowed by {policy:#}"
            );
            checked += 1;
        }
    }
    // 3 names, 1 path, 1 batch + its 3 static... and entry ids, 1 pinned secret.
    assert!(checked >= 10, "only {checked} resources checked");

    // Each statement removed: the load fails and names that statement's action.
    for (sid, action, (key, secret)) in &partial {
        let result = Shop::loader()
            .env(&env)
            .sdk_config(&sdk_with(&proxy.endpoint(), key, secret))
            .load()
            .await;
        if sid == "DecryptSecureValues" {
            // moto never calls KMS on the caller's behalf (see the module docs).
            assert!(result.is_ok(), "{:?}", result.err().map(|e| problems(&e)));
            continue;
        }
        let err = result
            .err()
            .unwrap_or_else(|| panic!("without {sid} the load must fail"));
        let denied: Vec<String> = err
            .problems()
            .iter()
            .filter(|p| p.kind() == ProblemKind::AccessDenied)
            .map(|p| p.to_string())
            .collect();
        assert!(
            denied
                .iter()
                .any(|p| p.contains(&format!("needs {action} "))),
            "without {sid}: expected access denied naming {action}, got {:?}",
            problems(&err)
        );
    }
}

#[test]
fn policy_names_exact_resources_and_scopes_kms_to_the_services() {
    let policy = awsconf::iam::policy::<Shop>("production", "eu-west-1", "111122223333");
    assert_eq!(
        policy,
        json!({
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ReadNamedParameters",
                    "Effect": "Allow",
                    "Action": "ssm:GetParameters",
                    "Resource": [
                        "arn:aws:ssm:eu-west-1:111122223333:parameter/production/shop/database/host",
                        "arn:aws:ssm:eu-west-1:111122223333:parameter/production/shop/database/password",
                        "arn:aws:ssm:eu-west-1:111122223333:parameter/production/shop/database/port",
                        "arn:aws:ssm:eu-west-1:111122223333:parameter/production/shop/log-level"
                    ]
                },
                {
                    "Sid": "ReadMapComponents",
                    "Effect": "Allow",
                    "Action": "ssm:GetParametersByPath",
                    "Resource": [
                        "arn:aws:ssm:eu-west-1:111122223333:parameter/production/shop/tenants",
                        "arn:aws:ssm:eu-west-1:111122223333:parameter/production/shop/tenants/*"
                    ]
                },
                {
                    "Sid": "ReadSecrets",
                    "Effect": "Allow",
                    "Action": "secretsmanager:GetSecretValue",
                    "Resource": [
                        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:production/db/mysql-??????",
                        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:production/stripe/api-key-??????",
                        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:production/tenants/*/rds-??????"
                    ]
                },
                {
                    "Sid": "BatchReadSecrets",
                    "Effect": "Allow",
                    "Action": "secretsmanager:BatchGetSecretValue",
                    "Resource": "*"
                },
                {
                    "Sid": "DecryptSecureValues",
                    "Effect": "Allow",
                    "Action": "kms:Decrypt",
                    "Resource": ["arn:aws:kms:eu-west-1:111122223333:key/*"],
                    "Condition": {
                        "StringEquals": {
                            "kms:ViaService": [
                                "ssm.eu-west-1.amazonaws.com",
                                "secretsmanager.eu-west-1.amazonaws.com"
                            ]
                        }
                    }
                }
            ]
        })
    );
    assert!(awsconf::iam::policy_size(&policy) < awsconf::iam::MANAGED_POLICY_MAX_CHARS);
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "plain")]
struct Plain {
    port: u16,
    hosts: Vec<String>,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "pinned")]
struct OnlyPinned {
    #[secret(id = "{env}/db", stage = "AWSPREVIOUS")]
    previous: Option<SecretString>,
}

#[test]
fn statements_without_calls_are_left_out() {
    // No secret and no SecureString: no Secrets Manager and no KMS statement.
    let plain = awsconf::iam::policy::<Plain>("dev", "us-east-1", ACCOUNT);
    let sids: Vec<&str> = plain["Statement"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["Sid"].as_str())
        .collect();
    assert_eq!(sids, ["ReadNamedParameters"]);

    // Only a pinned secret: GetSecretValue, no BatchGetSecretValue; KMS only via
    // Secrets Manager. In China the partition and DNS suffix change.
    let pinned = awsconf::iam::policy::<OnlyPinned>("dev", "cn-north-1", ACCOUNT);
    let sids: Vec<&str> = pinned["Statement"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["Sid"].as_str())
        .collect();
    assert_eq!(sids, ["ReadSecrets", "DecryptSecureValues"]);
    assert_eq!(
        pinned["Statement"][0]["Resource"],
        json!(["arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:dev/db-??????"])
    );
    assert_eq!(
        pinned["Statement"][1]["Condition"]["StringEquals"]["kms:ViaService"],
        json!(["secretsmanager.cn-north-1.amazonaws.com.cn"])
    );
}

/// Every ARN awsconf writes is in the region's partition: the policy's
/// resources, its KMS keys and `kms:ViaService` hosts.
#[test]
fn policies_use_the_partition_of_their_region() {
    for (region, partition, suffix) in [
        ("us-east-1", "aws", "amazonaws.com"),
        ("cn-northwest-1", "aws-cn", "amazonaws.com.cn"),
        ("us-gov-west-1", "aws-us-gov", "amazonaws.com"),
        ("us-iso-east-1", "aws-iso", "c2s.ic.gov"),
        ("us-isob-east-1", "aws-iso-b", "sc2s.sgov.gov"),
        ("eu-isoe-west-1", "aws-iso-e", "cloud.adc-e.uk"),
        ("us-isof-south-1", "aws-iso-f", "csp.hci.ic.gov"),
        ("eusc-de-east-1", "aws-eusc", "amazonaws.eu"),
    ] {
        let policy = awsconf::iam::policy::<Shop>("production", region, ACCOUNT);
        let text = policy.to_string();
        let arns: Vec<&str> = text.split('"').filter(|s| s.starts_with("arn:")).collect();
        assert!(arns.len() >= 8, "{region}: {text}");
        for arn in arns {
            assert!(
                arn.starts_with(&format!("arn:{partition}:")),
                "{region}: {arn}"
            );
        }
        assert!(
            text.contains(&format!("\"ssm.{region}.{suffix}\"")),
            "{region}: {text}"
        );
        assert!(
            text.contains(&format!("\"secretsmanager.{region}.{suffix}\"")),
            "{region}: {text}"
        );
    }
}

/// The access-denied hint of a load names the resource in the region's
/// partition, not `arn:aws:` everywhere.
#[tokio::test]
async fn access_denied_hints_use_the_partition_of_the_region() {
    let moto = Moto::start().expect("moto");
    let proxy = Proxy::start(moto.endpoint()).expect("proxy");
    proxy.add_rule(awsconf_testkit::Rule::always(
        None,
        awsconf_testkit::Fault::Respond {
            status: 400,
            body: r#"{"__type":"AccessDeniedException","message":"denied"}"#.into(),
        },
    ));
    let config = sdk_config(&proxy.endpoint())
        .into_builder()
        .region(Region::new("cn-north-1"))
        .build();
    let err = Shop::loader()
        .env("production")
        .sdk_config(&config)
        .load()
        .await
        .expect_err("denied");
    let denied: Vec<String> = err
        .problems()
        .iter()
        .filter(|p| p.kind() == ProblemKind::AccessDenied)
        .map(|p| p.message().to_string())
        .filter(|m| m.contains("arn:"))
        .collect();
    // GetParameters, GetParametersByPath and the pinned secret's GetSecretValue.
    assert_eq!(denied.len(), 3, "{err}");
    for message in &denied {
        assert!(message.contains("arn:aws-cn:"), "{message}");
        assert!(!message.contains("arn:aws:"), "{message}");
    }
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "wide")]
struct Wide {
    #[component]
    tenants: BTreeMap<String, KeyFirst>,
}

#[derive(AwsConfig, Debug)]
struct KeyFirst {
    plan: String,
    /// The id starts with the map key: the policy must allow `*/rds`.
    #[secret(id = "{key}/rds")]
    rds: SecretString,
}

#[test]
fn a_statement_that_covers_every_secret_is_warned_about() {
    let policy = awsconf::iam::policy::<Wide>("production", REGION, ACCOUNT);
    let warnings = awsconf::iam::broad_statements(&policy);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("statement ReadSecrets grants secretsmanager:GetSecretValue on arn:aws:secretsmanager:us-east-1:123456789012:secret:*/rds-??????, which matches every secret"),
        "{}",
        warnings[0]
    );
    assert!(
        awsconf::iam::broad_statements(&awsconf::iam::policy::<Shop>(
            "production",
            REGION,
            ACCOUNT
        ))
        .is_empty()
    );

    // The CLI prints the warning on stderr and the policy on stdout.
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let code = rt.block_on(awsconf::cli::run_with::<Wide, _, _>(
        [
            "awsconf",
            "--env",
            "production",
            "iam-policy",
            "--account",
            ACCOUNT,
            "--region",
            REGION,
        ],
        None,
        &mut out,
        &mut err,
    ));
    assert_eq!(code, 0);
    let (out, err) = (String::from_utf8_lossy(&out), String::from_utf8_lossy(&err));
    assert!(err.contains("warning: statement ReadSecrets"), "{err}");
    assert!(out.contains("\"ReadSecrets\""), "{out}");
    assert!(!out.contains("warning"), "{out}");
}

#[test]
fn policy_options_refuse_a_malformed_or_swapped_region_and_account() {
    use awsconf::iam::{PolicyError, PolicyOptions};
    let swapped = PolicyOptions::new(ACCOUNT, REGION).expect_err("swapped");
    assert_eq!(swapped, PolicyError::Region(ACCOUNT.into()));
    assert_eq!(
        swapped.to_string(),
        "region `123456789012` is not an AWS region name such as us-east-1; it looks like the account: are region and account swapped?"
    );
    assert_eq!(
        PolicyOptions::new(REGION, "42").map(|_| ()),
        Err(PolicyError::Account("42".into()))
    );
    assert!(PolicyOptions::new("us_east_1", ACCOUNT).is_err());
    let options = PolicyOptions::new("us-gov-west-1", ACCOUNT).expect("valid");
    assert_eq!(options.partition().id, "aws-us-gov");
    // Checked options give the same policy as the plain function.
    let options = PolicyOptions::new(REGION, ACCOUNT).expect("valid");
    assert_eq!(
        awsconf::iam::policy_with::<Shop>("production", &options),
        awsconf::iam::policy::<Shop>("production", REGION, ACCOUNT)
    );
}

/// `watch()` describes each secret on refresh. With `.watch(true)` the policy
/// grants `secretsmanager:DescribeSecret`, and a `Live` under that policy alone
/// refreshes by describing, without reading unchanged values; without it,
/// DescribeSecret is denied.
#[tokio::test]
async fn the_watch_policy_lets_a_live_config_describe_its_secrets() {
    let moto = Moto::start().expect("moto");
    let endpoint = moto.endpoint().to_string();
    let env = unique_env("iam-watch");
    seed(&endpoint, &env).await;
    let options = awsconf::iam::PolicyOptions::new(REGION, ACCOUNT)
        .expect("valid")
        .watch(true);
    let policy = awsconf::iam::policy_with::<Shop>(&env, &options);
    let describe: Vec<Value> = statements(&policy)
        .into_iter()
        .filter(|s| s["Action"] == "secretsmanager:DescribeSecret")
        .collect();
    assert_eq!(describe.len(), 1, "{policy}");
    assert_eq!(describe[0]["Sid"], "DescribeSecretsForRefresh");
    for arn in describe[0]["Resource"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        assert!(
            arn.as_str().is_some_and(
                |a| a.starts_with("arn:aws:secretsmanager:us-east-1:123456789012:secret:")
            ),
            "{arn}"
        );
    }
    let watcher = user_with_policy(&endpoint, "watcher", &for_moto(&policy));
    let loader_only = user_with_policy(
        &endpoint,
        "loader-only",
        &for_moto(&awsconf::iam::policy::<Shop>(&env, REGION, ACCOUNT)),
    );
    moto.set_iam_enforcement(true).expect("enforce IAM");
    let proxy = Proxy::start(&endpoint).expect("proxy");
    proxy.set_json_errors(true);

    for ((key, secret), describes) in [(watcher, true), (loader_only, false)] {
        let live = Shop::loader()
            .env(&env)
            .sdk_config(&sdk_with(&proxy.endpoint(), &key, &secret))
            .watch(Duration::from_secs(3600))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        proxy.reset_stats();
        let refreshed = live.refresh_now().await;
        assert!(refreshed.is_ok(), "{refreshed:?}");
        let reads = proxy.count("BatchGetSecretValue") + proxy.count("GetSecretValue");
        if describes {
            assert!(proxy.count("DescribeSecret") >= 1, "{:?}", proxy.counts());
            assert_eq!(
                reads,
                0,
                "unchanged secrets are not read: {:?}",
                proxy.counts()
            );
        } else {
            assert!(
                reads >= 1,
                "denied DescribeSecret: values read again: {:?}",
                proxy.counts()
            );
        }
    }
}
