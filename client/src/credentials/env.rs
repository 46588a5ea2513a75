//! Where the chain reads its variables: the process, or a set a test (or a service with its
//! own configuration) supplies.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// The environment a [`CredentialChain`](super::CredentialChain) reads (`AZURE_*`,
/// `IDENTITY_*`, the token variable) and gives the developer tools it runs (`az`, `azd`).
///
/// [`Env::process`] (the default) is the process's own environment; [`Env::from_pairs`] is a
/// fixed set, and `az`/`azd` then run with exactly that environment (so `PATH`, and `HOME` or
/// `AZURE_CONFIG_DIR` / `AZD_CONFIG_DIR` where their sign-in lives, must be in it).
/// `Debug` shows the names, never the values.
///
/// ```
/// use partner_center_client::credentials::Env;
///
/// let env = Env::from_pairs([("AZURE_CLIENT_ID", "0000"), ("AZURE_TENANT_ID", "")]);
/// assert_eq!(env.var("AZURE_CLIENT_ID").as_deref(), Some("0000"));
/// assert_eq!(env.var("AZURE_TENANT_ID"), None, "an empty variable counts as unset");
/// assert!(!format!("{env:?}").contains("0000"));
/// ```
#[derive(Clone, Default)]
pub struct Env(Option<Arc<BTreeMap<String, String>>>);

impl Env {
    /// The process's environment, read when the chain is built.
    pub fn process() -> Self {
        Self(None)
    }

    /// Exactly these variables and no others.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self(Some(Arc::new(pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect())))
    }

    /// A variable's value; unset, empty and non-Unicode values are all `None`.
    pub fn var(&self, name: &str) -> Option<String> {
        let value = match &self.0 {
            None => std::env::var(name).ok(),
            Some(map) => map.get(name).cloned(),
        };
        value.filter(|v| !v.trim().is_empty())
    }

    /// The whole environment a child process gets, when it is not the process's own.
    pub(crate) fn replacement(&self) -> Option<&BTreeMap<String, String>> {
        self.0.as_deref()
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            None => f.write_str("Env::process"),
            Some(map) => f.debug_tuple("Env::from_pairs").field(&map.keys()).finish(),
        }
    }
}
