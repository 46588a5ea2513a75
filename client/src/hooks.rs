//! The hooks progenitor's generated client calls around each request: the request-wide
//! concerns every operation shares, in one place (as a tower layer would hold them).
//!
//! The generated code stays the one place that builds each operation's request; these hooks
//! only add to it and bound what is read back:
//! * `pre`: set `Authorization` (marked sensitive), the call's `MS-RequestId`,
//!   `MS-CorrelationId` and `MS-PartnerCenter-Application`, `Content-Length: 0` on a
//!   body-less DELETE (as documented); drop the `api-version` header
//!   progenitor adds from `info.version` (Partner Center does not document it);
//! * `exec`: send, then read the body with a size limit (an empty success needs none), and
//!   keep the status (and, for an error status, the headers) for the error mapping, and the
//!   body for an operation that reads a success body the generated method does not.
//!
//! The attempt timeout is not set here (reqwest would register a timer per request): the
//! engine runs each attempt under the client's watchdog (one timer per client, not per request).

use std::sync::OnceLock;

use bytes::{Bytes, BytesMut};
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Request, Response, StatusCode};

use crate::engine::ids::{self, CallIds};
use crate::error::Error;
use crate::generated::Client;
use crate::token::AccessToken;

/// Error bodies longer than this are cut; they are small JSON objects.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

const APPLICATION: HeaderName = HeaderName::from_static("ms-partnercenter-application");

/// What the generated client carries for one attempt: its credentials, the call's ids and
/// its limits.
///
/// To use [`crate::generated::Client`] directly:
///
/// ```
/// use partner_center_client::{AccessToken, generated, hooks::CallContext};
///
/// let ctx = CallContext::new(AccessToken::new("token"))?;
/// partner_center_client::ensure_crypto_provider(); // before a reqwest client of your own
/// let client = generated::Client::new_with_client(
///     "https://api.partnercenter.microsoft.com",
///     reqwest::Client::new(),
///     ctx,
/// );
/// let _request = client.delete_customer().customer_tenant_id(uuid::Uuid::new_v4());
///
/// // A token that cannot travel in a header is refused up front.
/// assert!(CallContext::new(AccessToken::new("bad\ntoken")).is_err());
/// # Ok::<(), partner_center_client::Error>(())
/// ```
pub struct CallContext {
    authorization: HeaderValue,
    ids: Option<CallIds>,
    application: Option<HeaderValue>,
    max_success_body: usize,
    /// The status of the answer, and its headers when it was an error status. This is a side
    /// channel on purpose: progenitor's `InvalidResponsePayload` (an error body that is not
    /// the declared JSON, such as a proxy's HTML page) carries only the body, and its
    /// `post` hook cannot hand anything to the caller. Each attempt has its own generated
    /// client and context, and the engine reads this through `ClientInfo::inner` after the
    /// send; no `Arc` or lock is involved.
    seen: OnceLock<Seen>,
}

/// Status and (for an error status) headers of the answer, its body as read, and whether the
/// body was cut.
#[derive(Debug)]
pub(crate) struct Seen {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The body as read (the same bytes the generated client is handed; no copy): for an
    /// operation whose generated method does not read a success body (delete's `200`, see
    /// `xtask/src/codegen.rs`), the facade reads it here.
    pub body: Bytes,
    pub truncated: bool,
}

impl std::fmt::Debug for CallContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallContext")
            .field("authorization", &"<redacted>")
            .field("ids", &self.ids)
            .field("max_success_body", &self.max_success_body)
            .finish()
    }
}

impl Clone for CallContext {
    /// A context with the same settings; what the original saw of an answer is not copied.
    fn clone(&self) -> Self {
        Self {
            authorization: self.authorization.clone(),
            ids: self.ids,
            application: self.application.clone(),
            max_success_body: self.max_success_body,
            seen: OnceLock::new(),
        }
    }
}

impl CallContext {
    /// A context that authenticates with `token`. A token that cannot be an HTTP header
    /// value (control characters, non-ASCII) is an [`Error::Auth`], never sent.
    pub fn new(token: AccessToken) -> Result<Self, Error> {
        let authorization =
            authorization(&token).map_err(|source| Error::Auth { source, call: None })?;
        Ok(Self::with_authorization(authorization))
    }

    /// A context sending this (sensitive) `Authorization` value.
    pub(crate) fn with_authorization(authorization: HeaderValue) -> Self {
        Self {
            authorization,
            ids: None,
            application: None,
            max_success_body: usize::MAX,
            seen: OnceLock::new(),
        }
    }

    /// The engine's settings for one attempt of a call.
    pub(crate) fn for_attempt(
        mut self,
        ids: CallIds,
        application: &HeaderValue,
        max_success_body: usize,
    ) -> Self {
        self.ids = Some(ids);
        self.application = Some(application.clone());
        self.max_success_body = max_success_body;
        self
    }

    pub(crate) fn seen(&self) -> Option<&Seen> {
        self.seen.get()
    }
}

/// `Bearer {token}` as a sensitive header value; refused if the token cannot be one.
pub(crate) fn authorization(token: &AccessToken) -> Result<HeaderValue, crate::token::BoxError> {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
        "the access token contains characters an HTTP header cannot carry \
         (control characters or non-ASCII); check the token provider"
    })?;
    value.set_sensitive(true);
    Ok(value)
}

impl ClientHooks<CallContext> for Client {
    async fn pre<E>(
        &self,
        request: &mut Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let ctx = self.inner();
        let needs_length = request.body().is_none() && request.method() == Method::DELETE;
        let headers = request.headers_mut();
        headers.remove("api-version");
        headers.insert(AUTHORIZATION, ctx.authorization.clone());
        if let Some(ids) = ctx.ids {
            headers.insert(ids::REQUEST_ID, ids::header_value(ids.request_id));
            headers.insert(ids::CORRELATION_ID, ids::header_value(ids.correlation_id));
        }
        if let Some(application) = &ctx.application {
            headers.insert(APPLICATION, application.clone());
        }
        if needs_length {
            // The documented DELETE carries `Content-Length: 0`; reqwest omits it.
            headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
        }
        Ok(())
    }

    async fn exec(&self, request: Request, _info: &OperationInfo) -> reqwest::Result<Response> {
        let ctx = self.inner();
        let mut response = self.client().execute(request).await?;
        let status = response.status();
        // An empty success (a delete's 204) has nothing to bound: hand it on as it came.
        // (Rebuilding a response costs reqwest a URL parse, the dearest part of a call.)
        if status.is_success() && response.content_length() == Some(0) {
            let _ = ctx.seen.set(Seen {
                status,
                headers: HeaderMap::new(),
                body: Bytes::new(),
                truncated: false,
            });
            return Ok(response);
        }
        let limit = if status.is_success() { ctx.max_success_body } else { MAX_BODY_BYTES };
        let (body, truncated) = read_bounded(&mut response, limit).await?;
        let headers = std::mem::take(response.headers_mut());
        // Error answers keep their headers for the error mapping (ids, Retry-After).
        let kept = if status.is_success() { HeaderMap::new() } else { headers.clone() };
        let _ = ctx.seen.set(Seen { status, headers: kept, body: body.clone(), truncated });
        let mut rebuilt = http::Response::new(body);
        *rebuilt.status_mut() = status;
        *rebuilt.version_mut() = response.version();
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
