//! Runs the example binaries against the emulator, as `scripts/demo.sh` and
//! `scripts/example.sh` do, and checks what they print.

use std::process::Command;

fn run(bin: &str, env: &str, extra: &[(&str, &str)]) -> (bool, String) {
    let endpoint = awsconf_testkit::moto::shared_endpoint();
    let mut cmd = Command::new(bin);
    cmd.env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWSCONF_ENV", env)
        .env_remove("AWS_PROFILE");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {bin}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn demo_seeds_loads_and_redacts() {
    let env = "demo-test";
    let (ok, seeded) = run(env!("CARGO_BIN_EXE_demo-seed"), env, &[]);
    assert!(ok, "{seeded}");
    let (ok, out) = run(
        env!("CARGO_BIN_EXE_quickstart"),
        env,
        &[("API_REDIS__PORT", "6380")],
    );
    assert!(ok, "{out}");
    assert!(out.contains("host: \"db.prod.internal\""), "{out}");
    assert!(
        out.contains("password: SecretBox<str>([REDACTED])"),
        "{out}"
    );
    assert!(!out.contains("s3cr3t-db-password"), "secret printed: {out}");
    assert!(!out.contains("sk_live_demo_51Hx"), "secret printed: {out}");
    // Second load: TOML overrides database.host, the env var redis.port.
    let table = out.split("== 2.").nth(1).unwrap_or_default();
    let row = |field: &str| {
        table
            .lines()
            .find(|l| l.starts_with(&format!("{field} ")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        row("database.host").contains("localhost") && row("database.host").contains("TOML file"),
        "{table}"
    );
    assert!(
        row("redis.port").contains("6380") && row("redis.port").contains("API_REDIS__PORT"),
        "{table}"
    );
    assert!(
        row("database.port").contains(&format!("/{env}/api/database/port (version")),
        "{table}"
    );
    assert!(
        row("stripe_key").contains("[REDACTED]")
            && row("stripe_key").contains("AWS Secrets Manager"),
        "{table}"
    );
}

#[test]
fn rotation_example_recovers_without_a_restart() {
    let (ok, out) = run(env!("CARGO_BIN_EXE_rotation"), "rotation-test", &[]);
    assert!(ok, "{out}");
    assert!(out.contains("connected: yes, with AWSCURRENT"), "{out}");
    assert!(
        out.contains("database rejected the cached password; refreshing now"),
        "{out}"
    );
    assert!(
        out.contains("connected after refresh: yes, with AWSCURRENT"),
        "{out}"
    );
    assert!(
        out.contains("previous password is now available for the rotation window: true"),
        "{out}"
    );
    assert!(
        !out.contains("second-password") && !out.contains("first-password"),
        "{out}"
    );
}

/// The README's "Your own crate" section: between its heading and the next one.
fn readme_first_hour() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md");
    let start = readme
        .find("## Your own crate")
        .expect("README has a \"Your own crate\" section");
    let rest = &readme[start..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    rest[..end].to_string()
}

/// The fenced blocks of `lang` in `text`, in order.
fn blocks(text: &str, lang: &str) -> Vec<String> {
    let fence = format!("```{lang}\n");
    text.split(&fence)
        .skip(1)
        .filter_map(|b| b.split("\n```").next())
        .map(|b| b.to_string())
        .collect()
}

/// Runs the orders example as the README's walkthrough does; `(exit ok, stdout, stderr)`.
fn orders(env: &str, args: &[&str], dir: &std::path::Path, no_aws: bool) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_orders"));
    cmd.args(args)
        .current_dir(dir)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWSCONF_ENV", env)
        .env_remove("AWS_PROFILE")
        .env_remove("RUST_LOG");
    if no_aws {
        // A machine with no AWS set-up at all: an empty home, no variables.
        for var in [
            "AWS_ENDPOINT_URL",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("AWS_REGION", "us-east-1")
            .env("HOME", dir)
            .env("AWS_CONFIG_FILE", dir.join("no-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-credentials"));
    } else {
        cmd.env("AWS_ENDPOINT_URL", awsconf_testkit::moto::shared_endpoint())
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing");
    }
    let out = cmd.output().expect("running orders");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn first_hour_walkthrough_goes_from_template_to_a_loaded_config() {
    let section = readme_first_hour();
    // The README's code is the example's, from its first `use` on.
    let source = include_str!("../orders.rs");
    let code = &source[source.find("use awsconf").expect("orders.rs has a use")..];
    assert_eq!(
        blocks(&section, "rust"),
        [code.trim_end().to_string()],
        "README's \"Your own crate\" code and examples/orders.rs differ"
    );
    for command in [
        "cargo add awsconf --path ../awsconf/runtime --features cli",
        "export AWS_ENDPOINT_URL=http://127.0.0.1:5000",
        "export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing",
        "export AWSCONF_ENV=staging",
        "cargo run -- tools template --output staging.toml",
        "cargo run -- tools push staging.toml --apply",
    ] {
        assert!(section.contains(command), "README lacks `{command}`");
    }

    let env = format!("first-hour-{}", std::process::id());
    let dir = std::env::temp_dir().join(&env);
    std::fs::create_dir_all(&dir).expect("temp dir");

    // `cargo run -- tools template --output staging.toml`
    let (ok, _, err) = orders(
        &env,
        &["tools", "template", "--output", "staging.toml"],
        &dir,
        false,
    );
    assert!(ok, "{err}");
    let template = std::fs::read_to_string(dir.join("staging.toml")).expect("template written");

    // `cargo run` before anything is pushed: `?` in main prints the README's report.
    let (ok, _, err) = orders(&env, &[], &dir, false);
    assert!(!ok);
    let report = blocks(&section, "text");
    assert_eq!(
        err.trim_end(),
        report[0].replace("staging", &env),
        "README's error report is not what `cargo run` prints"
    );

    // The README's filled-in file: each of its lines is a template line, uncommented.
    let filled = &blocks(&section, "toml")[0];
    for line in filled.lines().filter(|l| l.contains(" = ")) {
        let key = line.split(" = ").next().unwrap_or_default();
        assert!(
            template
                .lines()
                .any(|t| t.starts_with(&format!("# {key} = "))
                    || t.starts_with(&format!("{key} = "))),
            "the template has no line for `{line}`:\n{template}"
        );
    }
    std::fs::write(dir.join("staging.toml"), filled).expect("write the filled file");

    // `cargo run -- tools push staging.toml`, then `--apply`, then `cargo run`.
    let (ok, out, err) = orders(&env, &["tools", "push", "staging.toml"], &dir, false);
    assert!(ok && out.contains("would create"), "{out}{err}");
    let (ok, out, err) = orders(
        &env,
        &["tools", "push", "staging.toml", "--apply"],
        &dir,
        false,
    );
    assert!(ok, "{out}{err}");
    assert_eq!(
        out.matches(" created").count(),
        5,
        "4 parameters and the secret: {out}"
    );
    let (ok, out, err) = orders(&env, &[], &dir, false);
    assert!(ok, "{out}{err}");
    for shown in [
        "host: \"db.orders.internal\"",
        "port: 8080",
        "percent: 10",
        "username: \"admin\"",
        "password: SecretBox<str>([REDACTED])",
    ] {
        assert!(out.contains(shown), "`{shown}` not in:\n{out}");
    }
    assert!(
        !out.contains("change-me") && !err.contains("change-me"),
        "{out}{err}"
    );

    // The same binary on a machine with no AWS credentials: plain words.
    let (ok, _, err) = orders(&env, &[], &dir, true);
    assert!(!ok);
    assert!(
        err.starts_with(&format!(
            "Error: could not load OrdersConfig for env `{env}`: 1 problem\n  - no AWS credentials found; the SDK tried, in order: environment variables"
        )),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn change_events_example_fans_one_event_out_to_every_instance() {
    let (ok, out) = run(env!("CARGO_BIN_EXE_change-events"), "fanout-test", &[]);
    assert!(ok, "{out}");
    for n in 0..3 {
        assert!(
            out.contains(&format!("instance {n}: new_flow = false")),
            "{out}"
        );
        assert!(
            out.contains(&format!("instance {n}: new_flow = true, ")),
            "{out}"
        );
    }
    assert!(out.contains("queues deleted"), "{out}");
}
