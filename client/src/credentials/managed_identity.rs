//! Managed identities, asked directly: the App Service / Functions endpoint
//! (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`, API version 2019-08-01) and a VM's instance metadata
//! endpoint (IMDS, API version 2018-02-01). `azure_identity` has both, but reads the process's
//! variables itself; these read the chain's [`Env`](super::Env) like every other source and
//! send through the client's HTTP client, each request bounded like every token request
//! ([`TOKEN_REQUEST_TIMEOUT`](super::TOKEN_REQUEST_TIMEOUT) unless the builder sets another).

use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::Failure;
use crate::token::AccessToken;

/// Where IMDS answers on every Azure VM (link-local, plain HTTP by design).
pub(crate) const IMDS_ENDPOINT: &str = "http://169.254.169.254/metadata/identity/oauth2/token";

/// How many times IMDS is asked; it answers 404/410/429/5xx while a VM's identity is being set
/// up, and Microsoft documents retrying those. Waits of 1, 2 s between. A request that gets no
/// answer within the bound is not asked again: a stalled endpoint costs one bound, not three.
const IMDS_ATTEMPTS: u32 = 3;

pub(crate) enum Endpoint {
    AppService { url: url::Url, header: SecretString },
    Imds { url: url::Url },
}

pub(crate) struct ManagedIdentity {
    pub(crate) endpoint: Endpoint,
    /// A user-assigned identity's client id (`AZURE_CLIENT_ID`); the system-assigned one
    /// otherwise.
    pub(crate) client_id: Option<String>,
}

#[derive(Deserialize)]
struct Answer {
    // Zeroed on drop through the AccessToken made from it; serde needs a plain String here.
    access_token: String,
    /// Seconds since the epoch: a string from both endpoints (an integer is accepted too).
    expires_on: serde_json::Value,
}

impl ManagedIdentity {
    pub(crate) fn describe(&self) -> String {
        let who = self
            .client_id
            .as_deref()
            .map(|id| format!(", user-assigned identity {id}"))
            .unwrap_or_default();
        match &self.endpoint {
            Endpoint::AppService { url, .. } => format!("App Service endpoint {url}{who}"),
            Endpoint::Imds { url } => format!("instance metadata endpoint (IMDS) {url}{who}"),
        }
    }

    /// A token for `scope`; each request, answer body included, within `bound`.
    pub(crate) async fn token(
        &self,
        http: &reqwest::Client,
        scope: &str,
        bound: Duration,
    ) -> Result<AccessToken, Failure> {
        let resource = scope.strip_suffix("/.default").unwrap_or(scope);
        let (url, version, attempts) = match &self.endpoint {
            Endpoint::AppService { url, .. } => (url, "2019-08-01", 1),
            Endpoint::Imds { url } => (url, "2018-02-01", IMDS_ATTEMPTS),
        };
        let mut request_url = url.clone();
        request_url
            .query_pairs_mut()
            .append_pair("api-version", version)
            .append_pair("resource", resource);
        if let Some(id) = &self.client_id {
            request_url.query_pairs_mut().append_pair("client_id", id);
        }
        let shown = format!("the managed identity endpoint {url}");
        let mut wait = Duration::from_secs(1);
        for attempt in 1..=attempts {
            let mut request = http.get(request_url.clone()).header("Metadata", "true");
            if let Endpoint::AppService { header, .. } = &self.endpoint {
                request = request.header("X-IDENTITY-HEADER", header.expose_secret());
            }
            let asked = async {
                match request.send().await {
                    Err(e) => Err(Failure::transient(format!(
                        "{shown} did not answer: {}",
                        crate::error::chain_text(&e)
                    ))),
                    Ok(response) => read(response, &shown).await,
                }
            };
            let Ok(outcome) = tokio::time::timeout(bound, asked).await else {
                return Err(Failure::transient(format!(
                    "{shown} did not answer {}",
                    super::transport::within(bound)
                )));
            };
            match outcome {
                Err(failure) if failure.transient && attempt < attempts => {
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                }
                other => return other,
            }
        }
        Err(Failure::transient(format!("{shown} did not answer")))
    }
}

async fn read(response: reqwest::Response, shown: &str) -> Result<AccessToken, Failure> {
    let status = response.status();
    let body = response.bytes().await.map_err(|e| Failure::transient(format!("{shown}: {e}")))?;
    if !status.is_success() {
        let excerpt = crate::engine::answer::shown(&crate::engine::answer::excerpt(&body));
        let text = format!("{shown} answered {status}: {excerpt}");
        let transient = matches!(status.as_u16(), 404 | 410 | 429) || status.is_server_error();
        return Err(Failure { text, transient });
    }
    let answer: Answer = serde_json::from_slice(&body).map_err(|e| {
        Failure::permanent(format!("{shown} answered something that is not a token: {e}"))
    })?;
    let seconds = match &answer.expires_on {
        serde_json::Value::String(text) => text.trim().parse::<u64>().ok(),
        serde_json::Value::Number(number) => number.as_u64(),
        _ => None,
    }
    .ok_or_else(|| Failure::permanent(format!("{shown} answered an unreadable expires_on")))?;
    let expires = SystemTime::UNIX_EPOCH + Duration::from_secs(seconds);
    Ok(AccessToken::new(answer.access_token).with_expiry(expires))
}
