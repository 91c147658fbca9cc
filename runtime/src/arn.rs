//! Amazon Resource Names in the region's partition: one place builds every ARN
//! that awsconf prints (the IAM policy, access-denied hints, push and check).
//!
//! A region belongs to one partition, and an ARN names it: `arn:aws:` in the
//! commercial regions, `arn:aws-cn:` in China, `arn:aws-us-gov:` in GovCloud,
//! and others for the isolated and sovereign regions. The table is the AWS
//! SDK's own endpoint partition data (`partitions.json`: each partition's id,
//! region pattern and DNS suffix).

/// A partition: its id in ARNs and its DNS suffix in service endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    /// The partition id as ARNs spell it: `aws`, `aws-cn`, `aws-us-gov`, ...
    pub id: &'static str,
    /// The DNS suffix of its endpoints: `amazonaws.com`, `amazonaws.com.cn`, ...
    pub dns_suffix: &'static str,
}

/// Region prefixes of the partitions other than `aws`, most specific first.
const PARTITIONS: &[(&str, Partition)] = &[
    (
        "cn-",
        Partition {
            id: "aws-cn",
            dns_suffix: "amazonaws.com.cn",
        },
    ),
    (
        "us-gov-",
        Partition {
            id: "aws-us-gov",
            dns_suffix: "amazonaws.com",
        },
    ),
    (
        "us-isob-",
        Partition {
            id: "aws-iso-b",
            dns_suffix: "sc2s.sgov.gov",
        },
    ),
    (
        "us-isof-",
        Partition {
            id: "aws-iso-f",
            dns_suffix: "csp.hci.ic.gov",
        },
    ),
    (
        "us-iso-",
        Partition {
            id: "aws-iso",
            dns_suffix: "c2s.ic.gov",
        },
    ),
    (
        "eu-isoe-",
        Partition {
            id: "aws-iso-e",
            dns_suffix: "cloud.adc-e.uk",
        },
    ),
    (
        "eusc-",
        Partition {
            id: "aws-eusc",
            dns_suffix: "amazonaws.eu",
        },
    ),
];

const COMMERCIAL: Partition = Partition {
    id: "aws",
    dns_suffix: "amazonaws.com",
};

/// The partition of a region (`us-east-1` → `aws`, `cn-north-1` → `aws-cn`).
pub fn partition(region: &str) -> Partition {
    PARTITIONS
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or(COMMERCIAL, |(_, p)| *p)
}

/// The ARN of a parameter, or of a pattern of names (`/prod/api/*`).
pub(crate) fn parameter(region: &str, account: &str, name: &str) -> String {
    let p = partition(region).id;
    format!("arn:{p}:ssm:{region}:{account}:parameter{name}")
}

/// The ARN pattern of a secret: its own ARN when the id is one, else the name
/// with the `-??????` Secrets Manager appends to every secret's ARN.
pub(crate) fn secret(region: &str, account: &str, id: &str) -> String {
    if id.starts_with("arn:") {
        return id.to_string();
    }
    let p = partition(region).id;
    format!("arn:{p}:secretsmanager:{region}:{account}:secret:{id}-??????")
}

/// An SQS queue (or a pattern of queue names, `awsconf-api-prod-*`), in the
/// partition named by `partition` (as an ARN or URL gave it).
#[cfg(any(feature = "events", feature = "tools"))]
pub(crate) fn queue_in(partition: &str, region: &str, account: &str, name: &str) -> String {
    format!("arn:{partition}:sqs:{region}:{account}:{name}")
}

/// An SQS queue in `region`'s partition.
#[cfg(any(feature = "events", feature = "tools"))]
pub(crate) fn queue(region: &str, account: &str, name: &str) -> String {
    queue_in(partition(region).id, region, account, name)
}

/// The ARN of the queue at `url`
/// (`https://sqs.us-east-1.amazonaws.com/123456789012/name` ->
/// `arn:aws:sqs:us-east-1:123456789012:name`); `*` for parts a URL does not show.
#[cfg(feature = "events")]
pub(crate) fn queue_of_url(url: &str, region: &str) -> String {
    let mut parts = url.trim_end_matches('/').rsplit('/');
    let name = parts.next().unwrap_or("*");
    let account = parts
        .next()
        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or("*");
    queue(region, account, name)
}

/// An EventBridge rule.
#[cfg(feature = "tools")]
pub(crate) fn rule(partition: &str, region: &str, account: &str, name: &str) -> String {
    format!("arn:{partition}:events:{region}:{account}:rule/{name}")
}

/// What every secret ARN of an account in a region starts with:
/// `arn:aws:secretsmanager:<region>:<account>:secret:`.
#[cfg(feature = "tools")]
pub(crate) fn secrets_prefix(region: &str, account: &str) -> String {
    format!(
        "arn:{}:secretsmanager:{region}:{account}:secret:",
        partition(region).id
    )
}

/// Every KMS key of an account in a region.
#[cfg(any(test, feature = "tools"))]
pub(crate) fn kms_keys(region: &str, account: &str) -> String {
    let p = partition(region).id;
    format!("arn:{p}:kms:{region}:{account}:key/*")
}

/// A service's endpoint host in a region, as `kms:ViaService` names it.
#[cfg(any(test, feature = "tools"))]
pub(crate) fn service_host(service: &str, region: &str) -> String {
    format!("{service}.{region}.{}", partition(region).dns_suffix)
}

/// The account of an ARN, when it is 12 digits.
#[cfg(any(test, feature = "tools"))]
pub(crate) fn account(arn: &str) -> Option<String> {
    let account = arn.strip_prefix("arn:")?.split(':').nth(3)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
        .then(|| account.to_string())
}

/// Does this resource pattern match every parameter or every secret of the
/// account (`…:parameter/*`, `…:secret:*-??????`)? A secret id that starts with
/// `{key}` becomes such a pattern.
#[cfg(any(test, feature = "tools"))]
pub(crate) fn covers_everything(resource: &str) -> bool {
    let rest = match (
        resource.split_once(":parameter"),
        resource.split_once(":secret:"),
    ) {
        (Some((_, rest)), _) | (None, Some((_, rest))) => rest,
        _ => return false,
    };
    // What a name must match before anything but wildcards: nothing.
    let before_wild = rest.split(['*', '?']).next().unwrap_or(rest);
    before_wild.trim_matches('/').is_empty() && rest.contains('*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_partition_gets_its_own_arns_and_hosts() {
        let cases = [
            ("us-east-1", "aws", "ssm.us-east-1.amazonaws.com"),
            ("eu-west-1", "aws", "ssm.eu-west-1.amazonaws.com"),
            ("cn-north-1", "aws-cn", "ssm.cn-north-1.amazonaws.com.cn"),
            (
                "us-gov-west-1",
                "aws-us-gov",
                "ssm.us-gov-west-1.amazonaws.com",
            ),
            ("us-iso-east-1", "aws-iso", "ssm.us-iso-east-1.c2s.ic.gov"),
            (
                "us-isob-east-1",
                "aws-iso-b",
                "ssm.us-isob-east-1.sc2s.sgov.gov",
            ),
            (
                "us-isof-south-1",
                "aws-iso-f",
                "ssm.us-isof-south-1.csp.hci.ic.gov",
            ),
            (
                "eu-isoe-west-1",
                "aws-iso-e",
                "ssm.eu-isoe-west-1.cloud.adc-e.uk",
            ),
            (
                "eusc-de-east-1",
                "aws-eusc",
                "ssm.eusc-de-east-1.amazonaws.eu",
            ),
        ];
        for (region, id, host) in cases {
            assert_eq!(partition(region).id, id, "{region}");
            assert_eq!(service_host("ssm", region), host);
            assert_eq!(
                parameter(region, "123456789012", "/p/a"),
                format!("arn:{id}:ssm:{region}:123456789012:parameter/p/a")
            );
            assert_eq!(
                secret(region, "123456789012", "p/db"),
                format!("arn:{id}:secretsmanager:{region}:123456789012:secret:p/db-??????")
            );
            assert_eq!(
                kms_keys(region, "123456789012"),
                format!("arn:{id}:kms:{region}:123456789012:key/*")
            );
        }
    }

    #[test]
    fn a_secret_given_by_arn_is_its_own_resource() {
        let arn = "arn:aws-cn:secretsmanager:cn-north-1:210987654321:secret:db-AbCdEf";
        assert_eq!(secret("us-east-1", "123456789012", arn), arn);
        assert_eq!(account(arn).as_deref(), Some("210987654321"));
        assert_eq!(account("arn:aws:s3:::bucket"), None);
    }

    #[test]
    fn patterns_that_match_every_name_are_recognised() {
        assert!(covers_everything(&secret("us-east-1", "1", "*")));
        assert!(covers_everything(&secret("us-east-1", "1", "*/rds")));
        assert!(covers_everything(&parameter("us-east-1", "1", "/*")));
        assert!(!covers_everything(&secret("us-east-1", "1", "prod/*/rds")));
        assert!(!covers_everything(&parameter("us-east-1", "1", "/prod/*")));
        assert!(!covers_everything(&secret("us-east-1", "1", "prod/db")));
        assert!(!covers_everything("*"));
    }

    #[cfg(all(feature = "events", feature = "tools"))]
    #[test]
    fn queue_rule_and_secret_prefix_arns_follow_the_partition() {
        assert_eq!(
            queue_of_url(
                "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q/",
                "cn-north-1"
            ),
            "arn:aws-cn:sqs:cn-north-1:123456789012:q"
        );
        assert_eq!(
            queue_of_url("http://127.0.0.1:5000/q", "us-east-1"),
            "arn:aws:sqs:us-east-1:*:q"
        );
        assert_eq!(
            rule("aws-us-gov", "us-gov-west-1", "1", "r"),
            "arn:aws-us-gov:events:us-gov-west-1:1:rule/r"
        );
        assert_eq!(
            secrets_prefix("eu-west-1", "1"),
            "arn:aws:secretsmanager:eu-west-1:1:secret:"
        );
    }
}
