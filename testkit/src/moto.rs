//! Launching the moto emulator on `127.0.0.1`.
//!
//! moto is run through `scripts/moto_server.py`, a small wrapper around
//! `moto.server.ThreadedMotoServer` that exits as soon as its stdin reaches
//! EOF. [`Moto`] keeps the write end of that pipe open for as long as it lives,
//! so whatever way the test process ends (normal exit, panic, abort, SIGKILL)
//! the kernel closes the pipe and moto goes away with it.
//!
//! Install moto once with `scripts/moto.sh install` (creates `<repo>/.venv`).

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

/// Environment variable naming an already running endpoint (e.g. the output of
/// `scripts/moto.sh start`); when set, [`shared_endpoint`] returns it instead of
/// starting moto.
pub const ENDPOINT_ENV: &str = "AWSCONF_TEST_ENDPOINT";

/// Environment variable overriding the Python interpreter used to run moto
/// (default `<repo>/.venv/bin/python`).
pub const PYTHON_ENV: &str = "AWSCONF_MOTO_PYTHON";

/// How long [`Moto::start`] waits for moto to answer HTTP.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// Readiness line printed by `scripts/moto_server.py`.
const READY_PREFIX: &str = "MOTO_READY ";

/// Number of stderr lines of the moto process kept for error messages.
const STDERR_TAIL_LINES: usize = 40;

/// Root of the awsconf repository (the parent of the testkit crate).
pub fn repo_root() -> PathBuf {
    let testkit = Path::new(env!("CARGO_MANIFEST_DIR"));
    testkit.parent().unwrap_or(testkit).to_path_buf()
}

/// The Python interpreter used to run moto: `$AWSCONF_MOTO_PYTHON` if set and
/// non-empty, else `<repo>/.venv/bin/python`.
pub fn python_path() -> PathBuf {
    match std::env::var_os(PYTHON_ENV) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => {
            let venv = repo_root().join(".venv");
            if cfg!(windows) {
                venv.join("Scripts").join("python.exe")
            } else {
                venv.join("bin").join("python")
            }
        }
    }
}

/// Path of the wrapper script, `<repo>/scripts/moto_server.py`.
pub fn wrapper_path() -> PathBuf {
    repo_root().join("scripts").join("moto_server.py")
}

/// A private moto server listening on a free `127.0.0.1` port.
///
/// Each `Moto` is a separate process with its own, empty state. Dropping it
/// kills the process and waits for it.
#[derive(Debug)]
pub struct Moto {
    child: Child,
    /// Held open on purpose: moto exits when this pipe reaches EOF.
    stdin: Option<ChildStdin>,
    endpoint: String,
}

impl Moto {
    /// Start a private moto on a free `127.0.0.1` port using
    /// `<repo>/.venv/bin/python` (or `$AWSCONF_MOTO_PYTHON`), and wait until it
    /// answers HTTP (at most [`STARTUP_TIMEOUT`]).
    ///
    /// The error message says how to install moto when it is missing.
    pub fn start() -> Result<Moto, String> {
        Moto::start_with_python(python_path())
    }

    /// Like [`Moto::start`], with an explicit Python interpreter (one that has
    /// `moto[server]` installed).
    pub fn start_with_python(python: impl AsRef<Path>) -> Result<Moto, String> {
        let python = python.as_ref();
        if !python.exists() {
            return Err(format!(
                "moto is not installed: run `scripts/moto.sh install` \
                 (error: Python interpreter {} not found; set {PYTHON_ENV} to use another one)",
                python.display()
            ));
        }
        let wrapper = wrapper_path();
        // Port 0: moto binds a port chosen by the OS and reports it on its
        // readiness line, so there is no window in which another process can
        // grab a port we picked.
        let mut child = Command::new(python)
            .arg(&wrapper)
            .arg("0")
            .current_dir(repo_root())
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                format!(
                    "moto is not installed: run `scripts/moto.sh install` \
                     (error: cannot run {} {}: {e})",
                    python.display(),
                    wrapper.display()
                )
            })?;
        let stdin = child.stdin.take();
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        let stderr_thread = child
            .stderr
            .take()
            .and_then(|stderr| spawn_stderr_drain(stderr, child.id(), Arc::clone(&tail)));
        let (ready_tx, ready_rx) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            spawn_stdout_watch(stdout, ready_tx);
        }

        let mut moto = Moto {
            child,
            stdin,
            endpoint: String::new(),
        };
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        let result = match ready_rx.recv_timeout(STARTUP_TIMEOUT) {
            Ok(endpoint) => wait_http(&endpoint, deadline).map(|()| endpoint),
            Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
                "moto did not become ready within {} s",
                STARTUP_TIMEOUT.as_secs()
            )),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                // stdout closed without a readiness line: the process died.
                let status = wait_exit(&mut moto.child, Duration::from_secs(5));
                Err(format!("moto exited during startup ({status})"))
            }
        };
        match result {
            Ok(endpoint) => {
                moto.endpoint = endpoint;
                Ok(moto)
            }
            Err(msg) => {
                drop(moto); // kill + wait
                if let Some(t) = stderr_thread {
                    let _ = t.join(); // stderr reaches EOF once the process is gone
                }
                let tail = tail
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n");
                let missing =
                    tail.contains("ModuleNotFoundError") || tail.contains("No module named");
                let hint = if missing {
                    "moto is not installed: run `scripts/moto.sh install`"
                } else {
                    "moto failed to start (is it installed? run `scripts/moto.sh install`)"
                };
                Err(format!("{hint} (error: {msg}; stderr:\n{tail})"))
            }
        }
    }

    /// The endpoint URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// OS process id of the moto (wrapper) process.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Turns moto's IAM enforcement on (every later request must be signed by a
    /// known access key and allowed by its user's policies) or off (the default:
    /// any credentials work), through `POST /moto-api/reset-auth`.
    ///
    /// moto 5.2.1 reads that body as a bare number (`float(request.data)`), the
    /// count of requests to let through before enforcing: `0` turns it on at once,
    /// `inf` turns it off. (Its `INITIAL_NO_AUTH_ACTION_COUNT` environment variable
    /// sets the same count at startup, but counts the seeding requests too.) The
    /// setting is global to the moto process: use a private [`Moto`].
    pub fn set_iam_enforcement(&self, on: bool) -> Result<(), String> {
        let body = if on { "0" } else { "inf" };
        match http_post(&self.endpoint, "/moto-api/reset-auth", &[], body)? {
            (200, _) => Ok(()),
            (status, body) => Err(format!("moto reset-auth answered {status}: {body}")),
        }
    }
}

/// Sends one HTTP/1.1 `POST` to `endpoint` (`http://127.0.0.1:PORT`) and returns
/// the status and the body. For moto's own API, and for the few calls tests make
/// without an SDK (IAM's query protocol, say).
pub fn http_post(
    endpoint: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<(u16, String), String> {
    let host = endpoint
        .strip_prefix("http://")
        .ok_or_else(|| format!("unexpected endpoint {endpoint:?}"))?;
    let addr: SocketAddr = host
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| format!("unexpected endpoint {endpoint:?}"))?;
    let timeout = Duration::from_secs(10);
    let mut s = TcpStream::connect_timeout(&addr, timeout).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    s.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    s.read_to_end(&mut response).map_err(|e| e.to_string())?;
    let response = String::from_utf8_lossy(&response);
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| "response without a header end".to_string())?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line in {head:?}"))?;
    Ok((status, body.to_string()))
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// The endpoint shared by all tests of one test binary.
///
/// Returns `$AWSCONF_TEST_ENDPOINT` if it is set and non-empty; otherwise
/// starts one [`Moto`] on first use and keeps it for the lifetime of the
/// process (it exits together with the process, see the module docs).
///
/// # Panics
///
/// Panics with an explanation (e.g. "moto is not installed: run
/// `scripts/moto.sh install` ...") when moto cannot be started, so that tests
/// fail rather than silently skip.
pub fn shared_endpoint() -> &'static str {
    static SHARED: OnceLock<Result<Shared, String>> = OnceLock::new();
    let shared = SHARED.get_or_init(|| match std::env::var(ENDPOINT_ENV) {
        Ok(e) if !e.trim().is_empty() => {
            Ok(Shared::External(e.trim().trim_end_matches('/').to_string()))
        }
        _ => Moto::start().map(Shared::Owned),
    });
    match shared {
        Ok(Shared::External(e)) => e,
        Ok(Shared::Owned(m)) => m.endpoint(),
        Err(e) => panic!("{e}"),
    }
}

enum Shared {
    External(String),
    Owned(Moto),
}

/// Copy the child's stderr to `<repo>/target/moto.log` and keep its last lines.
fn spawn_stderr_drain(
    stderr: impl Read + Send + 'static,
    pid: u32,
    tail: Arc<Mutex<VecDeque<String>>>,
) -> Option<thread::JoinHandle<()>> {
    thread::Builder::new()
        .name("moto-stderr".into())
        .spawn(move || {
            let mut log = open_log();
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(f) = log.as_mut() {
                    let _ = writeln!(f, "[moto {pid}] {line}");
                }
                let mut t = tail.lock().unwrap_or_else(PoisonError::into_inner);
                if t.len() == STDERR_TAIL_LINES {
                    t.pop_front();
                }
                t.push_back(line);
            }
        })
        // Without the thread nobody drains stderr; moto only writes errors
        // there, so this merely loses diagnostics.
        .ok()
}

fn open_log() -> Option<File> {
    let dir = repo_root().join("target");
    std::fs::create_dir_all(&dir).ok()?;
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("moto.log"))
        .ok()
}

/// Forward the endpoint of the readiness line, then keep draining stdout.
fn spawn_stdout_watch(stdout: impl Read + Send + 'static, ready: mpsc::Sender<String>) {
    let spawned = thread::Builder::new()
        .name("moto-stdout".into())
        .spawn(move || {
            let mut ready = Some(ready);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(endpoint) = line.trim().strip_prefix(READY_PREFIX) {
                    if let Some(tx) = ready.take() {
                        let _ = tx.send(endpoint.trim().trim_end_matches('/').to_string());
                    }
                }
            }
        });
    drop(spawned);
}

fn wait_exit(child: &mut Child, max: Duration) -> String {
    let deadline = Instant::now() + max;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.to_string(),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
            Ok(None) => return "still running".to_string(),
            Err(e) => return e.to_string(),
        }
    }
}

/// Poll `endpoint` until it answers an HTTP request (any status).
fn wait_http(endpoint: &str, deadline: Instant) -> Result<(), String> {
    let hostport = endpoint
        .strip_prefix("http://")
        .ok_or_else(|| format!("unexpected moto endpoint {endpoint:?}"))?;
    let addr: SocketAddr = hostport
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| format!("unexpected moto endpoint {endpoint:?}"))?;
    let mut last_err = String::from("no attempt");
    while Instant::now() < deadline {
        match probe(addr, hostport) {
            Ok(()) => return Ok(()),
            Err(e) => {
                last_err = e.to_string();
                thread::sleep(Duration::from_millis(50));
            }
        }
    }
    Err(format!(
        "moto at {endpoint} does not answer HTTP: {last_err}"
    ))
}

fn probe(addr: SocketAddr, host: &str) -> std::io::Result<()> {
    let timeout = Duration::from_secs(2);
    let mut s = TcpStream::connect_timeout(&addr, timeout)?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    write!(
        s,
        "GET /moto-api/ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )?;
    let mut head = [0u8; 8];
    s.read_exact(&mut head)?;
    if head.starts_with(b"HTTP/1.") {
        Ok(())
    } else {
        Err(std::io::Error::other("not an HTTP response"))
    }
}
