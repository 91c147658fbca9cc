//! Hardening: throttling storms, hung and dead endpoints, server errors, AWS's
//! limits checked before any call, and many loads at once. Every fault comes from
//! the testkit proxy on 127.0.0.1 in front of moto; every load is bounded.
//!
//! Run with `--nocapture` to see the figures (loads, requests, faults injected).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::SdkConfig;
use awsconf::figment::providers::{Format, Toml};
use awsconf::{AwsConfig, ExposeSecret, ProblemKind, SecretString};
use awsconf_tests::{moto, problems, sdk_config, unique_env, Fault, Proxy, Rule, Seed};

/// One `GetParameters` call and one `BatchGetSecretValue` call per load.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "hard")]
struct Small {
    host: String,
    port: u16,
    #[secret(id = "{env}/hard/key")]
    key: SecretString,
}

async fn seed_small(env: &str) {
    let seed = Seed::new();
    seed.param(&format!("/{env}/hard/host"), "db.internal")
        .await;
    seed.param(&format!("/{env}/hard/port"), "5432").await;
    seed.secret(&format!("{env}/hard/key"), "k-1").await;
}

fn check_small(config: &Small) -> bool {
    config.host == "db.internal" && config.port == 5432 && config.key.expose_secret() == "k-1"
}

/// The tests' SDK config with other retry settings.
fn with_retries(endpoint: &str, retry: RetryConfig) -> SdkConfig {
    sdk_config(endpoint)
        .into_builder()
        .retry_config(retry)
        .build()
}

/// The tests' SDK config without any timeout: awsconf's defaults apply.
fn without_timeouts(endpoint: &str) -> SdkConfig {
    let mut builder = sdk_config(endpoint).into_builder();
    builder.set_timeout_config(None);
    builder.build()
}

// ---------------------------------------------------------------------------
// Retries and deadlines

/// A sustained 30% throttle rate. awsconf re-issues a throttled call until the
/// load's deadline (default 2 min), whatever the `SdkConfig`'s attempts; this one
/// also carries 12 attempts with short backoffs, which awsconf honours for other
/// errors. (`fleet.rs` does the same with the SDK's standard retries.)
#[tokio::test]
async fn thirty_percent_throttling_at_random_100_loads_out_of_100_succeed() {
    let env = unique_env("storm");
    seed_small(&env).await;
    let proxy = Proxy::start(moto()).expect("proxy");
    proxy.add_rule(Rule::always(None, Fault::Throttle).probability(0.3));
    let config = with_retries(
        &proxy.endpoint(),
        RetryConfig::standard()
            .with_max_attempts(12)
            .with_initial_backoff(Duration::from_millis(20))
            .with_max_backoff(Duration::from_millis(400)),
    );
    let mut ok = 0;
    for _wave in 0..4 {
        let loads = (0..25).map(|_| Small::loader().env(&env).sdk_config(&config).load());
        for result in futures_util::future::join_all(loads).await {
            match result {
                Ok(c) if check_small(&c) => ok += 1,
                Ok(_) => panic!("a load returned wrong values"),
                Err(e) => panic!("a load failed under 30% throttling: {e}"),
            }
        }
    }
    assert_eq!(ok, 100);
    let calls = 100 * 2;
    let faults = proxy.total() - calls;
    eprintln!(
        "figures: 30% throttling: {ok} of 100 loads succeeded; {} requests, {faults} throttled",
        proxy.total()
    );
    assert!(faults > 0, "the storm injected faults");
    // A throttled batch is read with GetSecretValue instead (`SecretReads::Auto`).
    assert_eq!(
        proxy.count("GetParameters")
            + proxy.count("BatchGetSecretValue")
            + proxy.count("GetSecretValue"),
        proxy.total()
    );
}

/// The load's timeout leaves room for awsconf's default per-attempt timeout (a
/// quarter of it, at least 1 s): a hung attempt is abandoned and retried.
#[tokio::test]
async fn a_hung_attempt_is_retried_under_the_default_attempt_timeout() {
    let env = unique_env("hung1");
    seed_small(&env).await;
    let proxy = Proxy::start(moto()).expect("proxy");
    proxy.add_rule(Rule::always(Some("GetParameters"), Fault::Stall).times(1));
    let config = Small::loader()
        .env(&env)
        .sdk_config(&without_timeouts(&proxy.endpoint()))
        .timeout(Duration::from_secs(4))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(check_small(&config));
    assert_eq!(
        proxy.count("GetParameters"),
        2,
        "one hung attempt, one retry"
    );
}

/// Every attempt hangs: after the SDK's attempts, the call is reported as a
/// timeout naming its API and parameter names, before the load's deadline.
#[tokio::test]
async fn a_call_whose_attempts_all_hang_is_reported_with_its_api_and_names() {
    let env = unique_env("hungall");
    seed_small(&env).await;
    let proxy = Proxy::start(moto()).expect("proxy");
    proxy.add_rule(Rule::always(Some("GetParameters"), Fault::Stall));
    let config = sdk_config(&proxy.endpoint())
        .into_builder()
        .timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(Duration::from_millis(300))
                .build(),
        )
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(50)))
        .build();
    let deadline = Duration::from_secs(8);
    let started = Instant::now();
    let err = Small::loader()
        .env(&env)
        .sdk_config(&config)
        .timeout(deadline)
        .load()
        .await
        .expect_err("hung");
    assert!(started.elapsed() < deadline, "{:?}", started.elapsed());
    assert_eq!(
        problems(&err),
        vec![format!(
            "{{host,port}} (/{env}/hard/{{host,port}}): ssm:GetParameters timed out (no answer within the per-attempt timeout)"
        )]
    );
    assert_eq!(err.problems()[0].kind(), ProblemKind::Timeout);
    assert_eq!(proxy.count("GetParameters"), 3);
}

/// The `SdkConfig`'s own per-attempt timeout wins over awsconf's default: here it
/// is longer than the load, so the load's bound (3 s, within 1 s) ends the load.
#[tokio::test]
async fn the_sdk_configs_own_attempt_timeout_wins_and_the_load_bound_holds() {
    let env = unique_env("own");
    let proxy = Proxy::start(moto()).expect("proxy");
    proxy.add_rule(Rule::always(None, Fault::Stall));
    let config = sdk_config(&proxy.endpoint())
        .into_builder()
        .timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(Duration::from_secs(60))
                .build(),
        )
        .build();
    let started = Instant::now();
    let err = Small::loader()
        .env(&env)
        .sdk_config(&config)
        .timeout(Duration::from_secs(3))
        .load()
        .await
        .expect_err("stalled");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_secs(2) && elapsed <= Duration::from_secs(4),
        "3 s, within 1 s: {elapsed:?}"
    );
    assert_eq!(
        problems(&err),
        vec!["the load did not finish within 3s: AWS (or the endpoint) did not answer in time; raise it with .timeout(..) or check the network".to_string()]
    );
    assert_eq!(
        (
            proxy.count("GetParameters"),
            proxy.count("BatchGetSecretValue")
        ),
        (1, 1),
        "no retry: the one attempt never ended"
    );
}

fn fault_name(fault: &Fault) -> &'static str {
    match fault {
        Fault::Status(500) => "HTTP 500",
        Fault::Status(503) => "HTTP 503",
        Fault::Reset => "connection reset",
        Fault::Html500 => "HTML 500",
        _ => "other",
    }
}

/// Two faults, then answers: the SDK's retries absorb them.
#[tokio::test]
async fn transient_5xx_html_500_and_resets_are_retried_and_the_load_succeeds() {
    let env = unique_env("transient");
    seed_small(&env).await;
    // The four cases run at once, each through its own proxy.
    let cases = [
        Fault::Status(500),
        Fault::Status(503),
        Fault::Reset,
        Fault::Html500,
    ]
    .map(|fault| {
        let proxy = Proxy::start(moto()).expect("proxy");
        proxy.add_rule(Rule::always(Some("GetParameters"), fault.clone()).times(2));
        proxy.add_rule(Rule::always(Some("BatchGetSecretValue"), fault.clone()).times(2));
        (fault, proxy)
    });
    let loads = cases.iter().map(|(_, proxy)| {
        Small::loader()
            .env(&env)
            .sdk_config(&sdk_config(&proxy.endpoint()))
            .timeout(Duration::from_secs(15))
            .load()
    });
    let results = futures_util::future::join_all(loads).await;
    for ((fault, proxy), result) in cases.iter().zip(results) {
        let config = result.unwrap_or_else(|e| panic!("{}: {e}", fault_name(fault)));
        assert!(check_small(&config), "{}", fault_name(fault));
        assert_eq!(
            (
                proxy.count("GetParameters"),
                proxy.count("BatchGetSecretValue")
            ),
            (3, 3),
            "{}: two faults and one answer per call",
            fault_name(fault)
        );
        eprintln!(
            "figures: transient {}: load succeeded after 4 faults in {} requests",
            fault_name(fault),
            proxy.total()
        );
    }
}

/// Faults that do not stop: reported after the SDK's 3 attempts, in plain words,
/// one problem per call, naming the API and what it read.
#[tokio::test]
async fn persistent_5xx_and_resets_are_reported_after_the_retries() {
    let env = unique_env("persistent");
    seed_small(&env).await;
    let cases = [
        (
            Fault::Status(500),
            format!("{{host,port}} (/{env}/hard/{{host,port}}): ssm:GetParameters failed with HTTP 500 past the SDK's retries (InternalServerError: injected); AWS or the endpoint is failing, try again later"),
            format!("secrets {env}/hard/key: secretsmanager:BatchGetSecretValue failed with HTTP 500 past the SDK's retries (InternalServerError: injected); AWS or the endpoint is failing, try again later"),
            ProblemKind::Aws,
        ),
        (
            Fault::Status(503),
            format!("{{host,port}} (/{env}/hard/{{host,port}}): ssm:GetParameters failed with HTTP 503 past the SDK's retries (ServiceUnavailable: injected); AWS or the endpoint is failing, try again later"),
            format!("secrets {env}/hard/key: secretsmanager:BatchGetSecretValue failed with HTTP 503 past the SDK's retries (ServiceUnavailable: injected); AWS or the endpoint is failing, try again later"),
            ProblemKind::Aws,
        ),
        (
            Fault::Reset,
            format!("{{host,port}} (/{env}/hard/{{host,port}}): could not reach the AWS endpoint for ssm:GetParameters: Connection reset by peer (os error 104)"),
            format!("secrets {env}/hard/key: could not reach the AWS endpoint for secretsmanager:BatchGetSecretValue: Connection reset by peer (os error 104)"),
            ProblemKind::Unreachable,
        ),
        (
            Fault::Html500,
            format!("{{host,port}} (/{env}/hard/{{host,port}}): ssm:GetParameters got a response that is not an AWS answer (HTTP 500, an HTML error page or a truncated body); the endpoint or a proxy in between is failing"),
            format!("secrets {env}/hard/key: secretsmanager:BatchGetSecretValue got a response that is not an AWS answer (HTTP 500, an HTML error page or a truncated body); the endpoint or a proxy in between is failing"),
            ProblemKind::Aws,
        ),
    ];
    // The four cases run at once, each through its own proxy.
    let proxies: Vec<Proxy> = cases
        .iter()
        .map(|(fault, ..)| {
            let proxy = Proxy::start(moto()).expect("proxy");
            proxy.add_rule(Rule::always(None, fault.clone()));
            proxy
        })
        .collect();
    let loads = proxies.iter().map(|proxy| {
        Small::loader()
            .env(&env)
            .sdk_config(&sdk_config(&proxy.endpoint()))
            .timeout(Duration::from_secs(15))
            .load()
    });
    let results = futures_util::future::join_all(loads).await;
    for ((proxy, (fault, ssm, secrets, kind)), result) in proxies.iter().zip(cases).zip(results) {
        let mut want = vec![ssm, secrets];
        want.sort();
        let err = result.expect_err("persistent fault");
        let mut got = problems(&err);
        got.sort();
        assert_eq!(got, want, "{}", fault_name(&fault));
        assert!(err.problems().iter().all(|p| p.kind() == kind), "{err}");
        assert_eq!(
            (
                proxy.count("GetParameters"),
                proxy.count("BatchGetSecretValue")
            ),
            (3, 3),
            "{}: 3 attempts per call",
            fault_name(&fault)
        );
    }
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "paged")]
struct Paged {
    #[component]
    tenants: BTreeMap<String, Tenant>,
}

#[derive(AwsConfig, Debug)]
struct Tenant {
    plan: String,
}

/// A rule that answers `GetParametersByPath` with `page` instead of moto.
fn by_path_page(page: &str) -> Rule {
    Rule::always(
        Some("GetParametersByPath"),
        Fault::Respond {
            status: 200,
            body: page.into(),
        },
    )
}

/// moto answers a bad `NextToken` with werkzeug's HTML 500 page. A first page
/// handed over with a bogus token sends the loader there: a clear problem, no panic.
#[tokio::test]
async fn a_bogus_next_token_gets_motos_html_500_and_a_clear_problem() {
    let env = unique_env("token");
    Seed::new()
        .param(&format!("/{env}/paged/tenants/acme/plan"), "gold")
        .await;
    let proxy = Proxy::start(moto()).expect("proxy");
    proxy.add_rule(by_path_page(r#"{"Parameters":[],"NextToken":"bogus-token"}"#).times(1));
    let err = Paged::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .timeout(Duration::from_secs(15))
        .load()
        .await
        .expect_err("bad token");
    assert_eq!(
        problems(&err),
        vec![format!(
            "tenants (/{env}/paged/tenants/): ssm:GetParametersByPath got a response that is not an AWS answer (HTTP 500, an HTML error page or a truncated body); the endpoint or a proxy in between is failing"
        )]
    );
    assert_eq!(
        proxy.count("GetParametersByPath"),
        4,
        "the doctored page, then moto's own 500 three times"
    );
}

/// A page may be empty and still carry a `NextToken` (AWS filters after paging):
/// the chain goes on until the token is absent. moto's tokens are offsets, so a
/// doctored empty first page with token `0` leads to moto's real first page.
#[tokio::test]
async fn an_empty_page_that_carries_a_token_is_followed() {
    let env = unique_env("empty-page");
    let seed = Seed::new();
    for (tenant, plan) in [("acme", "gold"), ("globex", "free"), ("initech", "pro")] {
        seed.param(&format!("/{env}/paged/tenants/{tenant}/plan"), plan)
            .await;
    }
    let proxy = Proxy::start(moto()).expect("proxy");
    proxy.add_rule(by_path_page(r#"{"Parameters":[],"NextToken":"0"}"#).times(1));
    let config = Paged::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let plans: Vec<(&str, &str)> = config
        .tenants
        .iter()
        .map(|(k, t)| (k.as_str(), t.plan.as_str()))
        .collect();
    assert_eq!(
        plans,
        vec![("acme", "gold"), ("globex", "free"), ("initech", "pro")]
    );
    assert_eq!(
        proxy.count("GetParametersByPath"),
        2,
        "the empty page, then moto's only page"
    );
    let second = &proxy.requests()[1];
    assert!(
        second.body.contains(r#""NextToken":"0""#),
        "{}",
        second.body
    );
}

/// A chain whose every page carries a token again stops at `.max_pages(..)`
/// with a `Limit` problem naming the field and path, and no config.
#[tokio::test]
async fn a_page_chain_that_never_ends_stops_at_max_pages() {
    let env = unique_env("endless");
    let proxy = Proxy::start(moto()).expect("proxy");
    proxy.add_rule(by_path_page(r#"{"Parameters":[],"NextToken":"again"}"#));
    let err = Paged::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .max_pages(5)
        .load()
        .await
        .expect_err("endless chain");
    assert_eq!(
        problems(&err),
        vec![format!(
            "tenants (/{env}/paged/tenants/): GetParametersByPath kept returning a NextToken after 5 pages; stopped (raise it with .max_pages(..) if the prefix really holds more than 50 parameters)"
        )]
    );
    assert_eq!(err.problems()[0].kind(), ProblemKind::Limit);
    assert_eq!(
        proxy.count("GetParametersByPath"),
        5,
        "exactly max_pages pages"
    );
    assert_eq!(proxy.total(), 5);
}

// ---------------------------------------------------------------------------
// AWS's limits, before any call

#[derive(AwsConfig, Debug)]
#[aws_config(app = "lim")]
struct Limited {
    host: String,
    #[secret]
    token: SecretString,
    #[component]
    tenants: BTreeMap<String, Tenant>,
}

/// An env of 1,005 valid characters makes every name too long: each field is
/// reported with its (shortened) name, and no request is sent.
#[tokio::test]
async fn a_long_env_makes_every_name_too_long_and_no_call_is_made() {
    let env = "e".repeat(1005);
    let e = |n: usize| "e".repeat(n);
    let proxy = Proxy::start(moto()).expect("proxy");
    let loader = || {
        Limited::loader()
            .env(&env)
            .sdk_config(&sdk_config(&proxy.endpoint()))
    };
    let err = loader().load().await.expect_err("too long");
    let got = problems(&err);
    assert_eq!(
        got,
        vec![
            format!("host (/{}…{}/lim/host): the SSM name is 1015 characters long; SSM allows at most 1011", e(39), e(21)),
            format!("tenants (/{}…{}/lim/tenants/): the SSM name is 1018 characters long; SSM allows at most 1011", e(39), e(18)),
            format!("token (secret {}…{}/lim/token): the secret name is 1015 characters long; Secrets Manager allows at most 512", e(40), e(20)),
        ]
    );
    assert!(err
        .problems()
        .iter()
        .all(|p| p.kind() == ProblemKind::Limit));
    let plan = loader().plan().expect_err("the plan says the same");
    assert_eq!(problems(&plan), got);
    assert_eq!(proxy.total(), 0, "no call was made");
}

/// The env is one name segment: characters SSM forbids and the reserved `aws` /
/// `ssm` prefixes are refused before any call.
#[tokio::test]
async fn an_env_with_forbidden_characters_or_a_reserved_prefix_is_refused_before_any_call() {
    let proxy = Proxy::start(moto()).expect("proxy");
    let cases = [
        ("prod/eu", "env `prod/eu` contains `/`, which SSM does not allow in a name segment (allowed: a-z A-Z 0-9 _ . -)"),
        ("prod eu", "env `prod eu` contains ` `, which SSM does not allow in a name segment (allowed: a-z A-Z 0-9 _ . -)"),
        ("prôd", "env `prôd` contains `ô`, which SSM does not allow in a name segment (allowed: a-z A-Z 0-9 _ . -)"),
        ("AWS-prod", "env `AWS-prod` starts with `aws` or `ssm`, which SSM reserves"),
        ("ssmtest", "env `ssmtest` starts with `aws` or `ssm`, which SSM reserves"),
    ];
    for (env, want) in cases {
        let err = Small::loader()
            .env(env)
            .sdk_config(&sdk_config(&proxy.endpoint()))
            .load()
            .await
            .expect_err("bad env");
        assert_eq!(problems(&err), vec![want.to_string()]);
        assert_eq!(err.problems()[0].kind(), ProblemKind::Limit);
    }
    assert_eq!(proxy.total(), 0, "no call was made");
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "keys")]
struct Keyed {
    #[component]
    tenants: BTreeMap<String, KeyedTenant>,
}

#[derive(AwsConfig, Debug)]
struct KeyedTenant {
    plan: String,
    #[secret(id = "{env}/tenants/{key}/rds")]
    rds: SecretString,
}

/// A map key is known only at run time: a 520-character tenant id makes its
/// secret id longer than Secrets Manager allows. That secret is reported and not
/// asked for; the other tenant's secret is read as usual.
#[tokio::test]
async fn a_map_key_that_makes_a_secret_id_too_long_is_refused_without_a_call() {
    let env = unique_env("keys");
    let long = "t".repeat(520);
    let seed = Seed::new();
    seed.param(&format!("/{env}/keys/tenants/acme/plan"), "gold")
        .await;
    seed.param(&format!("/{env}/keys/tenants/{long}/plan"), "free")
        .await;
    seed.secret(&format!("{env}/tenants/acme/rds"), "pw-acme")
        .await;
    let proxy = Proxy::start(moto()).expect("proxy");
    let err = Keyed::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .load()
        .await
        .expect_err("id too long");
    let id = format!("{env}/tenants/{long}/rds");
    let short: String = id.chars().take(40).collect::<String>() + "…" + &id[id.len() - 30..];
    assert_eq!(
        problems(&err),
        vec![format!(
            "tenants.{long}.rds (secret {short}): the secret name is {} characters long; Secrets Manager allows at most 512",
            id.len()
        )]
    );
    assert_eq!(err.problems()[0].kind(), ProblemKind::Limit);
    let asked: Vec<String> = proxy
        .requests()
        .into_iter()
        .filter(|r| r.op == "BatchGetSecretValue")
        .map(|r| r.body)
        .collect();
    assert_eq!(asked.len(), 1);
    assert!(asked[0].contains("tenants/acme/rds") && !asked[0].contains(&long));
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "size")]
struct Sized_ {
    #[secret(id = "{env}/size/big")]
    big_secret: SecretString,
    #[secret(id = "{env}/size/max")]
    max_secret: SecretString,
    big: String,
    max: String,
    advanced: String,
    local: String,
}

/// The fields of [`Sized_`] whose values fit.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "size")]
struct Fits {
    #[secret(id = "{env}/size/max")]
    max_secret: SecretString,
    max: String,
    advanced: String,
    local: String,
}

/// moto stores what AWS would refuse; awsconf reports it. A secret is at most
/// 65,536 bytes; a parameter at most 8,192 (Advanced tier). A 5,000-byte value is
/// accepted: AWS stores it only as an Advanced parameter, and `GetParameters` does
/// not say the tier. A local layer is held to the same limits.
#[tokio::test]
async fn values_larger_than_aws_stores_are_limit_problems_wherever_they_come_from() {
    let env = unique_env("size");
    let seed = Seed::new();
    let p = format!("/{env}/size");
    seed.secret(&format!("{env}/size/big"), &"s".repeat(65_537))
        .await;
    seed.secret(&format!("{env}/size/max"), &"s".repeat(65_536))
        .await;
    seed.param(&format!("{p}/big"), &"b".repeat(8193)).await;
    seed.param(&format!("{p}/max"), &"m".repeat(8192)).await;
    seed.param(&format!("{p}/advanced"), &"a".repeat(5000))
        .await;
    let toml = format!("local = \"{}\"", "l".repeat(9000));
    let err = Sized_::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .merge(Toml::string(&toml))
        .load()
        .await
        .expect_err("too large");
    let mut got = problems(&err);
    got.sort();
    assert_eq!(
        got,
        vec![
            format!("big ({p}/big): the value is 8193 bytes; a parameter holds at most 8192 (Advanced tier; 4096 in the Standard tier)"),
            format!("big_secret (secret {env}/size/big): the secret is 65537 bytes; Secrets Manager allows at most 65536"),
            "local (TOML source string: local): the value is 9000 bytes; a parameter holds at most 8192 (Advanced tier; 4096 in the Standard tier)".to_string(),
        ]
    );
    assert!(err
        .problems()
        .iter()
        .all(|p| p.kind() == ProblemKind::Limit));

    // Within the limits, the same fields load.
    let config = Fits::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .merge(Toml::string(&format!("local = \"{}\"", "l".repeat(8192))))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.max_secret.expose_secret().len(), 65_536);
    assert_eq!(config.max.len(), 8192);
    assert_eq!(config.advanced, "a".repeat(5000));
    assert_eq!(config.local.len(), 8192);
}

// ---------------------------------------------------------------------------
// Concurrency

#[derive(AwsConfig, Debug)]
#[aws_config(app = "conc")]
struct Wide {
    #[component]
    db: Db,
    workers: u32,
    regions: Vec<String>,
    #[secret(id = "{env}/conc/api-key")]
    api_key: SecretString,
    #[component]
    tenants: BTreeMap<String, Tenant>,
}

#[derive(AwsConfig, Debug)]
struct Db {
    host: String,
    port: u16,
    password: SecretString,
}

/// A comparable view of a `Wide`, secrets included. Never printed: it has no `Debug`.
#[derive(PartialEq)]
struct View {
    host: String,
    port: u16,
    password: String,
    workers: u32,
    regions: Vec<String>,
    api_key: String,
    tenants: Vec<(String, String)>,
}

fn view(w: &Wide) -> View {
    View {
        host: w.db.host.clone(),
        port: w.db.port,
        password: w.db.password.expose_secret().to_string(),
        workers: w.workers,
        regions: w.regions.clone(),
        api_key: w.api_key.expose_secret().to_string(),
        tenants: w
            .tenants
            .iter()
            .map(|(k, t)| (k.clone(), t.plan.clone()))
            .collect(),
    }
}

#[tokio::test]
async fn fifty_parallel_loads_through_the_proxy_are_all_correct_and_equal() {
    let env = unique_env("conc");
    let seed = Seed::new();
    let p = format!("/{env}/conc");
    seed.param(&format!("{p}/db/host"), "db.internal").await;
    seed.param(&format!("{p}/db/port"), "5432").await;
    seed.secure(&format!("{p}/db/password"), "pw").await;
    seed.param(&format!("{p}/workers"), "8").await;
    seed.list(&format!("{p}/regions"), "eu-west-1,us-east-1")
        .await;
    seed.secret(&format!("{env}/conc/api-key"), "key").await;
    let tenants: Vec<(String, String)> = (0..12)
        .map(|i| (format!("{p}/tenants/t{i:02}/plan"), format!("plan-{i}")))
        .collect();
    seed.params(&tenants).await;

    let proxy = Proxy::start(moto()).expect("proxy");
    let config = sdk_config(&proxy.endpoint());
    let loads = (0..50).map(|_| {
        Wide::loader()
            .env(&env)
            .sdk_config(&config)
            .timeout(Duration::from_secs(20))
            .load()
    });
    let results = futures_util::future::join_all(loads).await;
    let views: Vec<_> = results
        .iter()
        .map(|r| match r {
            Ok(w) => view(w),
            Err(e) => panic!("a parallel load failed: {e}"),
        })
        .collect();
    let first = &views[0];
    assert_eq!(first.host, "db.internal");
    assert_eq!((first.port, first.workers), (5432, 8));
    assert_eq!(first.regions, vec!["eu-west-1", "us-east-1"]);
    assert_eq!(first.tenants.len(), 12);
    assert_eq!(
        first.tenants[11],
        ("t11".to_string(), "plan-11".to_string())
    );
    assert!(
        first.password == "pw" && first.api_key == "key",
        "secrets as seeded"
    );
    assert!(
        views.iter().all(|v| v == first),
        "all 50 loads returned the same config"
    );
    // Each load: 1 GetParameters, 2 pages of GetParametersByPath, 1 BatchGetSecretValue.
    assert_eq!(
        (
            proxy.count("GetParameters"),
            proxy.count("GetParametersByPath"),
            proxy.count("BatchGetSecretValue")
        ),
        (50, 100, 50)
    );
    eprintln!(
        "figures: 50 parallel loads, all equal; {} requests",
        proxy.total()
    );
}
