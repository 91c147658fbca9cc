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
