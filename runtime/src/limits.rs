//! AWS's limits, enforced by awsconf itself. The names and secret ids a schema
//! declares are checked before any call (`check_schema`, from the loader); a map
//! entry's secret ids, known only once the map's names are read, are checked
//! before those secrets are fetched (`refuse_secrets`, from the fetch); values are
//! checked after the fetch, as each field is decoded, whichever layer handed them
//! over (`value_size`). Emulators (moto accepts a 9,000-byte standard parameter, a 70,000-byte
//! secret and a 1,100-character name) and local layers are lenient where AWS is
//! strict, so without these checks a config could work in tests and fail in
//! production.
//!
//! **Parameter tiers.** A Standard parameter holds 4,096 bytes, an Advanced one
//! 8,192. `GetParameters` and `GetParametersByPath` do not say which tier a
//! parameter is in, and awsconf makes no `DescribeParameters` call to find out, so
//! a value of 4,097..=8,192 bytes is accepted (in AWS it must be an Advanced
//! parameter, and AWS would have refused to store it otherwise); a value over
//! 8,192 bytes is a [`Limit`](crate::ProblemKind::Limit) problem wherever it came from.

use figment::value::Value;

use crate::error::{Problem, ProblemKind};
use crate::location::Location;
use crate::plan::{self, SecretTarget, Targets};
use crate::schema::{Field, Kind, Schema, Scope};

use awsconf_names::{SecretNameError, SsmNameError};

/// The longest SSM parameter name, in characters.
pub const SSM_NAME_MAX_CHARS: usize = awsconf_names::SSM_NAME_MAX_CHARS;
/// The deepest SSM hierarchy: `/a/b/c` has 3 levels.
pub const SSM_MAX_LEVELS: usize = awsconf_names::SSM_MAX_LEVELS;
/// The largest value of a Standard-tier parameter, in bytes.
pub const PARAM_STANDARD_MAX_BYTES: usize = 4096;
/// The largest value of an Advanced-tier parameter, in bytes: the most any
/// parameter field accepts.
pub const PARAM_ADVANCED_MAX_BYTES: usize = 8192;
/// The largest secret value (SecretString or SecretBinary), in bytes.
/// Secrets Manager's limit on a secret value.
pub const SECRET_MAX_BYTES: usize = 65_536;
/// The longest secret name, in characters (an ARN may be longer).
pub const SECRET_NAME_MAX_CHARS: usize = awsconf_names::SECRET_NAME_MAX_CHARS;

/// SSM's rules for a whole parameter name or path (`awsconf-names`), worded for
/// a problem.
pub(crate) fn ssm_name(name: &str) -> Result<(), String> {
    awsconf_names::ssm_name(name).map_err(|err| match err {
        SsmNameError::TooLong(chars) => format!(
            "the SSM name is {chars} characters long; SSM allows at most {SSM_NAME_MAX_CHARS}"
        ),
        SsmNameError::BadChar(bad) => format!(
            "the SSM name contains `{}`, which SSM does not allow (allowed: {})",
            bad.escape_debug(),
            awsconf_names::SSM_NAME_CHARS
        ),
        SsmNameError::TooDeep(levels) => {
            format!("the SSM name has {levels} levels; SSM allows at most {SSM_MAX_LEVELS}")
        }
        SsmNameError::Reserved => {
            "the SSM name starts with `aws` or `ssm`, which SSM reserves".to_string()
        }
        SsmNameError::Empty => "the SSM name has an empty segment".to_string(),
    })
}

/// Secrets Manager's rules for a secret id (a name, or an ARN), worded for a problem.
pub(crate) fn secret_id(id: &str) -> Result<(), String> {
    awsconf_names::secret_id(id).map_err(|err| match err {
        SecretNameError::TooLong(chars) => format!(
            "the secret name is {chars} characters long; Secrets Manager allows at most {SECRET_NAME_MAX_CHARS}"
        ),
        SecretNameError::BadChar(bad) => format!(
            "the secret name contains `{}`, which Secrets Manager does not allow (allowed: {})",
            bad.escape_debug(),
            awsconf_names::SECRET_NAME_CHARS
        ),
    })
}

/// SSM's rules for one name segment (the env, at run time), worded for a problem.
pub(crate) fn ssm_segment(name: &str) -> Result<(), String> {
    awsconf_names::ssm_segment(name).map_err(|err| match err {
        SsmNameError::Empty => "is empty".to_string(),
        SsmNameError::BadChar(bad) => format!(
            "contains `{}`, which SSM does not allow in a name segment (allowed: {})",
            bad.escape_debug(),
            awsconf_names::SSM_SEGMENT_CHARS
        ),
        SsmNameError::Reserved => "starts with `aws` or `ssm`, which SSM reserves".to_string(),
        SsmNameError::TooLong(chars) => {
            format!("is {chars} characters long; SSM allows at most {SSM_NAME_MAX_CHARS} in a name")
        }
        SsmNameError::TooDeep(levels) => {
            format!("has {levels} levels; SSM allows at most {SSM_MAX_LEVELS}")
        }
    })
}

/// A name for a message: a name over 80 characters keeps its start and end.
pub(crate) fn shorten(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() <= 80 {
        return name.to_string();
    }
    let head: String = chars[..40].iter().collect();
    let tail: String = chars[chars.len() - 30..].iter().collect();
    format!("{head}…{tail}")
}

/// Every name and secret id a load of `schema` in `scope` would ask AWS for, and
/// AWS would refuse: one problem per field. Checked before any call.
pub(crate) fn check_schema(schema: &'static Schema, scope: &Scope) -> Vec<Problem> {
    let mut targets = Targets::default();
    plan::walk(schema, scope, None, &mut targets);
    check_targets(&targets)
}

/// Every name and secret id of the planned targets that AWS would refuse: one
/// problem per field.
pub(crate) fn check_targets(targets: &Targets) -> Vec<Problem> {
    let mut problems = Vec::new();
    for p in &targets.params {
        if let Err(why) = ssm_name(&p.name) {
            problems.push(
                Problem::new(ProblemKind::Limit, why)
                    .field(p.field_path.clone())
                    .at(Location::parameter(shorten(&p.name))),
            );
        }
    }
    for m in &targets.maps {
        if let Err(why) = ssm_name(&m.prefix) {
            problems.push(
                Problem::new(ProblemKind::Limit, why)
                    .field(m.field_path.clone())
                    .at(Location::Path {
                        path: format!("{}/", shorten(&m.prefix)),
                    }),
            );
        }
    }
    problems.extend(check_secrets(targets));
    problems
}

/// The secret ids of the targets that Secrets Manager would refuse.
pub(crate) fn check_secrets(targets: &Targets) -> Vec<Problem> {
    targets
        .secrets
        .iter()
        .filter_map(|s| secret_problem(s).err())
        .collect()
}

fn secret_problem(s: &SecretTarget) -> Result<(), Problem> {
    secret_id(&s.secret.id).map_err(|why| {
        Problem::new(ProblemKind::Limit, why)
            .field(s.field_path.clone())
            .at(Location::secret(shorten(&s.secret.id)))
    })
}

/// Removes the secrets whose id Secrets Manager would refuse (a map entry's
/// `{key}` can make an id too long at run time), so no call is made for them:
/// their problems, and their ids.
pub(crate) fn refuse_secrets(secrets: &mut Vec<SecretTarget>) -> (Vec<Problem>, Vec<String>) {
    let mut problems = Vec::new();
    let mut ids = Vec::new();
    secrets.retain(|s| match secret_problem(s) {
        Ok(()) => true,
        Err(p) => {
            problems.push(p);
            ids.push(s.secret.id.clone());
            false
        }
    });
    (problems, ids)
}

/// A value larger than AWS stores for this field: the message, without the value.
pub(crate) fn value_size(field: &Field, value: &Value) -> Option<String> {
    let bytes = match value {
        Value::String(_, s) => s.len(),
        Value::Array(_, items) if matches!(field.kind, Kind::Secret(_)) => items.len(),
        _ => return None,
    };
    match field.kind {
        Kind::Param(_) if bytes > PARAM_ADVANCED_MAX_BYTES => Some(format!(
            "the value is {bytes} bytes; a parameter holds at most {PARAM_ADVANCED_MAX_BYTES} (Advanced tier; {PARAM_STANDARD_MAX_BYTES} in the Standard tier)"
        )),
        Kind::Secret(_) if bytes > SECRET_MAX_BYTES => Some(format!(
            "the value is {bytes} bytes; a secret holds at most {SECRET_MAX_BYTES}"
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssm_names_over_the_limits_are_refused_with_the_reason() {
        assert_eq!(ssm_name("/prod/api/db/host"), Ok(()));
        let long = format!("/{}/api/port", "e".repeat(1010));
        assert_eq!(
            ssm_name(&long),
            Err("the SSM name is 1020 characters long; SSM allows at most 1011".into())
        );
        let deep = format!("/{}", vec!["a"; 16].join("/"));
        assert_eq!(
            ssm_name(&deep),
            Err("the SSM name has 16 levels; SSM allows at most 15".into())
        );
        assert_eq!(ssm_name(&format!("/{}", vec!["a"; 15].join("/"))), Ok(()));
        assert_eq!(
            ssm_name("/prod/api/hôst"),
            Err("the SSM name contains `ô`, which SSM does not allow (allowed: a-z A-Z 0-9 _ . - /)".into())
        );
        assert_eq!(
            ssm_name("/SSM-prod/api/host"),
            Err("the SSM name starts with `aws` or `ssm`, which SSM reserves".into())
        );
    }

    #[test]
    fn secret_ids_over_the_limits_are_refused_and_arns_pass() {
        assert_eq!(secret_id("prod/db/postgres"), Ok(()));
        assert_eq!(
            secret_id("arn:aws:secretsmanager:us-east-1:1:secret:x"),
            Ok(())
        );
        assert_eq!(
            secret_id(&"s".repeat(513)),
            Err(
                "the secret name is 513 characters long; Secrets Manager allows at most 512".into()
            )
        );
        assert_eq!(
            secret_id("prod/db key"),
            Err("the secret name contains ` `, which Secrets Manager does not allow (allowed: a-z A-Z 0-9 / _ + = . @ -)".into())
        );
    }

    #[test]
    fn long_names_are_shortened_in_messages() {
        assert_eq!(shorten("/p/a"), "/p/a");
        let long = format!("/{}/api/port", "e".repeat(200));
        let short = shorten(&long);
        assert_eq!(short.chars().count(), 71);
        assert!(short.starts_with("/eeee") && short.ends_with("eee/api/port"));
    }
}
