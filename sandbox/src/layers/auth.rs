//! Authentication: the bearer token names a partner, or the answer is `401` with the
//! challenge Partner Center sends. Handlers get the [`Partner`] as a request extension.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Response, StatusCode, header};
use axum::middleware::Next;

use crate::app::{Shared, routed};
use crate::{answer, codes};

/// The signed-in partner.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Partner {
    pub index: usize,
    /// A Testing in Production (integration sandbox) account.
    pub tip: bool,
}

pub(crate) async fn layer(
    State(shared): State<Arc<Shared>>,
    mut req: Request,
    next: Next,
) -> Response<Body> {
    if routed(&req).is_none() {
        return next.run(req).await;
    }
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_string());
    let partner = token.as_deref().and_then(|t| {
        let store = shared.store.lock().ok()?;
        let index = store.partner_index_for_token(t)?;
        Some(Partner { index, tip: store.partner(index)?.tip })
    });
    let Some(partner) = partner else {
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
        return r;
    };
    req.extensions_mut().insert(partner);
    next.run(req).await
}
