//! The service examples, run as their users would run them: the axum service
//! recovering from a rotation, the Lambda function loading once, the ECS service
//! reloading on SIGHUP and stopping on SIGTERM. Each binary runs against the
//! emulator with its own env and stops by itself within a bound.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{assert_no_secret, command, moto, run, runtime, sdk_config, unique_env, Running};

#[test]
fn axum_service_recovers_from_a_rotated_password_without_a_restart() {
    let env = unique_env("axum");
    let mut service = Running::start(command(
        env!("CARGO_BIN_EXE_axum-service"),
        moto(),
        &env,
        &["--seed", "--addr", "127.0.0.1:0", "--requests", "4"],
    ));
    let line = service.wait_for("listening on http://", Duration::from_secs(30));
    let addr: SocketAddr = line
        .trim()
        .trim_start_matches("listening on http://")
        .parse()
        .unwrap_or_else(|e| panic!("{line:?}: {e}"));

    let rt = runtime();
    let get = |path: &str| {
        rt.block_on(awsconf_examples::http_get(addr, path))
            .unwrap_or_else(|e| panic!("GET {path}: {e}\n{}", service.output()))
    };
    let mut bodies = Vec::new();

    let before = get("/orders");
    assert_eq!(before.status, 200, "{}", before.body);
    assert!(
        before.body.contains(r#""db_user":"shop""#),
        "{}",
        before.body
    );
    assert!(
        before.body.contains(r#""refreshed_config":false"#),
        "{}",
        before.body
    );
    bodies.push(before.body);

    // Secrets Manager rotates the password; the database now wants the new one.
    let secrets = aws_sdk_secretsmanager::Client::new(&sdk_config(moto()));
    rt.block_on(
        secrets
            .put_secret_value()
            .secret_id(format!("{env}/shop-api/db"))
            .secret_string(r#"{"username":"shop","password":"rotated-by-the-test"}"#)
            .send(),
    )
    .unwrap_or_else(|e| panic!("rotating: {}", aws_sdk_ssm::error::DisplayErrorContext(e)));

    // The first request after the rotation is rejected by the database with the
    // cached password, refreshes once, and succeeds: no restart, no error.
    let after = get("/orders");
    assert_eq!(after.status, 200, "{}", after.body);
    assert!(
        after.body.contains(r#""refreshed_config":true"#),
        "{}",
        after.body
    );
    bodies.push(after.body);
    // The next one uses the refreshed config directly.
    let next = get("/orders");
    assert_eq!(next.status, 200, "{}", next.body);
    assert!(
        next.body.contains(r#""refreshed_config":false"#),
        "{}",
        next.body
    );
    bodies.push(next.body);
    let index = get("/");
    assert_eq!(index.status, 200, "{}", index.body);
    assert!(
        index.body.contains(r#""greeting":"Hello from awsconf""#),
        "{}",
        index.body
    );
    bodies.push(index.body);

    // Four requests served: it stops by itself.
    let status = service.wait_exit(Duration::from_secs(15));
    let output = service.output();
    assert!(status.success(), "{status}\n{output}");
    assert!(output.contains("served 4 requests; stopping"), "{output}");
    assert!(
        output.contains("database rejected the credentials; refreshing the config once"),
        "{output}"
    );
    assert!(
        output.contains("awsconf: config changed"),
        "the refresh swapped the config in: {output}"
    );
    let secrets = ["initial-db-password", "rotated-by-the-test"];
    assert_no_secret(&output, &secrets);
    assert_no_secret(&bodies.join("\n"), &secrets);
}

#[test]
fn lambda_function_loads_its_config_once_for_all_invocations() {
    // Every AWS call of the function goes through a counting proxy.
    let proxy = awsconf_testkit::Proxy::start(moto()).expect("a proxy in front of moto");
    let env = unique_env("lambda");
    let (ok, output) = run(
        env!("CARGO_BIN_EXE_lambda-function"),
        &proxy.endpoint(),
        &env,
        &["--local"],
        Duration::from_secs(60),
    );
    assert!(ok, "{output}");
    for n in 1..=3 {
        assert!(output.contains(&format!("invocation {n}: {{")), "{output}");
    }
    assert!(
        output.contains(r#"{"order_id":"o-1001","currency":"EUR","subtotal_cents":2598,"tax_cents":214,"shipping_cents":499,"total_cents":3311,"payment_authorized":true}"#),
        "{output}"
    );
    assert!(output.contains("init: config loaded once in"), "{output}");
    assert!(
        output.contains("AWS calls made by the invocations: 0"),
        "{output}"
    );
    // One load for three invocations: one GetParameters (2 names), one
    // BatchGetSecretValue, and nothing else that reads.
    assert_eq!(proxy.count("GetParameters"), 1, "{:?}", proxy.counts());
    assert_eq!(
        proxy.count("BatchGetSecretValue"),
        1,
        "{:?}",
        proxy.counts()
    );
    assert_eq!(proxy.count("GetSecretValue"), 0, "{:?}", proxy.counts());
    assert_eq!(
        proxy.count("GetParametersByPath"),
        0,
        "{:?}",
        proxy.counts()
    );
    assert_no_secret(&output, &["pk_live_lambda_example"]);
}

#[test]
fn ecs_service_reloads_on_sighup_and_exits_cleanly_on_sigterm() {
    let env = unique_env("ecs");
    let mut service = Running::start(command(
        env!("CARGO_BIN_EXE_ecs-service"),
        moto(),
        &env,
        &["--seed"],
    ));
    let started = service.wait_for("started (pid", Duration::from_secs(30));
    assert!(started.contains("batch_size=100"), "{started}");
    service.wait_for("ready:", Duration::from_secs(5));

    // An operator changes a parameter, then asks for a reload.
    let ssm = aws_sdk_ssm::Client::new(&sdk_config(moto()));
    runtime()
        .block_on(
            ssm.put_parameter()
                .name(format!("/{env}/ingest/batch-size"))
                .value("250")
                .overwrite(true)
                .send(),
        )
        .unwrap_or_else(|e| panic!("{}", aws_sdk_ssm::error::DisplayErrorContext(e)));
    service.signal("-HUP");
    service.wait_for("SIGHUP: reloading the config", Duration::from_secs(10));
    let reloaded = service.wait_for("reloaded:", Duration::from_secs(15));
    assert!(reloaded.contains("batch_size=250"), "{reloaded}");
    assert!(reloaded.contains("upstream_token=[REDACTED]"), "{reloaded}");

    // A second SIGHUP with nothing changed.
    service.signal("-HUP");
    let again = service.wait_for("reloaded:", Duration::from_secs(15));
    assert!(again.contains("no change"), "{again}");

    service.signal("-TERM");
    let status = service.wait_exit(Duration::from_secs(10));
    let output = service.output();
    assert!(status.success(), "exit status {status}\n{output}");
    assert!(output.contains("SIGTERM: finishing up"), "{output}");
    assert!(output.contains("stopped cleanly"), "{output}");
    assert_no_secret(&output, &["ingest-token-v1"]);
}

#[test]
fn service_demos_run_by_themselves() {
    // What `scripts/example.sh axum-service --demo` and `… ecs-service --demo` run.
    let (ok, output) = run(
        env!("CARGO_BIN_EXE_axum-service"),
        moto(),
        &unique_env("axum-demo"),
        &["--demo"],
        Duration::from_secs(60),
    );
    assert!(ok, "{output}");
    assert!(
        output.contains("recovered from the rotation without a restart"),
        "{output}"
    );
    assert_no_secret(&output, &["initial-db-password", "rotated-db-password"]);

    let (ok, output) = run(
        env!("CARGO_BIN_EXE_ecs-service"),
        moto(),
        &unique_env("ecs-demo"),
        &["--demo"],
        Duration::from_secs(60),
    );
    assert!(ok, "{output}");
    assert!(output.contains("batch_size=250"), "{output}");
    assert!(output.contains("stopped cleanly"), "{output}");
    assert_no_secret(&output, &["ingest-token-v1"]);
}

/// A stand-in for the Lambda Runtime API (`AWS_LAMBDA_RUNTIME_API`): hands out
/// `events` on `GET …/invocation/next`, then holds further polls open; reports
/// every `POST …/response` and `…/error` as `(request id or "error", body)`.
mod runtime_api {
    use std::collections::VecDeque;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{SocketAddr, TcpListener, TcpStream};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc::{self, Receiver, Sender};
    use std::sync::{Arc, Mutex, PoisonError};
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    pub struct RuntimeApi {
        pub addr: SocketAddr,
        pub posts: Receiver<(String, String)>,
        stop: Arc<AtomicBool>,
    }

    impl Drop for RuntimeApi {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
        }
    }

    pub fn start(events: Vec<String>) -> RuntimeApi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the fake runtime API");
        let addr = listener.local_addr().expect("its address");
        let queue = Arc::new(Mutex::new(
            events
                .into_iter()
                .enumerate()
                .map(|(n, e)| (format!("req-{}", n + 1), e))
                .collect::<VecDeque<_>>(),
        ));
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, posts) = mpsc::channel();
        let thread_stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { break };
                let (queue, tx, stop) = (Arc::clone(&queue), tx.clone(), Arc::clone(&thread_stop));
                std::thread::spawn(move || serve(stream, &queue, &tx, &stop));
            }
        });
        RuntimeApi { addr, posts, stop }
    }

    fn serve(
        stream: TcpStream,
        queue: &Mutex<VecDeque<(String, String)>>,
        tx: &Sender<(String, String)>,
        stop: &AtomicBool,
    ) {
        let Ok(mut writer) = stream.try_clone() else {
            return;
        };
        let mut reader = BufReader::new(stream);
        loop {
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
                return;
            }
            let mut length = 0;
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 {
                    return;
                }
                let header = header.trim();
                if header.is_empty() {
                    break;
                }
                if let Some((name, value)) = header.split_once(':') {
                    if name.eq_ignore_ascii_case("content-length") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            let body = String::from_utf8_lossy(&body).into_owned();
            let path = request_line.split_whitespace().nth(1).unwrap_or_default();
            let response = if path.ends_with("/invocation/next") {
                let next = queue
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .pop_front();
                let Some((id, event)) = next else {
                    // No more events: hold the poll, as Lambda does between invocations.
                    while !stop.load(Ordering::SeqCst) {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    return;
                };
                let deadline = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_millis() + 60_000)
                    .unwrap_or_default();
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                     Lambda-Runtime-Aws-Request-Id: {id}\r\n\
                     Lambda-Runtime-Deadline-Ms: {deadline}\r\n\
                     Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:pricing\r\n\
                     Lambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000\r\n\
                     Content-Length: {}\r\n\r\n{event}",
                    event.len()
                )
            } else {
                let what = if path.ends_with("/response") {
                    path.rsplit('/').nth(1).unwrap_or_default().to_string()
                } else {
                    format!("error at {path}")
                };
                let _ = tx.send((what, body));
                let ok = r#"{"status":"OK"}"#;
                format!(
                    "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{ok}",
                    ok.len()
                )
            };
            if writer.write_all(response.as_bytes()).is_err() {
                return;
            }
        }
    }
}

#[test]
fn lambda_function_serves_the_runtime_api_with_one_load() {
    let env = unique_env("lambda-rt");
    // The function's parameters and secret, written by the test (the deployed
    // function does not seed).
    let sdk = sdk_config(moto());
    let ssm = aws_sdk_ssm::Client::new(&sdk);
    let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
    let rt = runtime();
    rt.block_on(async {
        for (name, value) in [("currency", "EUR"), ("tax-basis-points", "825")] {
            ssm.put_parameter()
                .name(format!("/{env}/pricing/{name}"))
                .value(value)
                .overwrite(true)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{}", aws_sdk_ssm::error::DisplayErrorContext(e)));
        }
        secrets
            .create_secret()
            .name(format!("{env}/pricing/payment-api-key"))
            .secret_string("pk_live_runtime_test")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}", aws_sdk_ssm::error::DisplayErrorContext(e)));
    });

    let api = runtime_api::start(
        (1..=3)
            .map(|n| {
                format!(
                    r#"{{"order_id":"rt-{n}","items":[{{"sku":"mug","unit_price_cents":1000,"quantity":{n}}}]}}"#
                )
            })
            .collect(),
    );
    let proxy = awsconf_testkit::Proxy::start(moto()).expect("a proxy in front of moto");
    let mut cmd = command(
        env!("CARGO_BIN_EXE_lambda-function"),
        &proxy.endpoint(),
        &env,
        &[],
    );
    cmd.env("AWS_LAMBDA_RUNTIME_API", api.addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "pricing")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "local")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/pricing");
    let function = Running::start(cmd);

    for n in 1..=3 {
        let (id, body) = api
            .posts
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("no response {n}; output:\n{}", function.output()));
        assert_eq!(id, format!("req-{n}"), "{body}\n{}", function.output());
        let subtotal = 1000 * n;
        assert!(
            body.contains(&format!(r#""order_id":"rt-{n}""#))
                && body.contains(&format!(r#""subtotal_cents":{subtotal}"#))
                && body.contains(r#""currency":"EUR""#),
            "{body}"
        );
    }
    // Three invocations served by one load at init.
    assert_eq!(proxy.count("GetParameters"), 1, "{:?}", proxy.counts());
    assert_eq!(
        proxy.count("BatchGetSecretValue"),
        1,
        "{:?}",
        proxy.counts()
    );
    let output = function.output();
    assert_eq!(
        output.matches("init: config loaded once").count(),
        1,
        "{output}"
    );
    assert_no_secret(&output, &["pk_live_runtime_test"]);
    // Dropping `function` stops the process, which Lambda would freeze instead.
}
