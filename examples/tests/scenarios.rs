//! The seed's three scenarios, run as `scripts/example.sh <name>` runs them:
//! e-commerce microservices, a 500-tenant SaaS, and a startup moving its
//! database password from Parameter Store to Secrets Manager.

mod common;

use std::time::Duration;

use common::{assert_no_secret, moto, run, unique_env};

#[test]
fn ecommerce_loads_each_service_with_its_shared_components_redacted() {
    let (ok, out) = run(
        env!("CARGO_BIN_EXE_ecommerce"),
        moto(),
        &unique_env("shop"),
        &[],
        Duration::from_secs(60),
    );
    assert!(ok, "{out}");
    let api = out
        .split("== api:")
        .nth(1)
        .and_then(|s| s.split("== worker:").next())
        .unwrap_or_default();
    let worker = out.split("== worker:").nth(1).unwrap_or_default();
    // Both services got the shared database from /<env>/shared/...
    for service in [api, worker] {
        assert!(service.contains("host: \"shop-db.internal\""), "{out}");
        assert!(service.contains("\"shop-db-r2.internal\""), "{out}");
        assert!(
            service.contains(
                "plan for SharedConfig: GetParameters (7 names), BatchGetSecretValue (1 id)"
            ),
            "{out}"
        );
    }
    // ... and their own prefixes.
    assert!(api.contains("port: 8080"), "{api}");
    assert!(
        api.contains("stripe_key: SecretBox<str>([REDACTED])"),
        "{api}"
    );
    assert!(
        api.contains("plan for ApiConfig: GetParameters (4 names), BatchGetSecretValue (2 ids)"),
        "{api}"
    );
    assert!(worker.contains("concurrency: 8"), "{worker}");
    assert!(worker.contains("visibility_timeout_secs: 120"), "{worker}");
    assert!(
        worker.contains("smtp_password: SecretBox<str>([REDACTED])"),
        "{worker}"
    );
    assert_no_secret(
        &out,
        &[
            "shared-db-password-example",
            "sk_live_stripe_example",
            "jwt-signing-key-example",
            "smtp-password-example",
        ],
    );
}

#[test]
fn saas_seeds_and_loads_500_tenants_in_batched_calls() {
    let (ok, out) = run(
        env!("CARGO_BIN_EXE_saas-tenants"),
        moto(),
        &unique_env("saas"),
        &[],
        Duration::from_secs(120),
    );
    assert!(ok, "{out}");
    assert!(
        out.contains("seeded 500 tenants (1000 parameters, 500 secrets)"),
        "{out}"
    );
    assert!(out.contains("tenants loaded: 500"), "{out}");
    assert!(
        out.contains(r#"tenants by plan: {"enterprise": 166, "pro": 167, "starter": 167}"#),
        "{out}"
    );
    // The plan: one named parameter, one page chain for the map.
    assert!(out.contains("GetParametersByPath /"), "{out}");
    assert!(out.contains("(25 calls for 500)"), "{out}");
    // What the load really did: 25 batches of 20 secrets, one GetParameters,
    // and a page chain of 10 parameters a page (moto may add an empty last page).
    let count = |api: &str| -> u64 {
        out.lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{api}: ")))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no count for {api}:\n{out}"))
    };
    assert_eq!(count("BatchGetSecretValue"), 25, "{out}");
    assert_eq!(count("GetParameters"), 1, "{out}");
    let pages = count("GetParametersByPath");
    assert!((100..=101).contains(&pages), "{pages} pages\n{out}");
    assert!(out.contains("api_key: SecretBox<str>([REDACTED])"), "{out}");
    assert!(
        !out.contains("tenant-api-key-"),
        "a secret was printed:\n{out}"
    );
}

#[test]
fn startup_moves_its_password_to_secrets_manager_with_one_attribute() {
    let env = unique_env("startup");
    let (ok, out) = run(
        env!("CARGO_BIN_EXE_startup-migration"),
        moto(),
        &env,
        &[],
        Duration::from_secs(60),
    );
    assert!(ok, "{out}");
    // Before: Parameter Store only.
    assert!(
        out.contains(&format!(
            "plan: GetParameters /{env}/startup/db-host, /{env}/startup/db-password, /{env}/startup/db-user"
        )),
        "{out}"
    );
    // The push created the secret...
    let push = out
        .lines()
        .find(|l| l.starts_with(&format!("secret {env}/startup/db ")))
        .unwrap_or_else(|| panic!("no push row:\n{out}"));
    assert!(push.ends_with("created"), "{push}");
    // ... and after: the password comes from Secrets Manager, the same value.
    assert!(
        out.contains(&format!("plan: BatchGetSecretValue {env}/startup/db")),
        "{out}"
    );
    assert!(
        out.contains("same typed value arrived: true (30 characters before, 30 after"),
        "{out}"
    );
    assert!(
        out.contains("secretsmanager:GetSecretValue"),
        "the policy gained the secret: {out}"
    );
    // The drift check found the old parameter, and nothing once it was deleted.
    assert!(
        out.lines().any(|l| l.contains("undeclared")
            && l.contains(&format!("/{env}/startup/db-password"))),
        "{out}"
    );
    assert!(out.trim_end().ends_with("no findings"), "{out}");
    assert_no_secret(&out, &["startup-\"db\"-pass", "pass\\word"]);

    // Run again: the secret already holds the value (unchanged), and the values still match.
    let (ok, again) = run(
        env!("CARGO_BIN_EXE_startup-migration"),
        moto(),
        &env,
        &[],
        Duration::from_secs(60),
    );
    assert!(ok, "{again}");
    assert!(
        again.contains("unchanged"),
        "a rerun writes nothing: {again}"
    );
    assert!(again.contains("same typed value arrived: true"), "{again}");
}
