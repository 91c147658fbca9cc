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
        row("redis.port").contains("6380") && row("redis.port").contains("environment"),
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
