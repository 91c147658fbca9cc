//! Seeds the emulator (or an account you own) with the seed's e-commerce layout
//! under `/<env>/api/...` and the Stripe key secret. Used by `scripts/demo.sh`.

use aws_sdk_ssm::types::ParameterType;

const PARAMS: &[(&str, &str, ParameterType)] = &[
    ("database/host", "db.prod.internal", ParameterType::String),
    ("database/port", "5432", ParameterType::String),
    ("database/username", "api_user", ParameterType::String),
    (
        "database/password",
        "s3cr3t-db-password",
        ParameterType::SecureString,
    ),
    ("redis/host", "cache.prod.internal", ParameterType::String),
    ("redis/port", "6379", ParameterType::String),
    (
        "frontend/api-url",
        "https://api.shop.example",
        ParameterType::String,
    ),
    (
        "frontend/cdn-url",
        "https://cdn.shop.example",
        ParameterType::String,
    ),
    ("feature-flags/new-checkout", "true", ParameterType::String),
    (
        "feature-flags/recommendations",
        "false",
        ParameterType::String,
    ),
];

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = std::env::var("AWSCONF_ENV").unwrap_or_else(|_| "production".to_string());
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let ssm = aws_sdk_ssm::Client::new(&config);
    for (name, value, kind) in PARAMS {
        ssm.put_parameter()
            .name(format!("/{env}/api/{name}"))
            .value(*value)
            .r#type(kind.clone())
            .overwrite(true)
            .send()
            .await?;
    }
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    let id = format!("{env}/stripe/api-key");
    let created = secrets
        .create_secret()
        .name(&id)
        .secret_string("sk_live_demo_51Hx")
        .send()
        .await;
    if created.is_err() {
        secrets
            .put_secret_value()
            .secret_id(&id)
            .secret_string("sk_live_demo_51Hx")
            .send()
            .await?;
    }
    println!(
        "seeded {} parameters under /{env}/api and secret {id}",
        PARAMS.len()
    );
    Ok(())
}
