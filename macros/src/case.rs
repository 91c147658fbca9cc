//! Field-name to SSM-segment renaming (`rename_all`).

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RenameRule {
    /// `max_connections` -> `max-connections` (the default).
    #[default]
    Kebab,
    /// `max_connections` -> `max_connections`.
    Snake,
    /// `max_connections` -> `maxConnections`.
    Camel,
    /// `max_connections` -> `MaxConnections`.
    Pascal,
    /// `max_connections` -> `maxconnections`.
    Lower,
    /// `max_connections` -> `MAX_CONNECTIONS`.
    ScreamingSnake,
    /// `max_connections` -> `MAX-CONNECTIONS`.
    ScreamingKebab,
}

impl RenameRule {
    pub const NAMES: &'static str = "\"kebab-case\", \"snake_case\", \"camelCase\", \"PascalCase\", \"lowercase\", \"SCREAMING_SNAKE_CASE\", \"SCREAMING-KEBAB-CASE\"";

    pub fn from_str(s: &str) -> Option<Self> {
        Some(match s {
            "kebab-case" => Self::Kebab,
            "snake_case" => Self::Snake,
            "camelCase" => Self::Camel,
            "PascalCase" => Self::Pascal,
            "lowercase" => Self::Lower,
            "SCREAMING_SNAKE_CASE" => Self::ScreamingSnake,
            "SCREAMING-KEBAB-CASE" => Self::ScreamingKebab,
            _ => return None,
        })
    }

    /// Renames a Rust field name (snake_case, possibly a raw identifier).
    pub fn apply(self, field: &str) -> String {
        let field = field.strip_prefix("r#").unwrap_or(field);
        let words = field.split('_').filter(|w| !w.is_empty());
        match self {
            Self::Kebab => words.collect::<Vec<_>>().join("-"),
            Self::Snake => field.to_string(),
            Self::Lower => field.replace('_', ""),
            Self::ScreamingSnake => field.to_ascii_uppercase(),
            Self::ScreamingKebab => words.collect::<Vec<_>>().join("-").to_ascii_uppercase(),
            Self::Camel | Self::Pascal => {
                let mut out = String::new();
                for (i, word) in words.enumerate() {
                    let mut chars = word.chars();
                    if let Some(first) = chars.next() {
                        if i == 0 && self == Self::Camel {
                            out.push(first);
                        } else {
                            out.extend(first.to_uppercase());
                        }
                        out.push_str(chars.as_str());
                    }
                }
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RenameRule;
    use proptest::prelude::*;

    const RULES: [RenameRule; 7] = [
        RenameRule::Kebab,
        RenameRule::Snake,
        RenameRule::Camel,
        RenameRule::Pascal,
        RenameRule::Lower,
        RenameRule::ScreamingSnake,
        RenameRule::ScreamingKebab,
    ];

    fn config() -> ProptestConfig {
        let cases = std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(1000);
        ProptestConfig {
            cases,
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    }

    /// A snake_case field name: words of a lowercase letter then letters/digits.
    fn snake() -> impl Strategy<Value = String> {
        prop::collection::vec("[a-z][a-z0-9]{0,7}", 1..5).prop_map(|w| w.join("_"))
    }

    /// The snake_case field name a renamed segment came from.
    fn back(rule: RenameRule, name: &str) -> String {
        match rule {
            RenameRule::Kebab | RenameRule::ScreamingKebab => {
                name.to_ascii_lowercase().replace('-', "_")
            }
            RenameRule::Snake | RenameRule::ScreamingSnake | RenameRule::Lower => {
                name.to_ascii_lowercase()
            }
            RenameRule::Camel | RenameRule::Pascal => {
                let mut out = String::new();
                for (i, c) in name.chars().enumerate() {
                    if c.is_ascii_uppercase() && i > 0 {
                        out.push('_');
                    }
                    out.push(c.to_ascii_lowercase());
                }
                out
            }
        }
    }

    proptest! {
        #![proptest_config(config())]

        /// Field name -> SSM segment -> field name, for every rule but
        /// `lowercase` (which drops the underscores by design).
        #[test]
        fn every_rename_rule_round_trips_and_makes_a_valid_segment(field in snake()) {
            for rule in RULES {
                let name = rule.apply(&field);
                prop_assert!(!name.is_empty());
                prop_assert!(
                    name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')),
                    "{rule:?}: {name}"
                );
                if rule == RenameRule::Lower {
                    prop_assert_eq!(name, field.replace('_', ""));
                } else {
                    prop_assert_eq!(back(rule, &name), field.clone(), "{:?}", rule);
                }
            }
            prop_assert_eq!(
                RenameRule::Kebab.apply(&format!("r#{field}")),
                RenameRule::Kebab.apply(&field)
            );
        }

        /// Two different field names never get the same segment (but `lowercase`).
        #[test]
        fn different_fields_get_different_segments(a in snake(), b in snake()) {
            prop_assume!(a != b);
            for rule in RULES.into_iter().filter(|r| *r != RenameRule::Lower) {
                prop_assert_ne!(rule.apply(&a), rule.apply(&b), "{:?}", rule);
            }
        }
    }

    #[test]
    fn known_names() {
        let cases = [
            (RenameRule::Kebab, "max-connections"),
            (RenameRule::Snake, "max_connections"),
            (RenameRule::Camel, "maxConnections"),
            (RenameRule::Pascal, "MaxConnections"),
            (RenameRule::Lower, "maxconnections"),
            (RenameRule::ScreamingSnake, "MAX_CONNECTIONS"),
            (RenameRule::ScreamingKebab, "MAX-CONNECTIONS"),
        ];
        for (rule, want) in cases {
            assert_eq!(rule.apply("max_connections"), want);
        }
    }
}
