//! Tests of the fault-and-latency proxy, in front of a real moto.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use awsconf_testkit::moto::shared_endpoint;
use awsconf_testkit::proxy::{Fault, Proxy, Quota, Recorded, Rule};
use bytes::Bytes;
use common::{accepts, aws_request, call, client, get_params, put_param, send, wait_closed};
use http_body_util::{BodyExt, Full};
use hyper::StatusCode;
use hyper_util::rt::TokioIo;
use serde_json::json;

fn proxy() -> Proxy {
    Proxy::start(shared_endpoint()).unwrap()
}

/// Puts `n` parameters named `{prefix}/{i}` directly into moto.
async fn seed(prefix: &str, n: usize) -> Vec<String> {
    let c = client();
    let mut names = Vec::new();
    for i in 0..n {
        let name = format!("{prefix}/{i}");
        put_param(&c, shared_endpoint(), &name, &format!("value-{i}")).await;
        names.push(name);
    }
    names
}

#[tokio::test]
async fn forwards_to_moto_and_returns_its_data() {
    let p = proxy();
    let c = client();
    put_param(&c, &p.endpoint(), "/testkit/fwd/a", "alpha").await;
    put_param(&c, &p.endpoint(), "/testkit/fwd/b", "beta").await;
    let (found, invalid) = get_params(
        &c,
        &p.endpoint(),
        &["/testkit/fwd/a", "/testkit/fwd/b", "/testkit/fwd/missing"],
    )
    .await;
    assert_eq!(
        found,
        vec![
            ("/testkit/fwd/a".to_string(), "alpha".to_string()),
            ("/testkit/fwd/b".to_string(), "beta".to_string())
        ]
    );
    assert_eq!(invalid, vec!["/testkit/fwd/missing".to_string()]);
    // The writes really reached moto.
    let (direct, _) = get_params(&c, shared_endpoint(), &["/testkit/fwd/a"]).await;
    assert_eq!(direct, vec![("/testkit/fwd/a".into(), "alpha".into())]);
    // moto's own response headers come through.
    let r = call(
        &c,
        &p.endpoint(),
        "AmazonSSM.GetParameters",
        json!({"Names": ["/testkit/fwd/a"]}),
    )
    .await;
    assert_eq!(
        r.headers["content-type"], "application/x-amz-json-1.1",
        "{:?}",
        r.headers
    );
    assert!(r.headers.contains_key("x-amzn-requestid"));
    // ...but not moto's `Connection: close`.
    assert!(!r.headers.contains_key("connection"), "{:?}", r.headers);
}

/// Serves `handler` on a free 127.0.0.1 port, one connection per request (as
/// moto does), many at once; returns its endpoint and the serving task.
async fn spawn_upstream<F, Fut>(handler: F) -> (String, tokio::task::JoinHandle<()>)
where
    F: Fn(hyper::Request<hyper::body::Incoming>) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Result<hyper::Response<Full<Bytes>>, hyper::Error>>
        + Send
        + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let svc = hyper::service::service_fn(handler.clone());
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .keep_alive(false)
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    (format!("http://{addr}"), task)
}

/// An upstream that echoes what it received, to check nothing is rewritten.
async fn echo_upstream() -> (String, tokio::task::JoinHandle<()>) {
    spawn_upstream(|req: hyper::Request<hyper::body::Incoming>| async move {
        let (parts, body) = req.into_parts();
        let body = body.collect().await?.to_bytes();
        let headers: BTreeMap<String, Vec<String>> = parts
            .headers
            .keys()
            .map(|k| {
                (
                    k.to_string(),
                    parts
                        .headers
                        .get_all(k)
                        .iter()
                        .map(|v| v.to_str().unwrap().to_string())
                        .collect(),
                )
            })
            .collect();
        let echo = json!({
            "method": parts.method.as_str(),
            "uri": parts.uri.to_string(),
            "headers": headers,
            "body": String::from_utf8_lossy(&body),
        });
        Ok(hyper::Response::builder()
            .header("connection", "close")
            .header("x-upstream", "echo")
            .body(Full::new(Bytes::from(echo.to_string())))
            .unwrap())
    })
    .await
}

#[tokio::test]
async fn forwards_method_path_query_headers_and_body_unchanged() {
    let (upstream, task) = echo_upstream().await;
    let p = Proxy::start(&upstream).unwrap();
    let c = client();
    let req = hyper::Request::put(format!("{}/some/path?a=1&b=two%20words", p.endpoint()))
        .header("host", "ssm.us-east-1.amazonaws.com")
        .header("x-amz-target", "AmazonSSM.GetParameters")
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=x/y, Signature=abc",
        )
        .header("x-multi", "one")
        .header("x-multi", "two")
        .body(Full::new(Bytes::from_static(b"{\"Names\":[\"x\"]}")))
        .unwrap();
    let r = send(&c, req).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["x-upstream"], "echo");
    let echo = r.json();
    assert_eq!(echo["method"], "PUT");
    assert_eq!(echo["uri"], "/some/path?a=1&b=two%20words");
    assert_eq!(echo["body"], "{\"Names\":[\"x\"]}");
    let h = &echo["headers"];
    assert_eq!(h["host"], json!(["ssm.us-east-1.amazonaws.com"]));
    assert_eq!(h["x-amz-target"], json!(["AmazonSSM.GetParameters"]));
    assert_eq!(
        h["authorization"],
        json!(["AWS4-HMAC-SHA256 Credential=x/y, Signature=abc"])
    );
    assert_eq!(h["x-multi"], json!(["one", "two"]));
    assert_eq!(h["content-length"], json!(["15"]));
    assert_eq!(p.count("GetParameters"), 1);
    assert_eq!(p.max_batch("GetParameters"), 1);
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_and_max_batch_are_exact_under_concurrency() {
    let names = seed("/testkit/counts", 10).await;
    let p = proxy();
    let c = client();
    let mut tasks = Vec::new();
    for i in 0..40usize {
        let (c, endpoint) = (c.clone(), p.endpoint());
        let batch: Vec<String> = names[..1 + i % 10].to_vec();
        tasks.push(tokio::spawn(async move {
            call(
                &c,
                &endpoint,
                "AmazonSSM.GetParameters",
                json!({ "Names": batch }),
            )
            .await
        }));
    }
    for i in 0..5u64 {
        let (c, endpoint) = (c.clone(), p.endpoint());
        tasks.push(tokio::spawn(async move {
            call(
                &c,
                &endpoint,
                "AmazonSSM.GetParametersByPath",
                json!({"Path": "/testkit/counts", "MaxResults": 3 + i}),
            )
            .await
        }));
    }
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let r = call(
        &c,
        &p.endpoint(),
        "secretsmanager.BatchGetSecretValue",
        json!({"SecretIdList": ["s1", "s2", "s3"]}),
    )
    .await;
    assert!(!r.body.is_empty());
    // A request without X-Amz-Target counts under its path.
    let r = send(
        &c,
        hyper::Request::get(format!("{}/moto-api/?x=1", p.endpoint()))
            .body(Full::new(Bytes::new()))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);

    let expected: BTreeMap<String, u64> = [
        ("/moto-api/".to_string(), 1),
        ("BatchGetSecretValue".to_string(), 1),
        ("GetParameters".to_string(), 40),
        ("GetParametersByPath".to_string(), 5),
    ]
    .into_iter()
    .collect();
    assert_eq!(p.counts(), expected);
    assert_eq!(p.count("GetParameters"), 40);
    assert_eq!(p.count("PutParameter"), 0);
    assert_eq!(p.total(), 47);
    assert_eq!(p.max_batch("GetParameters"), 10);
    assert_eq!(p.max_batch("GetParametersByPath"), 7);
    assert_eq!(p.max_batch("BatchGetSecretValue"), 3);
    assert_eq!(p.max_batch("PutParameter"), 0);

    let recorded = p.requests();
    assert_eq!(recorded.len(), 47);
    assert_eq!(
        recorded.iter().filter(|r| r.op == "GetParameters").count(),
        40
    );
    assert!(recorded.contains(&Recorded {
        op: "BatchGetSecretValue".into(),
        body: json!({"SecretIdList": ["s1", "s2", "s3"]}).to_string(),
    }));
    assert!(recorded.contains(&Recorded {
        op: "/moto-api/".into(),
        body: String::new(),
    }));

    p.reset_stats();
    assert!(p.counts().is_empty());
    assert_eq!(p.total(), 0);
    assert_eq!(p.max_batch("GetParameters"), 0);
    assert!(p.requests().is_empty());
}

#[tokio::test]
async fn throttle_returns_aws_throttling_error_and_does_not_forward() {
    let p = proxy();
    let c = client();
    p.add_rule(Rule::always(Some("PutParameter"), Fault::Throttle));
    let r = call(
        &c,
        &p.endpoint(),
        "AmazonSSM.PutParameter",
        json!({"Name": "/testkit/throttled", "Value": "v", "Type": "String"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.headers["content-type"], "application/x-amz-json-1.1");
    assert_eq!(
        r.json(),
        json!({"__type": "ThrottlingException", "message": "Rate exceeded"})
    );
    assert_eq!(p.count("PutParameter"), 1, "faulted requests are counted");
    // Other operations are unaffected, and the faulted write never reached moto.
    let (found, invalid) = get_params(&c, &p.endpoint(), &["/testkit/throttled"]).await;
    assert!(found.is_empty());
    assert_eq!(invalid, vec!["/testkit/throttled".to_string()]);
    p.clear_rules();
    put_param(&c, &p.endpoint(), "/testkit/throttled", "v").await;
}

#[tokio::test]
async fn status_faults_return_json_errors() {
    let p = proxy();
    let c = client();
    for (code, kind) in [
        (500, "InternalServerError"),
        (503, "ServiceUnavailable"),
        (502, "InternalServerError"),
    ] {
        p.clear_rules();
        p.add_rule(Rule::always(None, Fault::Status(code)));
        let r = get_x(&c, &p.endpoint()).await;
        assert_eq!(r.status.as_u16(), code);
        assert_eq!(r.headers["content-type"], "application/x-amz-json-1.1");
        assert_eq!(r.json(), json!({"__type": kind, "message": "injected"}));
    }
    assert_eq!(p.count("GetParameters"), 3);
}

#[tokio::test]
async fn respond_returns_the_given_status_and_body() {
    let p = proxy();
    let c = client();
    let body = json!({
        "__type": "AccessDeniedException",
        "message": "User: arn:aws:iam::123456789012:user/x is not authorized to perform: ssm:GetParameters on resource: arn:aws:ssm:us-east-1:123456789012:parameter/x"
    })
    .to_string();
    p.add_rule(Rule::always(
        Some("GetParameters"),
        Fault::Respond {
            status: 400,
            body: body.clone(),
        },
    ));
    let r = get_x(&c, &p.endpoint()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.headers["content-type"], "application/x-amz-json-1.1");
    assert_eq!(r.body, body);
}

#[tokio::test]
async fn html500_looks_like_a_moto_crash() {
    let p = proxy();
    let c = client();
    p.add_rule(Rule::always(Some("GetParametersByPath"), Fault::Html500));
    let injected = call(
        &c,
        &p.endpoint(),
        "AmazonSSM.GetParametersByPath",
        json!({"Path": "/testkit"}),
    )
    .await;
    assert_eq!(injected.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(injected.headers["content-type"], "text/html; charset=utf-8");
    assert!(injected
        .body
        .contains("<title>500 Internal Server Error</title>"));
    // Same status, content type and page as moto's own crash on a bad NextToken.
    let real = call(
        &c,
        shared_endpoint(),
        "AmazonSSM.GetParametersByPath",
        json!({"Path": "/testkit", "NextToken": "not-a-number"}),
    )
    .await;
    assert_eq!(real.status, injected.status);
    assert_eq!(
        real.headers["content-type"],
        injected.headers["content-type"]
    );
    assert_eq!(real.body, injected.body);
}

/// Writes one raw HTTP/1.1 request on a fresh TCP connection to `endpoint`.
fn raw_request(endpoint: &str, target: &str, body: &str) -> TcpStream {
    let addr = endpoint.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: {addr}\r\nX-Amz-Target: {target}\r\n\
         Content-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    s
}

#[test]
fn reset_drops_the_connection_without_answering() {
    let p = proxy();
    p.add_rule(Rule::always(Some("GetParameters"), Fault::Reset));
    let mut s = raw_request(
        &p.endpoint(),
        "AmazonSSM.GetParameters",
        r#"{"Names":["x"]}"#,
    );
    let mut buf = Vec::new();
    let res = s.read_to_end(&mut buf);
    assert!(
        buf.is_empty(),
        "got an answer: {:?}",
        String::from_utf8_lossy(&buf)
    );
    match res {
        Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset, "{e}"),
        Ok(_) => panic!("connection closed gracefully, expected a reset"),
    }
    assert_eq!(p.count("GetParameters"), 1);
    assert_eq!(
        p.requests()[0].body,
        r#"{"Names":["x"]}"#,
        "request was read"
    );
}

#[tokio::test]
async fn reset_fails_an_http_client_request() {
    let p = proxy();
    p.add_rule(Rule::always(None, Fault::Reset).times(1));
    let c = client();
    let req = aws_request(
        &p.endpoint(),
        "AmazonSSM.GetParameters",
        &json!({"Names": ["x"]}),
    );
    let res = tokio::time::timeout(Duration::from_secs(10), c.request(req))
        .await
        .expect("reset must not hang");
    assert!(res.is_err(), "expected a connection error, got {res:?}");
    // The next request goes through.
    let (_, invalid) = get_params(&c, &p.endpoint(), &["/testkit/after-reset"]).await;
    assert_eq!(invalid, vec!["/testkit/after-reset".to_string()]);
}

#[tokio::test]
async fn stall_never_answers() {
    let p = proxy();
    p.add_rule(Rule::always(Some("GetParameters"), Fault::Stall));
    let c = client();
    let req = aws_request(
        &p.endpoint(),
        "AmazonSSM.GetParameters",
        &json!({"Names": ["x"]}),
    );
    let started = Instant::now();
    let res = tokio::time::timeout(Duration::from_secs(1), c.request(req)).await;
    assert!(res.is_err(), "stalled request was answered: {res:?}");
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(p.count("GetParameters"), 1, "stalled request was seen");
    // Other operations still work while a request is stalled.
    let r = call(
        &c,
        &p.endpoint(),
        "AmazonSSM.GetParametersByPath",
        json!({"Path": "/testkit/stall"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Dropping the proxy releases the stalled connection.
    let mut s = raw_request(&p.endpoint(), "AmazonSSM.GetParameters", "{}");
    std::thread::sleep(Duration::from_millis(200));
    drop(p);
    let mut buf = Vec::new();
    let res = s.read_to_end(&mut buf);
    assert!(buf.is_empty());
    assert!(
        res.is_ok()
            || res
                .as_ref()
                .is_err_and(|e| e.kind() != ErrorKind::WouldBlock),
        "stalled connection still open after drop: {res:?}"
    );
}

#[tokio::test]
async fn times_limits_the_number_of_injected_faults() {
    let p = proxy();
    let c = client();
    p.add_rule(Rule::always(Some("GetParameters"), Fault::Throttle).times(2));
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let r = get_x(&c, &p.endpoint()).await;
        statuses.push(r.status.as_u16());
    }
    assert_eq!(statuses, vec![400, 400, 200, 200, 200]);
    assert_eq!(p.count("GetParameters"), 5);
}

#[tokio::test]
async fn rules_apply_in_order_and_only_to_their_operation() {
    let p = proxy();
    let c = client();
    p.add_rule(Rule::always(Some("GetParameters"), Fault::Status(503)).times(1));
    p.add_rule(Rule::always(None, Fault::Throttle).times(2));
    let ops = [
        "AmazonSSM.GetParameters",       // 503 (first rule)
        "AmazonSSM.GetParameters",       // throttled (second rule, 1/2)
        "AmazonSSM.GetParametersByPath", // throttled (second rule, 2/2)
        "AmazonSSM.GetParameters",       // forwarded
        "AmazonSSM.GetParametersByPath", // forwarded
    ];
    let mut statuses = Vec::new();
    for op in ops {
        let r = call(&c, &p.endpoint(), op, json!({"Names": ["x"], "Path": "/x"})).await;
        statuses.push(r.status.as_u16());
    }
    assert_eq!(statuses, vec![503, 400, 400, 200, 200]);
}

#[tokio::test]
async fn probability_injects_about_that_share() {
    let p = proxy();
    let c = client();
    // Never and always.
    p.add_rule(Rule::always(None, Fault::Status(500)).probability(0.0));
    let r = get_x(&c, &p.endpoint()).await;
    assert_eq!(r.status, StatusCode::OK);
    p.clear_rules();
    // Half: faulted requests are answered by the proxy without reaching moto,
    // use a path moto would answer 200.
    p.add_rule(Rule::always(None, Fault::Status(500)).probability(0.5));
    let mut faulted = 0;
    for _ in 0..200 {
        let r = get_x(&c, &p.endpoint()).await;
        if r.status == StatusCode::INTERNAL_SERVER_ERROR {
            faulted += 1;
        } else {
            assert_eq!(r.status, StatusCode::OK);
        }
    }
    // P(outside 60..=140) for Binomial(200, 0.5) is about 5e-9.
    assert!((60..=140).contains(&faulted), "faulted {faulted}/200");
    // Probability combined with times: at most `times` injections.
    p.clear_rules();
    p.add_rule(
        Rule::always(None, Fault::Status(500))
            .probability(0.5)
            .times(3),
    );
    let mut faulted = 0;
    for _ in 0..60 {
        let r = get_x(&c, &p.endpoint()).await;
        if r.status == StatusCode::INTERNAL_SERVER_ERROR {
            faulted += 1;
        }
    }
    assert_eq!(faulted, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delay_is_added_per_request_and_concurrently() {
    let p = proxy();
    let c = client();
    let delay = Duration::from_millis(500);
    p.set_delay(delay);
    let started = Instant::now();
    let r = get_x(&c, &p.endpoint()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(started.elapsed() >= delay, "{:?}", started.elapsed());

    // Faults are delayed too.
    p.add_rule(Rule::always(None, Fault::Throttle).times(1));
    let started = Instant::now();
    let r = get_x(&c, &p.endpoint()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(started.elapsed() >= delay);

    // Ten concurrent requests take about one delay, not ten.
    let started = Instant::now();
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (c, endpoint) = (c.clone(), p.endpoint());
            tokio::spawn(async move { get_x(&c, &endpoint).await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().status, StatusCode::OK);
    }
    let elapsed = started.elapsed();
    assert!(elapsed >= delay, "{elapsed:?}");
    assert!(
        elapsed < delay * 5,
        "requests were delayed serially: {elapsed:?}"
    );

    p.set_delay(Duration::ZERO);
    let started = Instant::now();
    get_x(&c, &p.endpoint()).await;
    assert!(started.elapsed() < delay);
}

/// An upstream that answers `{}` after `wait`, many requests at once.
async fn slow_upstream(wait: Duration) -> (String, tokio::task::JoinHandle<()>) {
    spawn_upstream(
        move |_req: hyper::Request<hyper::body::Incoming>| async move {
            tokio::time::sleep(wait).await;
            Ok(hyper::Response::new(Full::new(Bytes::from_static(b"{}"))))
        },
    )
    .await
}

/// `GetParameters` for the name `x` through `endpoint`.
async fn get_x(c: &common::HttpClient, endpoint: &str) -> common::Reply {
    call(
        c,
        endpoint,
        "AmazonSSM.GetParameters",
        json!({"Names": ["x"]}),
    )
    .await
}

/// Sends every `(target, body)` at once through `endpoint` and checks each is answered.
async fn all_at_once(
    c: &common::HttpClient,
    endpoint: &str,
    calls: Vec<(&'static str, serde_json::Value)>,
) {
    let tasks: Vec<_> = calls
        .into_iter()
        .map(|(target, body)| {
            let (c, endpoint) = (c.clone(), endpoint.to_string());
            tokio::spawn(async move { call(&c, &endpoint, target, body).await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().status, StatusCode::OK);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_flight_peaks_count_requests_held_at_once_per_service() {
    let p = proxy();
    let c = client();
    // The delay holds every request long enough for all of them to arrive.
    p.set_delay(Duration::from_millis(400));
    let mut calls = vec![("AmazonSSM.GetParameters", json!({"Names": ["x"]})); 6];
    calls.extend(vec![
        (
            "secretsmanager.BatchGetSecretValue",
            json!({"SecretIdList": ["s"]})
        );
        2
    ]);
    all_at_once(&c, &p.endpoint(), calls).await;
    assert_eq!(p.max_in_flight(), 8);
    assert_eq!(p.max_in_flight_of("AmazonSSM"), 6);
    assert_eq!(p.max_in_flight_of("secretsmanager"), 2);
    assert_eq!(p.max_in_flight_of("kms"), 0);

    // One after another: never more than one.
    p.reset_stats();
    assert_eq!(p.max_in_flight(), 0);
    p.set_delay(Duration::from_millis(20));
    for _ in 0..3 {
        get_x(&c, &p.endpoint()).await;
    }
    assert_eq!(p.max_in_flight(), 1);
    assert_eq!(p.max_in_flight_of("AmazonSSM"), 1);
    assert_eq!(p.max_in_flight_of("secretsmanager"), 0);

    // A stalled request stays in flight until its client gives up.
    p.reset_stats();
    p.add_rule(Rule::always(None, Fault::Stall).times(1));
    let stalled = {
        let (c, endpoint) = (c.clone(), p.endpoint());
        tokio::spawn(async move { get_x(&c, &endpoint).await })
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while p.total() == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    get_x(&c, &p.endpoint()).await;
    assert_eq!(p.max_in_flight(), 2);
    stalled.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_busy_counts_overlapping_requests_once_and_not_the_delay() {
    let wait = Duration::from_millis(300);
    let (upstream, task) = slow_upstream(wait).await;
    let p = Proxy::start(&upstream).unwrap();
    let c = client();
    assert_eq!(p.upstream_busy(), Duration::ZERO);

    // Five requests at the upstream together: about one wait, not five.
    all_at_once(
        &c,
        &p.endpoint(),
        vec![("AmazonSSM.GetParameters", json!({})); 5],
    )
    .await;
    let busy = p.upstream_busy();
    assert!(busy >= wait, "{busy:?}");
    assert!(
        busy < wait * 5 / 2,
        "overlapping requests were added up: {busy:?}"
    );

    // One after another: the waits add up.
    p.reset_stats();
    assert_eq!(p.upstream_busy(), Duration::ZERO);
    for _ in 0..3 {
        call(&c, &p.endpoint(), "AmazonSSM.GetParameters", json!({})).await;
    }
    assert!(p.upstream_busy() >= wait * 3, "{:?}", p.upstream_busy());

    // The added delay and faulted requests are not the upstream's time.
    p.reset_stats();
    p.set_delay(Duration::from_millis(500));
    p.add_rule(Rule::always(None, Fault::Throttle));
    let r = call(&c, &p.endpoint(), "AmazonSSM.GetParameters", json!({})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(p.upstream_busy(), Duration::ZERO);
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_over_one_keep_alive_client_all_succeed() {
    let names = seed("/testkit/concurrent", 5).await;
    let p = proxy();
    p.set_delay(Duration::from_millis(20));
    let c = client(); // one pooled keep-alive client
    let mut tasks = Vec::new();
    for round in 0..4 {
        for i in 0..25usize {
            let (c, endpoint, names) = (c.clone(), p.endpoint(), names.clone());
            tasks.push(tokio::spawn(async move {
                let want = &names[(round + i) % names.len()];
                let (found, _) = get_params(&c, &endpoint, &[want.as_str()]).await;
                assert_eq!(found.len(), 1);
                assert_eq!(&found[0].0, want);
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(p.count("GetParameters"), 100);
}

#[tokio::test]
async fn one_client_connection_serves_many_requests() {
    // Whatever the upstream does with its connections (moto's own server
    // closes every one), the proxy keeps the client's open.
    let p = proxy();
    let stream = tokio::net::TcpStream::connect(p.local_addr())
        .await
        .unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    for i in 0..20 {
        sender.ready().await.expect("connection was closed");
        let req = aws_request(
            &p.endpoint(),
            "AmazonSSM.GetParameters",
            &json!({"Names": [format!("/x/{i}")]}),
        );
        let resp = sender.send_request(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.headers().get("connection").is_none());
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        assert!(String::from_utf8_lossy(&body).contains(&format!("/x/{i}")));
    }
    assert_eq!(p.count("GetParameters"), 20);
}

#[tokio::test]
async fn upstream_down_answers_502() {
    // A port that was free a moment ago.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let p = Proxy::start(&format!("http://127.0.0.1:{port}")).unwrap();
    let r = call(
        &client(),
        &p.endpoint(),
        "AmazonSSM.GetParameters",
        json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    assert_eq!(p.count("GetParameters"), 1);
}

#[test]
fn invalid_upstream_is_rejected() {
    for bad in ["", "not a url", "https://127.0.0.1:1", "ftp://x", "/path"] {
        let err = Proxy::start(bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}");
    }
    assert!(Proxy::start("http://127.0.0.1:5000/").is_ok());
}

#[test]
fn drop_stops_the_listener() {
    let p = proxy();
    let endpoint = p.endpoint();
    assert!(accepts(&endpoint));
    drop(p);
    assert!(wait_closed(&endpoint, Duration::from_secs(2)));
}

#[test]
fn handles_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Proxy>();
    assert_send_sync::<awsconf_testkit::Moto>();
}

const THROTTLED: &str = r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#;

#[tokio::test]
async fn a_quota_lets_its_burst_through_then_throttles_as_aws_does() {
    let p = proxy();
    let c = client();
    p.add_quota(Quota::new(&["GetParameters"], 4.0).burst(5.0));
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let r = call(
            &c,
            &p.endpoint(),
            "AmazonSSM.GetParameters",
            json!({"Names": ["/testkit/quota/x"]}),
        )
        .await;
        if r.status != StatusCode::OK {
            assert_eq!(r.status, StatusCode::BAD_REQUEST);
            assert_eq!(r.headers["content-type"], "application/x-amz-json-1.1");
            assert_eq!(r.body, THROTTLED);
        }
        statuses.push(r.status.as_u16());
    }
    // Five in the burst (plus at most one refilled token while they ran).
    let ok = statuses.iter().filter(|s| **s == 200).count();
    assert!((5..=6).contains(&ok), "{statuses:?}");
    assert_eq!(&statuses[..5], &[200; 5]);
    assert_eq!(p.throttled(), (8 - ok) as u64);
    assert_eq!(p.throttled_of("GetParameters"), (8 - ok) as u64);
    assert_eq!(
        p.count("GetParameters"),
        8,
        "throttled requests are counted too"
    );
    // Other operations are not metered.
    put_param(&c, &p.endpoint(), "/testkit/quota/x", "v").await;
    // The bucket refills at its rate: after half a second, two more tokens.
    tokio::time::sleep(Duration::from_millis(550)).await;
    let r = call(
        &c,
        &p.endpoint(),
        "AmazonSSM.GetParameters",
        json!({"Names": ["/testkit/quota/x"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    p.reset_stats();
    assert_eq!(p.throttled(), 0);
}

#[tokio::test]
async fn operations_of_one_quota_group_share_its_bucket() {
    let p = proxy();
    let c = client();
    // Parameter Store's shared read quota, scaled down to 3 per second.
    p.add_quota(Quota {
        per_second: 0.01,
        burst: 3.0,
        ..Quota::ssm_get()
    });
    p.add_quota(Quota::batch_get_secret_value());
    let endpoint = p.endpoint();
    let r1 = call(
        &c,
        &endpoint,
        "AmazonSSM.GetParameter",
        json!({"Name": "/testkit/q/a"}),
    )
    .await;
    let r2 = call(
        &c,
        &endpoint,
        "AmazonSSM.GetParameters",
        json!({"Names": ["/testkit/q/a"]}),
    )
    .await;
    let r3 = call(
        &c,
        &endpoint,
        "AmazonSSM.GetParametersByPath",
        json!({"Path": "/testkit/q/"}),
    )
    .await;
    let r4 = call(
        &c,
        &endpoint,
        "AmazonSSM.GetParameter",
        json!({"Name": "/testkit/q/a"}),
    )
    .await;
    // The first three took the bucket's three tokens (moto's own answers).
    for r in [&r1, &r2, &r3] {
        assert_ne!(r.body, THROTTLED);
    }
    assert_eq!(r4.status, StatusCode::BAD_REQUEST);
    assert_eq!(r4.body, THROTTLED);
    assert_eq!(p.throttled(), 1);
    assert_eq!(p.throttled_of("GetParameter"), 1);
    // Secrets Manager has buckets of its own.
    let r = call(
        &c,
        &endpoint,
        "secretsmanager.BatchGetSecretValue",
        json!({"SecretIdList": ["testkit-q"]}),
    )
    .await;
    assert_ne!(r.body, THROTTLED);
    p.clear_quotas();
    let r = call(
        &c,
        &endpoint,
        "AmazonSSM.GetParameter",
        json!({"Name": "/testkit/q/a"}),
    )
    .await;
    assert_ne!(r.body, THROTTLED);
}

#[test]
fn the_presets_carry_awss_documented_quotas() {
    let ssm = Quota::ssm_get();
    assert_eq!(
        ssm.ops,
        vec!["GetParameter", "GetParameters", "GetParametersByPath"]
    );
    assert_eq!((ssm.per_second, ssm.burst), (40.0, 40.0));
    assert_eq!(Quota::get_secret_value().per_second, 10_000.0);
    assert_eq!(Quota::describe_secret().per_second, 40_000.0);
    let batch = Quota::batch_get_secret_value();
    assert_eq!(batch.ops, vec!["BatchGetSecretValue"]);
    assert_eq!((batch.per_second, batch.burst), (100.0, 100.0));
    assert_eq!(Quota::aws_defaults().len(), 4);
}

#[tokio::test]
async fn a_throttle_rule_is_counted_as_throttled_and_takes_no_token() {
    let p = proxy();
    let c = client();
    p.add_quota(Quota::new(&["GetParameters"], 0.01).burst(1.0));
    p.add_rule(Rule::always(Some("GetParameters"), Fault::Throttle).times(2));
    for _ in 0..2 {
        let r = call(
            &c,
            &p.endpoint(),
            "AmazonSSM.GetParameters",
            json!({"Names": ["/x/y"]}),
        )
        .await;
        assert_eq!(r.body, THROTTLED);
    }
    // The bucket's one token is still there.
    let r = call(
        &c,
        &p.endpoint(),
        "AmazonSSM.GetParameters",
        json!({"Names": ["/x/y"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = call(
        &c,
        &p.endpoint(),
        "AmazonSSM.GetParameters",
        json!({"Names": ["/x/y"]}),
    )
    .await;
    assert_eq!(r.body, THROTTLED);
    assert_eq!(p.throttled(), 3);
}
