//! AWS's naming rules for Parameter Store names and Secrets Manager secret names,
//! in one place: the `awsconf` derive checks each name segment at compile time
//! and the `awsconf` runtime checks whole names before any call, both with these
//! functions and constants. No dependencies, so the proc-macro crate can use it.
//!
//! The functions return which rule a name breaks; each caller words the message
//! for its context (a field attribute, an SSM name, an env).

#![no_std]

pub mod snapshot;

/// The longest SSM parameter name, in characters.
pub const SSM_NAME_MAX_CHARS: usize = 1011;
/// The deepest SSM hierarchy: `/a/b/c` has 3 levels.
pub const SSM_MAX_LEVELS: usize = 15;
/// The longest secret name, in characters (an ARN may be longer).
pub const SECRET_NAME_MAX_CHARS: usize = 512;
/// The longest version stage label of a secret, in characters.
pub const SECRET_STAGE_MAX_CHARS: usize = 256;
/// The shortest secret version id, in characters.
pub const SECRET_VERSION_ID_MIN_CHARS: usize = 32;
/// The longest secret version id, in characters.
pub const SECRET_VERSION_ID_MAX_CHARS: usize = 64;

/// The characters SSM allows in a name segment, for messages.
pub const SSM_SEGMENT_CHARS: &str = "a-z A-Z 0-9 _ . -";
/// The characters SSM allows in a whole name, for messages.
pub const SSM_NAME_CHARS: &str = "a-z A-Z 0-9 _ . - /";
/// The characters Secrets Manager allows in a secret name, for messages.
pub const SECRET_NAME_CHARS: &str = "a-z A-Z 0-9 / _ + = . @ -";

/// Does SSM allow `c` in one segment of a name?
pub fn is_ssm_segment_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// Does Secrets Manager allow `c` in a secret name?
pub fn is_secret_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '+' | '=' | '.' | '@' | '-')
}

/// Does the (first segment of a) name start with `aws` or `ssm`, in any case,
/// which SSM reserves?
pub fn is_reserved(segment: &str) -> bool {
    let head = segment.as_bytes();
    let starts = |prefix: &[u8]| head.len() >= 3 && head[..3].eq_ignore_ascii_case(prefix);
    starts(b"aws") || starts(b"ssm")
}

/// The rule an SSM name (or one segment of it) breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SsmNameError {
    /// A segment is empty.
    Empty,
    /// A character SSM does not allow.
    BadChar(char),
    /// It starts with `aws` or `ssm` (any case).
    Reserved,
    /// Longer than [`SSM_NAME_MAX_CHARS`]; the length in characters.
    TooLong(usize),
    /// Deeper than [`SSM_MAX_LEVELS`]; the number of levels.
    TooDeep(usize),
    /// A name in a hierarchy (one with a `/`) that does not start with `/`:
    /// AWS wants it fully qualified.
    NotQualified,
}

/// One segment of an SSM name: an env, an app, a component or parameter name.
pub fn ssm_segment(segment: &str) -> Result<(), SsmNameError> {
    if segment.is_empty() {
        return Err(SsmNameError::Empty);
    }
    if let Some(bad) = segment.chars().find(|c| !is_ssm_segment_char(*c)) {
        return Err(SsmNameError::BadChar(bad));
    }
    if is_reserved(segment) {
        return Err(SsmNameError::Reserved);
    }
    let chars = segment.chars().count();
    if chars > SSM_NAME_MAX_CHARS {
        return Err(SsmNameError::TooLong(chars));
    }
    Ok(())
}

/// A whole SSM name or path (`/env/app/name`), as AWS checks it. Checks the
/// length first (an empty name is [`SsmNameError::Empty`]), then the
/// characters, the leading `/` of a hierarchy, the depth and the reserved prefix.
pub fn ssm_name(name: &str) -> Result<(), SsmNameError> {
    if name.is_empty() {
        return Err(SsmNameError::Empty);
    }
    let chars = name.chars().count();
    if chars > SSM_NAME_MAX_CHARS {
        return Err(SsmNameError::TooLong(chars));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(is_ssm_segment_char(*c) || *c == '/'))
    {
        return Err(SsmNameError::BadChar(bad));
    }
    if name.contains('/') && !name.starts_with('/') {
        return Err(SsmNameError::NotQualified);
    }
    let levels = name.trim_matches('/').split('/').count();
    if levels > SSM_MAX_LEVELS {
        return Err(SsmNameError::TooDeep(levels));
    }
    if is_reserved(name.trim_start_matches('/')) {
        return Err(SsmNameError::Reserved);
    }
    Ok(())
}

/// The rule a secret name breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretNameError {
    /// Empty: a secret name has 1 character at least.
    Empty,
    /// Longer than [`SECRET_NAME_MAX_CHARS`]; the length in characters.
    TooLong(usize),
    /// A character Secrets Manager does not allow.
    BadChar(char),
}

/// A secret id: an ARN (`arn:...`, passed as is) or a secret name.
pub fn secret_id(id: &str) -> Result<(), SecretNameError> {
    if id.starts_with("arn:") {
        return Ok(());
    }
    if id.is_empty() {
        return Err(SecretNameError::Empty);
    }
    let chars = id.chars().count();
    if chars > SECRET_NAME_MAX_CHARS {
        return Err(SecretNameError::TooLong(chars));
    }
    if let Some(bad) = id.chars().find(|c| !is_secret_name_char(*c)) {
        return Err(SecretNameError::BadChar(bad));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_follow_ssm_rules() {
        assert_eq!(ssm_segment("max-connections_2.x"), Ok(()));
        assert_eq!(ssm_segment(""), Err(SsmNameError::Empty));
        assert_eq!(ssm_segment("a b"), Err(SsmNameError::BadChar(' ')));
        assert_eq!(ssm_segment("a/b"), Err(SsmNameError::BadChar('/')));
        assert_eq!(ssm_segment("AWS-x"), Err(SsmNameError::Reserved));
        assert_eq!(ssm_segment("sSm"), Err(SsmNameError::Reserved));
        assert_eq!(ssm_segment("as"), Ok(()));
        let long = "a".repeat(SSM_NAME_MAX_CHARS + 1);
        assert_eq!(ssm_segment(&long), Err(SsmNameError::TooLong(1012)));
    }

    #[test]
    fn whole_names_follow_ssm_rules() {
        assert_eq!(ssm_name("/prod/api/db/host"), Ok(()));
        let deep = "/a".repeat(SSM_MAX_LEVELS + 1);
        assert_eq!(ssm_name(&deep), Err(SsmNameError::TooDeep(16)));
        assert_eq!(ssm_name(&"/a".repeat(SSM_MAX_LEVELS)), Ok(()));
        assert_eq!(ssm_name("/ssm/x"), Err(SsmNameError::Reserved));
        assert_eq!(ssm_name("/p/hôst"), Err(SsmNameError::BadChar('ô')));
    }

    /// Found by the `names` fuzz target: AWS wants 1 character at least in a
    /// parameter or secret name, and a name in a hierarchy to start with `/`.
    #[test]
    fn empty_names_and_hierarchies_without_a_leading_slash_are_refused() {
        assert_eq!(ssm_name(""), Err(SsmNameError::Empty));
        assert_eq!(ssm_name("prod/x"), Err(SsmNameError::NotQualified));
        assert_eq!(ssm_name("prod"), Ok(()));
        assert_eq!(ssm_name("/prod"), Ok(()));
        assert_eq!(secret_id(""), Err(SecretNameError::Empty));
    }

    #[test]
    fn secret_names_follow_secrets_manager_rules_and_arns_pass() {
        assert_eq!(secret_id("prod/db+x=y.z@w-v_u"), Ok(()));
        assert_eq!(
            secret_id("arn:aws:secretsmanager:us-east-1:1:secret:x y"),
            Ok(())
        );
        assert_eq!(secret_id("a b"), Err(SecretNameError::BadChar(' ')));
        let long = "s".repeat(SECRET_NAME_MAX_CHARS + 1);
        assert_eq!(secret_id(&long), Err(SecretNameError::TooLong(513)));
    }
}
