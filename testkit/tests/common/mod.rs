//! Raw AWS-JSON-over-HTTP helpers for the testkit's own tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::HeaderMap;
use hyper::{Request, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// A keep-alive (pooled) HTTP/1.1 client.
pub type HttpClient = Client<HttpConnector, Full<Bytes>>;

pub fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build(HttpConnector::new())
}

/// A response, fully read.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

/// Builds an AWS JSON 1.1 request as the SDK would send it (with a dummy,
/// unverified SigV4 Authorization header, which moto needs to find the service).
pub fn aws_request(endpoint: &str, target: &str, body: &Value) -> Request<Full<Bytes>> {
    let service = if target.starts_with("secretsmanager.") {
        "secretsmanager"
    } else {
        "ssm"
    };
    Request::post(format!("{endpoint}/"))
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", target)
        .header(
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/aws4_request, \
                 SignedHeaders=host;x-amz-date;x-amz-target, Signature=0"
            ),
        )
        .header("x-amz-date", "20260101T000000Z")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

pub async fn send(client: &HttpClient, req: Request<Full<Bytes>>) -> Reply {
    let resp = tokio::time::timeout(Duration::from_secs(20), client.request(req))
        .await
        .expect("request timed out")
        .expect("request failed");
    let (parts, body) = resp.into_parts();
    let body = body.collect().await.expect("body").to_bytes();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

pub async fn call(client: &HttpClient, endpoint: &str, target: &str, body: Value) -> Reply {
    send(client, aws_request(endpoint, target, &body)).await
}

/// PutParameter (String, overwrite) and assert success.
pub async fn put_param(client: &HttpClient, endpoint: &str, name: &str, value: &str) {
    let r = call(
        client,
        endpoint,
        "AmazonSSM.PutParameter",
        serde_json::json!({"Name": name, "Value": value, "Type": "String", "Overwrite": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "PutParameter {name}: {}", r.body);
}

/// GetParameters; returns (name -> value, invalid names).
pub async fn get_params(
    client: &HttpClient,
    endpoint: &str,
    names: &[&str],
) -> (Vec<(String, String)>, Vec<String>) {
    let r = call(
        client,
        endpoint,
        "AmazonSSM.GetParameters",
        serde_json::json!({ "Names": names }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "GetParameters: {}", r.body);
    let v = r.json();
    let mut found: Vec<(String, String)> = v["Parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["Name"].as_str().unwrap().to_string(),
                p["Value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    let invalid = v["InvalidParameters"]
        .as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default();
    (found, invalid)
}

/// True if something accepts TCP connections at `endpoint` ("http://host:port").
pub fn accepts(endpoint: &str) -> bool {
    let addr = endpoint.trim_start_matches("http://");
    std::net::TcpStream::connect_timeout(&addr.parse().unwrap(), Duration::from_millis(500)).is_ok()
}

/// Waits up to `max` for `endpoint` to stop accepting connections.
pub fn wait_closed(endpoint: &str, max: Duration) -> bool {
    let deadline = std::time::Instant::now() + max;
    while std::time::Instant::now() < deadline {
        if !accepts(endpoint) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}
