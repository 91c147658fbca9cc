//! Large maps: a prefix holding thousands of parameters loads with default
//! settings, and `BatchGetSecretValue` pages are not bounded by `.max_pages(..)`.

use std::collections::BTreeMap;

use awsconf::{AwsConfig, ExposeSecret, SecretString};
use awsconf_testkit::Quota;
use awsconf_tests::{moto, sdk_config, unique_env, Fault, Proxy, Rule, Seed};

/// The 500-tenant SaaS layout of `examples/saas_tenants.rs`.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "saas")]
struct Saas {
    #[component]
    tenants: BTreeMap<String, Tenant>,
}

#[derive(AwsConfig, Debug)]
struct Tenant {
    plan: String,
    seats: u32,
    #[secret(id = "{env}/saas/tenants/{key}/api-key")]
    api_key: SecretString,
}

/// One parameter per entry.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "big")]
struct Big {
    #[component]
    items: BTreeMap<String, Item>,
}

#[derive(AwsConfig, Debug)]
struct Item {
    v: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_500_tenant_saas_loads_with_default_settings_under_awss_quotas() {
    let env = unique_env("saas");
    let seed = Seed::new();
    let mut items = Vec::new();
    for n in 0..500 {
        let prefix = format!("/{env}/saas/tenants/tenant-{n:04}");
        items.push((format!("{prefix}/plan"), "pro".to_string()));
        items.push((format!("{prefix}/seats"), n.to_string()));
    }
    seed.params(&items).await;
    for wave in (0..500).collect::<Vec<u32>>().chunks(16) {
        let puts = wave.iter().map(|n| {
            let id = format!("{env}/saas/tenants/tenant-{n:04}/api-key");
            let value = format!("key-{n}");
            let seed = &seed;
            async move { seed.secret(&id, &value).await }
        });
        futures_util::future::join_all(puts).await;
    }

    let proxy = Proxy::start(moto()).expect("proxy");
    proxy.add_quotas(Quota::aws_defaults());
    let config = Saas::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.tenants.len(), 500);
    let t = &config.tenants["tenant-0499"];
    assert_eq!((t.plan.as_str(), t.seats), ("pro", 499));
    assert_eq!(t.api_key.expose_secret(), "key-499");
    // 1,000 parameters at 10 a page: one chain of 100 pages (the old default
    // bound); then 25 batches of 20 secrets.
    let answered = |op: &str| proxy.count(op) - proxy.throttled_of(op);
    assert!(
        (100..=101).contains(&answered("GetParametersByPath")),
        "{}",
        answered("GetParametersByPath")
    );
    assert_eq!(answered("BatchGetSecretValue"), 25);
    eprintln!(
        "figures: 500-tenant SaaS under AWS's quotas: {} throttled",
        proxy.throttled()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maps_of_1000_and_5000_parameters_load_with_default_settings() {
    let seed = Seed::new();
    for n in [1000, 5000] {
        let env = unique_env("big");
        let items: Vec<(String, String)> = (0..n)
            .map(|i| (format!("/{env}/big/items/i{i:05}/v"), format!("v{i}")))
            .collect();
        seed.params(&items).await;
        let proxy = Proxy::start(moto()).expect("proxy");
        let config = Big::loader()
            .env(&env)
            .sdk_config(&sdk_config(&proxy.endpoint()))
            .load()
            .await
            .unwrap_or_else(|e| panic!("{n}: {e}"));
        assert_eq!(config.items.len(), n);
        assert_eq!(
            config.items[&format!("i{:05}", n - 1)].v,
            format!("v{}", n - 1)
        );
        // 10 a page (moto may end with an empty page).
        let pages = proxy.count("GetParametersByPath");
        assert!((n / 10..=n / 10 + 1).contains(&(pages as usize)), "{pages}");
    }
}

#[tokio::test]
async fn batch_get_secret_value_pages_are_not_bounded_by_max_pages() {
    let env = unique_env("bgsv-pages");
    let seed = Seed::new();
    let (a, b) = (format!("{env}/a"), format!("{env}/b"));
    seed.secret(&a, "va").await;
    seed.secret(&b, "vb").await;

    #[derive(AwsConfig, Debug)]
    #[aws_config(app = "pages")]
    struct Two {
        #[secret(id = "{env}/a")]
        a: SecretString,
        #[secret(id = "{env}/b")]
        b: SecretString,
    }

    let proxy = Proxy::start(moto()).expect("proxy");
    // Each page answers one of the two ids; the first carries a NextToken, as
    // AWS may (moto answers in one page, so the proxy plays AWS).
    let page = |id: &str, value: &str, token: Option<&str>| {
        let body = serde_json::json!({
            "SecretValues": [{"Name": id, "ARN": format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{id}"), "SecretString": value, "VersionId": "v1"}],
            "Errors": [],
            "NextToken": token,
        });
        Rule::always(
            Some("BatchGetSecretValue"),
            Fault::Respond {
                status: 200,
                body: body.to_string(),
            },
        )
        .times(1)
    };
    proxy.add_rule(page(&a, "va", Some("page-2")));
    proxy.add_rule(page(&b, "vb", None));
    let config = Two::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .max_pages(1)
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.a.expose_secret(), "va");
    assert_eq!(config.b.expose_secret(), "vb");
    assert_eq!(proxy.count("BatchGetSecretValue"), 2);
    let second = &proxy.requests()[1];
    assert!(second.body.contains("page-2"), "{}", second.body);
}
