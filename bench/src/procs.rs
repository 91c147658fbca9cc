//! Whole-process measurements: the release quickstart binary (process start to
//! config ready, and peak RSS) and the peak RSS of a process that loads one
//! layout. Both run in a helper process (this binary re-executed with a `__`
//! sub-command), so `getrusage(RUSAGE_CHILDREN)` and `VmHWM` see exactly one
//! program.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::strategies::{self, Strategy};
use crate::{layouts, seed};

/// Sub-command: run a program, print its timings and peak RSS.
pub const MEASURE_CHILD: &str = "__measure-child";
/// Sub-command: load one layout once, print this process's peak RSS.
pub const LOAD_ONCE: &str = "__load-once";

/// The line of quickstart's output that shows the first config is loaded.
const CONFIG_READY_LINE: &str = "ApiConfig {";
/// The line the start-up binaries (`bench/startup`) print once loaded.
const STARTUP_READY_LINE: &str = "config ready";

/// The directory of this executable (`target/release`), where `quickstart` and
/// `demo-seed` are built too.
pub fn bin_dir() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("finding this executable: {e}"))?;
    exe.parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| format!("{} has no parent directory", exe.display()))
}

/// `VmHWM` (peak resident set) of this process, in KiB.
pub fn own_peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs this executable with `args` and `envs`, and parses the `key=value`
/// words of its last stdout line.
pub fn helper(args: &[&str], envs: &[(&str, &str)]) -> Result<BTreeMap<String, String>, String> {
    let exe = std::env::current_exe().map_err(|e| format!("finding this executable: {e}"))?;
    let out = Command::new(exe)
        .args(args)
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("running helper {args:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "helper {args:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    Ok(last
        .split_whitespace()
        .filter_map(|w| w.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect())
}

/// Helper mode: runs `args[0]` with the rest as its arguments, reading its
/// stdout; prints `ready_us=` (when the line `ApiConfig {` or `config ready`
/// appeared, if one did),
/// `exit_us=` (process start to exit) and `maxrss_kib=` (its peak RSS, from
/// `getrusage(RUSAGE_CHILDREN)`: this helper has no other child).
pub fn measure_child(args: &[String]) -> Result<(), String> {
    let (program, rest) = args
        .split_first()
        .ok_or_else(|| format!("usage: {MEASURE_CHILD} PROGRAM [ARGS..]"))?;
    let start = Instant::now();
    let mut child = Command::new(program)
        .args(rest)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("running {program}: {e}"))?;
    let mut stderr = child.stderr.take();
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.read_to_string(&mut text);
        }
        text
    });
    let mut ready = None;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if ready.is_none()
                && (line.starts_with(CONFIG_READY_LINE) || line == STARTUP_READY_LINE)
            {
                ready = Some(start.elapsed());
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("waiting for {program}: {e}"))?;
    let exit = start.elapsed();
    let stderr = stderr_reader.join().unwrap_or_default();
    if !status.success() {
        return Err(format!("{program} failed ({status}): {}", stderr.trim()));
    }
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .map_err(|e| format!("getrusage: {e}"))?;
    let ready = ready.map_or_else(|| "none".to_string(), |d| d.as_micros().to_string());
    println!(
        "ready_us={ready} exit_us={} maxrss_kib={}",
        exit.as_micros(),
        usage.max_rss()
    );
    Ok(())
}

/// Busy and total time of all CPUs so far, in clock ticks, from `/proc/stat`.
pub fn machine_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal ...
    let idle = v.get(3)? + v.get(4).copied().unwrap_or(0);
    let total: u64 = v.iter().take(8).sum();
    Some((total - idle, total))
}

/// CPU time (user + system) of this process and every child it has waited
/// for (moto once dropped, the helpers, quickstart, demo-seed).
pub fn own_and_children_cpu() -> Result<Duration, String> {
    let mut sum = Duration::ZERO;
    for who in [
        nix::sys::resource::UsageWho::RUSAGE_SELF,
        nix::sys::resource::UsageWho::RUSAGE_CHILDREN,
    ] {
        let u = nix::sys::resource::getrusage(who).map_err(|e| format!("getrusage: {e}"))?;
        sum += timeval(u.user_time()) + timeval(u.system_time());
    }
    Ok(sum)
}

fn timeval(t: nix::sys::time::TimeVal) -> Duration {
    Duration::from_secs(u64::try_from(t.tv_sec()).unwrap_or(0))
        + Duration::from_micros(u64::try_from(t.tv_usec()).unwrap_or(0))
}

/// User + system CPU time this process has used so far.
fn own_cpu() -> Result<Duration, String> {
    let u = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_SELF)
        .map_err(|e| format!("getrusage: {e}"))?;
    Ok(timeval(u.user_time()) + timeval(u.system_time()))
}

/// Helper mode: `LAYOUT ENDPOINT [awsconf|batches]`: reads the layout once,
/// straight from `ENDPOINT`, with awsconf (default) or with serial
/// `GetParameters` batches, and prints this process's peak RSS before and
/// after and the CPU time the read used (this process runs nothing else).
pub fn load_once(args: &[String]) -> Result<(), String> {
    let (name, endpoint, strategy) = match args {
        [name, endpoint] => (name, endpoint, Strategy::Awsconf),
        [name, endpoint, s] if s == "awsconf" => (name, endpoint, Strategy::Awsconf),
        [name, endpoint, s] if s == "batches" => (name, endpoint, Strategy::Batches),
        _ => {
            return Err(format!(
                "usage: {LOAD_ONCE} LAYOUT ENDPOINT [awsconf|batches]"
            ))
        }
    };
    let layout = layouts::by_name(name).ok_or_else(|| format!("no layout {name}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("starting tokio: {e}"))?;
    let sdk = seed::sdk_config(endpoint);
    let before = own_peak_rss_kib().unwrap_or(0);
    let cpu_before = own_cpu()?;
    // Checks every value after the clock stops.
    let wall = runtime.block_on(strategies::run(strategy, &layout, &sdk))?;
    let cpu = own_cpu()?.saturating_sub(cpu_before);
    let after = own_peak_rss_kib().unwrap_or(0);
    println!(
        "before_kib={before} after_kib={after} wall_us={} cpu_us={}",
        wall.as_micros(),
        cpu.as_micros()
    );
    Ok(())
}
