//! With a service's cargo feature off, fields that need it are a clear problem
//! (never a silent default), and the other service still works. Run with
//! `cargo test -p awsconf --no-default-features --features ssm --test features`
//! (or `--features secretsmanager`), both without the SDK's HTTPS client;
//! `.ci/run` does both.

#![cfg(not(all(feature = "ssm", feature = "secretsmanager")))]
#![allow(dead_code)]

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use awsconf::{AwsConfig, ProblemKind};

/// Nothing listens here: a disabled service must not even try.
fn sdk_config() -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url("http://127.0.0.1:9")
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "features-test",
        )))
        .build()
}

#[cfg(not(feature = "secretsmanager"))]
#[tokio::test]
async fn secret_fields_need_the_secretsmanager_feature() {
    #[derive(AwsConfig, Debug)]
    #[aws_config(app = "f")]
    struct OnlySecrets {
        #[secret(id = "{env}/db")]
        db: awsconf::SecretString,
    }
    let err = OnlySecrets::loader()
        .env("prod")
        .sdk_config(&sdk_config())
        .load()
        .await
        .expect_err("feature off");
    let p = &err.problems()[0];
    assert_eq!(p.kind(), ProblemKind::Disabled, "{err}");
    assert_eq!(
        p.to_string(),
        "secret prod/db: awsconf was built without its `secretsmanager` feature, so secret prod/db cannot be read; enable the feature or supply the value from a local layer with .offline()"
    );
}

#[cfg(not(feature = "ssm"))]
#[tokio::test]
async fn parameter_fields_need_the_ssm_feature() {
    #[derive(AwsConfig, Debug)]
    #[aws_config(app = "f")]
    struct OnlyParams {
        host: String,
        port: u16,
    }
    let err = OnlyParams::loader()
        .env("prod")
        .sdk_config(&sdk_config())
        .load()
        .await
        .expect_err("feature off");
    assert_eq!(err.problems().len(), 1, "{err}");
    let p = &err.problems()[0];
    assert_eq!(p.kind(), ProblemKind::Disabled, "{err}");
    assert_eq!(
        p.to_string(),
        "{host,port}: awsconf was built without its `ssm` feature, so the parameters /prod/f/{host,port} cannot be read; enable the feature or supply the value from a local layer with .offline()"
    );
}

/// Without `default-https-client` and without an HTTP client in the given
/// `SdkConfig`, a load that needs a service fails at once with a problem that
/// names the field and says what to do; it does not hang or panic.
#[cfg(all(feature = "ssm", not(feature = "default-https-client")))]
#[tokio::test]
async fn without_an_http_client_the_load_says_so() {
    #[derive(AwsConfig, Debug)]
    #[aws_config(app = "f")]
    struct OnlyParams {
        host: String,
    }
    let err = OnlyParams::loader()
        .env("prod")
        .sdk_config(&sdk_config())
        .load()
        .await
        .expect_err("no HTTP client");
    assert_eq!(err.problems().len(), 1, "{err}");
    let p = &err.problems()[0];
    let text = p.to_string();
    assert_eq!(p.kind(), ProblemKind::Aws, "{text}");
    assert!(
        text.starts_with("host (/prod/f/host): ssm:GetParameters could not be sent")
            && text.contains("Enable the `default-https-client` crate feature"),
        "{text}"
    );
}
