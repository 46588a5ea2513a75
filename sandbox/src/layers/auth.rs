//! Authentication: the bearer token names a partner, or the answer is `401` with the
//! challenge Partner Center sends. Handlers get the [`Partner`] as a request extension.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Response, StatusCode, header};

use crate::shared::Shared;
use crate::{answer, codes};

/// The signed-in partner.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Partner {
    pub index: usize,
    /// A Testing in Production (integration sandbox) account.
    pub tip: bool,
}

/// The partners and the tokens that sign them in; fixed when the sandbox starts, so
/// authenticating takes no lock.
#[derive(Debug, Default)]
pub(crate) struct Accounts {
    by_token: HashMap<String, Partner>,
}

impl Accounts {
    /// Adds a partner (its index is the store's) signed in by each of `tokens`.
    pub(crate) fn add(&mut self, index: usize, tip: bool, tokens: &[String]) {
        for token in tokens {
            self.by_token.insert(token.clone(), Partner { index, tip });
        }
    }

    /// The partner `token` signs in, or why not: an expiring token
    /// ([`expiring_token`](crate::expiring_token)) signs its partner in until its second.
    pub(crate) fn partner(&self, token: &str) -> Result<Partner, Refusal> {
        if let Some(partner) = self.by_token.get(token) {
            return Ok(*partner);
        }
        let (base, until) = token.rsplit_once(EXPIRY_MARK).ok_or(Refusal::Unknown)?;
        let partner = self.by_token.get(base).copied().ok_or(Refusal::Unknown)?;
        let until = until.parse::<u64>().map_err(|_| Refusal::Unknown)?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        if now < until { Ok(partner) } else { Err(Refusal::Expired) }
    }
}

/// Between a partner's token and the second an expiring token stops signing it in.
pub(crate) const EXPIRY_MARK: &str = "~exp=";

/// Why a token signs no one in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    Unknown,
    Expired,
}

/// The partner the request's bearer token names, or the `401` Partner Center answers.
pub(crate) fn partner(shared: &Shared, req: &Request) -> Result<Partner, Response<Body>> {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let partner = match token {
        Some(t) => shared.accounts.partner(t).map_err(Some),
        None => Err(None),
    };
    partner.map_err(|refusal| {
        let description = match refusal {
            None => "Partner Token missing in request context.",
            Some(Refusal::Unknown) => "The access token is not valid for this sandbox.",
            Some(Refusal::Expired) => "The access token has expired.",
        };
        let mut r =
            answer::error(StatusCode::UNAUTHORIZED, codes::PARTNER_TOKEN_MISSING, description);
        if let Ok(v) =
            HeaderValue::from_str(&format!("OAuth realm=urn:cpsvc:cpid:{}", shared.realm))
        {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        r
    })
}
