//! [`verify`]: a config struct against the environment snapshots `prepare` wrote,
//! at run time, for a `#[test]`. The derive runs the same check (the same `const fn`,
//! `awsconf_names::snapshot::check`) at compile time when snapshots exist beside the
//! crate; this function is for teams that would rather fail `cargo test` than the build.

use std::path::Path;

use awsconf_names::snapshot::{check, Report, Snapshot};

use crate::__private::SnapshotNode;
use crate::{Error, Location, Problem, ProblemKind, Root};

/// The most bytes of messages one check writes (a few hundred problems).
const REPORT_BYTES: usize = 64 * 1024;

/// Checks `T` (components and maps included) against every snapshot `dir/*.json`
/// of `T`'s app: a required field absent from an environment, a field that is not
/// secret over a `SecureString`, a secret field over a plain `String`, a `Vec`
/// field whose parameter is not a `StringList`, a key missing from a JSON secret,
/// a map entry lacking a required field. `Option` and defaulted fields pass when
/// absent. Each problem names the field, the SSM name or secret id and the
/// environment, in the words of the compile-time check.
///
/// ```no_run
/// # use awsconf::AwsConfig;
/// # #[derive(AwsConfig)] #[aws_config(app = "api")] struct ApiConfig { port: u16 }
/// #[test]
/// fn config_matches_every_environment() {
///     let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/.awsconf");
///     awsconf::verify::<ApiConfig>(dir).unwrap();
/// }
/// ```
///
/// A directory that does not exist, or holds no snapshot of `T`'s app, is an
/// error: a test that checks nothing should not pass. So is a snapshot whose env
/// is not its file's name, or that a hand edit made ambiguous.
pub fn verify<T: Root + SnapshotNode>(dir: impl AsRef<Path>) -> Result<(), Error> {
    let type_name = T::schema().type_name;
    let fail = |problems: Vec<Problem>| Err(Error::new(type_name, None, problems));
    let dir = dir.as_ref();
    let snapshots = match read_dir(dir) {
        Ok(s) => s,
        Err(p) => return fail(vec![p]),
    };
    if snapshots.is_empty() {
        return fail(vec![Problem::new(
            ProblemKind::Missing,
            format!(
                "no snapshot (*.json) in {}; run `prepare --env ENV` first",
                dir.display()
            ),
        )
        .at(Location::layer(dir.display().to_string()))]);
    }
    let app = T::schema().app.unwrap_or_default();
    if !snapshots.iter().any(|(_, snap)| snap.app == app) {
        return fail(vec![Problem::new(
            ProblemKind::Missing,
            format!(
                "no snapshot in {} is of app `{app}` (those there are of {}); run `prepare --env ENV` for this config",
                dir.display(),
                snapshots
                    .iter()
                    .map(|(_, s)| format!("`{}`", s.app))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .at(Location::layer(dir.display().to_string()))]);
    }
    let mut problems = Vec::new();
    let mut report: Box<Report<REPORT_BYTES>> = Box::default();
    for (file, snap) in &snapshots {
        snap.with_view(file, |view| {
            check(T::NODE, std::slice::from_ref(view), &mut report)
        });
    }
    problems.extend(report.as_str().lines().map(problem));
    if problems.is_empty() && report.count() > 0 {
        // Never a pass when the check found something, whatever its text.
        problems.push(Problem::new(
            ProblemKind::Invalid,
            format!("{} problems, whose text could not be read", report.count()),
        ));
    }
    if report.dropped() > 0 {
        problems.push(Problem::new(
            ProblemKind::Invalid,
            format!("and {} more problems", report.dropped()),
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        fail(problems)
    }
}

/// Every `*.json` file of `dir`, parsed, sorted by file name.
pub(crate) fn read_dir(dir: &Path) -> Result<Vec<(String, Snapshot)>, Problem> {
    let unreadable = |e: std::io::Error| {
        Problem::new(
            ProblemKind::Layer,
            format!("cannot read the snapshot directory {}: {e}", dir.display()),
        )
        .at(Location::layer(dir.display().to_string()))
    };
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(unreadable)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let shown = path.display().to_string();
            let text = std::fs::read_to_string(&path).map_err(|e| {
                Problem::new(ProblemKind::Layer, format!("cannot read {shown}: {e}"))
                    .at(Location::layer(shown.clone()))
            })?;
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
            let snap = Snapshot::parse(&text)
                .and_then(|snap| {
                    snap.check_file_name(stem.as_deref().unwrap_or_default())?;
                    Ok(snap)
                })
                .map_err(|e| {
                    Problem::new(ProblemKind::Layer, format!("snapshot {shown}: {e}"))
                        .at(Location::layer(shown.clone()))
                })?;
            Ok((shown, snap))
        })
        .collect()
}

/// One line of the check's report as a problem, with its field and location.
fn problem(line: &str) -> Problem {
    let between = |open: &str, close: char| {
        line.find(open).and_then(|i| {
            let rest = &line[i + open.len()..];
            rest.find(close).map(|j| rest[..j].to_string())
        })
    };
    let kind = if line.contains("does not exist")
        || line.contains("is not in the snapshot")
        || line.contains("has no key")
    {
        ProblemKind::Missing
    } else {
        ProblemKind::Invalid
    };
    let mut p = Problem::new(kind, line);
    if let Some(field) = between("field `", '`') {
        p = p.field(field);
    }
    if let Some(name) = between(" parameter ", ' ') {
        p = p.at(Location::parameter(name.trim_end_matches(',')));
    } else if let Some(id) = between(" secret ", ' ') {
        p = p.at(Location::secret(id.trim_end_matches(',')));
    }
    p
}
