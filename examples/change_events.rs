//! Fleet fan-out of change events: one EventBridge rule sends AWS's change
//! events for the config to one SNS topic; each instance of the service creates
//! its own SQS queue, subscribes it to the topic (raw message delivery), and
//! watches with `.change_events(queue_url)`, refreshing hourly as a safety net.
//! When the instance stops it unsubscribes and deletes its queue.
//!
//! ```text
//! Parameter Store / Secrets Manager (CloudTrail)
//!   -> EventBridge rule (pattern: `awsconf-cli events-rule`)
//!   -> SNS topic "awsconf-<env>-changes"
//!   -> one SQS queue per instance -> Live::change_events
//! ```
//!
//! Run against the emulator with `scripts/example.sh change-events`. The
//! emulator emits no change event of its own and its EventBridge cannot target
//! SNS, so the example publishes AWS's "Parameter Store Change" event to the
//! topic itself, as the rule would.

use std::time::{Duration, Instant};

use awsconf::AwsConfig;

/// The service's config: `/<env>/checkout/...`.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "checkout")]
pub struct CheckoutConfig {
    /// `/<env>/checkout/new-flow`: a feature flag flipped at run time.
    pub new_flow: bool,
    /// `/<env>/checkout/max-items`
    #[param(default = 50)]
    pub max_items: u32,
}

/// One instance: its queue, its subscription and its live config.
struct Instance {
    queue_url: String,
    subscription: String,
    live: awsconf::Live<CheckoutConfig>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = std::env::var("AWSCONF_ENV").unwrap_or_else(|_| "production".to_string());
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let ssm = aws_sdk_ssm::Client::new(&sdk);
    let sns = aws_sdk_sns::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let flag = format!("/{env}/checkout/new-flow");
    ssm.put_parameter()
        .name(&flag)
        .value("false")
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .overwrite(true)
        .send()
        .await?;

    // Once per fleet (Terraform, CloudFormation...): the topic, and the rule
    // whose pattern `awsconf-cli events-rule` prints, with the topic as target.
    let topic = sns
        .create_topic()
        .name(format!("awsconf-{env}-changes"))
        .send()
        .await?
        .topic_arn
        .ok_or("no topic ARN")?;
    println!("fleet topic: {topic}");

    // Each instance at start-up: its own queue, subscribed to the topic.
    let mut fleet = Vec::new();
    for n in 0..3 {
        fleet.push(start_instance(&sqs, &sns, &sdk, &env, &topic, n).await?);
    }
    for (n, i) in fleet.iter().enumerate() {
        println!("instance {n}: new_flow = {}", i.live.get().new_flow);
    }

    // An operator flips the flag. Parameter Store emits "Parameter Store
    // Change"; the rule sends it to the topic, the topic to every queue.
    ssm.put_parameter()
        .name(&flag)
        .value("true")
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .overwrite(true)
        .send()
        .await?;
    let started = Instant::now();
    if std::env::var_os("AWS_ENDPOINT_URL").is_some() {
        sns.publish()
            .topic_arn(&topic)
            .message(parameter_store_change(&flag))
            .send()
            .await?;
    }
    for (n, i) in fleet.iter().enumerate() {
        while !i.live.get().new_flow {
            if started.elapsed() > Duration::from_secs(30) {
                return Err(format!("instance {n} did not see the change").into());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        println!(
            "instance {n}: new_flow = true, {} ms after the change, no poll",
            started.elapsed().as_millis()
        );
    }

    // Each instance at shutdown: unsubscribe and delete its queue.
    for i in fleet {
        drop(i.live);
        sns.unsubscribe()
            .subscription_arn(&i.subscription)
            .send()
            .await?;
        sqs.delete_queue().queue_url(&i.queue_url).send().await?;
    }
    println!("queues deleted");
    Ok(())
}

async fn start_instance(
    sqs: &aws_sdk_sqs::Client,
    sns: &aws_sdk_sns::Client,
    sdk: &aws_config::SdkConfig,
    env: &str,
    topic: &str,
    n: usize,
) -> Result<Instance, Box<dyn std::error::Error>> {
    use aws_sdk_sqs::types::QueueAttributeName;
    let queue_url = sqs
        .create_queue()
        .queue_name(format!("checkout-{env}-instance-{n}"))
        .send()
        .await?
        .queue_url
        .ok_or("no queue URL")?;
    let queue_arn = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await?
        .attributes
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .ok_or("no queue ARN")?;
    // Only the fleet's topic may send to the queue.
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": topic}},
        }],
    });
    sqs.set_queue_attributes()
        .queue_url(&queue_url)
        .attributes(QueueAttributeName::Policy, policy.to_string())
        .send()
        .await?;
    let subscription = sns
        .subscribe()
        .topic_arn(topic)
        .protocol("sqs")
        .endpoint(&queue_arn)
        .attributes("RawMessageDelivery", "true")
        .return_subscription_arn(true)
        .send()
        .await?
        .subscription_arn
        .ok_or("no subscription ARN")?;
    let live = CheckoutConfig::loader()
        .env(env)
        .sdk_config(sdk)
        .change_events(&queue_url)
        .watch(Duration::from_secs(3600))
        .await?;
    Ok(Instance {
        queue_url,
        subscription,
        live,
    })
}

/// The event Parameter Store sends to EventBridge when a parameter changes
/// (AWS Systems Manager User Guide, "Amazon EventBridge event examples for
/// Systems Manager").
fn parameter_store_change(name: &str) -> String {
    serde_json::json!({
        "version": "0",
        "id": "4d5c6b7a-0000-4000-8000-000000000001",
        "detail-type": "Parameter Store Change",
        "source": "aws.ssm",
        "account": "123456789012",
        "time": "2026-12-02T10:00:00Z",
        "region": "us-east-1",
        "resources": [format!("arn:aws:ssm:us-east-1:123456789012:parameter{name}")],
        "detail": {"operation": "Update", "name": name, "type": "String", "description": ""}
    })
    .to_string()
}
