//! AWS's default quotas, per account and region, for the calls a load makes.
//! The pacing (its fleet share and error hints) and the `cost` tool read them, so they live
//! below both.

/// AWS's default quota, per account and region, on the calls that read
/// Parameter Store: `GetParameter`, `GetParameters` and `GetParametersByPath`
/// share 40 transactions per second ("standard throughput"; higher throughput
/// raises it, at a cost). Source: "AWS Systems Manager endpoints and quotas",
/// <https://docs.aws.amazon.com/general/latest/gr/ssm.html>, and "Increasing or
/// resetting Parameter Store throughput",
/// <https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-throughput.html>.
pub const PARAMETER_STORE_GET_TPS: f64 = 40.0;
/// Secrets Manager's `DescribeSecret` quota: 40,000 requests per second per
/// account and region. Source: "AWS Secrets Manager quotas",
/// <https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html>.
#[cfg(feature = "tools")]
pub const DESCRIBE_SECRET_TPS: f64 = 40_000.0;
/// Secrets Manager's `GetSecretValue` quota: 10,000 requests per second per
/// account and region. Source: "AWS Secrets Manager quotas",
/// <https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html>.
pub const GET_SECRET_VALUE_TPS: f64 = 10_000.0;
/// Secrets Manager's `BatchGetSecretValue` quota: 100 requests per second per
/// account and region, not adjustable (same source as [`GET_SECRET_VALUE_TPS`]).
pub const BATCH_GET_SECRET_VALUE_TPS: f64 = 100.0;
