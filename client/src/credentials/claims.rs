//! What an access token says about itself, read without verifying it (only Entra ID and
//! Partner Center can do that): for `auth status` and for explaining a 401.

use std::time::{Duration, SystemTime};

use serde::Deserialize;

use crate::cloud::Cloud;
use crate::token::{AccessToken, jwt_payload};

/// The claims of an Entra ID access token that matter to Partner Center, decoded from its
/// payload **without verifying the signature**. `Debug` shows claims, never the token.
///
/// ```
/// use partner_center_client::{AccessToken, Cloud};
/// use partner_center_client::credentials::{TokenClaims, TokenKind};
///
/// // header.payload.signature, the payload being {"aud":"https://api.partnercenter.microsoft.com","scp":"user_impersonation",...}
/// let payload = r#"{"aud":"https://api.partnercenter.microsoft.com","iss":"https://sts.windows.net/t/","tid":"t","appid":"a","scp":"user_impersonation","upn":"ada@contoso.example","exp":4102444800}"#;
/// use base64::Engine as _;
/// let jwt = format!("e30.{}.c2ln", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload));
/// let claims = TokenClaims::decode(&AccessToken::new(jwt)).unwrap();
/// assert_eq!(claims.kind(), TokenKind::AppUser);
/// assert!(claims.is_for(Cloud::Global) && !claims.is_for(Cloud::China));
/// assert_eq!(claims.issuer_matches(Cloud::Global), Some(true));
/// assert_eq!(claims.user(), Some("ada@contoso.example"));
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct TokenClaims {
    #[serde(default, rename = "tid")]
    tenant: Option<String>,
    #[serde(default)]
    appid: Option<String>,
    #[serde(default)]
    azp: Option<String>,
    #[serde(default)]
    upn: Option<String>,
    #[serde(default)]
    preferred_username: Option<String>,
    #[serde(default)]
    unique_name: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    scp: Option<String>,
    #[serde(default, deserialize_with = "audience")]
    aud: Vec<String>,
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    exp: Option<u64>,
    #[serde(default)]
    idtyp: Option<String>,
}

/// Whose token it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenKind {
    /// An app acting as itself (secret, certificate, workload or managed identity); which
    /// operations accept it: [the module docs](super#which-token-for-which-operation).
    AppOnly,
    /// An app acting for a signed-in person (`az login`); which operations accept it: [the
    /// module docs](super#which-token-for-which-operation).
    AppUser,
}

/// A token that is not a readable JWT.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the token is not a JWT whose claims can be read ({0}); it may still be valid")]
pub struct NotAJwt(&'static str);

fn audience<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(one) => vec![one],
        OneOrMany::Many(many) => many,
    })
}

impl TokenClaims {
    /// Reads the token's payload (the second of its three dot-separated parts).
    pub fn decode(token: &AccessToken) -> Result<Self, NotAJwt> {
        let json = jwt_payload(token.expose()).map_err(NotAJwt)?;
        serde_json::from_slice(&json).map_err(|e| {
            // The category only: serde's own text would quote claim values.
            NotAJwt(match e.classify() {
                serde_json::error::Category::Data => {
                    "a claim in its payload has an unexpected type"
                }
                _ => "its payload is not a JSON object",
            })
        })
    }

    /// The tenant it was issued in (`tid`).
    pub fn tenant(&self) -> Option<&str> {
        self.tenant.as_deref()
    }

    /// The app it was issued to (`appid`, or v2's `azp`).
    pub fn app_id(&self) -> Option<&str> {
        self.appid.as_deref().or(self.azp.as_deref())
    }

    /// The signed-in person, for App+User tokens (`upn`, `preferred_username` or
    /// `unique_name`).
    pub fn user(&self) -> Option<&str> {
        self.upn.as_deref().or(self.preferred_username.as_deref()).or(self.unique_name.as_deref())
    }

    /// App roles (`roles`), for app-only tokens.
    pub fn roles(&self) -> &[String] {
        &self.roles
    }

    /// Delegated scopes (`scp`, space-separated), for App+User tokens.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scp.as_deref().unwrap_or_default().split_whitespace()
    }

    /// Who it is for (`aud`).
    pub fn audience(&self) -> &[String] {
        &self.aud
    }

    /// Who issued it (`iss`).
    pub fn issuer(&self) -> Option<&str> {
        self.iss.as_deref()
    }

    /// When it expires (`exp`).
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.exp.and_then(|s| SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(s)))
    }

    /// App-only or App+User: `idtyp` when present, else whether it carries delegated scopes.
    pub fn kind(&self) -> TokenKind {
        match self.idtyp.as_deref() {
            Some("app") => TokenKind::AppOnly,
            Some("user") => TokenKind::AppUser,
            _ if self.scp.is_some() || self.user().is_some() => TokenKind::AppUser,
            _ => TokenKind::AppOnly,
        }
    }

    /// Whether its audience is `cloud`'s Partner Center API (the global host, or 21Vianet's for
    /// [`Cloud::China`]), with or without a trailing slash.
    pub fn is_for(&self, cloud: Cloud) -> bool {
        self.aud.iter().any(|aud| aud.trim_end_matches('/') == cloud.resource())
    }

    /// Whether its issuer may belong to `cloud`'s Entra ID (v1 `sts` or v2 `login` hosts);
    /// `None` when it has no readable issuer. A v1 issuer (`https://sts.windows.net/…`) is the
    /// same for the global and US Government clouds, so it cannot tell those two apart.
    pub fn issuer_matches(&self, cloud: Cloud) -> Option<bool> {
        let host = url::Url::parse(self.iss.as_deref()?).ok()?.host_str()?.to_ascii_lowercase();
        let hosts: &[&str] = match cloud {
            Cloud::China => &[
                "login.chinacloudapi.cn",
                "login.partner.microsoftonline.cn",
                "sts.chinacloudapi.cn",
            ],
            Cloud::UsGovernment => &["login.microsoftonline.us", "sts.windows.net"],
            Cloud::Germany => &["login.microsoftonline.de", "sts.microsoftonline.de"],
            _ => &["login.microsoftonline.com", "sts.windows.net"],
        };
        Some(hosts.contains(&host.as_str()))
    }
}
