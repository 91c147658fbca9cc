//! The names of the SQS queues `Loader::change_topic` creates: the events
//! task makes them, and the IAM statements and the events rule match them.
//!
//! A name is `awsconf__<app>__<env>__<12 hex digits>`. App and env are
//! escaped so that `__` never occurs inside them: letters, digits and `-` stay,
//! every other byte becomes `_` and two hex digits (`_` is `_5f`, `.` is
//! `_2e`). So the prefix `awsconf__api__prod__` matches the queues of app `api`
//! in env `prod` and no other: not env `prod-eu` (`awsconf__api__prod-eu__`),
//! not env `prod.eu` (`awsconf__api__prod_2eeu__`), not app `api-prod`.
//!
//! When the escaped prefix would leave fewer than 12 of SQS's 80 characters,
//! it is `awsconf_h<16 hex digits>__` instead: a 64-bit FNV-1a hash of app and
//! env (normal prefixes start `awsconf__`, so the two forms never overlap).

/// The name prefix of the queues `Loader::change_topic` creates for `app` in
/// `env` (see the module docs); at most 68 characters.
pub(crate) fn prefix(app: &str, env: &str) -> String {
    let stem = format!("awsconf__{}__{}__", escape(app), escape(env));
    if stem.len() <= 80 - 12 {
        return stem;
    }
    // FNV-1a over app, a byte no name holds, env: stable across processes.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in app.bytes().chain([0u8]).chain(env.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("awsconf_h{h:016x}__")
}

/// Letters, digits and `-` as they are; any other byte as `_` and two hex
/// digits. The result holds no `__` and does not end with `_`.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("_{b:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_matches_one_app_and_env_only() {
        assert_eq!(prefix("api", "prod"), "awsconf__api__prod__");
        let mine = prefix("api", "prod");
        let others = [
            ("api", "prod-eu"),
            ("api", "prod.eu"),
            ("api", "prod_eu"),
            ("api-prod", "eu"),
            ("api", "prod__x"),
            ("api__prod", "x"),
            ("ap", "i__prod"),
            ("api_", "_prod"),
        ];
        for (app, env) in others {
            let theirs = format!("{}0123456789ab", prefix(app, env));
            assert!(!theirs.starts_with(&mine), "{app}/{env}: {theirs}");
        }
        assert_ne!(prefix("api", "prod.eu"), prefix("api", "prod-eu"));
        assert_ne!(prefix("api", "prod_eu"), prefix("api", "prod-eu"));
    }

    #[test]
    fn names_stay_within_sqs_rules() {
        for (app, env) in [
            ("api", "prod"),
            ("a.b_c", "x.y"),
            (&"a".repeat(40)[..], &"e".repeat(40)[..]),
        ] {
            let p = prefix(app, env);
            assert!(p.len() <= 68, "{p}");
            assert!(
                p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{p}"
            );
        }
        let long = prefix(&"a".repeat(40), &"e".repeat(40));
        assert!(long.starts_with("awsconf_h") && long.len() == 27, "{long}");
        assert_ne!(long, prefix(&"a".repeat(40), &"e".repeat(41)));
    }
}
