//! The tools as subcommands of your own binary (cargo feature `cli`, off by
//! default because it brings in clap):
//!
//! ```no_run
//! # #[derive(awsconf::AwsConfig)] #[aws_config(app = "api")] struct ApiConfig { port: u16 }
//! #[tokio::main]
//! async fn main() -> std::process::ExitCode {
//!     awsconf::cli::run::<ApiConfig>().await
//! }
//! ```
//!
//! [`run`] is async: call it from the binary's tokio runtime. It reads the process
//! arguments, and AWS's region, credentials and endpoint the SDK's usual way
//! (`AWS_REGION`, `AWS_PROFILE`, `AWS_ENDPOINT_URL`, ...).
//!
//! ```text
//! <bin> [--env ENV] [--format table|json] <COMMAND>
//!   iam-policy --account ID [--region R] [--watch] [--events QUEUE_ARN | --events-topic TOPIC_ARN] [--prepare]
//!                                          least-privilege IAM policy (JSON)
//!   events-rule --queue-arn ARN            EventBridge rules + queue policy for change events (JSON)
//!   check [--strict]                       the schema against the env: would it load? drift?
//!   explain [--config FILE]... [--env-prefix P]
//!                                          each field's value (secrets redacted) and its layer
//!   prepare [--dir DIR] [--check]          a snapshot of the env (never a value) in DIR/ENV.json for
//!                                          the compile-time check; --check: exit 3 on drift
//!   template [--output FILE] [--force]     a local TOML with every field
//!   push FILE [--apply] [--overwrite]      write a local TOML's values into the env (dry run by default)
//!   cost [--loads-per-month N] [--map-entries N] [--advanced] [--higher-throughput]
//!   cost --instances N [--poll-every MIN] [--map-entries N]
//!                                          a fleet's refresh calls per second as a share of each AWS
//!                                          quota (a warning on stderr above 25%), and its start at once
//!   cost --events [--instances N] [--poll-every MIN] [--events-interval MIN] [--changes-per-month N]
//!                                          polling against change events for a fleet
//! ```
//!
//! `--env` defaults to `AWSCONF_ENV`. Exit codes:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success; `check`: the config would load |
//! | 1 | `check`/`explain`: the config would not load; `push`: a write failed or the file was refused; an AWS or file error |
//! | 2 | usage: bad arguments, no env, a missing option |
//! | 3 | `check --strict`: the config would load, but the env has drifted (undeclared parameters, a secret stored unencrypted); `prepare --check`: the env differs from its snapshot |
//!
//! No output, table or JSON, contains a secret's value.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use aws_config::{BehaviorVersion, SdkConfig};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use figment::providers::{Env, Format as _, Toml};

use crate::loader::ENV_VAR;
use crate::tools::{self, CostInputs, EventsCostInputs, FleetInputs, PushOptions};
use crate::{iam, AwsConfig, Root};

/// Success.
pub const EXIT_OK: u8 = 0;
/// The config would not load, a push failed, or an AWS or file error.
pub const EXIT_FAILED: u8 = 1;
/// Bad arguments.
pub const EXIT_USAGE: u8 = 2;
/// `check --strict`: the config would load, but the env has drifted;
/// `prepare --check`: the env differs from its snapshot.
pub const EXIT_DRIFT: u8 = 3;

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    /// Plain-text tables.
    Table,
    /// JSON, for scripts.
    Json,
}

#[derive(Debug, Parser)]
#[command(
    about = "awsconf tools for this config: IAM policy, drift check, provenance, template, push, cost",
    disable_version_flag = true
)]
struct Args {
    /// The environment, the first segment of /<env>/<app>/... [default: $AWSCONF_ENV]
    #[arg(long, global = true)]
    env: Option<String>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the least-privilege IAM policy a role needs to load this config.
    IamPolicy {
        /// The AWS account id (12 digits).
        #[arg(long)]
        account: String,
        /// The region [default: the SDK's, e.g. $AWS_REGION].
        #[arg(long)]
        region: Option<String>,
        /// The service keeps the config current with `watch()`: add
        /// secretsmanager:DescribeSecret on the secrets.
        #[arg(long)]
        watch: bool,
        /// Also grant sqs:ReceiveMessage and sqs:DeleteMessage on this change-events queue.
        #[arg(long, value_name = "QUEUE_ARN", conflicts_with = "events_topic")]
        events: Option<String>,
        /// Also grant what `change_topic(TOPIC_ARN)` needs: its own queues, and subscribing to the topic.
        #[arg(long, value_name = "TOPIC_ARN")]
        events_topic: Option<String>,
        /// Instead: the read-only policy `prepare` needs (no parameter value).
        #[arg(long, conflicts_with_all = ["watch", "events", "events_topic"])]
        prepare: bool,
    },
    /// Print the EventBridge rules and SQS queue policy that send this config's change events to a queue.
    EventsRule {
        /// The SQS queue's ARN (its region and account are the rules').
        #[arg(long, value_name = "QUEUE_ARN")]
        queue_arn: String,
    },
    /// Check the env against the schema: would the config load, and what has drifted.
    Check {
        /// Exit with 3 when the config loads but the env has drifted.
        #[arg(long)]
        strict: bool,
    },
    /// Load the config and show each field's value (secrets redacted) and its layer.
    Explain {
        /// A TOML file layered on top of AWS, as the service does; repeatable.
        #[arg(long = "config", value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Environment variables with this prefix layered on top (split on `__`).
        #[arg(long, value_name = "PREFIX")]
        env_prefix: Option<String>,
    },
    /// Write a snapshot of the env (names, types, versions, secret key names; never a
    /// value) to DIR/ENV.json, for the compile-time check; --check compares instead.
    Prepare {
        /// The snapshot directory [default: .awsconf beside the crate's Cargo.toml].
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Compare the snapshot with the env and exit 3 on drift, writing nothing.
        #[arg(long)]
        check: bool,
    },
    /// Write a local TOML with every field: defaults filled in, secrets as placeholders.
    Template {
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Replace the output file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Write a local TOML's values into the env (a dry run unless --apply).
    Push {
        /// The TOML file, keyed by Rust field names like `template` writes it.
        file: PathBuf,
        /// Write; without it nothing is written.
        #[arg(long)]
        apply: bool,
        /// Replace parameters and secrets that exist.
        #[arg(long)]
        overwrite: bool,
        /// Push a file with keys that are no field of the config, skipping
        /// them. Without it such a file is refused and nothing is written.
        #[arg(long)]
        allow_unknown_keys: bool,
    },
    /// Estimate the monthly AWS cost of loading this config; with --instances, a
    /// fleet's refresh calls as a share of AWS's quotas.
    Cost {
        /// Loads a month over all instances (each start and each Live refresh).
        #[arg(long, default_value_t = CostInputs::default().loads_per_month)]
        loads_per_month: u64,
        /// Entries in each map component.
        #[arg(long, default_value_t = 1)]
        map_entries: u64,
        /// Count every parameter as an advanced parameter.
        #[arg(long)]
        advanced: bool,
        /// Parameter Store's higher throughput is on (its calls are charged).
        #[arg(long)]
        higher_throughput: bool,
        /// A fleet of this many instances, each with a Live refreshing every
        /// --poll-every minutes: its refresh calls per second as a share of each
        /// AWS quota (a warning above 25%), and its start at once. With
        /// --events: polling against change events for the fleet.
        #[arg(long)]
        instances: Option<u64>,
        /// Compare refreshing by polling with refreshing on change events.
        #[arg(long)]
        events: bool,
        /// With --instances or --events: each Live refreshes every this many minutes.
        #[arg(long, value_name = "MINUTES", default_value_t = EventsCostInputs::default().poll_every_minutes)]
        poll_every: u64,
        /// With --events: the safety-net interval of a Live with change events, in minutes.
        #[arg(long, value_name = "MINUTES", default_value_t = EventsCostInputs::default().events_interval_minutes)]
        events_interval: u64,
        /// With --events: changes a month to what the config reads.
        #[arg(long, default_value_t = EventsCostInputs::default().changes_per_month)]
        changes_per_month: u64,
    },
}

/// Runs the tools for `T` with the process's arguments, standard output and
/// error, and the SDK's default configuration. Returns the exit code (see the
/// [module docs](self)).
pub async fn run<T: AwsConfig + Root>() -> ExitCode {
    // `Stdout`/`Stderr`, not their locks: each write takes the lock and lets go,
    // so no lock is held across an await and the future stays `Send`.
    let code = run_with::<T, _, _>(
        std::env::args_os(),
        None,
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    )
    .await;
    ExitCode::from(code)
}

/// Like [`run`], with explicit arguments (the first is the program name), SDK
/// configuration (`None`: the SDK's defaults) and outputs. Returns the exit code.
/// The future is `Send`.
pub async fn run_with<T, I, A>(
    args: I,
    sdk_config: Option<&SdkConfig>,
    out: &mut (dyn Write + Send),
    err: &mut (dyn Write + Send),
) -> u8
where
    T: AwsConfig + Root,
    I: IntoIterator<Item = A>,
    A: Into<std::ffi::OsString> + Clone,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    let command = Args::command().bin_name(bin_name(
        std::env::args_os().next().as_deref(),
        args.first().map(|a| a.as_os_str()),
    ));
    let args = match command
        .try_get_matches_from(args)
        .and_then(|m| Args::from_arg_matches(&m))
    {
        Ok(args) => args,
        Err(e) => return usage(&e, out, err),
    };
    let mut io = Output {
        out,
        err,
        json: args.format == OutputFormat::Json,
    };
    let Some(env) = env_of(&args, &mut io) else {
        return EXIT_USAGE;
    };
    let sdk = Sdk(sdk_config);
    match args.command {
        Command::IamPolicy {
            account,
            region,
            watch,
            events,
            events_topic,
            prepare,
        } => {
            if prepare {
                return prepare_policy::<T>(&env, &account, region, sdk, &mut io).await;
            }
            let events = match (events, events_topic) {
                (Some(queue), _) => Some(EventsGrant::Queue(queue)),
                (None, Some(topic)) => Some(EventsGrant::Topic(topic)),
                (None, None) => None,
            };
            iam_policy::<T>(&env, &account, region, watch, events, sdk, &mut io).await
        }
        Command::EventsRule { queue_arn } => events_rule::<T>(&env, &queue_arn, &mut io),
        Command::Check { strict } => {
            let report = tools::check::<T>(&env, &sdk.load().await).await;
            io.report(&report, |r| r.to_table());
            report.exit_code(strict)
        }
        Command::Explain { files, env_prefix } => {
            explain::<T>(&env, &files, env_prefix, sdk, &mut io).await
        }
        Command::Template { output, force } => template::<T>(&env, output, force, &mut io),
        Command::Prepare { dir, check } => prepare::<T>(&env, dir, check, sdk, &mut io).await,
        Command::Push {
            file,
            apply,
            overwrite,
            allow_unknown_keys,
        } => {
            let options = PushOptions {
                apply,
                overwrite,
                allow_unknown_keys,
            };
            push::<T>(&env, &file, options, sdk, &mut io).await
        }
        Command::Cost {
            higher_throughput,
            events: true,
            instances,
            poll_every,
            events_interval,
            changes_per_month,
            ..
        } => {
            let comparison = tools::events_comparison::<T>(&EventsCostInputs {
                instances: instances.unwrap_or(1),
                poll_every_minutes: poll_every,
                events_interval_minutes: events_interval,
                changes_per_month,
                wait_seconds: 20,
                higher_throughput,
            });
            io.report(&comparison, |c| c.to_table());
            EXIT_OK
        }
        Command::Cost {
            instances: Some(instances),
            poll_every,
            map_entries,
            ..
        } => {
            let load = tools::fleet_load::<T>(&FleetInputs {
                instances,
                refresh_every_minutes: poll_every,
                map_entries,
            });
            for warning in &load.warnings {
                io.note(format_args!("warning: {warning}"));
            }
            io.report(&load, |l| l.to_table());
            EXIT_OK
        }
        Command::Cost {
            loads_per_month,
            map_entries,
            advanced,
            higher_throughput,
            ..
        } => {
            let estimate = tools::cost::<T>(&CostInputs {
                loads_per_month,
                map_entries,
                advanced_parameters: advanced,
                higher_throughput,
            });
            io.report(&estimate, |e| e.to_table());
            EXIT_OK
        }
    }
}

/// Where the output goes, and in which format.
struct Output<'a> {
    out: &'a mut (dyn Write + Send),
    err: &'a mut (dyn Write + Send),
    json: bool,
}

impl Output<'_> {
    /// A report on standard output: JSON, or its table.
    fn report<S: serde::Serialize>(&mut self, value: &S, table: impl FnOnce(&S) -> String) {
        if self.json {
            print_json(self.out, value);
        } else {
            let _ = write!(self.out, "{}", table(value));
        }
    }

    /// A line on standard error.
    fn note(&mut self, line: std::fmt::Arguments<'_>) {
        let _ = writeln!(self.err, "{line}");
    }
}

/// The SDK configuration: the caller's, or the SDK's defaults, loaded only by the
/// commands that call AWS.
#[derive(Clone, Copy)]
struct Sdk<'a>(Option<&'a SdkConfig>);

impl Sdk<'_> {
    async fn load(self) -> SdkConfig {
        match self.0 {
            Some(c) => c.clone(),
            None => aws_config::load_defaults(BehaviorVersion::latest()).await,
        }
    }
}

/// Bad arguments (exit 2), or `--help` (exit 0): clap's text, where clap says.
/// The name help and errors show: the process's binary, followed by the
/// first argument when the tools run as a subcommand of the user's own binary
/// (`orders tools template` passes `tools` first): `orders tools`, not `tools`.
fn bin_name(process: Option<&std::ffi::OsStr>, first: Option<&std::ffi::OsStr>) -> String {
    let file = |a: &std::ffi::OsStr| {
        std::path::Path::new(a)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
    };
    match (process.and_then(file), first.and_then(file)) {
        (Some(p), Some(f)) if p != f => format!("{p} {f}"),
        (Some(p), _) => p,
        (None, Some(f)) => f,
        (None, None) => "awsconf-cli".to_string(),
    }
}

fn usage(e: &clap::Error, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let text = e.render().to_string();
    if e.use_stderr() {
        let _ = write!(err, "{text}");
        EXIT_USAGE
    } else {
        let _ = write!(out, "{text}");
        EXIT_OK
    }
}

/// `--env`, else `AWSCONF_ENV`; `cost` and `template` need none. `None` (after a
/// message) when the command needs an env and none is given, or the env given
/// is not one a load would accept (a `*`, a `/`, ...).
fn env_of(args: &Args, io: &mut Output<'_>) -> Option<String> {
    let env = args
        .env
        .clone()
        .or_else(|| std::env::var(ENV_VAR).ok().filter(|e| !e.is_empty()));
    let needs_env = !matches!(
        args.command,
        Command::Cost { .. } | Command::Template { .. }
    );
    match env {
        // Checked as the loader checks it: `prod*` is no env, and in an IAM
        // policy it would grant every env that starts with `prod`.
        Some(env) => match crate::limits::ssm_segment(&env) {
            Ok(()) => Some(env),
            Err(why) => {
                io.note(format_args!("error: env `{}` {why}", env.escape_debug()));
                None
            }
        },
        None if !needs_env => Some("<env>".to_string()),
        None => {
            io.note(format_args!(
                "error: no environment: pass --env <ENV> or set {ENV_VAR}"
            ));
            None
        }
    }
}

async fn iam_policy<T: AwsConfig + Root>(
    env: &str,
    account: &str,
    region: Option<String>,
    watch: bool,
    events: Option<EventsGrant>,
    sdk: Sdk<'_>,
    io: &mut Output<'_>,
) -> u8 {
    let Some(region) = region_or_note(region, sdk, io).await else {
        return EXIT_USAGE;
    };
    // A Live with change events also describes its secrets on refresh.
    let options = match iam::PolicyOptions::new(&region, account) {
        Ok(options) => options.watch(watch || events.is_some()),
        Err(e) => {
            io.note(format_args!("error: {e}"));
            return EXIT_USAGE;
        }
    };
    let mut policy = iam::policy_with::<T>(env, &options);
    let extra = match events {
        Some(EventsGrant::Queue(queue_arn)) => {
            if tools::QueueArn::parse(&queue_arn).is_none() {
                io.note(format_args!(
                    "error: --events must be an SQS queue ARN (arn:aws:sqs:REGION:ACCOUNT:NAME)"
                ));
                return EXIT_USAGE;
            }
            vec![iam::events_statement(&queue_arn)]
        }
        Some(EventsGrant::Topic(topic_arn)) => {
            // One topic: six parts, `sns` the service, and no wildcard (a policy
            // for `arn:aws:sns:*:*:*` would reach every topic of the account).
            let parts: Vec<&str> = topic_arn.split(':').collect();
            let one_topic = parts.len() == 6
                && parts[0] == "arn"
                && parts[2] == "sns"
                && parts.iter().all(|p| !p.is_empty())
                && !topic_arn.contains(['*', '?']);
            if !one_topic {
                io.note(format_args!(
                    "error: --events-topic must be one SNS topic's ARN, without wildcards (arn:aws:sns:REGION:ACCOUNT:NAME)"
                ));
                return EXIT_USAGE;
            }
            tools::events_rule::change_topic_statements::<T>(env, &region, account, &topic_arn)
        }
        None => Vec::new(),
    };
    if let Some(statements) = policy["Statement"].as_array_mut() {
        statements.extend(extra);
    }
    let size = iam::policy_size(&policy);
    if size > iam::MANAGED_POLICY_MAX_CHARS {
        io.note(format_args!(
            "warning: the policy is {size} characters; a managed policy holds at most {}: split it or use an inline role policy (10,240)",
            iam::MANAGED_POLICY_MAX_CHARS
        ));
    }
    for warning in iam::broad_statements(&policy) {
        io.note(format_args!("warning: {warning}"));
    }
    print_json(io.out, &policy);
    EXIT_OK
}

/// `prepare`: write the snapshot; with `check`, compare it (exit 3 on drift).
async fn prepare<T: AwsConfig + Root>(
    env: &str,
    dir: Option<PathBuf>,
    check: bool,
    sdk: Sdk<'_>,
    io: &mut Output<'_>,
) -> u8 {
    let dir = dir.unwrap_or_else(tools::prepare::default_dir);
    let sdk_config = sdk.load().await;
    if check {
        match tools::prepare_check::<T>(env, &sdk_config, &dir).await {
            Ok(drift) => {
                io.report(&drift, |d| d.to_table());
                if drift.changes.is_empty() {
                    EXIT_OK
                } else {
                    EXIT_DRIFT
                }
            }
            Err(e) => {
                io.note(format_args!("error: {e}"));
                EXIT_FAILED
            }
        }
    } else {
        match tools::prepare::<T>(env, &sdk_config, &dir).await {
            Ok(path) => {
                io.note(format_args!("wrote {}", path.display()));
                EXIT_OK
            }
            Err(e) => {
                io.note(format_args!("error: {e}"));
                EXIT_FAILED
            }
        }
    }
}

/// `--region`, else the SDK's region; without either, a note and `None`.
async fn region_or_note(
    region: Option<String>,
    sdk: Sdk<'_>,
    io: &mut Output<'_>,
) -> Option<String> {
    if region.is_some() {
        return region;
    }
    let region = sdk.load().await.region().map(ToString::to_string);
    if region.is_none() {
        io.note(format_args!(
            "error: no region: pass --region or set AWS_REGION"
        ));
    }
    region
}

/// `iam-policy --prepare`.
async fn prepare_policy<T: AwsConfig + Root>(
    env: &str,
    account: &str,
    region: Option<String>,
    sdk: Sdk<'_>,
    io: &mut Output<'_>,
) -> u8 {
    let Some(region) = region_or_note(region, sdk, io).await else {
        return EXIT_USAGE;
    };
    if let Err(e) = iam::PolicyOptions::new(&region, account) {
        io.note(format_args!("error: {e}"));
        return EXIT_USAGE;
    }
    print_json(io.out, &tools::prepare::policy::<T>(env, &region, account));
    EXIT_OK
}

/// What `iam-policy` adds for change events.
enum EventsGrant {
    /// `--events QUEUE_ARN`
    Queue(String),
    /// `--events-topic TOPIC_ARN`
    Topic(String),
}

fn events_rule<T: AwsConfig + Root>(env: &str, queue_arn: &str, io: &mut Output<'_>) -> u8 {
    let Some(queue) = tools::QueueArn::parse(queue_arn) else {
        io.note(format_args!(
            "error: --queue-arn must be an SQS queue ARN (arn:aws:sqs:REGION:ACCOUNT:NAME)"
        ));
        return EXIT_USAGE;
    };
    print_json(io.out, &tools::events_rule::<T>(env, &queue));
    EXIT_OK
}

async fn explain<T: AwsConfig + Root>(
    env: &str,
    files: &[PathBuf],
    env_prefix: Option<String>,
    sdk: Sdk<'_>,
    io: &mut Output<'_>,
) -> u8 {
    let mut loader = T::loader().env(env).sdk_config(&sdk.load().await);
    for file in files {
        if !file.is_file() {
            io.note(format_args!("error: {} is not a file", file.display()));
            return EXIT_USAGE;
        }
        loader = loader.merge(Toml::file(file));
    }
    if let Some(prefix) = env_prefix {
        loader = loader.merge(Env::prefixed(&prefix).split("__"));
    }
    match tools::explain(loader).await {
        Ok(explanation) => {
            io.report(&explanation, |e| e.to_table());
            EXIT_OK
        }
        Err(e) => {
            io.note(format_args!("{e}"));
            EXIT_FAILED
        }
    }
}

fn template<T: AwsConfig + Root>(
    env: &str,
    output: Option<PathBuf>,
    force: bool,
    io: &mut Output<'_>,
) -> u8 {
    let text = tools::template::<T>(env);
    let Some(path) = output else {
        if io.json {
            print_json(io.out, &serde_json::json!({ "template": text }));
        } else {
            let _ = write!(io.out, "{text}");
        }
        return EXIT_OK;
    };
    if path.exists() && !force {
        io.note(format_args!(
            "error: {} exists; pass --force to replace it",
            path.display()
        ));
        return EXIT_FAILED;
    }
    match std::fs::write(&path, text) {
        Ok(()) => {
            io.note(format_args!("wrote {}", path.display()));
            EXIT_OK
        }
        Err(e) => {
            io.note(format_args!("error: cannot write {}: {e}", path.display()));
            EXIT_FAILED
        }
    }
}

async fn push<T: AwsConfig + Root>(
    env: &str,
    file: &std::path::Path,
    options: PushOptions,
    sdk: Sdk<'_>,
    io: &mut Output<'_>,
) -> u8 {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            io.note(format_args!("error: cannot read {}: {e}", file.display()));
            return EXIT_FAILED;
        }
    };
    let name = file.display().to_string();
    let sdk = sdk.load().await;
    // On a terminal one line counts up; elsewhere a line per tenth.
    let tty = std::io::stderr().is_terminal();
    let mut shown = false;
    let err = &mut *io.err;
    let mut progress = |done: usize, total: usize| {
        if tty {
            shown = true;
            let _ = write!(err, "\rpushing {done}/{total}");
            let _ = err.flush();
        } else if done.is_multiple_of((total / 10).max(1)) || done == total {
            let _ = writeln!(err, "pushing {done}/{total}");
        }
    };
    let result = tools::push::<T>(env, &sdk, &text, &name, options, &mut progress).await;
    if shown {
        let _ = writeln!(io.err);
    }
    match result {
        Ok(report) => {
            io.report(&report, |r| r.to_table());
            report.exit_code()
        }
        Err(e) => {
            io.note(format_args!("error: {e}"));
            EXIT_FAILED
        }
    }
}

fn print_json<S: serde::Serialize + ?Sized>(out: &mut dyn Write, value: &S) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => {
            let _ = writeln!(out, "{text}");
        }
        Err(e) => {
            let _ = writeln!(out, "{{\"error\": \"cannot write JSON: {e}\"}}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::bin_name;
    use std::ffi::OsStr;

    #[test]
    fn help_names_the_users_binary_and_the_subcommand_the_tools_run_under() {
        let name =
            |p: Option<&str>, f: Option<&str>| bin_name(p.map(OsStr::new), f.map(OsStr::new));
        assert_eq!(name(Some("/srv/bin/orders"), Some("tools")), "orders tools");
        assert_eq!(
            name(Some("./awsconf-cli"), Some("/x/awsconf-cli")),
            "awsconf-cli"
        );
        assert_eq!(name(None, Some("tools")), "tools");
        assert_eq!(name(None, None), "awsconf-cli");
    }
}
