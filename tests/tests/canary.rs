//! A canary secret value is planted everywhere a secret can live (parameters,
//! secrets, containers of secrets, an alias of `SecretString`, local TOML
//! and JSON layers that fail to parse), every error is provoked, the config's
//! `Debug` printed, a `Live` refresh made to fail, every CLI subcommand run, and
//! all tracing output captured at TRACE (the SDK's included); the canary must
//! appear nowhere. One test in its own binary, because it installs the global
//! tracing subscriber.

#![allow(dead_code)]

use std::collections::HashMap;

use std::time::Duration;

use awsconf::figment::providers::{Format, Json, Toml};
use awsconf::{AwsConfig, SecretString};
use awsconf_tests::{moto, sdk_config, unique_env, Capture, Fault, Proxy, Rule, Seed};
use serde::Deserialize;

#[derive(Deserialize, Debug, awsconf::Secret)]
struct DbCredentials {
    #[secret(plaintext)]
    username: String,
    password: SecretString,
    #[secret(plaintext)]
    port: u16,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "canary")]
struct Good {
    #[component]
    database: Database,
    #[secret(id = "{env}/api-key")]
    api_key: SecretString,
    #[secret(id = "{env}/db")]
    credentials: DbCredentials,
}

#[derive(AwsConfig, Debug)]
struct Database {
    host: String,
    password: SecretString,
}

/// An alias of `SecretString` (a `Secret` through the alias; `#[param(secret)]`
/// on it checks just that).
type Token = SecretString;

/// Secrets inside containers and behind an alias.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "canary")]
struct Containers {
    keys: Vec<SecretString>,
    #[param(json)]
    by_region: Option<HashMap<String, SecretString>>,
    maybe: Option<SecretString>,
    #[param(secret)]
    token: Token,
}

/// A config a `Live` watches; its pin is made to fail on refresh.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "canary-live")]
struct Watched {
    pin: u16,
    #[secret(id = "{env}/api-key")]
    api_key: SecretString,
}

/// A number held in a secret (a user type: `#[secret]` on a bare `u32` does not compile).
#[derive(Deserialize, Debug, awsconf::Secret)]
struct Pin(#[secret(plaintext)] u32);

#[derive(AwsConfig, Debug)]
#[aws_config(app = "canary")]
struct Bad {
    /// A SecureString holding the canary, read into a number (refused: not a Secret).
    pin: u16,
    /// A SecureString holding the canary, read into a list of numbers (refused).
    pins: Vec<u16>,
    /// JSON secret whose `port` is the canary.
    #[secret(id = "{env}/bad-port")]
    bad_port: DbCredentials,
    /// A secret that is the canary, not JSON, read by key.
    #[secret(id = "{env}/api-key", key = "password")]
    by_key: SecretString,
    /// A secret that is the canary, read as a struct.
    #[secret(id = "{env}/api-key")]
    as_struct: DbCredentials,
    /// Binary secret with the canary's bytes, read as a number.
    #[secret(id = "{env}/binary")]
    binary: Pin,
    #[secret(id = "{env}/no-such")]
    missing: SecretString,
}

#[test]
fn canary_secret_appears_in_no_debug_display_error_or_log() {
    let capture = Capture::default();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .init();

    let canary = format!("CANARY-{}-b8f3e1", std::process::id());
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let env = unique_env("canary");
    let mut printed = String::new();

    rt.block_on(async {
        let seed = Seed::new();
        let p = format!("/{env}/canary");
        seed.param(&format!("{p}/database/host"), "db.internal")
            .await;
        seed.secure(&format!("{p}/database/password"), &canary)
            .await;
        seed.secure(&format!("{p}/pin"), &canary).await;
        seed.secure(&format!("{p}/pins"), &format!("1,{canary}"))
            .await;
        seed.secret(&format!("{env}/api-key"), &canary).await;
        seed.secret(
            &format!("{env}/db"),
            &format!(r#"{{"username":"u","password":"{canary}","port":5432}}"#),
        )
        .await;
        seed.secret(
            &format!("{env}/bad-port"),
            &format!(r#"{{"username":"u","password":"x","port":"{canary}"}}"#),
        )
        .await;
        seed.secret_binary(&format!("{env}/binary"), canary.as_bytes())
            .await;

        // A good load: the whole config's Debug.
        let good = Good::loader()
            .env(&env)
            .sdk_config(&sdk_config(moto()))
            .load()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        printed.push_str(&format!("{good:?}\n{good:#?}\n"));

        // Every conversion error at once.
        let err = Bad::loader()
            .env(&env)
            .sdk_config(&sdk_config(moto()))
            .load()
            .await
            .expect_err("bad");
        assert!(err.problems().len() >= 7, "{err}");
        print_error(&mut printed, &err);

        // Containers of secrets and an alias: a good load's Debug, then errors
        // that would quote a value (spaces in a StringList, JSON that is not).
        let c = format!("/{env}/canary");
        seed.secure(&format!("{c}/keys"), &format!("a,{canary}"))
            .await;
        seed.secure(
            &format!("{c}/by-region"),
            &format!("{{\"eu\":\"{canary}\"}}"),
        )
        .await;
        seed.secure(&format!("{c}/maybe"), &canary).await;
        seed.secure(&format!("{c}/token"), &canary).await;
        let good = Containers::loader()
            .env(&env)
            .sdk_config(&sdk_config(moto()))
            .load()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        printed.push_str(&format!("{good:?}\n{good:#?}\n"));
        let bad_env = unique_env("canary-containers");
        let b = format!("/{bad_env}/canary");
        seed.param(&format!("{b}/keys"), &format!("a, {canary}"))
            .await;
        seed.param(&format!("{b}/by-region"), &format!("{{\"eu\": {canary}}}"))
            .await;
        seed.param(&format!("{b}/maybe"), &canary).await;
        seed.param(&format!("{b}/token"), &canary).await;
        let err = Containers::loader()
            .env(&bad_env)
            .sdk_config(&sdk_config(moto()))
            .load()
            .await
            .expect_err("bad containers");
        assert_eq!(err.problems().len(), 2, "{err}");
        print_error(&mut printed, &err);

        // Local layers that fail to parse: a TOML file and a JSON string whose
        // broken line holds the canary. figment quotes the line; we must not.
        let toml_file = std::env::temp_dir().join(format!("{env}-local.toml"));
        std::fs::write(&toml_file, format!("[database]\npassword = \"{canary}\n"))
            .expect("write TOML");
        for layered in [
            Good::loader()
                .env(&env)
                .offline()
                .merge(Toml::file(&toml_file)),
            Good::loader()
                .env(&env)
                .offline()
                .merge(Json::string(&format!("{{\"api_key\": \"{canary}"))),
            Good::loader()
                .env(&env)
                .offline()
                .merge(Toml::string(&format!("api_key = {canary}"))),
        ] {
            let err = layered.load().await.expect_err("malformed layer");
            assert!(
                err.problems()
                    .iter()
                    .any(|p| p.kind() == awsconf::ProblemKind::Layer),
                "{err}"
            );
            print_error(&mut printed, &err);
        }

        // A Live whose refresh fails on a value that holds the canary: the
        // warning it logs and its last_error.
        let watched_env = env.clone();
        seed.param(&format!("/{watched_env}/canary-live/pin"), "8080")
            .await;
        let live = Watched::loader()
            .env(&watched_env)
            .sdk_config(&sdk_config(moto()))
            .watch(Duration::from_secs(3600))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        seed.secure(&format!("/{watched_env}/canary-live/pin"), &canary)
            .await;
        let refresh = live.refresh_now().await.expect_err("the pin is no number");
        printed.push_str(&format!("{refresh}\n{refresh:?}\n{live:?}\n"));
        if let Some(last) = live.last_error() {
            print_error(&mut printed, &last);
        }

        // Every CLI subcommand, stdout and stderr, including explain over the
        // broken TOML file and a push of secrets.
        let push_file = std::env::temp_dir().join(format!("{env}-push.toml"));
        std::fs::write(
            &push_file,
            format!("api_key = \"{canary}\"\n[database]\nhost = \"h\"\npassword = \"{canary}\"\n"),
        )
        .expect("write push file");
        let toml_path = toml_file.display().to_string();
        let push_path = push_file.display().to_string();
        let runs: [&[&str]; 14] = [
            &[
                "iam-policy",
                "--account",
                "123456789012",
                "--region",
                "us-east-1",
                "--watch",
                "--events",
                "arn:aws:sqs:us-east-1:123456789012:changes",
            ],
            &[
                "events-rule",
                "--queue-arn",
                "arn:aws:sqs:us-east-1:123456789012:changes",
            ],
            &["cost", "--events", "--instances", "3"],
            &[
                "iam-policy",
                "--account",
                "123456789012",
                "--region",
                "us-east-1",
            ],
            &["check"],
            &["check", "--format", "json"],
            &["explain"],
            &["explain", "--config", &toml_path],
            &["template"],
            &["push", &push_path],
            &[
                "push",
                &push_path,
                "--apply",
                "--overwrite",
                "--format",
                "json",
            ],
            &["cost", "--map-entries", "3"],
            // A fleet's share of the quotas, with its warning on stderr.
            &["cost", "--instances", "100000", "--poll-every", "1"],
            &["cost", "--instances", "3", "--format", "json"],
        ];
        let cli_env = unique_env("canary-cli");
        for args in runs {
            let mut argv = vec!["canary", "--env", cli_env.as_str()];
            argv.extend_from_slice(args);
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let code = awsconf::cli::run_with::<Good, _, _>(
                argv,
                Some(&sdk_config(moto())),
                &mut out,
                &mut err,
            )
            .await;
            printed.push_str(&format!(
                "$ {args:?} -> {code}\n{}\n{}\n",
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&err)
            ));
        }
        let _ = std::fs::remove_file(&toml_file);
        let _ = std::fs::remove_file(&push_file);
        assert!(
            printed.contains("line 2, column"),
            "the TOML error names its position"
        );
        assert!(
            printed.contains("ReceiveChangeEvents"),
            "iam-policy --events ran"
        );
        assert!(printed.contains("aws.ssm"), "events-rule printed its rules");

        // AWS errors through the proxy: access denied, KMS, throttling, an HTML 500.
        let proxy = Proxy::start(moto()).expect("proxy");
        for fault in [
            Fault::Respond {
                status: 400,
                body: r#"{"__type":"AccessDeniedException","message":"denied"}"#.into(),
            },
            Fault::Respond {
                status: 400,
                body: r#"{"__type":"InvalidKeyId","message":"key disabled"}"#.into(),
            },
            Fault::Throttle,
            Fault::Html500,
        ] {
            proxy.clear_rules();
            proxy.add_rule(Rule::always(None, fault));
            let err = Good::loader()
                .env(&env)
                .sdk_config(&sdk_config(&proxy.endpoint()))
                // Throttling is retried until the deadline: keep it short.
                .timeout(std::time::Duration::from_secs(3))
                .load()
                .await
                .expect_err("fault");
            print_error(&mut printed, &err);
        }
    });

    let logs = String::from_utf8_lossy(&capture.0.lock().expect("capture").clone()).to_string();
    assert!(
        logs.len() > 1000,
        "TRACE output was captured ({} bytes)",
        logs.len()
    );
    // awsconf's own spans and events are there, naming APIs and names, not values.
    assert!(logs.contains("awsconf.call"), "a span per AWS call");
    assert!(logs.contains("awsconf.load"), "a span per load");
    assert!(
        logs.contains("api=\"GetParameters\""),
        "call events name the API"
    );
    assert!(
        logs.contains("api=\"BatchGetSecretValue\""),
        "secret call events"
    );
    assert!(printed.contains("[REDACTED]"));
    assert!(
        !printed.contains(&canary),
        "canary in printed output:\n{printed}"
    );
    if let Some(at) = logs.find(&canary) {
        let from = at.saturating_sub(300);
        panic!(
            "canary in TRACE logs: ...{}...",
            &logs[from..(at + canary.len()).min(logs.len())]
        );
    }
}

fn print_error(out: &mut String, err: &awsconf::Error) {
    out.push_str(&format!("{err}\n{err:?}\n"));
    for p in err.problems() {
        out.push_str(&format!("{p}\n{p:?}\n"));
        let mut source = std::error::Error::source(p);
        while let Some(s) = source {
            out.push_str(&format!("{s}\n{s:?}\n"));
            source = s.source();
        }
    }
}
