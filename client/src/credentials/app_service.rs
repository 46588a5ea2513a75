//! The App Service / Functions managed-identity endpoint (`IDENTITY_ENDPOINT`,
//! `IDENTITY_HEADER`, API version 2019-08-01). `azure_identity` has one, but it reads the
//! process's variables itself; this one reads the chain's [`Env`](super::Env), like every other
//! source, and sends through the client's HTTP client.

use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::token::AccessToken;

pub(crate) struct AppService {
    pub(crate) endpoint: url::Url,
    pub(crate) header: SecretString,
    /// A user-assigned identity's client id (`AZURE_CLIENT_ID`); the system-assigned one
    /// otherwise.
    pub(crate) client_id: Option<String>,
}

#[derive(Deserialize)]
struct Answer {
    // Zeroed on drop through the AccessToken made from it; serde needs a plain String here.
    access_token: String,
    /// Seconds since the epoch, as a string (an integer is accepted too).
    expires_on: serde_json::Value,
}

impl AppService {
    pub(crate) async fn token(
        &self,
        http: &reqwest::Client,
        scope: &str,
    ) -> Result<AccessToken, String> {
        let resource = scope.strip_suffix("/.default").unwrap_or(scope);
        let mut url = self.endpoint.clone();
        url.query_pairs_mut()
            .append_pair("api-version", "2019-08-01")
            .append_pair("resource", resource);
        if let Some(id) = &self.client_id {
            url.query_pairs_mut().append_pair("client_id", id);
        }
        let shown = format!("the managed identity endpoint {}", self.endpoint);
        let response = http
            .get(url)
            .header("X-IDENTITY-HEADER", self.header.expose_secret())
            .header("Metadata", "true")
            .send()
            .await
            .map_err(|e| format!("{shown} did not answer: {}", crate::error::chain_text(&e)))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| format!("{shown}: {e}"))?;
        if !status.is_success() {
            let excerpt = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
            return Err(format!("{shown} answered {status}: {excerpt}"));
        }
        let answer: Answer = serde_json::from_slice(&body)
            .map_err(|e| format!("{shown} answered something that is not a token: {e}"))?;
        let seconds = match &answer.expires_on {
            serde_json::Value::String(text) => text.trim().parse::<u64>().ok(),
            serde_json::Value::Number(number) => number.as_u64(),
            _ => None,
        }
        .ok_or_else(|| format!("{shown} answered an unreadable expires_on"))?;
        let expires = SystemTime::UNIX_EPOCH + Duration::from_secs(seconds);
        Ok(AccessToken::new(answer.access_token).with_expiry(expires))
    }
}
