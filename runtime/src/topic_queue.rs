//! The names of the SQS queues `Loader::change_topic` creates: the events
//! task makes them, and the IAM statements and the events rule match them.

/// The name prefix of the queues `Loader::change_topic` creates for `app` in
/// `env`: `awsconf-<app>-<env>-`, characters SQS refuses as `-`, at most 67
/// characters (a queue name holds 80; 12 random hex digits follow).
pub(crate) fn prefix(app: &str, env: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    let mut stem = format!("awsconf-{}-{}", clean(app), clean(env));
    stem.truncate(80 - 13);
    stem.push('-');
    stem
}
