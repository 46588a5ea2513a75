//! The client: [`PartnerCenter`] and its `customers()` collection: `by_id(id).get()`,
//! `.delete()`, ... and `list()`.

use std::fmt;
use std::sync::Arc;

use reqwest::header::HeaderValue;

use crate::builder::PartnerCenterBuilder;
use crate::cloud::Cloud;
use crate::customers::Customers;
use crate::engine::pacer::Pacer;
use crate::engine::retry::RetryPolicy;
use crate::engine::watchdog::Watchdog;
use crate::tip::TipAccount;
use crate::token_cache::TokenCache;

/// A Partner Center client. Cheap to clone (clones share one connection pool), `Send + Sync`.
///
/// ```no_run
/// use partner_center_client::{Cloud, CustomerTenantId, PartnerCenter};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let pc = PartnerCenter::builder()
///     .cloud(Cloud::Global)
///     .bearer_token(std::env::var("PARTNER_CENTER_TOKEN")?)
///     .build()?;
/// let id: CustomerTenantId = "3b4a9d4f-2b1e-4c67-9f0a-1a2b3c4d5e6f".parse()?;
/// let deleted = pc.customers().by_id(id).delete().await?;
/// println!("deleted {id}: MS-RequestId {} MS-CorrelationId {}", deleted.call().request_id(), deleted.call().correlation_id());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PartnerCenter {
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub base_url: String,
    pub cloud: Cloud,
    pub http: reqwest::Client,
    pub tokens: TokenCache,
    pub application: HeaderValue,
    pub retry: RetryPolicy,
    pub pacer: Option<Arc<dyn Pacer>>,
    /// Times out every attempt of every call (one timer for the client, not one per attempt).
    pub watchdog: Watchdog,
    /// Whether writes production would carry out too may be sent ([`crate::tip`]).
    pub tip: TipAccount,
}

impl fmt::Debug for PartnerCenter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PartnerCenter")
            .field("base_url", &self.shared.base_url)
            .field("cloud", &self.shared.cloud)
            .field("tokens", &"<redacted>")
            .field("application", &self.shared.application)
            .field("retry", &self.shared.retry)
            .field("pacer", &self.shared.pacer.as_ref().map(|_| "<pacer>"))
            .finish()
    }
}

impl PartnerCenter {
    /// Starts configuring a client.
    pub fn builder() -> PartnerCenterBuilder {
        PartnerCenterBuilder::default()
    }

    pub(crate) fn from_shared(shared: Shared) -> Self {
        Self { shared: Arc::new(shared) }
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// The base URL calls go to.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// Whether the base URL is on loopback (`127.0.0.0/8`, `::1`, `localhost`): a local sandbox
    /// or a test server, not Partner Center.
    pub fn is_loopback(&self) -> bool {
        self.shared.tip == TipAccount::Loopback
    }

    /// The cloud configured (also when a base URL overrides its host).
    pub fn cloud(&self) -> Cloud {
        self.shared.cloud
    }

    /// Gets a token now, through the client's cache: a credential problem surfaces before any
    /// request, as [`Error::Auth`](crate::Error::Auth) with no call, instead of as the first
    /// call's failure (and a token with an expiry is then reused by that call). Bounded by the
    /// retry policy's attempt timeout, as a call's token is. Sends nothing to Partner Center.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let pc = partner_center_client::PartnerCenter::builder().bearer_token("t").build().unwrap();
    /// pc.check_credentials().await.expect("a fixed token is always there");
    /// # }
    /// ```
    pub async fn check_credentials(&self) -> Result<(), crate::Error> {
        self.authorization_now().await.map(drop)
    }

    /// The `Authorization` value a call would send now, bounded by the attempt timeout.
    async fn authorization_now(&self) -> Result<HeaderValue, crate::Error> {
        let limit = self.shared.retry.attempt_timeout();
        match tokio::time::timeout(limit, self.shared.tokens.authorization()).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(source)) => Err(crate::Error::Auth { source, call: None }),
            Err(_) => Err(crate::Error::Auth {
                source: format!("the token provider did not answer within {limit:?}").into(),
                call: None,
            }),
        }
    }

    /// Checks, before anything is sent, that writes Partner Center would also carry out for a
    /// production partner (cancelling orders) may be sent: the base URL is on loopback, or a
    /// TiP partner tenant was named
    /// ([`PartnerCenterBuilder::tip_partner_tenant`](crate::PartnerCenterBuilder::tip_partner_tenant))
    /// and the access token is that tenant's. Every such write checks the same on the token it
    /// carries; this is for a run that will write to refuse before its first read. Gets a
    /// token as [`check_credentials`](Self::check_credentials) does; sends nothing to Partner
    /// Center.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use partner_center_client::{Error, PartnerCenter};
    ///
    /// let unnamed = PartnerCenter::builder().bearer_token("eyJ...").build().unwrap();
    /// assert!(matches!(unnamed.check_tip_account().await, Err(Error::NotKnownTip { .. })));
    /// let local = PartnerCenter::builder().base_url("http://127.0.0.1:1").bearer_token("t").build().unwrap();
    /// assert!(local.check_tip_account().await.is_ok());
    /// # }
    /// ```
    pub async fn check_tip_account(&self) -> Result<(), crate::Error> {
        let authorization = self.authorization_now().await?;
        self.shared.tip.allows(&authorization).map_err(|reason| crate::Error::NotKnownTip {
            operation: "writes that would change a production partner's customers too",
            reason,
            call: None,
        })
    }

    /// The signed-in partner's customers.
    pub fn customers(&self) -> Customers<'_> {
        Customers { pc: self }
    }
}
