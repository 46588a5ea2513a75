//! `HEAD /v1/domains/{domain}` ("Verify domain availability"): `200` when the domain exists
//! (taken), `404` when it is free. Check before creating a customer.

use progenitor_client::ResponseValue;
use reqwest::StatusCode;

use crate::engine::ids::CallIds;
use crate::engine::pacer::Resource;
use crate::engine::pending::Pending;
use crate::engine::{Operation, Sent, call_span};
use crate::error::{CallInfo, Error};
use crate::generated::{self, types};

/// A pending `HEAD /v1/domains/{domain}`; `.await` it.
pub type CheckDomain<'a> = Pending<'a, CheckDomainRequest>;

/// What checking a domain sends.
#[derive(Debug)]
pub struct CheckDomainRequest {
    domain: Result<types::DomainName, String>,
}

impl CheckDomainRequest {
    pub(crate) fn new(domain: &str) -> Self {
        Self {
            domain: domain
                .parse::<types::DomainName>()
                .map_err(|_| format!("`{}` is not a domain name (labels of letters, digits and `-`, separated by dots)", crate::engine::answer::shown(domain))),
        }
    }
}

/// Whether a domain is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DomainCheck {
    /// `true`: the domain exists (`200`), a new customer cannot have it; `false`: it is free
    /// (`404`).
    pub taken: bool,
    /// The call: ids, attempts, elapsed.
    pub call: CallInfo,
}

impl Operation for CheckDomainRequest {
    type Body = bool;
    type Output = DomainCheck;
    const MAX_SUCCESS_BODY: usize = crate::hooks::MAX_BODY_BYTES;
    const CHANGES_STATE: bool = false;
    // No limit is documented for it; it serves customer creation.
    const RESOURCE: Resource = Resource::Customer;

    fn span(&self, ids: CallIds) -> tracing::Span {
        let domain = self.domain.as_ref().map(|d| d.to_string()).unwrap_or_default();
        call_span!("partner_center.check_domain", ids, domain = %domain)
    }

    /// `404` is an answer here ("free"), not a failure. No answer to a `HEAD` has a body, so
    /// the generated method's error carries none: an error status goes to the engine as an
    /// answer it did not expect, which it maps by status like any other.
    async fn send_attempt<'c>(&'c self, client: &'c generated::Client) -> Sent<bool> {
        use progenitor_client::Error as G;
        let domain = match &self.domain {
            Ok(domain) => domain.clone(),
            Err(message) => return Err(G::InvalidRequest(message.clone())),
        };
        match client.check_domain().domain(domain).send().await {
            Ok(answer) => Ok(ResponseValue::new(true, answer.status(), answer.headers().clone())),
            Err(G::ErrorResponse(answer)) if answer.status() == StatusCode::NOT_FOUND => {
                Ok(ResponseValue::new(false, answer.status(), answer.headers().clone()))
            }
            Err(G::ErrorResponse(answer)) => {
                let mut response = http::Response::new(bytes::Bytes::new());
                *response.status_mut() = answer.status();
                *response.headers_mut() = answer.headers().clone();
                Err(G::UnexpectedResponse(reqwest::Response::from(response)))
            }
            Err(G::InvalidRequest(m)) => Err(G::InvalidRequest(m)),
            Err(G::Custom(m)) => Err(G::Custom(m)),
            Err(G::CommunicationError(e)) => Err(G::CommunicationError(e)),
            Err(G::InvalidUpgrade(e)) => Err(G::InvalidUpgrade(e)),
            Err(G::ResponseBodyError(e)) => Err(G::ResponseBodyError(e)),
            Err(G::InvalidResponsePayload(b, e)) => Err(G::InvalidResponsePayload(b, e)),
            Err(G::UnexpectedResponse(r)) => Err(G::UnexpectedResponse(r)),
        }
    }

    fn read(&self, answer: ResponseValue<bool>, call: CallInfo) -> Result<DomainCheck, Error> {
        Ok(DomainCheck { taken: answer.into_inner(), call })
    }
}
