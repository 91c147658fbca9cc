//! Shared by the example tests: run an example binary against the emulator (a
//! unique `AWSCONF_ENV` per test, since moto's state is shared by every test of a
//! binary), with a bound on its run time, and read its output line by line.

#![allow(dead_code)] // each test binary uses its own subset

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The emulator for this test binary, a fresh env name per test, and an SDK
/// config for the changes a test makes from outside: the test kit's.
#[allow(unused_imports)] // each test binary uses its own subset
pub use awsconf_testkit::sdk::{moto, sdk_config, unique_env};

/// The command for an example binary, pointed at `endpoint` as
/// `scripts/example.sh` points it at the emulator.
pub fn command(bin: &str, endpoint: &str, env: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWSCONF_ENV", env)
        .env_remove("AWS_PROFILE")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// A running example: its output, line by line, stdout and stderr merged.
pub struct Running {
    child: Child,
    lines: Receiver<String>,
    all: Arc<Mutex<Vec<String>>>,
    name: String,
}

impl Running {
    /// Starts `cmd`.
    pub fn start(mut cmd: Command) -> Running {
        let name = format!("{:?}", cmd.get_program());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        let (tx, lines) = mpsc::channel();
        let all = Arc::new(Mutex::new(Vec::new()));
        let streams: Vec<Box<dyn Read + Send>> = vec![
            Box::new(child.stdout.take().expect("stdout is piped")),
            Box::new(child.stderr.take().expect("stderr is piped")),
        ];
        for stream in streams {
            let tx = tx.clone();
            let all = Arc::clone(&all);
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    all.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(line.clone());
                    let _ = tx.send(line);
                }
            });
        }
        Running {
            child,
            lines,
            all,
            name,
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything printed so far.
    pub fn output(&self) -> String {
        self.all
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .join("\n")
    }

    /// Waits for a line containing `needle` and returns it; panics with the
    /// output so far after `timeout`.
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => panic!(
                    "{}: no line containing {needle:?} within {timeout:?}; output:\n{}",
                    self.name,
                    self.output()
                ),
            }
        }
    }

    /// Sends a signal with `kill` (`"-HUP"`, `"-TERM"`).
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.pid().to_string()])
            .status()
            .unwrap_or_else(|e| panic!("kill {signal}: {e}"));
        assert!(status.success(), "kill {signal} {} failed", self.pid());
    }

    /// Waits for the process to exit by itself; kills it and panics after `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    // Let the reader threads drain what is left.
                    std::thread::sleep(Duration::from_millis(100));
                    return status;
                }
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                Ok(None) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    panic!(
                        "{} did not exit within {timeout:?}; output:\n{}",
                        self.name,
                        self.output()
                    );
                }
                Err(e) => panic!("waiting for {}: {e}", self.name),
            }
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs an example to completion (at most `timeout`): success and its output.
pub fn run(
    bin: &str,
    endpoint: &str,
    env: &str,
    args: &[&str],
    timeout: Duration,
) -> (bool, String) {
    let mut running = Running::start(command(bin, endpoint, env, args));
    let status = running.wait_exit(timeout);
    (status.success(), running.output())
}

/// A tokio runtime for the tests' own SDK calls.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Asserts that none of `secrets` appears in `text`.
pub fn assert_no_secret(text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "a secret value was printed ({secret:?}):\n{text}"
        );
    }
}
