//! The compared clients: three ways to send Partner Center the same request. Bare `reqwest` is
//! the floor (what any client must pay); the generated client alone shows what the generated
//! layer adds; the facade is what users call. Each builds the request the facade would send, so
//! the difference between them is the client's cost and nothing else.

use partner_center_client::hooks::CallContext;
use partner_center_client::{AccessToken, PartnerCenter, RetryPolicy, generated};
use uuid::Uuid;

use crate::floor;

/// The bearer token every client sends and every seeded sandbox accepts.
pub const TOKEN: &str = "bench-token";

/// A compared client. Items 2 and 6 compare bare and facade only; item 1 and `profile` all
/// three.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Variant {
    Bare,
    Generated,
    Facade,
}

impl Variant {
    /// Item 1's turn order, and the names `profile` accepts.
    pub const ALL: [Self; 3] = [Self::Bare, Self::Generated, Self::Facade];

    /// The variant `profile` names on its command line.
    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Bare => "bare",
            Self::Generated => "generated",
            Self::Facade => "facade",
        }
    }
}

/// The facade as a user builds it: a static token, the default retry policy.
pub fn facade(base_url: &str) -> PartnerCenter {
    PartnerCenter::builder()
        .base_url(base_url)
        .bearer_token(TOKEN)
        .retry_policy(RetryPolicy::default())
        .build()
        .expect("client")
}

/// Bare reqwest, with the facade's user agent so the two requests are byte for byte alike.
pub fn bare() -> reqwest::Client {
    partner_center_client::ensure_crypto_provider();
    reqwest::Client::builder()
        .user_agent(partner_center_client::USER_AGENT)
        .build()
        .expect("reqwest")
}

/// The same request the facade sends, by hand.
pub async fn bare_delete(http: &reqwest::Client, base_url: &str, id: Uuid) -> u16 {
    http.delete(format!("{base_url}/v1/customers/{id}"))
        .header("Authorization", format!("Bearer {TOKEN}"))
        .header("Accept", "application/json")
        .header("Content-Length", "0")
        .header("MS-RequestId", Uuid::new_v4().to_string())
        .header("MS-CorrelationId", Uuid::new_v4().to_string())
        .header("MS-PartnerCenter-Application", "partner-center-client")
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

/// The same request through the generated client alone (ids set by hand, as the facade's hooks
/// would).
async fn generated_delete(client: &generated::Client, id: Uuid) -> bool {
    client
        .delete_customer()
        .customer_tenant_id(id)
        .ms_request_id(Uuid::new_v4())
        .ms_correlation_id(Uuid::new_v4())
        .ms_partner_center_application("partner-center-client")
        .send()
        .await
        .is_ok()
}

/// The same request through the facade; whether it succeeded.
pub async fn facade_delete(pc: &PartnerCenter, id: Uuid) -> bool {
    pc.customers().by_id(id.into()).delete().await.is_ok()
}

/// All three variants, each with its own connection pool, pointed at one floor server.
pub struct Clients {
    pub server: floor::Server,
    pub url: String,
    pub http: reqwest::Client,
    pub pc: PartnerCenter,
    generated: generated::Client,
}

impl Clients {
    pub async fn start() -> Self {
        let server = floor::Server::start().await;
        let url = server.url();
        let ctx = CallContext::new(AccessToken::new(TOKEN)).expect("token");
        let generated = generated::Client::new_with_client(&url, bare(), ctx);
        Self { pc: facade(&url), http: bare(), generated, url, server }
    }

    /// One DELETE through `variant`; whether the server answered 204.
    pub async fn delete(&self, variant: Variant, id: Uuid) -> bool {
        match variant {
            Variant::Bare => bare_delete(&self.http, &self.url, id).await == 204,
            Variant::Generated => generated_delete(&self.generated, id).await,
            Variant::Facade => facade_delete(&self.pc, id).await,
        }
    }
}
