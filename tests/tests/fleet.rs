//! Fleets: many processes start at once under AWS's account quotas, modelled by
//! the testkit proxy's token buckets, and every load succeeds with default
//! settings (the tests' `SdkConfig` carries the SDK's standard 3-attempt retry,
//! as one from `aws_config::defaults(..)` does).
//!
//! Run with `--nocapture` to see the figures.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use awsconf::{AwsConfig, ExposeSecret, Pacing, ProblemKind, SecretReads, SecretString};
use awsconf_testkit::Quota;
use awsconf_tests::{moto, problems, sdk_config, unique_env, Fault, Proxy, Rule, Seed};

/// Ten parameters: one `GetParameters` call.
#[derive(AwsConfig, Debug)]
struct Block {
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

impl Block {
    fn ok(&self, c: &str) -> bool {
        [
            &self.p0, &self.p1, &self.p2, &self.p3, &self.p4, &self.p5, &self.p6, &self.p7,
            &self.p8, &self.p9,
        ]
        .iter()
        .enumerate()
        .all(|(i, v)| **v == format!("{c}-{i}"))
    }
}

/// 30 parameters and a secret: 3 `GetParameters` + 1 `BatchGetSecretValue`.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "fleet")]
struct Instance {
    #[component]
    a: Block,
    #[component]
    b: Block,
    #[component]
    c: Block,
    #[secret(id = "{env}/fleet/key")]
    key: SecretString,
}

impl Instance {
    fn ok(&self) -> bool {
        self.a.ok("a") && self.b.ok("b") && self.c.ok("c") && self.key.expose_secret() == "k"
    }
}

/// 100 parameters: 10 `GetParameters` calls.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "fleet")]
struct Wide {
    #[component]
    a: Block,
    #[component]
    b: Block,
    #[component]
    c: Block,
    #[component]
    d: Block,
    #[component]
    e: Block,
    #[component]
    f: Block,
    #[component]
    g: Block,
    #[component]
    h: Block,
    #[component]
    i: Block,
    #[component]
    j: Block,
}

async fn seed(env: &str, components: &str) {
    let items: Vec<(String, String)> = components
        .chars()
        .flat_map(|c| (0..10).map(move |i| (format!("/{env}/fleet/{c}/p{i}"), format!("{c}-{i}"))))
        .collect();
    let seed = Seed::new();
    seed.params(&items).await;
    seed.secret(&format!("{env}/fleet/key"), "k").await;
}

fn successes(proxy: &Proxy) -> u64 {
    proxy.total() - proxy.throttled()
}

#[tokio::test]
async fn the_sdk_classifies_the_proxys_throttling_answers_as_throttling() {
    // The SDK alone (no awsconf): its standard mode retries what it classifies
    // as retryable, so 3 requests per call show it recognised AWS's answer.
    let proxy = Proxy::start(moto()).expect("proxy");
    proxy.add_rule(Rule::always(None, Fault::Throttle));
    let config = sdk_config(&proxy.endpoint())
        .into_builder()
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(5)))
        .build();
    let ssm = aws_sdk_ssm::Client::new(&config);
    let err = ssm
        .get_parameters()
        .names("/x/y")
        .send()
        .await
        .expect_err("throttled");
    assert_eq!(
        aws_sdk_ssm::error::ProvideErrorMetadata::code(&err),
        Some("ThrottlingException")
    );
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    let err = secrets
        .batch_get_secret_value()
        .secret_id_list("x")
        .send()
        .await
        .expect_err("throttled");
    assert_eq!(
        aws_sdk_secretsmanager::error::ProvideErrorMetadata::code(&err),
        Some("ThrottlingException")
    );
    assert_eq!(proxy.count("GetParameters"), 3);
    assert_eq!(proxy.count("BatchGetSecretValue"), 3);
    assert_eq!(proxy.throttled(), 6);
}

#[tokio::test]
async fn a_call_throttled_more_often_than_the_sdk_retries_is_reissued_until_it_succeeds() {
    let env = unique_env("reissue");
    seed(&env, "abc").await;
    let proxy = Proxy::start(moto()).expect("proxy");
    // Five throttlings in a row: more than the SDK's 3 attempts. (`Batch`: under
    // `Auto`, a throttled batch is read with GetSecretValue instead.)
    proxy.add_rule(Rule::always(Some("BatchGetSecretValue"), Fault::Throttle).times(5));
    let config = Instance::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .secret_reads(SecretReads::Batch)
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(config.ok());
    assert_eq!(proxy.count("BatchGetSecretValue"), 6);
    assert_eq!(proxy.throttled(), 5);
}

#[tokio::test]
async fn throttling_until_the_deadline_is_reported_before_it_with_the_quota_named() {
    let env = unique_env("deadline");
    seed(&env, "abc").await;
    let proxy = Proxy::start(moto()).expect("proxy");
    proxy.add_rule(Rule::always(Some("GetParameters"), Fault::Throttle));
    let deadline = Duration::from_secs(3);
    let started = std::time::Instant::now();
    let err = Instance::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .timeout(deadline)
        .load()
        .await
        .expect_err("throttled");
    assert!(started.elapsed() < deadline, "{:?}", started.elapsed());
    assert!(
        err.problems()
            .iter()
            .all(|p| p.kind() == ProblemKind::Throttled),
        "{err}"
    );
    let got = problems(&err);
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(
        got[0].contains("ssm:GetParameters was still throttled by AWS when the load's deadline came near (ThrottlingException); Parameter Store allows 40 calls per second"),
        "{got:?}"
    );
    assert!(
        proxy.count("GetParameters") > 3,
        "re-issued: {}",
        proxy.count("GetParameters")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_instances_started_at_once_under_a_small_quota_all_load_with_default_settings() {
    let env = unique_env("fleet");
    seed(&env, "abc").await;
    let proxy = Proxy::start(moto()).expect("proxy");
    // Half of Parameter Store's default quota and a tenth of BatchGetSecretValue's,
    // so the test stays short: 120 GetParameters calls at 20 per second.
    proxy.add_quota(Quota::new(
        &["GetParameter", "GetParameters", "GetParametersByPath"],
        20.0,
    ));
    proxy.add_quota(Quota::new(&["BatchGetSecretValue"], 10.0));
    let config = sdk_config(&proxy.endpoint());
    let started = std::time::Instant::now();
    let loads = (0..40).map(|_| Instance::loader().env(&env).sdk_config(&config).load());
    let results = futures_util::future::join_all(loads).await;
    let elapsed = started.elapsed();
    let loaded = results
        .iter()
        .filter(|r| matches!(r, Ok(c) if c.ok()))
        .count();
    for r in &results {
        if let Err(e) = r {
            panic!("a load failed: {e}");
        }
    }
    eprintln!(
        "figures: 40 instances, quota 20/s: {loaded} loaded in {elapsed:?}; {} calls, {} throttled",
        proxy.total(),
        proxy.throttled()
    );
    assert_eq!(loaded, 40);
    assert_eq!(successes(&proxy), 40 * 4, "every call answered once");
    // Every instance sends its 3 GetParameters calls and its batch at once (a
    // whole load before AWS has said anything): 100 of the 120 and
    // 30 of the 40 are throttled in that first burst, whatever the pacing, so
    // this fleet of small configs gets more throttling than answers. The pacing
    // after it keeps the rest below the answers.
    let after_first_burst = proxy.throttled().saturating_sub(100 + 30);
    assert!(
        after_first_burst <= successes(&proxy),
        "throttled {} after the first burst > successful {}",
        after_first_burst,
        successes(&proxy)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_wide_instances_started_at_once_throttle_less_than_they_are_answered() {
    // The benchmark's shape (10 GetParameters calls an instance), scaled down:
    // 160 calls at 20 per second, at least 7 s.
    let env = unique_env("fleetw");
    seed(&env, "abcdefghij").await;
    let proxy = Proxy::start(moto()).expect("proxy");
    proxy.add_quota(Quota::new(
        &["GetParameter", "GetParameters", "GetParametersByPath"],
        20.0,
    ));
    let config = sdk_config(&proxy.endpoint());
    let started = std::time::Instant::now();
    let loads = (0..16).map(|_| Wide::loader().env(&env).sdk_config(&config).load());
    let results = futures_util::future::join_all(loads).await;
    let elapsed = started.elapsed();
    for r in &results {
        if let Err(e) = r {
            panic!("a load failed: {e}");
        }
    }
    eprintln!(
        "figures: 16 wide instances, quota 20/s: loaded in {elapsed:?}; {} calls, {} throttled",
        proxy.total(),
        proxy.throttled()
    );
    assert_eq!(successes(&proxy), 16 * 10, "every call answered once");
    // Each instance sends its whole load at once (a quiet account answers in
    // one round trip), so 140 of the first 160 calls are throttled before any
    // instance has heard from AWS, whatever the pacing. After that first burst
    // the pacing keeps throttling below the answers.
    let after_first_burst = proxy.throttled().saturating_sub(16 * 10 - 20);
    assert!(
        after_first_burst <= successes(&proxy),
        "throttled {after_first_burst} after the first burst > successful {}",
        successes(&proxy)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_that_names_its_size_is_throttled_less_than_it_is_answered() {
    // The benchmark's N = 50 at AWS's default quota: 50 instances of 10
    // GetParameters calls, 500 calls at 40 per second. The first burst
    // throttles 460 of them whatever the pacing, and adaptive pacing finds
    // its rate with some 100 to 200 more (above the 500 answered); told the
    // fleet's size, each throttled process paces at its share of the quota.
    let env = unique_env("fleetn");
    seed(&env, "abcdefghij").await;
    let proxy = Proxy::start(moto()).expect("proxy");
    proxy.add_quota(Quota::new(
        &["GetParameter", "GetParameters", "GetParametersByPath"],
        40.0,
    ));
    let config = sdk_config(&proxy.endpoint());
    let loads = (0..50).map(|_| {
        Wide::loader()
            .env(&env)
            .sdk_config(&config)
            .pacing(Pacing::Fleet(50))
            .load()
    });
    let results = futures_util::future::join_all(loads).await;
    for r in &results {
        if let Err(e) = r {
            panic!("a load failed: {e}");
        }
    }
    eprintln!(
        "figures: 50 wide instances, Pacing::Fleet(50), quota 40/s: {} calls, {} throttled",
        proxy.total(),
        proxy.throttled()
    );
    assert_eq!(successes(&proxy), 50 * 10, "every call answered once");
    // A fleet start, not a trickle: the first bursts (460 throttled when they
    // arrive together; fewer when a loaded machine spreads them over seconds,
    // 40 tokens a second) were throttled.
    assert!(
        proxy.throttled() >= 250,
        "the whole load went at once: {} throttled",
        proxy.throttled()
    );
    assert!(
        proxy.throttled() < successes(&proxy),
        "throttled {} >= answered {}",
        proxy.throttled(),
        successes(&proxy)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_account_gets_a_whole_load_in_one_round_trip() {
    // Every GetParameters answer is held until all ten calls of the load have
    // reached AWS: with any window smaller than the load, the held answers
    // would stop at the window and the load would never finish. Naming a
    // fleet changes nothing for a process alone.
    let env = unique_env("quiet");
    seed(&env, "abcdefghij").await;
    for pacing in [Pacing::Adaptive, Pacing::Fleet(200)] {
        let proxy = Proxy::start(moto()).expect("proxy");
        proxy.add_rule(Rule::always(Some("GetParameters"), Fault::HoldAnswer).times(10));
        let config = sdk_config(&proxy.endpoint());
        let env = env.clone();
        let load = tokio::spawn(async move {
            Wide::loader()
                .env(&env)
                .sdk_config(&config)
                .pacing(pacing)
                .load()
                .await
        });
        let started = std::time::Instant::now();
        while proxy.held() < 10 {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{pacing:?}: only {} of the 10 calls were sent before any answer",
                proxy.held()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        proxy.release_held();
        let config = load.await.expect("joined").expect("loaded");
        assert!(config.j.ok("j"));
        assert_eq!(
            proxy.count("GetParameters"),
            10,
            "{pacing:?}: one call per 10 names, no retry"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_wide_load_paces_itself_under_a_quota_and_throttles_less_than_without_pacing() {
    let env = unique_env("wide");
    seed(&env, "abcdefghij").await;
    let mut throttled = Vec::new();
    for pacing in [Pacing::Adaptive, Pacing::Off] {
        let proxy = Proxy::start(moto()).expect("proxy");
        proxy.add_quota(Quota::new(&["GetParameters"], 3.0));
        let config = Wide::loader()
            .env(&env)
            .sdk_config(&sdk_config(&proxy.endpoint()))
            .pacing(pacing)
            .load()
            .await
            .unwrap_or_else(|e| panic!("{pacing:?}: {e}"));
        let blocks = [
            &config.a, &config.b, &config.c, &config.d, &config.e, &config.f, &config.g, &config.h,
            &config.i, &config.j,
        ];
        assert!(blocks
            .iter()
            .zip("abcdefghij".chars())
            .all(|(b, c)| b.ok(&c.to_string())));
        assert_eq!(successes(&proxy), 10);
        throttled.push(proxy.throttled());
    }
    eprintln!("figures: 10 calls at 3/s: throttled {throttled:?} (adaptive, off)");
    assert!(throttled[0] * 2 < throttled[1], "{throttled:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_percent_random_throttling_100_default_loads_of_100_succeed() {
    let env = unique_env("storm");
    seed(&env, "abc").await;
    let proxy = Proxy::start(moto()).expect("proxy");
    proxy.add_rule(Rule::always(None, Fault::Throttle).probability(0.3));
    let config = sdk_config(&proxy.endpoint());
    let loads = (0..100).map(|_| Instance::loader().env(&env).sdk_config(&config).load());
    let results = futures_util::future::join_all(loads).await;
    let mut ok = 0;
    for r in results {
        match r {
            Ok(c) if c.ok() => ok += 1,
            Ok(_) => panic!("wrong values"),
            Err(e) => panic!("a load failed under 30% throttling: {e}"),
        }
    }
    eprintln!(
        "figures: 30% throttling: {ok} of 100 loads; {} calls, {} throttled",
        proxy.total(),
        proxy.throttled()
    );
    assert_eq!(ok, 100);
    assert!(proxy.throttled() > 0);
}

/// Three secrets.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "fleet")]
struct Secrets {
    #[secret(id = "{env}/fleet/s1")]
    s1: SecretString,
    #[secret(id = "{env}/fleet/s2")]
    s2: SecretString,
    #[secret(id = "{env}/fleet/s3")]
    s3: SecretString,
}

async fn load_secrets(env: &str, proxy: &Proxy, reads: Option<SecretReads>) -> Secrets {
    let mut loader = Secrets::loader()
        .env(env)
        .sdk_config(&sdk_config(&proxy.endpoint()));
    if let Some(reads) = reads {
        loader = loader.secret_reads(reads);
    }
    let config = loader.load().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        [&config.s1, &config.s2, &config.s3].map(|s| s.expose_secret().to_string()),
        ["v1", "v2", "v3"]
    );
    config
}

#[tokio::test]
async fn secret_reads_batch_individual_and_auto_make_the_calls_they_say() {
    let env = unique_env("reads");
    let seed = Seed::new();
    for i in 1..=3 {
        seed.secret(&format!("{env}/fleet/s{i}"), &format!("v{i}"))
            .await;
    }
    let calls = |p: &Proxy| (p.count("BatchGetSecretValue"), p.count("GetSecretValue"));
    for (reads, want) in [
        (None, (1, 0)),
        (Some(SecretReads::Auto), (1, 0)),
        (Some(SecretReads::Batch), (1, 0)),
        (Some(SecretReads::Individual), (0, 3)),
    ] {
        let proxy = Proxy::start(moto()).expect("proxy");
        load_secrets(&env, &proxy, reads).await;
        assert_eq!(calls(&proxy), want, "{reads:?}");
    }

    // Auto: a throttled batch is read with GetSecretValue instead, not re-issued.
    let proxy = Proxy::start(moto()).expect("proxy");
    proxy.add_rule(Rule::always(Some("BatchGetSecretValue"), Fault::Throttle));
    load_secrets(&env, &proxy, None).await;
    assert_eq!(calls(&proxy), (1, 3));
    // Batch keeps re-issuing the batch until AWS lets it through.
    let proxy = Proxy::start(moto()).expect("proxy");
    proxy.add_rule(Rule::always(Some("BatchGetSecretValue"), Fault::Throttle).times(2));
    load_secrets(&env, &proxy, Some(SecretReads::Batch)).await;
    assert_eq!(calls(&proxy), (3, 0));
}

#[tokio::test]
async fn after_a_throttled_batch_a_live_refresh_reads_secrets_individually() {
    let env = unique_env("reads-live");
    let seed = Seed::new();
    for i in 1..=3 {
        seed.secret(&format!("{env}/fleet/s{i}"), &format!("v{i}"))
            .await;
    }
    let proxy = Proxy::start(moto()).expect("proxy");
    proxy.add_rule(Rule::always(Some("BatchGetSecretValue"), Fault::Throttle).times(1));
    let live = Secrets::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .watch(Duration::from_secs(3600))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    seed.secrets
        .put_secret_value()
        .secret_id(format!("{env}/fleet/s1"))
        .secret_string("v1b")
        .send()
        .await
        .expect("rotate");
    proxy.reset_stats();
    live.refresh_now().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(live.get().s1.expose_secret(), "v1b");
    assert_eq!(proxy.count("BatchGetSecretValue"), 0);
    assert_eq!(proxy.count("GetSecretValue"), 1, "only the changed secret");
}
