//! Names and field paths summarised for messages: `/p/api/db/{host,port}`,
//! `database.{host,port}`, and the wildcard resource of a group of names.

/// `{a,b}` style summary of names under their common prefix, for messages.
pub(crate) fn summarize(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        _ => {
            let first = &names[0];
            let mut prefix_len = first.rfind('/').map(|i| i + 1).unwrap_or(0);
            for n in names {
                while prefix_len > 0 && !n.starts_with(&first[..prefix_len]) {
                    prefix_len = first[..prefix_len - 1]
                        .rfind('/')
                        .map(|i| i + 1)
                        .unwrap_or(0);
                }
            }
            let rest: Vec<&str> = names.iter().map(|n| &n[prefix_len..]).collect();
            format!("{}{{{}}}", &first[..prefix_len], rest.join(","))
        }
    }
}

/// Dotted field paths under their common prefix: `database.{host,port}`.
pub(crate) fn summarize_fields(fields: &[String]) -> String {
    let slashed: Vec<String> = fields.iter().map(|f| f.replace('.', "/")).collect();
    summarize(&slashed).replace('/', ".")
}

/// The longest common `/`-prefix of SSM names, for a wildcard resource.
pub(crate) fn common_prefix(names: &[String]) -> String {
    let Some(first) = names.first() else {
        return String::new();
    };
    if names.len() == 1 {
        return first.clone();
    }
    let mut prefix: &str = first;
    for n in names {
        while !n.starts_with(prefix) {
            // Drop a whole character: slicing a byte off could split one.
            let mut chars = prefix.chars();
            chars.next_back();
            prefix = chars.as_str();
        }
    }
    format!("{prefix}*")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::strip_selector;

    #[test]
    fn summarize_groups_names_under_their_common_prefix() {
        let names = vec!["/p/api/db/host".to_string(), "/p/api/db/port".to_string()];
        assert_eq!(summarize(&names), "/p/api/db/{host,port}");
        let names = vec![
            "/p/api/db/host".to_string(),
            "/p/api/redis/port".to_string(),
        ];
        assert_eq!(summarize(&names), "/p/api/{db/host,redis/port}");
        assert_eq!(summarize(&["/p/a".to_string()]), "/p/a");
        assert_eq!(
            summarize_fields(&["db.host".into(), "db.port".into()]),
            "db.{host,port}"
        );
    }

    #[test]
    fn common_prefix_becomes_a_wildcard_resource() {
        let names = vec!["/p/api/db/host".to_string(), "/p/api/db/port".to_string()];
        assert_eq!(common_prefix(&names), "/p/api/db/*");
        assert_eq!(common_prefix(&["/p/x".to_string()]), "/p/x");
    }

    #[test]
    fn selectors_are_stripped_but_colons_in_names_are_not_selectors_before_a_slash() {
        assert_eq!(strip_selector("/p/api/port:3"), "/p/api/port");
        assert_eq!(strip_selector("/p/api/port:stable"), "/p/api/port");
        assert_eq!(strip_selector("/p/api/port"), "/p/api/port");
    }
}
