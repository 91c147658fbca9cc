//! Tests of the moto launcher.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use awsconf_testkit::moto::{self, Moto};
use common::{accepts, client, get_params, put_param, wait_closed};

#[test]
fn start_answers_http_and_drop_kills_it() {
    let m = Moto::start().unwrap_or_else(|e| panic!("{e}"));
    let endpoint = m.endpoint().to_string();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");
    assert!(accepts(&endpoint));
    drop(m);
    assert!(
        wait_closed(&endpoint, Duration::from_secs(5)),
        "moto still listening after drop"
    );
}

#[tokio::test]
async fn each_moto_has_its_own_state() {
    let (a, b) = (
        Moto::start().unwrap_or_else(|e| panic!("{e}")),
        Moto::start().unwrap_or_else(|e| panic!("{e}")),
    );
    assert_ne!(a.endpoint(), b.endpoint());
    let c = client();
    put_param(&c, a.endpoint(), "/testkit/isolated", "in-a").await;
    let (found, _) = get_params(&c, a.endpoint(), &["/testkit/isolated"]).await;
    assert_eq!(found, vec![("/testkit/isolated".into(), "in-a".into())]);
    let (found, invalid) = get_params(&c, b.endpoint(), &["/testkit/isolated"]).await;
    assert!(found.is_empty());
    assert_eq!(invalid, vec!["/testkit/isolated".to_string()]);
}

#[test]
fn shared_endpoint_is_started_once() {
    let a = moto::shared_endpoint();
    let b = moto::shared_endpoint();
    assert!(std::ptr::eq(a, b));
    assert!(accepts(a));
}

#[test]
fn missing_python_explains_how_to_install() {
    let err = Moto::start_with_python("/nonexistent/awsconf/.venv/bin/python").unwrap_err();
    assert!(
        err.contains("moto is not installed: run `scripts/moto.sh install`"),
        "{err}"
    );
}

#[test]
fn python_without_moto_explains_how_to_install() {
    // A Python that cannot import moto: isolated mode with an empty path.
    let dir = std::env::temp_dir().join(format!("awsconf-nomoto-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let shim = dir.join("python");
    let real = moto::python_path();
    std::fs::write(
        &shim,
        format!("#!/bin/sh\nexec {} -S -I \"$@\"\n", real.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let err = Moto::start_with_python(&shim).unwrap_err();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        err.contains("moto is not installed: run `scripts/moto.sh install`"),
        "{err}"
    );
}

const CHILD_ENV: &str = "AWSCONF_TESTKIT_ABORT_CHILD";

/// Helper run in a child process by `moto_dies_with_its_parent_process`; a
/// no-op in a normal test run.
#[test]
fn child_starts_moto_then_aborts() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let m = Moto::start().unwrap_or_else(|e| panic!("{e}"));
    println!("MOTO_ENDPOINT={}", m.endpoint());
    std::process::abort(); // no destructors: only the kernel cleans up
}

#[test]
fn moto_dies_with_its_parent_process() {
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args([
            "--exact",
            "child_starts_moto_then_aborts",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let endpoint = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        // The line may start with libtest's "test ... " prefix.
        .find_map(|l| {
            l.split("MOTO_ENDPOINT=")
                .nth(1)
                .map(|e| e.trim().to_string())
        })
        .expect("child did not report a moto endpoint");
    let status = child.wait().unwrap();
    assert!(!status.success(), "child should have aborted");
    assert!(
        wait_closed(&endpoint, Duration::from_secs(10)),
        "moto at {endpoint} survived its parent"
    );
}
