//! Behaviour that reads the process environment (AWSCONF_ENV, AWSCONF_OFFLINE,
//! figment's Env layer). One test in its own binary, so nothing else reads the
//! environment while it changes.

use awsconf::figment::providers::{Env, Format, Toml};
use awsconf::{AwsConfig, ProblemKind};
use awsconf_tests::{moto, sdk_config, unique_env, Proxy, Seed};

#[derive(AwsConfig, Debug)]
#[aws_config(app = "envy")]
struct Envy {
    #[component]
    database: Database,
    #[param(default = "info")]
    log_level: String,
}

#[derive(AwsConfig, Debug)]
struct Database {
    host: String,
    port: u16,
}

fn set(key: &str, value: &str) {
    // SAFETY of the environment: this binary has one test and sets variables
    // before any other thread reads them for the next step.
    std::env::set_var(key, value);
}

/// A directory that is removed when dropped, also when the test fails.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn environment_variables_choose_env_offline_mode_and_override_values() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let env = unique_env("envy");
    let proxy = Proxy::start(moto()).expect("proxy");
    let sdk = sdk_config(&proxy.endpoint());
    rt.block_on(async {
        let seed = Seed::new();
        seed.param(&format!("/{env}/envy/database/host"), "db.aws")
            .await;
        seed.param(&format!("/{env}/envy/database/port"), "5432")
            .await;
    });

    // 1. No env anywhere: an error, not a guess.
    std::env::remove_var("AWSCONF_ENV");
    std::env::remove_var("AWSCONF_OFFLINE");
    let err = rt
        .block_on(Envy::loader().sdk_config(&sdk).load())
        .expect_err("no env");
    assert_eq!(err.problems().len(), 1);
    assert_eq!(err.problems()[0].kind(), ProblemKind::NoEnv);
    assert_eq!(
        err.to_string(),
        "could not load Envy: 1 problem\n  - no environment given: call .env(\"production\") or set AWSCONF_ENV"
    );
    assert_eq!(proxy.total(), 0, "no call without an env");

    // 2. AWSCONF_ENV names the env when .env() is not called.
    set("AWSCONF_ENV", &env);
    let config = rt
        .block_on(Envy::loader().sdk_config(&sdk).load())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.database.host, "db.aws");
    assert!(proxy.total() > 0);

    // 3. An env var layer beats AWS and TOML (API_DATABASE__PORT -> database.port).
    set("ENVY_DATABASE__PORT", "6000");
    set("ENVY_LOG_LEVEL", "debug");
    let config = rt
        .block_on(
            Envy::loader()
                .sdk_config(&sdk)
                .merge(Toml::string(
                    "[database]\nport = 5555\nhost = \"toml.local\"",
                ))
                .merge(Env::prefixed("ENVY_").split("__"))
                .load(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.database.port, 6000, "env var beats TOML and AWS");
    assert_eq!(config.database.host, "toml.local", "TOML beats AWS");
    assert_eq!(config.log_level, "debug");

    // 4. AWSCONF_OFFLINE=1 makes no AWS call at all: local layers only.
    proxy.reset_stats();
    set("AWSCONF_OFFLINE", "1");
    let config = rt
        .block_on(
            Envy::loader()
                .sdk_config(&sdk)
                .merge(Toml::string("[database]\nhost = \"offline.local\""))
                .merge(Env::prefixed("ENVY_").split("__"))
                .load(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.database.host, "offline.local");
    assert_eq!(config.database.port, 6000);
    assert_eq!(
        proxy.total(),
        0,
        "AWSCONF_OFFLINE=1 must not call AWS: {:?}",
        proxy.counts()
    );
    std::env::remove_var("AWSCONF_OFFLINE");

    // 5. No sdk_config: the default chain. A region but no credentials anywhere
    //    (and IMDS disabled): one NoCredentials problem, before any call.
    let home_dir =
        TempDir(std::env::temp_dir().join(format!("awsconf-empty-home-{}", std::process::id())));
    let home = home_dir.0.clone();
    std::fs::create_dir_all(&home).expect("temp home");
    for var in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ] {
        std::env::remove_var(var);
    }
    set("HOME", &home.display().to_string());
    set(
        "AWS_CONFIG_FILE",
        &home.join("config").display().to_string(),
    );
    set(
        "AWS_SHARED_CREDENTIALS_FILE",
        &home.join("credentials").display().to_string(),
    );
    set("AWS_EC2_METADATA_DISABLED", "true");
    set("AWS_ENDPOINT_URL", &proxy.endpoint());
    set("AWS_REGION", "us-east-1");
    proxy.reset_stats();
    let started = std::time::Instant::now();
    let err = rt
        .block_on(Envy::loader().load())
        .expect_err("no credentials");
    let elapsed = started.elapsed();
    assert_eq!(err.problems().len(), 1, "{err}");
    assert_eq!(
        err.problems()[0].kind(),
        ProblemKind::NoCredentials,
        "{err}"
    );
    // In plain words, naming every provider the SDK tried, not its Debug dump
    // (`CredentialsNotLoaded(CredentialsNotLoaded { source: Some(ProviderChainError ..`).
    let message = err.problems()[0].message();
    assert!(
        message.starts_with("no AWS credentials found; the SDK tried, in order: "),
        "{err}"
    );
    for tried in [
        "environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY): environment variable not set",
        "profile (AWS_PROFILE or `default`, in ~/.aws/config and ~/.aws/credentials)",
        "web identity (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)",
        "ECS container credentials",
        "EC2 instance metadata (IMDS): IMDS disabled by AWS_EC2_METADATA_DISABLED",
        "use .offline() for local development",
    ] {
        assert!(message.contains(tried), "does not say {tried:?}: {err}");
    }
    let report = format!("{err}\n{err:?}");
    for internal in ["ProviderChainError", "CredentialsNotLoaded", "{", "Some("] {
        assert!(!report.contains(internal), "SDK internals in: {report}");
    }
    assert_eq!(proxy.total(), 0);
    println!("no credentials reported after {elapsed:?}");

    // 5b. The same with IMDS enabled: the chain asks the metadata endpoint last;
    //     its time is printed (it depends on the network), the problem must match.
    std::env::remove_var("AWS_EC2_METADATA_DISABLED");
    let started = std::time::Instant::now();
    let err = rt
        .block_on(Envy::loader().load())
        .expect_err("no credentials");
    println!(
        "no credentials (IMDS enabled) reported after {:?}",
        started.elapsed()
    );
    assert_eq!(
        err.problems()[0].kind(),
        ProblemKind::NoCredentials,
        "{err}"
    );
    set("AWS_EC2_METADATA_DISABLED", "true");

    // 6. No region at all: NoRegion, before any call.
    std::env::remove_var("AWS_REGION");
    std::env::remove_var("AWS_DEFAULT_REGION");
    let started = std::time::Instant::now();
    let err = rt.block_on(Envy::loader().load()).expect_err("no region");
    println!("no region reported after {:?}", started.elapsed());
    assert_eq!(err.problems()[0].kind(), ProblemKind::NoRegion, "{err}");
    for tried in [
        "environment variables (AWS_REGION, AWS_DEFAULT_REGION)",
        "profile",
        "EC2 instance metadata",
        "set AWS_REGION",
    ] {
        assert!(
            err.to_string().contains(tried),
            "does not say {tried:?}: {err}"
        );
    }
    assert_eq!(proxy.total(), 0);

    // The empty home is not left behind in the temp dir.
    drop(home_dir);
    assert!(!home.exists(), "{} was left behind", home.display());
}
