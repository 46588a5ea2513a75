//! `partner-center auth status`: which credential source is used, and what its token says
//! (read without verifying it; the token itself is never printed).

use std::time::SystemTime;

use partner_center_client::credentials::{
    CredentialChain, NoCredential, Source, TokenClaims, TokenKind,
};
use partner_center_client::{Cloud, TokenProvider};
use serde_json::json;

use crate::args::{DeleteOutput, StatusArgs};
use crate::exit::{self, Failure};
use crate::target::Connected;

/// Prints the status; exit 0 when a token for Partner Center was obtained, 1 otherwise.
pub async fn status(conn: &Connected, args: &StatusArgs) -> Result<u8, Failure> {
    let Some(chain) = &conn.chain else {
        let text = "embedded sandbox: a fixed test token, no credential source";
        match args.output {
            DeleteOutput::Text => println!("{text}"),
            DeleteOutput::Json => println!("{}", json!({ "source": "sandbox", "note": text })),
        }
        return Ok(exit::OK);
    };
    let report = Report::gather(chain).await;
    match args.output {
        DeleteOutput::Text => print!("{}", report.text()),
        DeleteOutput::Json => println!("{}", report.json()),
    }
    Ok(if report.usable() { exit::OK } else { exit::SOME_FAILED })
}

/// Why no token came: each source that failed, and the fix (the skipped ones are listed with
/// the sources already).
struct Problem {
    failures: Vec<String>,
    hint: String,
}

struct Report<'a> {
    chain: &'a CredentialChain,
    /// The token's claims, or why there is no token (or no readable claims).
    outcome: Result<Option<TokenClaims>, Problem>,
    /// Set when the token is not a JWT.
    opaque: Option<String>,
}

impl<'a> Report<'a> {
    async fn gather(chain: &'a CredentialChain) -> Report<'a> {
        // Each source is bounded (token requests 20 s, az and azd 30 s); this bounds the whole.
        let asked = tokio::time::timeout(std::time::Duration::from_secs(120), chain.token()).await;
        let asked =
            asked.unwrap_or_else(|_| Err("no credential source answered within 120 s".into()));
        match asked {
            Ok(token) => match TokenClaims::decode(&token) {
                Ok(claims) => Report { chain, outcome: Ok(Some(claims)), opaque: None },
                Err(e) => Report { chain, outcome: Ok(None), opaque: Some(e.to_string()) },
            },
            Err(e) => {
                let problem = match e.downcast_ref::<NoCredential>() {
                    Some(none) => Problem {
                        failures: none.failures().map(|(s, why)| format!("{s}: {why}")).collect(),
                        hint: none.hint().to_owned(),
                    },
                    None => Problem { failures: vec![e.to_string()], hint: String::new() },
                };
                Report { chain, outcome: Err(problem), opaque: None }
            }
        }
    }

    fn cloud(&self) -> Cloud {
        self.chain.cloud()
    }

    /// A token was obtained and nothing it says rules Partner Center out.
    fn usable(&self) -> bool {
        match &self.outcome {
            Ok(Some(claims)) => claims.is_for(self.cloud()) && !expired(claims),
            Ok(None) => true,
            Err(_) => false,
        }
    }

    /// Problems worth a line each, with what to do.
    fn warnings(&self, claims: &TokenClaims) -> Vec<String> {
        let mut out = Vec::new();
        if !claims.is_for(self.cloud()) {
            out.push(format!(
                "the token's audience is not the {} cloud's Partner Center: ask for {}",
                self.cloud(),
                self.cloud().token_scope()
            ));
        }
        if claims.issuer_matches(self.cloud()) == Some(false) {
            let az = if self.chain.chosen() == Some(Source::AzureCli) {
                " (az signs in to its own configured cloud: `az cloud set --name …`)"
            } else {
                ""
            };
            out.push(format!("the issuer is not the {} cloud's Entra ID{az}", self.cloud()));
        }
        if expired(claims) {
            out.push("the token has expired: sign in again".to_owned());
        }
        if claims.kind() == TokenKind::AppOnly {
            out.push(
                "app-only: Partner Center documents entitlements (--cancel-purchases, \
                 `customers purchases`) as App+User only; sign in as a person (az login) for those"
                    .to_owned(),
            );
        }
        out
    }

    fn text(&self) -> String {
        let mut out = String::new();
        let mut line = |name: &str, value: &str| out.push_str(&format!("{name:<10} {value}\n"));
        let chosen = self.chain.chosen();
        line("source", &chosen.map_or("none".to_owned(), |s| s.to_string()));
        line("cloud", self.cloud().name());
        line("authority", self.chain.authority_host());
        line("scope", chosen.map_or(self.chain.scope(Source::Token), |s| self.chain.scope(s)));
        for (i, status) in self.chain.sources().iter().enumerate() {
            let state = if status.is_ready() { "ready" } else { "skipped" };
            let head = if i == 0 { "sources" } else { "" };
            line(head, &format!("{}: {state}: {}", status.source(), status.detail()));
        }
        match &self.outcome {
            Err(problem) => {
                line("token", "none");
                for failure in &problem.failures {
                    line("failed", failure);
                }
                if !problem.hint.is_empty() {
                    line("to fix", &problem.hint);
                }
            }
            Ok(None) => line("token", self.opaque.as_deref().unwrap_or("not a JWT")),
            Ok(Some(claims)) => {
                let kind = match claims.kind() {
                    TokenKind::AppUser => "App+User",
                    _ => "App-only",
                };
                line("token", kind);
                line("tenant", claims.tenant().unwrap_or("-"));
                line("app", claims.app_id().unwrap_or("-"));
                line("user", claims.user().unwrap_or("-"));
                line("roles", &or_dash(claims.roles().join(" ")));
                line("scopes", &or_dash(claims.scopes().collect::<Vec<_>>().join(" ")));
                let pc = if claims.is_for(self.cloud()) {
                    "Partner Center"
                } else {
                    "NOT this cloud's Partner Center"
                };
                line("audience", &format!("{} ({pc})", or_dash(claims.audience().join(" "))));
                let matches = match claims.issuer_matches(self.cloud()) {
                    Some(true) => "matches the cloud",
                    Some(false) => "NOT the cloud's",
                    None => "unreadable",
                };
                line("issuer", &format!("{} ({matches})", claims.issuer().unwrap_or("-")));
                line("expires", &expiry(claims));
                for warning in self.warnings(claims) {
                    line("warning", &warning);
                }
            }
        }
        out
    }

    fn json(&self) -> serde_json::Value {
        let sources: Vec<_> = self
            .chain
            .sources()
            .iter()
            .map(|s| json!({ "source": s.source().name(), "ready": s.is_ready(), "detail": s.detail() }))
            .collect();
        let mut out = json!({
            "source": self.chain.chosen().map(Source::name),
            "cloud": self.cloud().name(),
            "authority": self.chain.authority_host(),
            "scope": self.chain.chosen().map_or(self.chain.scope(Source::Token), |s| self.chain.scope(s)),
            "sources": sources,
        });
        match &self.outcome {
            Err(problem) => {
                out["failures"] = json!(problem.failures);
                out["fix"] = json!(problem.hint);
            }
            Ok(None) => out["token"] = json!({ "readable": false, "note": self.opaque }),
            Ok(Some(claims)) => {
                out["token"] = json!({
                    "readable": true,
                    "kind": if claims.kind() == TokenKind::AppUser { "app+user" } else { "app-only" },
                    "tenant": claims.tenant(),
                    "app_id": claims.app_id(),
                    "user": claims.user(),
                    "roles": claims.roles(),
                    "scopes": claims.scopes().collect::<Vec<_>>(),
                    "audience": claims.audience(),
                    "for_partner_center": claims.is_for(self.cloud()),
                    "issuer": claims.issuer(),
                    "issuer_matches_cloud": claims.issuer_matches(self.cloud()),
                    "expires": claims.expires_at().map(|t| humantime::format_rfc3339_seconds(t).to_string()),
                    "warnings": self.warnings(claims),
                })
            }
        }
        out
    }
}

fn or_dash(text: String) -> String {
    if text.is_empty() { "-".to_owned() } else { text }
}

fn expired(claims: &TokenClaims) -> bool {
    claims.expires_at().is_some_and(|at| at <= SystemTime::now())
}

fn expiry(claims: &TokenClaims) -> String {
    let Some(at) = claims.expires_at() else { return "-".to_owned() };
    let when = humantime::format_rfc3339_seconds(at);
    match at.duration_since(SystemTime::now()) {
        Ok(left) => format!("{when} (in {} min)", left.as_secs() / 60),
        Err(_) => format!("{when} (expired)"),
    }
}
