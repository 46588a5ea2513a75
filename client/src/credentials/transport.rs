//! The token requests' transport: the Partner Center client's own `reqwest::Client`, each
//! request bounded in time, with a certificate failure made final. azure_core retries
//! connection errors for seconds; a certificate the client does not trust is not transient, so
//! it comes back at once, saying which host and why (as
//! [`Error::Certificate`](crate::Error::Certificate) does for calls).

use std::time::Duration;

use azure_core::error::ErrorKind;
use azure_core::http::{AsyncRawResponse, HttpClient, Request};

/// How long one token request over HTTP may take, connect to last byte, unless
/// [`CredentialChainBuilder::token_request_timeout`](super::CredentialChainBuilder::token_request_timeout)
/// says otherwise: 20 s. Every source that asks an endpoint is bounded by it (a secret's, a
/// certificate's and workload identity's token endpoint; a managed identity's App Service
/// endpoint and IMDS), because the client's own HTTP client has only a connect timeout and a
/// stalled endpoint must not hang a sign-in, nor a refresh after a `401` that other calls wait
/// on.
pub const TOKEN_REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// "within 20 s", "within 0.2 s": a bound as the errors say it.
pub(crate) fn within(bound: Duration) -> String {
    format!("within {} s", bound.as_secs_f64())
}

#[derive(Debug)]
pub(crate) struct TokenTransport {
    pub(crate) client: reqwest::Client,
    /// The bound on one request, answer body included.
    pub(crate) timeout: Duration,
}

#[async_trait::async_trait]
impl HttpClient for TokenTransport {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        // The body is read inside the bound too (a token answer is small): reqwest's response
        // stream would otherwise wait for a stalled body without end.
        let whole = async {
            let answer = self.client.execute_request(request).await?;
            let (status, headers, body) = answer.deconstruct();
            let bytes = body.collect().await?;
            Ok(AsyncRawResponse::from_bytes(status, headers, bytes))
        };
        let host = || request.url().host_str().unwrap_or("the token endpoint").to_owned();
        let Ok(answer) = tokio::time::timeout(self.timeout, whole).await else {
            return Err(azure_core::Error::with_message(
                ErrorKind::Io,
                format!("{} did not answer {}", host(), within(self.timeout)),
            ));
        };
        answer.map_err(|err: azure_core::Error| {
            match crate::tls::untrusted_certificate(&err) {
                // Not `Io`/`Connection`, which azure_core's retry policy retries.
                Some(reason) => azure_core::Error::with_message(
                    ErrorKind::Other,
                    format!(
                        "the TLS certificate of {} is not trusted: {reason}; trust its \
                         certificate authority (the CLI's --ca-cert FILE, or the client's own \
                         HTTP client)",
                        host()
                    ),
                ),
                None => err,
            }
        })
    }
}
