//! Parameter Store calls: `GetParameters` batches and `GetParametersByPath` pages.

use std::collections::BTreeMap;

#[cfg(feature = "ssm")]
use aws_sdk_ssm::types::{Parameter, ParameterType};

use super::{common_prefix, summarize, summarize_fields, Fetcher, ParamValue};
use crate::aws_error::{classify, Call};
use crate::error::{Problem, ProblemKind};
use crate::location::Location;
use crate::plan::{MapTarget, ParamBatch, BY_PATH_MAX_RESULTS, GET_PARAMETERS_MAX};

/// The result of one `GetParameters` batch.
pub(crate) struct BatchResult {
    pub names: Vec<String>,
    pub outcome: Result<BTreeMap<String, ParamValue>, Problem>,
}

#[cfg(feature = "ssm")]
fn value_of(p: &Parameter) -> Option<(String, ParamValue)> {
    let name = p.name()?;
    let request = format!("{name}{}", p.selector().unwrap_or_default());
    Some((
        request,
        ParamValue {
            value: p.value().unwrap_or_default().to_string(),
            secure: matches!(p.r#type(), Some(ParameterType::SecureString)),
            version: p.version(),
        },
    ))
}

#[cfg(feature = "ssm")]
impl Fetcher {
    fn ssm_arn(&self, name_or_pattern: &str) -> String {
        crate::arn::parameter(&self.region, "{account}", name_or_pattern)
    }

    /// One `GetParameters` call (at most 10 names, decryption on). Names AWS reports
    /// as `InvalidParameters` are simply absent; the decoder names the missing fields.
    pub(crate) async fn get_parameters(&self, batch: ParamBatch) -> BatchResult {
        let ParamBatch { names, fields } = batch;
        debug_assert!(names.len() <= GET_PARAMETERS_MAX);
        let result = self
            .call(
                &self.ssm_permits,
                &self.ssm_pacer,
                "GetParameters",
                &summarize(&names),
                || {
                    self.ssm
                        .get_parameters()
                        .set_names(Some(names.clone()))
                        .with_decryption(true)
                        .send()
                },
            )
            .await;
        let outcome = match result {
            Ok(out) => Ok(out.parameters().iter().filter_map(value_of).collect()),
            Err(err) => {
                let plain: Vec<String> = names.iter().map(|n| super::strip_selector(n)).collect();
                Err(classify(
                    err,
                    &Call {
                        action: "ssm:GetParameters",
                        resource: self.ssm_arn(&common_prefix(&plain)),
                        what: Some(Location::parameters(names.clone())),
                        fields: summarize_fields(&fields),
                    },
                ))
            }
        };
        BatchResult { names, outcome }
    }

    /// Every parameter under a map component's prefix, following `NextToken` until it
    /// is absent (a page may be empty and still carry one), at most `max_pages` pages.
    pub(crate) async fn by_path(
        &self,
        map: &MapTarget,
    ) -> Result<BTreeMap<String, ParamValue>, Problem> {
        let path = format!("{}/", map.prefix);
        let call = Call {
            action: "ssm:GetParametersByPath",
            resource: self.ssm_arn(&format!("{}*", map.prefix)),
            what: Some(Location::Path { path: path.clone() }),
            fields: map.field_path.clone(),
        };
        let mut values = BTreeMap::new();
        let mut token: Option<String> = None;
        for _ in 0..self.max_pages {
            let page = self
                .call(
                    &self.ssm_permits,
                    &self.ssm_pacer,
                    "GetParametersByPath",
                    &path,
                    || {
                        self.ssm
                            .get_parameters_by_path()
                            .path(&path)
                            .recursive(true)
                            .with_decryption(true)
                            .max_results(BY_PATH_MAX_RESULTS)
                            .set_next_token(token.clone())
                            .send()
                    },
                )
                .await;
            let page = page.map_err(|err| classify(err, &call))?;
            values.extend(page.parameters().iter().filter_map(value_of));
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => return Ok(values),
            }
        }
        Err(Problem::new(
            ProblemKind::Limit,
            format!(
                "GetParametersByPath kept returning a NextToken after {} pages; stopped (raise it with .max_pages(..) if the prefix really holds more than {} parameters)",
                self.max_pages,
                self.max_pages * BY_PATH_MAX_RESULTS as usize
            ),
        )
        .field(map.field_path.clone())
        .at(Location::Path { path }))
    }
}

/// Without the `ssm` feature every Parameter Store field is a problem.
#[cfg(not(feature = "ssm"))]
impl Fetcher {
    pub(crate) async fn get_parameters(&self, batch: ParamBatch) -> BatchResult {
        let what = format!("the parameters {}", summarize(&batch.names));
        let problem = super::disabled("ssm", &what).field(summarize_fields(&batch.fields));
        BatchResult {
            names: batch.names,
            outcome: Err(problem),
        }
    }

    pub(crate) async fn by_path(
        &self,
        map: &MapTarget,
    ) -> Result<BTreeMap<String, ParamValue>, Problem> {
        let what = format!("the map component under {}/", map.prefix);
        Err(super::disabled("ssm", &what).field(map.field_path.clone()))
    }
}
