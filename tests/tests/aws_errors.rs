//! AWS failures in plain words: access denied names the IAM action and resource,
//! KMS failures say KMS, throttling past retries says throttled, and a load with
//! no region or no credentials fails at once.

#![allow(dead_code)]

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use awsconf::{AwsConfig, ProblemKind, SecretString};
use awsconf_tests::{moto, problems, sdk_config, unique_env, Fault, Proxy, Rule, Seed};

#[derive(AwsConfig, Debug)]
#[aws_config(app = "api")]
struct Api {
    #[component]
    database: Database,
}

#[derive(AwsConfig, Debug)]
struct Database {
    host: String,
    port: u16,
    password: SecretString,
}

async fn seed(env: &str) {
    let seed = Seed::new();
    seed.param(&format!("/{env}/api/database/host"), "db").await;
    seed.param(&format!("/{env}/api/database/port"), "5432")
        .await;
    seed.secure(&format!("/{env}/api/database/password"), "pw")
        .await;
}

#[tokio::test]
async fn access_denied_names_action_and_parameter_arn() {
    let env = unique_env("deny");
    seed(&env).await;
    let proxy = Proxy::start(moto()).expect("proxy");
    proxy.add_rule(Rule::always(
        Some("GetParameters"),
        Fault::Respond {
            status: 400,
            body: r#"{"__type":"AccessDeniedException","message":"User: arn:aws:sts::123456789012:assumed-role/api/i-0 is not authorized to perform: ssm:GetParameters on resource: arn:aws:ssm:us-east-1:123456789012:parameter/x because no identity-based policy allows the ssm:GetParameters action"}"#.into(),
        },
    ));
    let err = Api::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .load()
        .await
        .expect_err("denied");
    assert_eq!(
        problems(&err),
        vec![format!(
            "database.{{host,password,port}} (/{env}/api/database/{{host,password,port}}): access denied: needs ssm:GetParameters on arn:aws:ssm:us-east-1:123456789012:parameter/{env}/api/database/*"
        )]
    );
    assert_eq!(err.problems()[0].kind(), ProblemKind::AccessDenied);
    assert!(std::error::Error::source(&err.problems()[0]).is_some());
}

#[tokio::test]
async fn kms_invalid_key_on_securestring_is_a_kms_problem() {
    let env = unique_env("kms");
    seed(&env).await;
    let proxy = Proxy::start(moto()).expect("proxy");
    proxy.add_rule(Rule::always(
        Some("GetParameters"),
        Fault::Respond {
            status: 400,
            body: r#"{"__type":"InvalidKeyId","message":"The KMS key alias/old-key is disabled."}"#
                .into(),
        },
    ));
    let err = Api::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .load()
        .await
        .expect_err("kms");
    assert_eq!(
        problems(&err),
        vec![format!(
            "database.{{host,password,port}} (/{env}/api/database/{{host,password,port}}): KMS could not decrypt (InvalidKeyId: The KMS key alias/old-key is disabled.); check that the KMS key exists and is enabled, and that the role has kms:Decrypt on it"
        )]
    );
    assert_eq!(err.problems()[0].kind(), ProblemKind::Kms);
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "api")]
struct WithSecret {
    #[component]
    database: Database,
    #[secret(id = "{env}/stripe")]
    stripe: SecretString,
}

#[tokio::test]
async fn throttling_until_the_deadline_is_reported_as_throttled() {
    let env = unique_env("throttle");
    seed(&env).await;
    Seed::new().secret(&format!("{env}/stripe"), "sk").await;
    let proxy = Proxy::start(moto()).expect("proxy");
    proxy.add_rule(Rule::always(None, Fault::Throttle));
    let deadline = Duration::from_secs(10);
    let started = std::time::Instant::now();
    let err = WithSecret::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .timeout(deadline)
        .load()
        .await
        .expect_err("throttled");
    let elapsed = started.elapsed();
    let mut got = problems(&err);
    got.sort();
    assert_eq!(
        got,
        vec![
            format!("database.{{host,password,port}} (/{env}/api/database/{{host,password,port}}): ssm:GetParameters was still throttled by AWS when the load's deadline came near (ThrottlingException); Parameter Store allows 40 calls per second per account and region by default, shared by every process; raise .timeout(..), spread the starts with .start_jitter(..), or raise the account's Parameter Store throughput"),
            // A throttled batch is read with GetSecretValue (`SecretReads::Auto`).
            format!("secret {env}/stripe: secretsmanager:GetSecretValue was still throttled by AWS when the load's deadline came near (ThrottlingException); Secrets Manager's quotas are per account and region, shared by every process; raise .timeout(..) or spread the starts with .start_jitter(..)"),
        ]
    );
    assert!(err
        .problems()
        .iter()
        .all(|p| p.kind() == ProblemKind::Throttled));
    assert!(
        proxy.count("GetParameters") > 1 && proxy.count("GetSecretValue") > 1,
        "awsconf re-issues throttled calls until the deadline"
    );
    assert!(
        elapsed < deadline,
        "reported within the load's deadline ({elapsed:?})"
    );
}

#[tokio::test]
async fn transient_throttling_is_retried_and_the_load_succeeds() {
    let env = unique_env("retry");
    seed(&env).await;
    let proxy = Proxy::start(moto()).expect("proxy");
    proxy.add_rule(Rule::always(Some("GetParameters"), Fault::Throttle).times(1));
    let config = Api::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.database.port, 5432);
    assert_eq!(proxy.count("GetParameters"), 2);
}

#[tokio::test]
async fn html_error_page_is_a_clear_problem() {
    let env = unique_env("html");
    seed(&env).await;
    let proxy = Proxy::start(moto()).expect("proxy");
    proxy.add_rule(Rule::always(Some("GetParameters"), Fault::Html500));
    let err = Api::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .load()
        .await
        .expect_err("html");
    assert_eq!(
        problems(&err),
        vec![format!(
            "database.{{host,password,port}} (/{env}/api/database/{{host,password,port}}): ssm:GetParameters got a response that is not an AWS answer (HTTP 500, an HTML error page or a truncated body); the endpoint or a proxy in between is failing"
        )]
    );
    assert_eq!(err.problems()[0].kind(), ProblemKind::Aws);
    assert_eq!(
        proxy.count("GetParameters"),
        3,
        "a 500 is retried like any server error"
    );
}

#[tokio::test]
async fn no_region_fails_at_once_without_a_call() {
    let env = unique_env("noregion");
    let config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(moto())
        .build();
    let err = Api::loader()
        .env(&env)
        .sdk_config(&config)
        .load()
        .await
        .expect_err("no region");
    assert_eq!(
        problems(&err),
        vec!["no AWS region: set AWS_REGION (or a profile's region), or pass .sdk_config(..) with one".to_string()]
    );
    assert_eq!(err.problems()[0].kind(), ProblemKind::NoRegion);
}

#[tokio::test]
async fn no_credentials_fails_at_once_without_a_call() {
    let env = unique_env("nocreds");
    let proxy = Proxy::start(moto()).expect("proxy");
    let config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(proxy.endpoint())
        .build();
    let err = Api::loader()
        .env(&env)
        .sdk_config(&config)
        .timeout(Duration::from_secs(10))
        .load()
        .await
        .expect_err("no credentials");
    assert_eq!(
        err.problems()[0].kind(),
        ProblemKind::NoCredentials,
        "{err}"
    );
    assert_eq!(proxy.total(), 0);
}

#[tokio::test]
async fn stalled_endpoint_hits_the_load_timeout() {
    let env = unique_env("stall");
    let proxy = Proxy::start(moto()).expect("proxy");
    proxy.add_rule(Rule::always(None, Fault::Stall));
    let mut config = sdk_config(&proxy.endpoint()).into_builder();
    config.set_timeout_config(None);
    let started = std::time::Instant::now();
    let err = Api::loader()
        .env(&env)
        .sdk_config(&config.build())
        .timeout(Duration::from_secs(2))
        .load()
        .await
        .expect_err("stalled");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_secs(1) && elapsed <= Duration::from_secs(3),
        "the configured bound of 2 s, within 1 s: {elapsed:?}"
    );
    assert_eq!(err.problems().len(), 1);
    assert_eq!(err.problems()[0].kind(), ProblemKind::Timeout);
    assert_eq!(
        err.problems()[0].message(),
        "the load did not finish within 2s: AWS (or the endpoint) did not answer in time; raise it with .timeout(..) or check the network"
    );
}
