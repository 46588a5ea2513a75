//! What the chain says when it cannot give a token or cannot be built: every source, why it
//! was skipped or how it failed, and the one action most likely to fix it.

use std::fmt;

use super::Source;
use super::setup::Unready;
use crate::azure::RetiredCloud;

/// A [`CredentialChain`](super::CredentialChain) that cannot be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChainConfigError {
    /// The cloud was retired.
    #[error(transparent)]
    Retired(#[from] RetiredCloud),
    /// The authority host is not an `https://` URL.
    #[error("the authority host {0}")]
    AuthorityHost(String),
    /// The one source asked for is not configured.
    #[error("credential source `{chosen}` was chosen but cannot be used: {reason}")]
    NotConfigured {
        /// The source.
        chosen: Source,
        /// Why (which variable is missing).
        reason: String,
    },
}

/// How one source failed: its text (never a secret), and whether trying again later might work
/// (a network or server failure rather than a refusal).
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub(crate) text: String,
    pub(crate) transient: bool,
}

impl Failure {
    pub(crate) fn transient(text: String) -> Self {
        Self { text, transient: true }
    }

    pub(crate) fn permanent(text: String) -> Self {
        Self { text, transient: false }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    Skipped(Unready),
    Failed(Failure),
}

#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    pub(crate) source: Source,
    pub(crate) outcome: Outcome,
}

/// No source gave a token: each source asked or skipped, and what to do. Its text never holds
/// a secret, a token or an assertion.
#[derive(Debug, Clone)]
pub struct NoCredential {
    attempts: Vec<Attempt>,
    /// Set when the source that gave the earlier tokens is the one that failed.
    remembered: Option<Source>,
    hint: String,
}

/// What the hint needs to know about the chain.
pub(crate) struct HintContext<'a> {
    pub(crate) tenant: Option<&'a str>,
    pub(crate) token_variable: &'a str,
    pub(crate) cloud: crate::Cloud,
}

impl NoCredential {
    pub(crate) fn new(
        attempts: Vec<Attempt>,
        remembered: Option<Source>,
        context: &HintContext<'_>,
    ) -> Self {
        let hint = likeliest_fix(&attempts, context);
        Self { attempts, remembered, hint }
    }

    /// The one action most likely to fix it.
    pub fn hint(&self) -> &str {
        &self.hint
    }

    /// The sources that were asked (or configured on purpose but unusable) and failed, with
    /// why.
    pub fn failures(&self) -> impl Iterator<Item = (Source, &str)> {
        self.attempts.iter().filter_map(|a| match &a.outcome {
            Outcome::Failed(failure) => Some((a.source, failure.text.as_str())),
            Outcome::Skipped(_) => None,
        })
    }
}

impl fmt::Display for NoCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let (Some(source), Some((_, why))) = (self.remembered, self.failures().next()) {
            return write!(
                f,
                "the `{source}` credential source, which gave the earlier tokens, failed: {why}\nto fix: {}",
                self.hint
            );
        }
        f.write_str("no credential source gave a token:")?;
        for attempt in &self.attempts {
            match &attempt.outcome {
                Outcome::Skipped(why) => {
                    write!(f, "\n  {}: skipped: {}", attempt.source, why.text())?
                }
                Outcome::Failed(why) => write!(f, "\n  {}: failed: {}", attempt.source, why.text)?,
            }
        }
        write!(f, "\nto fix: {}", self.hint)
    }
}

impl std::error::Error for NoCredential {}

/// The fix for the likeliest cause: a configured source that failed, then an incomplete set of
/// variables, then signing in with `az`.
fn likeliest_fix(attempts: &[Attempt], context: &HintContext<'_>) -> String {
    let tenant_flag = context.tenant.map(|t| format!(" --tenant {t}")).unwrap_or_default();
    for attempt in attempts.iter().filter(|a| !a.source.is_developer_tool()) {
        match &attempt.outcome {
            Outcome::Failed(failure) if failure.transient => {
                return format!(
                    "the `{}` source could not get a token (see above): check the network, the \
                     proxy (HTTPS_PROXY, NO_PROXY) and the authority host, then run again",
                    attempt.source
                );
            }
            Outcome::Failed(_) | Outcome::Skipped(Unready::Unusable(_)) => {
                return format!(
                    "the `{}` source is configured but failed: correct its settings (see above), \
                     or unset them to let the chain go on",
                    attempt.source
                );
            }
            _ => {}
        }
    }
    if let Some(incomplete) = attempts.iter().find_map(|a| match &a.outcome {
        Outcome::Skipped(Unready::Incomplete(why)) => Some(why),
        _ => None,
    }) {
        return format!("complete the variables ({incomplete})");
    }
    let az = attempts.iter().find_map(|a| match (&a.source, &a.outcome) {
        (Source::AzureCli, Outcome::Failed(failure)) => Some(failure.text.as_str()),
        _ => None,
    });
    match az {
        Some(why) if why.contains("not found") || why.contains("wasn't found") => format!(
            "install the Azure CLI and run `az login{tenant_flag}`, or set AZURE_TENANT_ID, \
             AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (app-only), or {} (a token)",
            context.token_variable
        ),
        Some(_) => format!(
            "run `az login{tenant_flag}` (a person, App+User; `az cloud show` should name the {} \
             cloud)",
            context.cloud
        ),
        None => format!("set {} or run `az login{tenant_flag}`", context.token_variable),
    }
}
