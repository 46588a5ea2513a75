//! The hooks progenitor's generated client calls around each request.
//!
//! The generated code stays the one place that builds the request; these hooks only adjust
//! it and bound what is read back:
//! * `pre`: set `Authorization` (marked sensitive) and `Content-Length: 0`, drop the
//!   `api-version` header progenitor adds from `info.version` (Partner Center does not
//!   document it), set the attempt timeout;
//! * `exec`: send, then read the body with a size limit and remember status and headers, so
//!   an answer whose body is not JSON can still be reported with them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, HeaderMap, HeaderValue};
use reqwest::{Request, Response, StatusCode};

use crate::generated::Client;
use crate::token::AccessToken;

/// Bodies longer than this are cut; error bodies are small JSON objects.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What the generated client carries for one attempt: its credentials and limits.
///
/// To use [`crate::generated::Client`] directly:
///
/// ```
/// use partner_center_client::{AccessToken, generated, hooks::CallContext};
///
/// let ctx = CallContext::new(AccessToken::new("token"));
/// let client = generated::Client::new_with_client(
///     "https://api.partnercenter.microsoft.com",
///     reqwest::Client::new(),
///     ctx,
/// );
/// let _request = client.delete_customer().customer_tenant_id(uuid::Uuid::new_v4());
/// ```
#[derive(Clone)]
pub struct CallContext {
    authorization: HeaderValue,
    attempt_timeout: Option<Duration>,
    max_body: usize,
    seen: Arc<Mutex<Option<Seen>>>,
}

/// Status and headers of the last answer, and whether its body was cut.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub truncated: bool,
}

impl std::fmt::Debug for CallContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallContext")
            .field("authorization", &"<redacted>")
            .field("attempt_timeout", &self.attempt_timeout)
            .field("max_body", &self.max_body)
            .finish()
    }
}

impl CallContext {
    /// A context that authenticates with `token`. A token that cannot be a header value
    /// (control characters) is sent as an empty credential, which the server refuses with 401.
    pub fn new(token: AccessToken) -> Self {
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
            .unwrap_or_else(|_| HeaderValue::from_static("Bearer"));
        authorization.set_sensitive(true);
        Self {
            authorization,
            attempt_timeout: None,
            max_body: MAX_BODY_BYTES,
            seen: Arc::default(),
        }
    }

    pub(crate) fn with_limits(mut self, attempt_timeout: Duration, max_body: usize) -> Self {
        self.attempt_timeout = Some(attempt_timeout);
        self.max_body = max_body;
        self
    }

    pub(crate) fn seen(&self) -> Option<Seen> {
        self.seen.lock().ok().and_then(|s| s.clone())
    }
}

impl ClientHooks<CallContext> for Client {
    async fn pre<E>(
        &self,
        request: &mut Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let ctx = progenitor_client::ClientInfo::inner(self);
        request.headers_mut().remove("api-version");
        request.headers_mut().insert(AUTHORIZATION, ctx.authorization.clone());
        if request.body().is_none() {
            // The documented request carries `Content-Length: 0`; reqwest omits it for a
            // body-less DELETE.
            request.headers_mut().insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
        }
        if let Some(timeout) = ctx.attempt_timeout {
            *request.timeout_mut() = Some(timeout);
        }
        Ok(())
    }

    async fn exec(&self, request: Request, _info: &OperationInfo) -> reqwest::Result<Response> {
        let ctx = progenitor_client::ClientInfo::inner(self);
        let mut response = progenitor_client::ClientInfo::client(self).execute(request).await?;
        let status = response.status();
        let version = response.version();
        let headers = response.headers().clone();
        let (body, truncated) = read_bounded(&mut response, ctx.max_body).await?;
        if let Ok(mut seen) = ctx.seen.lock() {
            *seen = Some(Seen { status, headers: headers.clone(), truncated });
        }
        let mut rebuilt = http::Response::new(body);
        *rebuilt.status_mut() = status;
        *rebuilt.version_mut() = version;
        *rebuilt.headers_mut() = headers;
        Ok(Response::from(rebuilt))
    }
}

/// Reads at most `limit` bytes of the body; the rest is left unread (the connection is then
/// not reused, which is the right price for a misbehaving server).
async fn read_bounded(response: &mut Response, limit: usize) -> reqwest::Result<(Bytes, bool)> {
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        let room = limit - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body.freeze(), true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body.freeze(), false))
}
