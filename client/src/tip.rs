//! Nothing is written outside a Testing in Production (TiP) account: the check a write that
//! Partner Center would also carry out for a production partner (a cancel) passes before it
//! is sent.
//!
//! Deleting a customer is refused by Partner Center outside the integration sandbox, so a
//! delete with the wrong credentials fails harmlessly. Cancelling an order is not: production
//! partners cancel software orders with the same call. So such a write is sent only when the
//! partner is known to be a TiP account: the caller names the TiP partner tenant once
//! ([`PartnerCenterBuilder::tip_partner_tenant`](crate::PartnerCenterBuilder::tip_partner_tenant)),
//! and the tenant (`tid`) of the very token the write would carry must be that one. A base URL
//! on loopback (the local sandbox, a test server) is not Partner Center: the check passes by
//! construction there.

use reqwest::header::HeaderValue;
use serde::Deserialize;
use uuid::Uuid;

use crate::token::jwt_payload;

/// Where the client's writes go, as far as the TiP check is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TipAccount {
    /// The base URL is on loopback: not Partner Center, nothing real to harm.
    Loopback,
    /// Partner Center, with the TiP partner tenant the caller named.
    Named(Uuid),
    /// Partner Center, and no TiP partner tenant named: writes that production would carry out
    /// are refused.
    Unnamed,
}

impl TipAccount {
    /// Whether a write carrying `authorization` (`Bearer <token>`) may be sent; the error says
    /// why not (never showing the token).
    pub(crate) fn allows(&self, authorization: &HeaderValue) -> Result<(), String> {
        match *self {
            TipAccount::Loopback => Ok(()),
            TipAccount::Unnamed => Err("no Testing in Production partner tenant was named".into()),
            TipAccount::Named(tip) => match token_tenant(authorization) {
                Some(tid) if tid == tip => Ok(()),
                Some(tid) => Err(format!(
                    "the access token is for tenant {tid}, not the named TiP partner tenant {tip}"
                )),
                None => Err(format!(
                    "the access token carries no readable tenant (`tid`) to compare with the named TiP partner tenant {tip}"
                )),
            },
        }
    }
}

/// The `tid` claim of a JWT access token, read without verifying it (only Entra ID and Partner
/// Center can): the check guards against the wrong credentials, not against a forged token.
fn token_tenant(authorization: &HeaderValue) -> Option<Uuid> {
    #[derive(Deserialize)]
    struct Claims {
        tid: Option<String>,
    }
    let value = authorization.to_str().ok()?;
    let token = value.strip_prefix("Bearer ").unwrap_or(value);
    let claims: Claims = serde_json::from_slice(&jwt_payload(token).ok()?).ok()?;
    claims.tid?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn bearer(payload: &str) -> HeaderValue {
        let jwt = format!("e30.{}.c2ln", URL_SAFE_NO_PAD.encode(payload));
        HeaderValue::from_str(&format!("Bearer {jwt}")).expect("header")
    }

    #[test]
    fn a_write_needs_loopback_or_a_token_of_the_named_tenant() {
        let tip = Uuid::from_u128(7);
        let other = Uuid::from_u128(8);
        let ours = bearer(&format!(r#"{{"tid":"{tip}"}}"#));
        let theirs = bearer(&format!(r#"{{"tid":"{other}"}}"#));
        let opaque = HeaderValue::from_static("Bearer not-a-jwt");

        assert_eq!(TipAccount::Loopback.allows(&opaque), Ok(()));
        assert_eq!(TipAccount::Named(tip).allows(&ours), Ok(()));
        let refused = TipAccount::Named(tip).allows(&theirs).expect_err("another tenant");
        assert!(refused.contains(&other.to_string()) && refused.contains(&tip.to_string()));
        let refused = TipAccount::Named(tip).allows(&opaque).expect_err("no tid");
        assert!(refused.contains("no readable tenant") && !refused.contains("not-a-jwt"));
        assert!(TipAccount::Unnamed.allows(&ours).is_err());
        assert!(TipAccount::Named(tip).allows(&bearer(r#"{"tid":"nope"}"#)).is_err());
    }
}
