//! Why the SDK found no credentials or region, in plain words: each provider of its chain
//! that was tried and what it said, never the SDK's `Debug` dump
//! (`CredentialsNotLoaded(CredentialsNotLoaded { source: Some(ProviderChainError { .. }) })`).

use std::error::Error as StdError;

use aws_config::meta::ProviderChainError;
use aws_credential_types::provider::error::CredentialsError;

/// What to do about it; the end of every no-credentials message.
pub(crate) const REMEDY: &str = "set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; run on a role; or use .offline() for local development";

/// No region from the SDK's default chain: where it looked, and what to do.
pub(crate) const NO_REGION: &str = "no AWS region found; the SDK looked in, in order: environment variables (AWS_REGION, AWS_DEFAULT_REGION); profile (AWS_PROFILE or `default`, its `region` in ~/.aws/config); EC2 instance metadata (IMDS). To fix: set AWS_REGION, or pass .sdk_config(..) with a region";

/// `no AWS credentials found; the SDK tried, in order: environment variables (…): not set; …`
/// for the SDK's default chain; the error chain's own words for anything else.
pub(crate) fn why_no_credentials(err: &(dyn StdError + 'static)) -> String {
    let mut e: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(current) = e {
        if let Some(chain) = current.downcast_ref::<ProviderChainError<CredentialsError>>() {
            if chain.attempts().is_empty() {
                return "no AWS credentials provider is configured".to_string();
            }
            let tried: Vec<String> = chain
                .attempts()
                .iter()
                .map(|a| format!("{}: {}", provider(a.name()), reason(a.error())))
                .collect();
            return format!(
                "no AWS credentials found; the SDK tried, in order: {}",
                tried.join("; ")
            );
        }
        e = current.source();
    }
    format!("AWS credentials could not be loaded: {}", chain_text(err))
}

/// A provider's name in the SDK's default chain, in plain words.
fn provider(name: &str) -> String {
    match name {
        "Environment" => "environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)",
        "Profile" => "profile (AWS_PROFILE or `default`, in ~/.aws/config and ~/.aws/credentials)",
        "WebIdentityToken" => "web identity (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)",
        "EcsContainer" => "ECS container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)",
        "Ec2InstanceMetadata" => "EC2 instance metadata (IMDS)",
        other => return other.to_string(),
    }
    .to_string()
}

/// What one provider said, without the "was not enabled" preamble.
fn reason(err: &CredentialsError) -> String {
    match err {
        CredentialsError::CredentialsNotLoaded(_) => match err.source() {
            Some(inner) => chain_text(inner),
            None => "no profile found".to_string(),
        },
        other => chain_text(other),
    }
}

/// An error and its sources' `Display`s, joined by `: `, each said once.
fn chain_text(err: &(dyn StdError + 'static)) -> String {
    let mut text = err.to_string();
    let mut e = err.source();
    while let Some(inner) = e {
        let part = inner.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        e = inner.source();
    }
    text
}
