//! The fetch plan: N named parameters and M secrets cost exactly
//! ceil(N/10) + ceil(M/20) calls, counted by the proxy, with AWS's batch limits
//! respected (moto would accept more, so our code must enforce them), and every
//! call sent at once under a cap per service, seen by the proxy's in-flight peaks.

#![allow(dead_code)]

use awsconf::PlannedCall;
use awsconf::{AwsConfig, SecretString};
use std::time::Duration;

use awsconf_tests::{moto, sdk_config, unique_env, Proxy, Seed};

/// Long enough for every request a load sends together to arrive at the proxy
/// before the first is answered.
const HOLD: Duration = Duration::from_millis(300);

/// 23 parameters in three components and on the root, 25 secrets, 1 pinned secret.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "plan")]
struct Wide {
    #[component]
    a: Ten,
    #[component]
    b: Ten,
    r1: String,
    r2: String,
    r3: String,
    #[component]
    s: Secrets25,
    #[secret(id = "{env}/s/0", stage = "AWSCURRENT")]
    pinned: SecretString,
}

#[derive(AwsConfig, Debug)]
struct Ten {
    p0: String,
    p1: String,
    p2: String,
    p3: String,
    p4: String,
    p5: String,
    p6: String,
    p7: String,
    p8: String,
    p9: String,
}

macro_rules! secrets25 {
    ($($f:ident = $i:literal),*) => {
        #[derive(AwsConfig, Debug)]
        struct Secrets25 { $( #[secret(id = $i)] $f: SecretString, )* }
    };
}
secrets25!(
    s0 = "{env}/s/0",
    s1 = "{env}/s/1",
    s2 = "{env}/s/2",
    s3 = "{env}/s/3",
    s4 = "{env}/s/4",
    s5 = "{env}/s/5",
    s6 = "{env}/s/6",
    s7 = "{env}/s/7",
    s8 = "{env}/s/8",
    s9 = "{env}/s/9",
    s10 = "{env}/s/10",
    s11 = "{env}/s/11",
    s12 = "{env}/s/12",
    s13 = "{env}/s/13",
    s14 = "{env}/s/14",
    s15 = "{env}/s/15",
    s16 = "{env}/s/16",
    s17 = "{env}/s/17",
    s18 = "{env}/s/18",
    s19 = "{env}/s/19",
    s20 = "{env}/s/20",
    s21 = "{env}/s/21",
    s22 = "{env}/s/22",
    s23 = "{env}/s/23",
    s24 = "{env}/s/24"
);

#[tokio::test]
async fn calls_are_exactly_ceil_n_over_10_plus_ceil_m_over_20() {
    let env = unique_env("plan");
    let seed = Seed::new();
    let mut params = Vec::new();
    for c in ["a", "b"] {
        for i in 0..10 {
            params.push((format!("/{env}/plan/{c}/p{i}"), format!("{c}{i}")));
        }
    }
    for i in 1..=3 {
        params.push((format!("/{env}/plan/r{i}"), format!("r{i}")));
    }
    seed.params(&params).await;
    let secrets = (0..25).map(|i| {
        let seed = &seed;
        let env = &env;
        async move {
            seed.secret(&format!("{env}/s/{i}"), &format!("secret-{i}"))
                .await
        }
    });
    futures_util::future::join_all(secrets).await;

    let loader = Wide::loader().env(&env);
    let plan = loader.plan().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan.count("GetParameters"), 3, "ceil(23/10)");
    assert_eq!(plan.count("BatchGetSecretValue"), 2, "ceil(25/20)");
    assert_eq!(plan.count("GetSecretValue"), 1, "the pinned one");
    assert_eq!(plan.calls.len(), 6);
    for call in &plan.calls {
        match call {
            PlannedCall::GetParameters { names } => assert!(names.len() <= 10),
            PlannedCall::BatchGetSecretValue { ids } => assert!(ids.len() <= 20),
            _ => {}
        }
    }

    let proxy = Proxy::start(moto()).expect("proxy");
    let config = loader
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.b.p7, "b7");
    assert_eq!(config.r3, "r3");
    let counts = proxy.counts();
    assert_eq!(proxy.count("GetParameters"), 3, "{counts:?}");
    assert_eq!(proxy.count("BatchGetSecretValue"), 2, "{counts:?}");
    assert_eq!(proxy.count("GetSecretValue"), 1, "{counts:?}");
    assert_eq!(
        proxy.total(),
        6,
        "nothing else: no DescribeParameters, ListSecrets or GetParameter: {counts:?}"
    );
    assert_eq!(proxy.max_batch("GetParameters"), 10);
    assert_eq!(proxy.max_batch("BatchGetSecretValue"), 20);

    // All six calls are independent, so all six are in flight together.
    proxy.reset_stats();
    proxy.set_delay(HOLD);
    Wide::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(proxy.total(), 6);
    assert_eq!(proxy.max_in_flight(), 6, "one wave");
    assert_eq!(proxy.max_in_flight_of("AmazonSSM"), 3);
    assert_eq!(proxy.max_in_flight_of("secretsmanager"), 3);
}

/// 150 parameters (15 `GetParameters` calls) and 25 + 1 secrets (3 Secrets
/// Manager calls).
#[derive(AwsConfig, Debug)]
#[aws_config(app = "wave")]
struct Waves {
    #[component]
    c0: Ten,
    #[component]
    c1: Ten,
    #[component]
    c2: Ten,
    #[component]
    c3: Ten,
    #[component]
    c4: Ten,
    #[component]
    c5: Ten,
    #[component]
    c6: Ten,
    #[component]
    c7: Ten,
    #[component]
    c8: Ten,
    #[component]
    c9: Ten,
    #[component]
    c10: Ten,
    #[component]
    c11: Ten,
    #[component]
    c12: Ten,
    #[component]
    c13: Ten,
    #[component]
    c14: Ten,
    #[component]
    s: Secrets25,
    #[secret(id = "{env}/s/0", stage = "AWSCURRENT")]
    pinned: SecretString,
}

#[tokio::test]
async fn the_cap_holds_per_service_so_secrets_never_wait_behind_parameters() {
    let env = unique_env("wave");
    let seed = Seed::new();
    let params: Vec<(String, String)> = (0..15)
        .flat_map(|c| (0..10).map(move |i| (c, i)))
        .map(|(c, i)| (format!("/{env}/wave/c{c}/p{i}"), format!("v{c}-{i}")))
        .collect();
    seed.params(&params).await;
    let secrets = (0..25).map(|i| {
        let (seed, env) = (&seed, &env);
        async move { seed.secret(&format!("{env}/s/{i}"), "x").await }
    });
    futures_util::future::join_all(secrets).await;

    let proxy = Proxy::start(moto()).expect("proxy");
    proxy.set_delay(HOLD);
    let sdk = sdk_config(&proxy.endpoint());
    // (cap, the range of the most Parameter Store calls at once, the most
    // Secrets Manager calls at once). Adaptive pacing sends a load's calls at
    // once up to the cap (the proxy holds each for HOLD, so all of them are in
    // flight together). The secrets' 3 calls go out with the first wave
    // whatever the parameters do: the cap is per service.
    for (cap, ssm, secrets) in [
        (None, 10..=10, 3),
        (Some(2), 2..=2, 2),
        (Some(20), 15..=15, 3),
    ] {
        proxy.reset_stats();
        let mut loader = Waves::loader().env(&env).sdk_config(&sdk);
        if let Some(cap) = cap {
            loader = loader.concurrency(cap);
        }
        let config = loader.load().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.c14.p9, "v14-9");
        let counts = proxy.counts();
        assert_eq!(proxy.count("GetParameters"), 15, "{counts:?}");
        assert_eq!(proxy.total(), 18, "{counts:?}");
        let ssm_peak = proxy.max_in_flight_of("AmazonSSM");
        assert!(ssm.contains(&ssm_peak), "cap {cap:?}: {ssm_peak} in flight");
        assert_eq!(
            proxy.max_in_flight_of("secretsmanager"),
            secrets,
            "cap {cap:?}"
        );
        assert!(proxy.max_in_flight() >= ssm_peak, "cap {cap:?}");
    }
}

#[tokio::test]
async fn the_same_name_in_two_places_is_asked_for_once() {
    #[derive(AwsConfig, Debug)]
    #[aws_config(app = "dup")]
    struct Dup {
        #[secret(id = "{env}/shared")]
        whole: SecretString,
        #[secret(id = "{env}/shared", key = "k")]
        part: SecretString,
    }
    let env = unique_env("dup");
    Seed::new()
        .secret(&format!("{env}/shared"), r#"{"k":"v"}"#)
        .await;
    let proxy = Proxy::start(moto()).expect("proxy");
    let config = Dup::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    use awsconf::ExposeSecret;
    assert_eq!(config.part.expose_secret(), "v");
    assert_eq!(proxy.max_batch("BatchGetSecretValue"), 1);
    assert_eq!(proxy.total(), 1);
}
