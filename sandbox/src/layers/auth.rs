//! Authentication: the bearer token names a partner, or the answer is `401` with the
//! challenge Partner Center sends. Handlers get the [`Partner`] as a request extension.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Response, StatusCode, header};

use crate::app::Shared;
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

    pub(crate) fn partner(&self, token: &str) -> Option<Partner> {
        self.by_token.get(token).copied()
    }
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
    let partner = token.and_then(|t| shared.accounts.partner(t));
    partner.ok_or_else(|| {
        let description = if token.is_none() {
            "Partner Token missing in request context."
        } else {
            "The access token is not valid for this sandbox."
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
