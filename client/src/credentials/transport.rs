//! The token requests' transport: the Partner Center client's own `reqwest::Client`, with a
//! certificate failure made final. azure_core retries connection errors for seconds; a
//! certificate the client does not trust is not transient, so it comes back at once, saying
//! which host and why (as [`Error::Certificate`](crate::Error::Certificate) does for calls).

use azure_core::error::ErrorKind;
use azure_core::http::{AsyncRawResponse, HttpClient, Request};

#[derive(Debug)]
pub(crate) struct TokenTransport(pub(crate) reqwest::Client);

/// How long one token request may take, connect to last byte (the client's own HTTP client has
/// only a connect timeout; a stalled token endpoint must not hang a sign-in).
const TOKEN_REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

#[async_trait::async_trait]
impl HttpClient for TokenTransport {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let sent = tokio::time::timeout(TOKEN_REQUEST_TIMEOUT, self.0.execute_request(request));
        let Ok(answer) = sent.await else {
            return Err(azure_core::Error::with_message(
                ErrorKind::Io,
                format!(
                    "{} did not answer within {} s",
                    request.url().host_str().unwrap_or("the token endpoint"),
                    TOKEN_REQUEST_TIMEOUT.as_secs()
                ),
            ));
        };
        answer.map_err(|err| {
            match crate::tls::untrusted_certificate(&err) {
                // Not `Io`/`Connection`, which azure_core's retry policy retries.
                Some(reason) => azure_core::Error::with_message(
                    ErrorKind::Other,
                    format!(
                        "the TLS certificate of {} is not trusted: {reason}; trust its \
                         certificate authority (the CLI's --ca-cert FILE, or the client's own \
                         HTTP client)",
                        request.url().host_str().unwrap_or("the token endpoint")
                    ),
                ),
                None => err,
            }
        })
    }
}
