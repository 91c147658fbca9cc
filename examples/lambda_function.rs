//! # An AWS Lambda function: load the config once, in the init phase
//!
//! What it shows:
//!
//! - The config is loaded in `main`, before `lambda_runtime::run`: Lambda runs
//!   that once per execution environment (the cold start). Every invocation the
//!   environment then serves reuses it through an `Arc`, at no AWS cost. No
//!   Lambda extension and no parameter cache layer are needed.
//! - The load is bounded with `.timeout(..)` so a cold start fails clearly within
//!   Lambda's 10 s init limit instead of being killed.
//! - The handler, [`handle`], is an ordinary async function of the config and
//!   the event, so it is testable without Lambda; `--local` calls it with sample
//!   events.
//! - Set `AWSCONF_ENV` in the function's environment variables; the execution
//!   role needs the policy `awsconf-cli iam-policy` prints for this struct.
//!
//! A note on rotation: Lambda freezes an environment between invocations, so a
//! background refresh (`watch`) would not run on schedule. Load once, as here;
//! a function whose secret rotates can reload when a call with the secret fails,
//! or use `watch` and `refresh_now()` as the axum example does.
//!
//! Run it locally against the emulator (seeds, loads once, invokes the handler
//! three times, prints the AWS calls made by init and by the invocations):
//!
//! ```sh
//! scripts/example.sh lambda-function --local
//! ```
//!
//! Deployed (e.g. with `cargo lambda build --release`), it runs without `--local`
//! and serves the events Lambda sends.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use awsconf::{AwsConfig, ExposeSecret, SecretString};
use awsconf_examples::{
    env_name, has_flag, init_logging_with, report, AwsCallCounter, BoxError, Emulator, Param,
};
use lambda_runtime::{service_fn, LambdaEvent};
use serde::{Deserialize, Serialize};

/// The function's configuration: `/<env>/pricing/...` and one secret.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "pricing")]
pub struct FunctionConfig {
    /// `/<env>/pricing/currency`, e.g. `EUR`.
    pub currency: String,
    /// `/<env>/pricing/tax-basis-points`: 825 is 8.25%.
    pub tax_basis_points: u32,
    /// `/<env>/pricing/shipping-cents`, 499 when absent.
    #[param(default = 499)]
    pub shipping_cents: u64,
    /// `/<env>/pricing/free-shipping-over-cents`, 5000 when absent.
    #[param(default = 5000)]
    pub free_shipping_over_cents: u64,
    /// Secrets Manager `<env>/pricing/payment-api-key`.
    #[secret(id = "{env}/pricing/payment-api-key")]
    pub payment_api_key: SecretString,
}

/// The event: an order to price.
#[derive(Deserialize, Serialize, Debug)]
pub struct OrderEvent {
    /// The order's id.
    pub order_id: String,
    /// What is in the basket.
    pub items: Vec<Item>,
}

/// One line of an order.
#[derive(Deserialize, Serialize, Debug)]
pub struct Item {
    /// The product.
    pub sku: String,
    /// The price of one, in cents.
    pub unit_price_cents: u64,
    /// How many.
    pub quantity: u32,
}

/// The response: the order's price.
#[derive(Serialize, Debug)]
pub struct Quote {
    /// The order's id.
    pub order_id: String,
    /// The currency of every amount.
    pub currency: String,
    /// The items' total.
    pub subtotal_cents: u64,
    /// The tax on the subtotal.
    pub tax_cents: u64,
    /// Shipping, free over the threshold.
    pub shipping_cents: u64,
    /// What the customer pays.
    pub total_cents: u64,
    /// Whether the payment provider pre-authorized the total.
    pub payment_authorized: bool,
}

/// A payment provider's client, built once in init from the secret. Its `Debug`
/// output redacts the key.
#[derive(Debug)]
pub struct PaymentClient {
    api_key: SecretString,
}

impl PaymentClient {
    /// Pre-authorizes an amount (simulated: a real client sends the key in an
    /// `Authorization` header).
    pub fn authorize(&self, amount_cents: u64) -> bool {
        !self.api_key.expose_secret().is_empty() && amount_cents > 0
    }
}

/// Everything the init phase builds, shared by every invocation.
#[derive(Debug)]
pub struct Function {
    /// The typed config.
    pub config: FunctionConfig,
    /// The payment client, built from the config's secret.
    pub payments: PaymentClient,
}

/// The init phase: one load, bounded well within Lambda's 10 s init limit.
pub async fn init() -> Result<Function, awsconf::Error> {
    let config = FunctionConfig::loader()
        .timeout(Duration::from_secs(8))
        .load()
        .await?;
    let payments = PaymentClient {
        api_key: config.payment_api_key.clone(),
    };
    Ok(Function { config, payments })
}

/// The handler: prices one order with the config loaded at init.
pub async fn handle(
    function: &Function,
    event: LambdaEvent<OrderEvent>,
) -> Result<Quote, lambda_runtime::Error> {
    let config = &function.config;
    let order = event.payload;
    if order.items.is_empty() {
        return Err(format!("order {} has no items", order.order_id).into());
    }
    let subtotal_cents: u64 = order
        .items
        .iter()
        .map(|i| i.unit_price_cents * u64::from(i.quantity))
        .sum();
    let tax_cents = (subtotal_cents * u64::from(config.tax_basis_points) + 5_000) / 10_000;
    let shipping_cents = if subtotal_cents >= config.free_shipping_over_cents {
        0
    } else {
        config.shipping_cents
    };
    let total_cents = subtotal_cents + tax_cents + shipping_cents;
    Ok(Quote {
        order_id: order.order_id,
        currency: config.currency.clone(),
        subtotal_cents,
        tax_cents,
        shipping_cents,
        total_cents,
        payment_authorized: function.payments.authorize(total_cents),
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let counter = AwsCallCounter::new();
    init_logging_with(Some(counter.clone()));
    report(run(counter).await)
}

async fn run(counter: AwsCallCounter) -> Result<(), BoxError> {
    let local = has_flag("--local");
    if local {
        seed().await?;
    }

    // ---- init phase: once per execution environment ----
    let started = Instant::now();
    let function = Arc::new(init().await?);
    let init_calls = counter.total();
    println!(
        "init: config loaded once in {} ms with {init_calls} AWS calls ({:?})",
        started.elapsed().as_millis(),
        counter.counts()
    );

    if !local {
        // ---- invocations: Lambda calls the handler; the config is reused ----
        let handler = service_fn(move |event: LambdaEvent<OrderEvent>| {
            let function = Arc::clone(&function);
            async move { handle(&function, event).await }
        });
        return lambda_runtime::run(handler).await;
    }

    for (n, event) in sample_events()?.into_iter().enumerate() {
        let context = lambda_runtime::Context::default();
        let quote = handle(&function, LambdaEvent::new(event, context)).await?;
        println!("invocation {}: {}", n + 1, serde_json::to_string(&quote)?);
    }
    println!(
        "AWS calls made by the invocations: {} (the config was loaded once, at init)",
        counter.total() - init_calls
    );
    Ok(())
}

/// What `--local` invokes the handler with.
fn sample_events() -> Result<Vec<OrderEvent>, serde_json::Error> {
    serde_json::from_str(
        r#"[
            {"order_id": "o-1001", "items": [{"sku": "mug", "unit_price_cents": 1299, "quantity": 2}]},
            {"order_id": "o-1002", "items": [{"sku": "kettle", "unit_price_cents": 4999, "quantity": 1},
                                             {"sku": "tea", "unit_price_cents": 650, "quantity": 3}]},
            {"order_id": "o-1003", "items": [{"sku": "spoon", "unit_price_cents": 250, "quantity": 4}]}
        ]"#,
    )
}

/// `--local`: the function's parameters and secret, as an operator would have
/// written them.
async fn seed() -> Result<(), BoxError> {
    let env = env_name()?;
    let emulator = Emulator::from_env().await;
    emulator
        .put_params(vec![
            Param::string(format!("/{env}/pricing/currency"), "EUR"),
            Param::string(format!("/{env}/pricing/tax-basis-points"), "825"),
        ])
        .await?;
    emulator
        .put_secret(
            &format!("{env}/pricing/payment-api-key"),
            "pk_live_lambda_example",
        )
        .await?;
    println!("seeded /{env}/pricing/... and secret {env}/pricing/payment-api-key");
    Ok(())
}
