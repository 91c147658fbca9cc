//! Turning a run's [`Results`] into the assertions, the stdout tables and
//! `BENCHMARKS.md`. Every number and every "met / not met" comes from the run.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::layouts::LayoutSpec;
use crate::strategies::Strategy;
use crate::{median, ms, Cell, Check, Results, CAP};

/// The delay the round-trip targets are stated at.
const TARGET_DELAY_MS: u64 = 20;

/// A table that prints as aligned text or as Markdown.
struct Table {
    head: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Right-align these columns.
    numeric: Vec<bool>,
}

impl Table {
    fn new(head: &[(&str, bool)]) -> Table {
        Table {
            head: head.iter().map(|(h, _)| h.to_string()).collect(),
            numeric: head.iter().map(|(_, n)| *n).collect(),
            rows: Vec::new(),
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn text(&self) -> String {
        let mut width: Vec<usize> = self.head.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                width[i] = width[i].max(c.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate() {
                let pad = width[i].saturating_sub(c.chars().count());
                if i > 0 {
                    s.push_str("  ");
                }
                if self.numeric[i] {
                    s.push_str(&" ".repeat(pad));
                    s.push_str(c);
                } else {
                    s.push_str(c);
                    s.push_str(&" ".repeat(pad));
                }
            }
            s.trim_end().to_string()
        };
        let mut out = line(&self.head);
        out.push('\n');
        out.push_str(&"-".repeat(width.iter().sum::<usize>() + 2 * (width.len() - 1)));
        out.push('\n');
        for r in &self.rows {
            out.push_str(&line(r));
            out.push('\n');
        }
        out
    }

    fn markdown(&self) -> String {
        let mut out = format!("| {} |\n|", self.head.join(" | "));
        for &n in &self.numeric {
            out.push_str(if n { "---:|" } else { "---|" });
        }
        out.push('\n');
        for r in &self.rows {
            let _ = writeln!(out, "| {} |", r.join(" | "));
        }
        out
    }
}

fn fmt_ms(d: Duration) -> String {
    let m = ms(d);
    if m >= 100.0 {
        format!("{m:.0}")
    } else {
        format!("{m:.1}")
    }
}

fn find<'a>(r: &'a Results, layout: &str, delay: u64, s: Strategy) -> Option<&'a Cell> {
    r.cells
        .iter()
        .find(|c| c.layout.name == layout && c.delay_ms == delay && c.strategy == s)
}

fn by_op(counts: &BTreeMap<String, u64>) -> String {
    counts
        .iter()
        .map(|(op, n)| format!("{op} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// awsconf's expected call count for a layout.
fn expected_calls(l: &LayoutSpec) -> u64 {
    let (p, s) = l.awsconf_calls();
    p + s
}

/// Rounds of calls under the default cap.
fn waves(l: &LayoutSpec) -> u64 {
    waves_under(l, CAP)
}

/// Calls sent in each round for `calls` calls under a cap of `cap`: awsconf's
/// adaptive pacing sends a load's calls at once, up to the cap in flight per
/// service, until AWS throttles (which the benchmark's proxy never does).
fn rounds(mut calls: u64, cap: u64) -> Vec<u64> {
    let mut out = Vec::new();
    while calls > 0 {
        let sent = calls.min(cap.max(1));
        out.push(sent);
        calls -= sent;
    }
    out
}

/// Rounds of calls under a cap of `cap` per service: the larger of the rounds
/// of `GetParameters` calls and of `BatchGetSecretValue` calls (see [`rounds`]).
fn waves_under(l: &LayoutSpec, cap: u64) -> u64 {
    let (params, secrets) = l.awsconf_calls();
    rounds(params, cap).len().max(rounds(secrets, cap).len()) as u64
}

fn waves_text(w: u64) -> String {
    match w {
        1 => "1 wave".to_string(),
        w => format!("{w} waves"),
    }
}

/// The most calls awsconf has in flight at once on a layout: both services'
/// rounds together (see [`rounds`]).
fn expected_in_flight(l: &LayoutSpec) -> usize {
    let (params, secrets) = l.awsconf_calls();
    let (p, s) = (rounds(params, CAP), rounds(secrets, CAP));
    (0..p.len().max(s.len()))
        .map(|i| p.get(i).copied().unwrap_or(0) + s.get(i).copied().unwrap_or(0))
        .max()
        .unwrap_or(0) as usize
}

/// The most calls awsconf may have in flight at once: the cap per service.
/// Adaptive pacing opens one more call per answer, so how close a load gets
/// to it depends on when answers arrive; at least the first round is in flight.
fn max_in_flight(l: &LayoutSpec) -> usize {
    let (params, secrets) = l.awsconf_calls();
    (params.min(CAP) + secrets.min(CAP)) as usize
}

/// The in-flight check: at least the first round, at most the caps.
fn in_flight_ok(l: &LayoutSpec, peak: usize) -> bool {
    (expected_in_flight(l)..=max_in_flight(l)).contains(&peak)
}

/// Round trips: wall / delay.
fn rts(d: Duration, delay_ms: u64) -> f64 {
    ms(d) / delay_ms as f64
}

/// Round trips the added delay cost: (wall at `delay` - wall at 0 ms) / delay.
fn net_rts(r: &Results, cell: &Cell) -> Option<f64> {
    let zero = find(r, cell.layout.name, 0, cell.strategy)?;
    Some((ms(cell.median()) - ms(zero.median())) / cell.delay_ms as f64)
}

/// The assertions about awsconf's calls: exact counts and batch sizes.
pub fn checks(r: &Results) -> Vec<Check> {
    let mut out = Vec::new();
    for c in r.cells.iter().filter(|c| c.strategy == Strategy::Awsconf) {
        let (gp, bgsv) = c.layout.awsconf_calls();
        let mut want = BTreeMap::new();
        if gp > 0 {
            want.insert("GetParameters".to_string(), gp);
        }
        if bgsv > 0 {
            want.insert("BatchGetSecretValue".to_string(), bgsv);
        }
        let where_ = format!("{} at {} ms", c.layout.name, c.delay_ms);
        out.push(Check {
            what: format!(
                "{where_}: awsconf's calls = ceil({}/10) + ceil({}/20) = {} (seen: {}{})",
                c.layout.params,
                c.layout.secrets,
                expected_calls(&c.layout),
                by_op(&c.counts),
                if c.counts_varied {
                    "; varied between runs"
                } else {
                    ""
                }
            ),
            ok: c.counts == want && !c.counts_varied,
        });
        let gp_max = c.max_batch.get("GetParameters").copied().unwrap_or(0);
        let bg_max = c.max_batch.get("BatchGetSecretValue").copied().unwrap_or(0);
        out.push(Check {
            what: format!(
                "{where_}: largest batch: GetParameters {gp_max} names (<= 10), BatchGetSecretValue {bg_max} ids (<= 20)"
            ),
            ok: gp_max <= 10 && bg_max <= 20,
        });
        // With added delay every call of a wave is still in flight when the last
        // one is sent; at 0 ms the first may already be answered.
        if c.delay_ms > 0 {
            let want = expected_in_flight(&c.layout);
            out.push(Check {
                what: format!(
                    "{where_}: calls in flight at once between {want} (the first round) and {} (up to {CAP} per service); seen {}",
                    max_in_flight(&c.layout),
                    c.peak_in_flight
                ),
                ok: in_flight_ok(&c.layout, c.peak_in_flight),
            });
        }
    }
    out
}

/// One target: what, whether met, the numbers.
struct Target {
    what: String,
    met: Option<bool>,
    numbers: String,
}

fn targets(r: &Results) -> Vec<Target> {
    let d = TARGET_DELAY_MS;
    let mut out = Vec::new();
    let aw = find(r, "p100s10", d, Strategy::Awsconf);
    let bp = find(r, "p100s10", d, Strategy::ByPath);
    let pf = find(r, "p100s10", d, Strategy::PerField);
    // The fastest Powertools-style strategy: by-path pages or serial batches.
    let serial = find(r, "p100s10", d, Strategy::Batches);
    let fastest = match (bp, serial) {
        (Some(b), Some(s)) => Some(if s.median() < b.median() { s } else { b }),
        (b, s) => b.or(s),
    };
    let what = "100 params + 10 secrets at 20 ms: awsconf within 1.3 round trips (26 ms) plus moto's own time";
    out.push(match aw {
        Some(a) => {
            let rest = rts(a.median_without_moto(), d);
            Target {
                what: what.into(),
                met: Some(rest <= 1.3),
                numbers: format!(
                    "median {} ms, of which moto was answering {} ms (the proxy's upstream busy time); wall minus moto's time {} ms = {rest:.2} round trips of {d} ms. {} calls in {} under a cap of {CAP} per service; the proxy saw {} in flight at once. Counting moto's time as latency too: {:.2} round trips{}",
                    fmt_ms(a.median()),
                    fmt_ms(a.median_busy()),
                    fmt_ms(a.median_without_moto()),
                    a.calls(),
                    waves_text(waves(&a.layout)),
                    a.peak_in_flight,
                    rts(a.median(), d),
                    net_rts(r, a).map_or(String::new(), |n| format!(
                        "; {n:.2} round trips more than at 0 ms"
                    )),
                ),
            }
        }
        None => not_measured(what),
    });
    for (other, factor, what) in [
        (
            fastest,
            5.0,
            "100 params + 10 secrets at 20 ms: awsconf >= 5x faster than the fastest Powertools-style strategy (by-path pages or GetParameters x10 serial)",
        ),
        (
            pf,
            40.0,
            "100 params + 10 secrets at 20 ms: awsconf >= 40x faster than one GetParameter per field",
        ),
    ] {
        out.push(match (aw, other) {
            (Some(a), Some(o)) => {
                let x = ms(o.median()) / ms(a.median());
                let rest = ms(o.median_without_moto()) / ms(a.median_without_moto());
                Target {
                    what: what.into(),
                    met: Some(x >= factor),
                    numbers: format!(
                        "{x:.1}x: {} ms ({} calls) vs awsconf's {} ms ({} calls). For reference, not the verdict: with moto's own time taken out of both (it answers one request at a time, which AWS does not), {} ms vs {} ms = {rest:.1}x",
                        fmt_ms(o.median()),
                        o.calls(),
                        fmt_ms(a.median()),
                        a.calls(),
                        fmt_ms(o.median_without_moto()),
                        fmt_ms(a.median_without_moto()),
                    ),
                }
            }
            _ => not_measured(what),
        });
    }

    let what = "1,000 params: wall time grows with ceil(N/10)/cap, not N (at 20 ms, the added delay costs at most ceil(calls/cap) + 1 round trips, for M = 0, 10, 100)";
    let mut parts = Vec::new();
    let mut met = Some(true);
    for m in [0, 10, 100] {
        let name = format!("p1000s{m}");
        match find(r, &name, d, Strategy::Awsconf) {
            Some(a) => match net_rts(r, a) {
                Some(net) => {
                    let w = waves(&a.layout);
                    let pf_net = find(r, &name, d, Strategy::PerField).and_then(|p| net_rts(r, p));
                    parts.push(format!(
                        "{name}: {} ms at 20 ms vs {} ms at 0 ms = {net:.1} round trips added (limit {} = {w} waves + 1; {} calls; raw {:.1} round trips){}",
                        fmt_ms(a.median()),
                        fmt_ms(find(r, &name, 0, Strategy::Awsconf).map_or(Duration::ZERO, Cell::median)),
                        w + 1,
                        a.calls(),
                        rts(a.median(), d),
                        pf_net.map_or(String::new(), |p| format!(
                            "; one GetParameter per field: {p:.0} round trips added"
                        )),
                    ));
                    if net > (w + 1) as f64 {
                        met = Some(false);
                    }
                }
                None => {
                    parts.push(format!("{name}: no 0 ms run to compare"));
                    met = None;
                }
            },
            None => {
                parts.push(format!("{name}: not measured"));
                met = None;
            }
        }
    }
    out.push(Target {
        what: what.into(),
        met,
        numbers: parts.join("; "),
    });
    out
}

fn not_measured(what: &str) -> Target {
    Target {
        what: what.into(),
        met: None,
        numbers: "not measured in this run".into(),
    }
}

fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "MET",
        Some(false) => "NOT MET",
        None => "NOT MEASURED",
    }
}

/// The results table for one delay.
fn delay_table(r: &Results, delay: u64) -> Table {
    let mut t = Table::new(&[
        ("layout", false),
        ("strategy", false),
        ("runs", true),
        ("median ms", true),
        ("min-max ms", true),
        ("x awsconf", true),
        ("calls", true),
        ("calls by operation", false),
        ("in flight", true),
        ("moto ms", true),
        ("round trips", true),
    ]);
    for c in r.cells.iter().filter(|c| c.delay_ms == delay) {
        let aw = find(r, c.layout.name, delay, Strategy::Awsconf);
        let times = {
            let min = c.times.iter().min().copied().unwrap_or_default();
            let max = c.times.iter().max().copied().unwrap_or_default();
            format!("{}-{}", fmt_ms(min), fmt_ms(max))
        };
        let x = match aw {
            Some(a) if c.strategy != Strategy::Awsconf => {
                format!("{:.1}", ms(c.median()) / ms(a.median()))
            }
            _ => "1.0".to_string(),
        };
        let round_trips = if c.strategy == Strategy::Awsconf && delay > 0 {
            let raw = rts(c.median(), delay);
            let rest = rts(c.median_without_moto(), delay);
            match net_rts(r, c) {
                Some(net) => format!("{raw:.2} ({rest:.2} without moto, {net:.2} net)"),
                None => format!("{raw:.2} ({rest:.2} without moto)"),
            }
        } else {
            String::new()
        };
        t.row(vec![
            c.layout.name.to_string(),
            c.strategy.to_string(),
            c.times.len().to_string(),
            fmt_ms(c.median()),
            times,
            x,
            format!(
                "{}{}",
                c.calls(),
                if c.counts_varied { " (varied)" } else { "" }
            ),
            by_op(&c.counts),
            c.peak_in_flight.to_string(),
            fmt_ms(c.median_busy()),
            round_trips,
        ]);
    }
    t
}

fn checks_table(r: &Results) -> Table {
    let mut t = Table::new(&[
        ("layout", false),
        ("delay ms", true),
        ("expected calls", true),
        ("seen", false),
        ("largest GetParameters", true),
        ("largest BatchGetSecretValue", true),
        ("in flight (expected)", true),
        ("ok", false),
    ]);
    for c in r.cells.iter().filter(|c| c.strategy == Strategy::Awsconf) {
        let gp = c.max_batch.get("GetParameters").copied().unwrap_or(0);
        let bg = c.max_batch.get("BatchGetSecretValue").copied().unwrap_or(0);
        let (egp, ebg) = c.layout.awsconf_calls();
        let mut want = BTreeMap::new();
        if egp > 0 {
            want.insert("GetParameters".to_string(), egp);
        }
        if ebg > 0 {
            want.insert("BatchGetSecretValue".to_string(), ebg);
        }
        let flight_ok = c.delay_ms == 0 || in_flight_ok(&c.layout, c.peak_in_flight);
        let ok = c.counts == want && !c.counts_varied && gp <= 10 && bg <= 20 && flight_ok;
        t.row(vec![
            c.layout.name.to_string(),
            c.delay_ms.to_string(),
            format!(
                "{} = ceil({}/10) + ceil({}/20)",
                egp + ebg,
                c.layout.params,
                c.layout.secrets
            ),
            by_op(&c.counts),
            gp.to_string(),
            bg.to_string(),
            if c.delay_ms > 0 {
                format!("{} ({})", c.peak_in_flight, expected_in_flight(&c.layout))
            } else {
                c.peak_in_flight.to_string()
            },
            if ok { "yes" } else { "NO" }.to_string(),
        ]);
    }
    t
}

fn scaling_table(r: &Results) -> Option<Table> {
    let d = TARGET_DELAY_MS;
    let mut t = Table::new(&[
        ("layout", false),
        ("awsconf calls", true),
        ("waves (per service)", true),
        ("in flight", true),
        ("awsconf ms at 20 / 0", true),
        ("awsconf round trips (net)", true),
        ("per-field calls", true),
        ("per-field ms at 20", true),
        ("per-field round trips (net)", true),
    ]);
    for c in r
        .cells
        .iter()
        .filter(|c| c.strategy == Strategy::Awsconf && c.delay_ms == d)
    {
        let zero = find(r, c.layout.name, 0, Strategy::Awsconf);
        let pf = find(r, c.layout.name, d, Strategy::PerField);
        let f = |x: Option<f64>, p: usize| x.map_or("-".to_string(), |v| format!("{v:.p$}"));
        t.row(vec![
            c.layout.name.to_string(),
            c.calls().to_string(),
            waves(&c.layout).to_string(),
            c.peak_in_flight.to_string(),
            format!(
                "{} / {}",
                fmt_ms(c.median()),
                zero.map_or("-".to_string(), |z| fmt_ms(z.median()))
            ),
            format!("{:.2} ({})", rts(c.median(), d), f(net_rts(r, c), 2)),
            pf.map_or("-".to_string(), |p| p.calls().to_string()),
            pf.map_or("-".to_string(), |p| fmt_ms(p.median())),
            pf.map_or("-".to_string(), |p| {
                format!("{:.0} ({})", rts(p.median(), d), f(net_rts(r, p), 0))
            }),
        ]);
    }
    (!t.rows.is_empty()).then_some(t)
}

/// What the added delay really costs one serial request: the median over
/// layouts of (per-field median at 20 ms - at 0 ms) / calls.
fn effective_rt(r: &Results) -> Option<f64> {
    let mut per_call: Vec<f64> = r
        .cells
        .iter()
        .filter(|c| c.strategy == Strategy::PerField && c.delay_ms == TARGET_DELAY_MS)
        .filter_map(|c| {
            let zero = find(r, c.layout.name, 0, Strategy::PerField)?;
            Some((ms(c.median()) - ms(zero.median())) / c.calls() as f64)
        })
        .collect();
    per_call.sort_by(f64::total_cmp);
    per_call.get(per_call.len() / 2).copied()
}

fn effective_rt_line(r: &Results) -> Option<String> {
    let e = effective_rt(r)?;
    Some(format!(
        "Calibration: one request made alone costs {e:.1} ms more at {TARGET_DELAY_MS} ms added delay than at 0 ms (one GetParameter per field, (median at 20 ms - median at 0 ms) / calls, median over layouts): timer granularity and wake-ups on an idle machine add to the proxy's {TARGET_DELAY_MS} ms. Measured in such round trips, awsconf's 100 + 10 at 20 ms is {}.",
        find(r, "p100s10", TARGET_DELAY_MS, Strategy::Awsconf)
            .map_or("not measured".to_string(), |a| format!(
                "{:.2} round trips",
                ms(a.median()) / e
            ))
    ))
}

fn caps_table(r: &Results) -> Option<Table> {
    let mut t = Table::new(&[
        ("layout", false),
        ("delay ms", true),
        ("awsconf .concurrency(n)", true),
        ("calls", true),
        ("waves (per service)", true),
        ("in flight", true),
        ("median ms", true),
        ("round trips", true),
    ]);
    for c in &r.caps {
        t.row(vec![
            c.layout.name.to_string(),
            c.delay_ms.to_string(),
            format!(
                "{}{}",
                c.cap,
                if c.cap as u64 == CAP {
                    " (default)"
                } else {
                    ""
                }
            ),
            c.calls.to_string(),
            waves_under(&c.layout, c.cap as u64).to_string(),
            c.peak_in_flight.to_string(),
            fmt_ms(c.median),
            if c.delay_ms > 0 {
                format!("{:.2}", rts(c.median, c.delay_ms))
            } else {
                String::new()
            },
        ]);
    }
    (!t.rows.is_empty()).then_some(t)
}

fn fresh_table(r: &Results) -> Option<Table> {
    let mut t = Table::new(&[
        ("delay ms", true),
        ("build both clients + first GetParameters, median ms", true),
        ("second GetParameters on the same client, median ms", true),
        ("first-call overhead ms", true),
    ]);
    for f in &r.fresh {
        t.row(vec![
            f.delay_ms.to_string(),
            fmt_ms(f.first_call),
            fmt_ms(f.second_call),
            format!("{:.1}", ms(f.first_call) - ms(f.second_call)),
        ]);
    }
    (!t.rows.is_empty()).then_some(t)
}

fn process_table(r: &Results) -> Table {
    let mut t = Table::new(&[
        ("quickstart", false),
        ("runs", true),
        ("start to config ready, median ms", true),
        ("start to exit, median ms", true),
        ("exit min-max ms", true),
        ("peak RSS (max RSS), median MiB", true),
        ("calls per process", false),
    ]);
    for s in &r.processes {
        let min = s.exit.iter().min().copied().unwrap_or_default();
        let max = s.exit.iter().max().copied().unwrap_or_default();
        let mut rss = s.rss_kib.clone();
        rss.sort_unstable();
        let rss = rss.get(rss.len() / 2).copied().unwrap_or(0);
        t.row(vec![
            s.label.clone(),
            s.exit.len().to_string(),
            fmt_ms(median(&s.ready)),
            fmt_ms(median(&s.exit)),
            format!("{}-{}", fmt_ms(min), fmt_ms(max)),
            format!("{:.1}", rss as f64 / 1024.0),
            s.calls.as_ref().map_or("-".to_string(), by_op),
        ]);
    }
    t
}

fn memory_lines(r: &Results) -> Vec<String> {
    let mut out = Vec::new();
    for l in &r.load_rss {
        out.push(format!(
            "A fresh process that reads {} once with {} (straight to moto): peak RSS (VmHWM) {:.1} MiB before (tokio runtime and SDK config built), {:.1} MiB after (+{:.1} MiB); the read took {} ms and {} ms of CPU (user + system, the whole process).",
            l.layout.name,
            l.strategy,
            l.before_kib as f64 / 1024.0,
            l.after_kib as f64 / 1024.0,
            l.after_kib.saturating_sub(l.before_kib) as f64 / 1024.0,
            fmt_ms(l.wall),
            fmt_ms(l.cpu)
        ));
    }
    if let Some(kib) = r.own_peak_kib {
        out.push(format!(
            "This benchmark process's own peak RSS over the whole run (seeding, every strategy, every layout): {:.1} MiB.",
            kib as f64 / 1024.0
        ));
    }
    out
}

/// The stdout report.
pub fn text(r: &Results) -> String {
    let mut out = String::new();
    for &delay in &r.delays {
        let _ = writeln!(out, "\n=== {delay} ms added per request (medians) ===");
        out.push_str(&delay_table(r, delay).text());
    }
    out.push_str("\n=== awsconf: calls and largest batches ===\n");
    out.push_str(&checks_table(r).text());
    if let Some(t) = scaling_table(r) {
        out.push_str("\n=== scaling at 20 ms: awsconf vs one GetParameter per field ===\n");
        out.push_str(&t.text());
    }
    if let Some(t) = caps_table(r) {
        out.push_str("\n=== diagnostic: awsconf with other caps on calls in flight ===\n");
        out.push_str(&t.text());
    }
    if let Some(t) = fresh_table(r) {
        out.push_str("\n=== diagnostic: fresh SDK clients (awsconf builds two per load) ===\n");
        out.push_str(&t.text());
    }
    if let Some(line) = effective_rt_line(r) {
        let _ = writeln!(out, "\n{line}");
    }
    if !r.processes.is_empty() {
        out.push_str("\n=== release quickstart, whole process ===\n");
        out.push_str(&process_table(r).text());
    }
    if let Some(e) = &r.process_error {
        let _ = writeln!(out, "\nquickstart not measured: {e}");
    }
    out.push_str("\n=== memory ===\n");
    for l in memory_lines(r) {
        let _ = writeln!(out, "{l}");
    }
    out.push_str("\n=== targets ===\n");
    for t in targets(r) {
        let _ = writeln!(out, "[{}] {}\n    {}", verdict(t.met), t.what, t.numbers);
    }
    let _ = writeln!(out, "\n{}", load_line(r));
    let _ = writeln!(out, "whole run: {:.0} s", r.total.as_secs_f64());
    out
}

/// `BENCHMARKS.md`.
pub fn markdown(r: &Results) -> String {
    let mut out = String::new();
    let date = utc_date();
    out.push_str("# Benchmarks\n\n");
    let _ = writeln!(
        out,
        "Generated by `scripts/bench.sh` on {date}; the whole run took {:.0} s. Do not edit by hand: rerun the script, which rewrites this file.\n",
        r.total.as_secs_f64()
    );
    out.push_str("## How to run\n\n```sh\nscripts/bench.sh\n```\n\n");
    out.push_str(
        "It installs moto if needed (`scripts/moto.sh install`), builds `awsconf-bench` and the examples in release mode, and runs `target/release/awsconf-bench`. \
         That program starts its own moto and the testkit's proxy on 127.0.0.1, seeds each layout straight into moto through the SDK, \
         measures every strategy through the proxy, prints the tables and rewrites this file. \
         Options (passed through by the script): `--runs N`, `--only p100s10,p1000s0`, `--delays 20,0`, `--no-quickstart`, `--out PATH`.\n\n",
    );

    out.push_str("## Machine\n\n");
    for line in machine() {
        let _ = writeln!(out, "- {line}");
    }

    let _ = writeln!(out, "- {}", load_line(r));
    out.push_str("\n## Method\n\n");
    let _ = writeln!(
        out,
        "- **Layouts**: N = 10, 100, 1,000 parameters and M = 0, 10, 100 secrets, all nine combinations, each its own generated config struct (`bench/build.rs`): N/10 `#[component]` fields `c0..` of a struct with ten `String` fields `p0..p9` (`/<env>/bench/c<k>/p<j>`, no map components), and M `#[secret(id = \"{{env}}/s/<i>\")] SecretString` fields on the root. The env is the layout's name (`p100s10`). Parameters are `String`s."
    );
    out.push_str("- **Emulator**: moto, reset (`POST /moto-api/reset`) before each layout is seeded, so each layout is read from a store that holds only its own values. Seeding goes straight to moto through the SDK, 32 requests at a time, and is not timed.\n");
    out.push_str("- **Latency**: every request of every strategy goes through `awsconf_testkit::Proxy`, which waits the added delay before forwarding each request (concurrent requests wait concurrently). At 0 ms the time is the emulator's and the client's own work. A *round trip* is wall time / added delay; *net* round trips are (median at 20 ms - median at 0 ms) / 20 ms, the part of the time the added latency is responsible for.\n");
    out.push_str("- **moto's own time** (`moto ms`): per run, the proxy measures how long at least one forwarded request was waiting for moto (from forwarding it to reading the whole response, the added delay not included), counting overlapping requests once; the table shows the median. moto answers one request at a time, so this is the part of a concurrent load's wall time the emulator spends; *without moto* round trips are the median over runs of (wall - moto's time) / delay, the time the client and the added latency cost. `in flight` is the most requests the proxy held at once in any run: all of a wave's calls when they are sent together, 1 for a strategy that sends them one after another.\n");
    out.push_str("- **Strategies**:\n");
    for s in Strategy::ALL {
        let _ = writeln!(out, "  - **{s}**: {}.", s.describe());
    }
    out.push_str("- **What is timed**: from just before the SDK clients are built to the moment every value is in memory. Client construction is inside the timed region for every strategy alike (awsconf builds its SSM and Secrets Manager clients inside `load()`; the others build the same two clients first). The `SdkConfig` (static credentials, us-east-1, standard retries, endpoint = the proxy) is built once, outside. Every run's values are checked after the clock stops (the load succeeds and every parameter and secret has the seeded value).\n");
    let _ = writeln!(
        out,
        "- **Repetitions**: runs are interleaved (awsconf, by-path, batches, per-field, then again). A cell gets {} runs if its first run took under 1 s, 3 runs if under 4 s, and 1 run otherwise; the table reports the median and the range. The `runs` column shows each cell's count; this run's cells with fewer than {} runs: {}. An untimed warm-up (every strategy once on `p10s10`) comes first.",
        r.runs,
        r.runs,
        fewer_runs(r)
    );
    out.push_str("- **Calls** are exact: the proxy's per-operation counts for one run (reset before each run); `(varied)` would mark a cell whose runs did not all make the same calls (retries).\n");
    out.push_str("- **Process start to config ready**: the release `quickstart` binary, run as a fresh process each time from a helper process that records when the line `ApiConfig {` (the first config, printed as soon as it is loaded) appears on its stdout and when the process exits, and reads the child's peak RSS with `getrusage(RUSAGE_CHILDREN)` (the helper has no other child). quickstart then loads a second time with a TOML file and env vars on top (`load_explained`) before it exits.\n");

    out.push_str("\n## Targets\n\n");
    for t in targets(r) {
        let _ = writeln!(out, "- **{}** — {}. {}", verdict(t.met), t.what, t.numbers);
    }

    for &delay in &r.delays {
        let _ = writeln!(out, "\n## Results at {delay} ms added per request\n");
        out.push_str(&delay_table(r, delay).markdown());
    }

    out.push_str("\n## awsconf's calls and batch sizes\n\n");
    out.push_str("Asserted on every awsconf run: calls = ceil(N/10) `GetParameters` + ceil(M/20) `BatchGetSecretValue` and nothing else; largest `GetParameters` <= 10 names, largest `BatchGetSecretValue` <= 20 ids (the proxy parses each request body); with added delay, the most calls in flight at once is min(GetParameters calls, 10) + min(BatchGetSecretValue calls, 10), the cap per service (adaptive pacing sends a load at once until AWS throttles) (at 0 ms shown, not asserted: a call may be answered before the last one is sent).\n\n");
    out.push_str(&checks_table(r).markdown());
    let failed = r.checks.iter().filter(|c| !c.ok).count();
    let _ = writeln!(
        out,
        "\n{} of {} assertions held.",
        r.checks.len() - failed,
        r.checks.len()
    );

    if let Some(t) = scaling_table(r) {
        out.push_str("\n## Scaling at 20 ms\n\n");
        out.push_str("awsconf's calls go out up to ten at a time to each service, so the delay's share of its time follows the number of waves, the larger of ceil(GetParameters calls/10) and ceil(BatchGetSecretValue calls/10); reading one parameter at a time, it follows N + M.\n\n");
        out.push_str(&t.markdown());
    }

    if caps_table(r).is_some() || fresh_table(r).is_some() || effective_rt(r).is_some() {
        out.push_str("\n## Diagnostics\n\n");
    }
    if let Some(line) = effective_rt_line(r) {
        let _ = writeln!(out, "{line}\n");
    }
    if let Some(t) = caps_table(r) {
        let _ = writeln!(
            out,
            "awsconf on `{}` (10 GetParameters, 1 BatchGetSecretValue) with `.concurrency(n)`, a cap per service: with n = 1 each service's calls go one after another (the BatchGetSecretValue alongside the first GetParameters); with n = 5 the GetParameters go in two waves; with the default n = 10 all 11 calls are in flight at once. At 0 ms, n = 1 against the default shows how much the emulator itself gains from concurrent requests.\n",
            crate::DIAGNOSTIC_LAYOUT
        );
        out.push_str(&t.markdown());
        out.push('\n');
    }
    if let Some(t) = fresh_table(r) {
        out.push_str("awsconf builds a new SSM and a new Secrets Manager client inside every `load()` (so does every strategy here, inside the timed region). What that costs: the first `GetParameters` (10 names) on freshly built clients, client construction included, against a second one on the same client.\n\n");
        out.push_str(&t.markdown());
    }

    out.push_str("\n## Process start to config ready: release quickstart\n\n");
    if r.processes.is_empty() && r.process_error.is_none() {
        out.push_str("Not measured in this run.\n");
    }
    if !r.processes.is_empty() {
        out.push_str("`target/release/quickstart` with `AWS_ENDPOINT_URL`, `AWS_REGION=us-east-1`, `AWS_ACCESS_KEY_ID=testing`, `AWS_SECRET_ACCESS_KEY=testing`, `AWS_EC2_METADATA_DISABLED=true`, `AWSCONF_ENV=production`, after `target/release/demo-seed` seeded the emulator. The last column is the exact calls of one process (it loads twice) through the proxy.\n\n");
        out.push_str(&process_table(r).markdown());
    }
    if let Some(e) = &r.process_error {
        let _ = writeln!(out, "Not measured: {e}");
    }

    if !r.refresh.is_empty() {
        out.push_str("\n## Live refresh: calls per refresh\n\n");
        out.push_str("A `Live` config over p100s10 (100 parameters, 10 secrets): `refresh_now()` with nothing new, then after `PutSecretValue` on one secret. Counted by the proxy. Each secret is described first; a value is read only when its version changed.\n\n");
        out.push_str("| refresh | calls | by operation |\n|---|---:|---|\n");
        for (what, counts) in &r.refresh {
            let total: u64 = counts.values().sum();
            let _ = writeln!(out, "| {what} | {total} | {} |", by_op(counts));
        }
    }

    out.push_str("\n## Memory\n\n");
    for l in memory_lines(r) {
        let _ = writeln!(out, "- {l}");
    }

    out.push_str("\n## Seeding (not timed above)\n\n");
    let seeding: Vec<String> = r
        .seeding
        .iter()
        .map(|(l, d)| format!("{} {:.1} s", l.name, d.as_secs_f64()))
        .collect();
    let _ = writeln!(out, "{}.", seeding.join(", "));

    out.push_str("\n## Caveats\n\n");
    for line in reading_notes(r) {
        let _ = writeln!(out, "- {line}");
    }
    out.push_str("- moto is a single Python process; with two cores it shares the CPU with the benchmark and the proxy, and under the GIL it does little work for concurrent requests in parallel (see the `.concurrency(n)` diagnostic at 0 ms). At 0 ms the numbers mostly measure moto, not the network; real AWS answers in parallel, so concurrent strategies gain more there than here.\n");
    out.push_str("- The proxy adds a fixed delay per request and no bandwidth limit; real round trips vary. Real Parameter Store also throttles (40 calls/s per account and region by default); these single-process runs stay under it, and the fleet section below models it.\n");
    out
}

/// The cells measured fewer than the target number of times.
fn fewer_runs(r: &Results) -> String {
    let list: Vec<String> = r
        .cells
        .iter()
        .filter(|c| c.times.len() < r.runs)
        .map(|c| {
            format!(
                "{} {} at {} ms ({} run{})",
                c.layout.name,
                c.strategy,
                c.delay_ms,
                c.times.len(),
                if c.times.len() == 1 { "" } else { "s" }
            )
        })
        .collect();
    if list.is_empty() {
        "none".to_string()
    } else {
        list.join(", ")
    }
}

/// Notes computed from the run that explain raw round trips above the wave count.
fn reading_notes(r: &Results) -> Vec<String> {
    let mut out = Vec::new();
    let (Some(a0), Some(b0)) = (
        find(r, "p1000s0", 0, Strategy::Awsconf),
        find(r, "p1000s0", 0, Strategy::Batches),
    ) else {
        return out;
    };
    let per_call = ms(a0.median()) / a0.calls() as f64;
    let serial_per_call = ms(b0.median()) / b0.calls() as f64;
    let mut line = format!(
        "The emulator's throughput bounds the concurrent numbers: at 0 ms, awsconf's {} GetParameters calls with up to {CAP} in flight took {} ms ({per_call:.1} ms a call), and the same calls one after another {} ms ({serial_per_call:.1} ms a call).",
        a0.calls(),
        fmt_ms(a0.median()),
        fmt_ms(b0.median()),
    );
    if let (Some(a20), Some(e)) = (
        find(r, "p1000s0", TARGET_DELAY_MS, Strategy::Awsconf),
        effective_rt(r),
    ) {
        let w = waves(&a20.layout) as f64;
        let added = ms(a20.median()) - ms(a0.median());
        let _ = write!(
            line,
            " At {TARGET_DELAY_MS} ms, {w:.0} waves of {e:.1} ms would take {:.0} ms on their own; the load took {} ms, {added:.0} ms more than at 0 ms",
            w * e,
            fmt_ms(a20.median()),
        );
        if added < w * e / 2.0 {
            line.push_str(", because the emulator is still busy with one wave when the next one's delay has passed, so latency and emulator time overlap. Against real AWS, which answers in parallel, expect about one round trip per wave instead.");
        } else {
            line.push('.');
        }
    }
    out.push(line);
    out
}

fn machine() -> Vec<String> {
    let mut out = Vec::new();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown".to_string());
    let nproc = std::thread::available_parallelism().map_or(0, usize::from);
    out.push(format!("CPU: {cpu}, nproc = {nproc}"));
    if let Some(mem) = std::fs::read_to_string("/proc/meminfo").ok().and_then(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    }) {
        out.push(format!("Memory: {:.1} GiB", mem as f64 / 1024.0 / 1024.0));
    }
    if let Ok(k) = std::fs::read_to_string("/proc/sys/kernel/osrelease") {
        out.push(format!("Linux {}", k.trim()));
    }
    if let Some(v) = command_line("rustc", &["--version"]) {
        out.push(format!("{v}, release profile"));
    }
    if let Some(v) = moto_version() {
        out.push(format!("moto {v}"));
    }
    if let Some(v) = command_line("git", &["rev-parse", "--short", "HEAD"]) {
        let dirty = command_line("git", &["status", "--porcelain"]).is_some();
        out.push(format!(
            "Commit {v}{}",
            if dirty {
                " (with uncommitted changes)"
            } else {
                ""
            }
        ));
    }
    out.push(format!("Date: {}", utc_date()));
    out
}

/// How busy the machine was with other work during the run.
fn load_line(r: &Results) -> String {
    let mut line = format!(
        "Load average (1, 5, 15 min) {} at the start, {} at the end",
        r.loadavg.0, r.loadavg.1
    );
    if let Some(other) = r.other_load {
        let _ = write!(
            line,
            "; other processes kept {other:.2} of the {} cores busy on average during the run (machine busy time from /proc/stat minus this benchmark, moto and the measured processes)",
            std::thread::available_parallelism().map_or(0, usize::from)
        );
        if other >= 0.25 {
            line.push_str(". The machine was not idle: the emulator and the client had less CPU than usual, so times (most of all moto-bound ones at 0 ms) are slower than on an idle machine");
        }
    }
    line.push('.');
    line
}

/// The first line of a command's stdout, if it ran and printed something.
fn command_line(cmd: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(cmd)
        .args(args)
        .current_dir(awsconf_testkit::moto::repo_root())
        .output()
        .ok()?;
    let s = String::from_utf8_lossy(&out.stdout);
    let line = s.lines().next()?.trim().to_string();
    (out.status.success() && !line.is_empty()).then_some(line)
}

/// From `.venv/.moto-<version>.installed`, written by `scripts/moto.sh install`.
fn moto_version() -> Option<String> {
    let venv = awsconf_testkit::moto::repo_root().join(".venv");
    std::fs::read_dir(venv).ok()?.find_map(|e| {
        let name = e.ok()?.file_name().to_string_lossy().into_owned();
        name.strip_prefix(".moto-")?
            .strip_suffix(".installed")
            .map(str::to_string)
    })
}

/// Today's date and time, UTC, as `YYYY-MM-DD HH:MM UTC`.
fn utc_date() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// Marks the start of the comparison this benchmark writes into `README.md`.
pub const README_BEGIN: &str = "<!-- comparison:begin (written by scripts/bench.sh) -->";
/// Marks its end.
pub const README_END: &str = "<!-- comparison:end -->";

/// The README's comparison (100 parameters + 10 secrets at the target delay)
/// from this run, or `None` when the run did not measure every strategy there.
pub fn readme_comparison(r: &Results) -> Option<String> {
    let d = TARGET_DELAY_MS;
    let aw = find(r, "p100s10", d, Strategy::Awsconf)?;
    let rows = [
        (
            Strategy::Batches,
            "`GetParameters` batches of 10, one after another (+ `GetSecretValue` each)",
        ),
        (
            Strategy::ByPath,
            "`GetParametersByPath` paging (+ `GetSecretValue` each), as most loaders do",
        ),
        (
            Strategy::PerField,
            "one `GetParameter` per field (+ `GetSecretValue` each)",
        ),
    ];
    let ms_text = |c: &Cell| {
        let m = ms(c.median());
        if m >= 1000.0 {
            let whole = m.round() as u64;
            format!("{},{:03} ms", whole / 1000, whole % 1000)
        } else {
            format!("{} ms", fmt_ms(c.median()))
        }
    };
    let mut out = String::new();
    let _ = writeln!(out, "{README_BEGIN}");
    let _ = writeln!(
        out,
        "Measured here against moto with {d} ms added per request ([BENCHMARKS.md](BENCHMARKS.md), `scripts/bench.sh`, a 2-core machine, load average {} at the start of the run), for 100 parameters and 10 secrets, median of {} runs:\n",
        r.loadavg.0.split_whitespace().next().unwrap_or("?"),
        aw.times.len()
    );
    out.push_str("| strategy | median | calls | vs awsconf |\n|---|---:|---:|---:|\n");
    let _ = writeln!(
        out,
        "| awsconf | {} | {}, concurrent (all {} in flight) | 1x |",
        ms_text(aw),
        aw.calls(),
        aw.peak_in_flight
    );
    for (s, label) in rows {
        let c = find(r, "p100s10", d, s)?;
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {:.1}x |",
            ms_text(c),
            c.calls(),
            ms(c.median()) / ms(aw.median())
        );
    }
    let rest = rts(aw.median_without_moto(), d);
    let _ = writeln!(
        out,
        "\nOf awsconf's {} ms, moto was answering {} ms (the proxy measures it; moto answers one request at a time, which AWS does not). The remaining {} ms is the client plus the added latency: {rest:.2} round trips of {d} ms. A load sends all its calls at once, and only AWS's first throttling tells a process that a fleet shares the quota (see [Fleets](#fleets-within-awss-quotas)). The fastest run took {} ms.",
        fmt_ms(aw.median()),
        fmt_ms(aw.median_busy()),
        fmt_ms(aw.median_without_moto()),
        fmt_ms(aw.times.iter().min().copied().unwrap_or_default()),
    );
    if let (Some(a), Some(b), Some(p)) = (
        find(r, "p1000s0", d, Strategy::Awsconf),
        find(r, "p1000s0", d, Strategy::ByPath),
        find(r, "p1000s0", d, Strategy::PerField),
    ) {
        let _ = writeln!(
            out,
            "\nAt 1,000 parameters awsconf took {} for {} calls, {} ms of it inside moto. Paging took {:.1} s, and one call per field {:.1} s.",
            ms_text(a),
            a.calls(),
            fmt_ms(a.median_busy()),
            ms(b.median()) / 1000.0,
            ms(p.median()) / 1000.0,
        );
    }
    let _ = writeln!(out, "{README_END}");
    Some(out)
}

/// Replaces the comparison between [`README_BEGIN`] and [`README_END`] in
/// the README at `path`; a missing README or one without the markers is left alone.
pub fn splice_readme(path: &std::path::Path, block: &str) -> Result<bool, String> {
    let Ok(old) = std::fs::read_to_string(path) else {
        return Ok(false);
    };
    let (Some(b), Some(e)) = (old.find(README_BEGIN), old.find(README_END)) else {
        return Ok(false);
    };
    if e < b {
        return Ok(false);
    }
    let end = e + README_END.len();
    let rest = old[end..].strip_prefix('\n').unwrap_or(&old[end..]);
    let new = format!("{}{block}{rest}", &old[..b]);
    std::fs::write(path, new).map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok(true)
}
