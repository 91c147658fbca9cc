//! The committed snapshots are what `prepare` writes for the seeded environments,
//! `prepare --check` finds no drift, and `verify` passes (the build itself already
//! ran the same check at compile time).

use std::path::PathBuf;

use awsconf::tools;
use awsconf_example_verified_build::ShopConfig;
use awsconf_names::snapshot::Snapshot;
use awsconf_testkit::sdk::{moto, sdk_config, Seed};

fn committed() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".awsconf")
}

async fn seed(env: &str) {
    let s = Seed::new();
    s.param(&format!("/{env}/shop/database/host"), "db.internal")
        .await;
    s.secure(
        &format!("/{env}/shop/database/password"),
        "example-db-password",
    )
    .await;
    s.list(
        &format!("/{env}/shop/allowed-origins"),
        "https://shop.example",
    )
    .await;
    if env == "staging" {
        s.param(&format!("/{env}/shop/log-level"), "debug").await;
    }
    s.param(&format!("/{env}/shop/warehouses/east/region"), "us-east-1")
        .await;
    s.param(&format!("/{env}/shop/warehouses/east/capacity"), "500")
        .await;
    if env == "production" {
        s.param(&format!("/{env}/shop/warehouses/west/region"), "us-west-2")
            .await;
    }
    s.secret(
        &format!("{env}/shop/payments"),
        r#"{"api_key":"example-key","merchant_id":"example-merchant"}"#,
    )
    .await;
}

#[test]
fn the_config_verifies_against_the_committed_snapshots() {
    awsconf::verify::<ShopConfig>(committed()).unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn prepare_writes_the_committed_snapshots_and_check_finds_no_drift() {
    let sdk = sdk_config(moto());
    let out = std::env::temp_dir().join(format!("awsconf-shop-{}", std::process::id()));
    for env in ["staging", "production"] {
        seed(env).await;
        let written = tools::prepare::<ShopConfig>(env, &sdk, &out)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let text = std::fs::read_to_string(&written).unwrap_or_default();
        let file = committed().join(format!("{env}.json"));
        if std::env::var_os("AWSCONF_UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(&file, &text).unwrap_or_else(|e| panic!("{e}"));
        }
        let committed_text = std::fs::read_to_string(&file).unwrap_or_default();
        assert_eq!(
            Snapshot::parse(&text),
            Snapshot::parse(&committed_text),
            "{env}: prepare wrote\n{text}"
        );
        assert_eq!(
            text, committed_text,
            "{env}: the committed file is not prepare's bytes"
        );
        let drift = tools::prepare_check::<ShopConfig>(env, &sdk, committed())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(drift.changes.is_empty(), "{}", drift.to_table());
    }
}
