//! The same service's start with a hand-written loader on the AWS SDK, as a
//! service without awsconf would write it: two `GetParameters` calls of 10 names
//! and two `GetSecretValue` calls, all at once, then parsing; print `config
//! ready`, exit.

use std::collections::HashMap;

/// The service's config (the secrets kept as plain `String`s, as hand-written
/// loaders usually do).
struct Service {
    port: u16,
    workers: u32,
    debug: bool,
    region_name: String,
    rest: Vec<String>,
    db: String,
    api: String,
}

const NAMES: [&str; 20] = [
    "port",
    "workers",
    "debug",
    "region-name",
    "p1",
    "p2",
    "p3",
    "p4",
    "p5",
    "p6",
    "p7",
    "p8",
    "p9",
    "p10",
    "p11",
    "p12",
    "p13",
    "p14",
    "p15",
    "p16",
];

async fn load(env: &str) -> Result<Service, String> {
    let config = aws_config::load_from_env().await;
    let ssm = aws_sdk_ssm::Client::new(&config);
    let sm = aws_sdk_secretsmanager::Client::new(&config);
    let paths: Vec<String> = NAMES
        .iter()
        .map(|n| format!("/{env}/startup/{n}"))
        .collect();
    let batches = paths.chunks(10).map(|chunk| {
        ssm.get_parameters()
            .set_names(Some(chunk.to_vec()))
            .with_decryption(true)
            .send()
    });
    let secrets = ["db", "api"].map(|s| {
        sm.get_secret_value()
            .secret_id(format!("{env}/startup/{s}"))
            .send()
    });
    let (batches, secrets) = tokio::join!(
        futures_util::future::join_all(batches),
        futures_util::future::join_all(secrets)
    );
    let mut values = HashMap::new();
    for batch in batches {
        let out = batch.map_err(|e| {
            format!(
                "GetParameters: {}",
                aws_sdk_ssm::error::DisplayErrorContext(e)
            )
        })?;
        if let Some(invalid) = out.invalid_parameters().first() {
            return Err(format!("missing parameter {invalid}"));
        }
        for p in out.parameters() {
            if let (Some(name), Some(value)) = (p.name(), p.value()) {
                values.insert(name.to_string(), value.to_string());
            }
        }
    }
    let mut get = |n: &str| {
        values
            .remove(&format!("/{env}/startup/{n}"))
            .ok_or_else(|| format!("missing parameter /{env}/startup/{n}"))
    };
    let port = get("port")?.parse().map_err(|e| format!("port: {e}"))?;
    let workers = get("workers")?
        .parse()
        .map_err(|e| format!("workers: {e}"))?;
    let debug = get("debug")?.parse().map_err(|e| format!("debug: {e}"))?;
    let region_name = get("region-name")?;
    let rest = NAMES[4..]
        .iter()
        .map(|n| get(n))
        .collect::<Result<Vec<_>, _>>()?;
    let mut secrets = secrets.into_iter().map(|s| {
        s.map_err(|e| {
            format!(
                "GetSecretValue: {}",
                aws_sdk_secretsmanager::error::DisplayErrorContext(e)
            )
        })
        .and_then(|o| {
            o.secret_string()
                .map(str::to_string)
                .ok_or("a binary secret".to_string())
        })
    });
    let db = secrets.next().ok_or("no db")??;
    let api = secrets.next().ok_or("no api")??;
    Ok(Service {
        port,
        workers,
        debug,
        region_name,
        rest,
        db,
        api,
    })
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let env = std::env::var("AWSCONF_ENV").unwrap_or_else(|_| "production".to_string());
    match load(&env).await {
        Ok(c) => {
            println!("config ready");
            println!(
                "port {} workers {} debug {} {} {} secrets {} {} bytes",
                c.port,
                c.workers,
                c.debug,
                c.region_name,
                c.rest.len(),
                c.db.len(),
                c.api.len()
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::ExitCode::FAILURE
        }
    }
}
