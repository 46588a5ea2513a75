//! Configuring a sandbox and starting it.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use uuid::Uuid;

use crate::chaos::{self, Chaos};
use crate::customers::delete::DeleteBlockers;
use crate::layers::{self, idempotency::Idempotency};
use crate::orders::purchases::{DEFAULT_CANCELLATION_LATENCY, OrderSeed};
use crate::running::Sandbox;
use crate::seed::{self, IdSource, PartnerSeed, Stream};
use crate::shared::Shared;
use crate::subscriptions::model::{
    DEFAULT_AZURE_ENTITLEMENT_LATENCY, DEFAULT_SUBSCRIPTION_LATENCY, SubscriptionSeed,
};
#[cfg(feature = "tls")]
use crate::tls;
use crate::{
    DEFAULT_PURCHASE_LISTING_LAG, DEFAULT_READ_AFTER_CREATE_LAG, DEFAULT_TOKEN,
    HEADER_READ_TIMEOUT, TIP_CUSTOMER_LIMIT, server,
};

/// Configures a [`Sandbox`].
pub struct SandboxBuilder {
    partners: Vec<PartnerSeed>,
    idempotency: Idempotency,
    addr: Option<SocketAddr>,
    rate_limit: Option<(NonZeroU32, NonZeroU32)>,
    header_read_timeout: Duration,
    cancellation_latency: Duration,
    subscription_latency: Duration,
    azure_entitlement_latency: Duration,
    subscription_updates_accepted: bool,
    read_after_create_lag: Duration,
    customer_limit: usize,
    purchase_listing_lag: Duration,
    purchases_refusal: Option<axum::http::StatusCode>,
    blockers: DeleteBlockers,
    purchases_share: f64,
    subscriptions_share: f64,
    chaos: Option<Chaos>,
    seed: Option<u64>,
    admin_token: Option<String>,
    #[cfg(feature = "tls")]
    tls: bool,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        Self {
            partners: Vec::new(),
            idempotency: Idempotency::default(),
            addr: None,
            rate_limit: None,
            header_read_timeout: HEADER_READ_TIMEOUT,
            cancellation_latency: DEFAULT_CANCELLATION_LATENCY,
            subscription_latency: DEFAULT_SUBSCRIPTION_LATENCY,
            azure_entitlement_latency: DEFAULT_AZURE_ENTITLEMENT_LATENCY,
            subscription_updates_accepted: false,
            read_after_create_lag: DEFAULT_READ_AFTER_CREATE_LAG,
            customer_limit: TIP_CUSTOMER_LIMIT,
            purchase_listing_lag: DEFAULT_PURCHASE_LISTING_LAG,
            purchases_refusal: None,
            blockers: DeleteBlockers::default(),
            purchases_share: 0.0,
            subscriptions_share: 0.0,
            chaos: None,
            seed: None,
            admin_token: None,
            #[cfg(feature = "tls")]
            tls: false,
        }
    }
}

impl std::fmt::Debug for SandboxBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxBuilder")
            .field("partners", &self.partners.len())
            .field("idempotency", &self.idempotency)
            .field("addr", &self.addr)
            .field("rate_limit", &self.rate_limit)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("cancellation_latency", &self.cancellation_latency)
            .field("subscription_latency", &self.subscription_latency)
            .field("subscription_updates_accepted", &self.subscription_updates_accepted)
            .field("read_after_create_lag", &self.read_after_create_lag)
            .field("customer_limit", &self.customer_limit)
            .field("purchase_listing_lag", &self.purchase_listing_lag)
            .field("purchases_share", &self.purchases_share)
            .field("subscriptions_share", &self.subscriptions_share)
            .field("blockers", &self.blockers)
            .field("chaos", &self.chaos)
            .field("seed", &self.seed)
            .finish()
    }
}

impl SandboxBuilder {
    /// Adds a Testing-in-Production partner account that authenticates with `token`.
    pub fn tip_partner(self, token: impl Into<String>) -> Self {
        self.partner(true, token)
    }

    /// Adds a production (non-TiP) partner account: its deletes are refused with `403`.
    pub fn production_partner(self, token: impl Into<String>) -> Self {
        self.partner(false, token)
    }

    fn partner(mut self, tip: bool, token: impl Into<String>) -> Self {
        self.partners.push(PartnerSeed {
            tip,
            tokens: vec![token.into()],
            customers: Vec::new(),
            orders: Vec::new(),
            subscriptions: Vec::new(),
            azure_plans: Vec::new(),
        });
        self
    }

    /// Another token for the partner added last.
    pub fn also_token(mut self, token: impl Into<String>) -> Self {
        if let Some(p) = self.partners.last_mut() {
            p.tokens.push(token.into());
        }
        self
    }

    /// Customers of the partner added last (a TiP partner with token `sandbox-token` is
    /// added first when there is none).
    pub fn customers(mut self, ids: impl IntoIterator<Item = Uuid>) -> Self {
        if self.partners.is_empty() {
            self = self.tip_partner(DEFAULT_TOKEN);
        }
        if let Some(p) = self.partners.last_mut() {
            p.customers.extend(ids.into_iter().map(|id| (id, None)));
        }
        self
    }

    /// A customer of the partner added last, with its company name and domain (a TiP partner
    /// with token `sandbox-token` is added first when there is none).
    pub fn named_customer(
        mut self,
        id: Uuid,
        company_name: impl Into<String>,
        domain: impl Into<String>,
    ) -> Self {
        if self.partners.is_empty() {
            self = self.tip_partner(DEFAULT_TOKEN);
        }
        if let Some(p) = self.partners.last_mut() {
            p.customers.push((id, Some((company_name.into(), domain.into()))));
        }
        self
    }

    /// A customer of the partner added last (as [`Self::customers`]) with an active Azure
    /// Reserved VM Instance order and an active software order: deleting it is refused with
    /// `409` and the description Partner Center gives ("Customer relationship cannot be
    /// removed due to active Azure reserved instances.Please cancel the following orders: …")
    /// until both are cancelled.
    pub fn customer_with_active_purchases(self, id: Uuid) -> Self {
        self.customer_with_orders(id, [OrderSeed::reserved_instance(), OrderSeed::software()])
    }

    /// A customer of the partner added last (as [`Self::customers`]) with these orders. Its
    /// deletion is refused (`409`, naming the orders by alternate id) while any of them is not
    /// cancelled.
    pub fn customer_with_orders(
        mut self,
        id: Uuid,
        orders: impl IntoIterator<Item = OrderSeed>,
    ) -> Self {
        self = self.customers([id]);
        if let Some(p) = self.partners.last_mut() {
            p.orders.push((id, orders.into_iter().collect()));
        }
        self
    }

    /// A customer of the partner added last (as [`Self::customers`]) with these subscriptions
    /// (new-commerce, legacy, marketplace; see [`SubscriptionSeed`]).
    pub fn customer_with_subscriptions(
        mut self,
        id: Uuid,
        subscriptions: impl IntoIterator<Item = SubscriptionSeed>,
    ) -> Self {
        self = self.customers([id]);
        if let Some(p) = self.partners.last_mut() {
            p.subscriptions.push((id, subscriptions.into_iter().collect()));
        }
        self
    }

    /// How long an updated subscription takes to read its new status (`deleted`,
    /// `suspended`, `active`; default [`DEFAULT_SUBSCRIPTION_LATENCY`]; zero: at once).
    /// Meanwhile a read shows the status it had; the update's own answer shows the new one.
    pub fn subscription_latency(mut self, latency: Duration) -> Self {
        self.subscription_latency = latency;
        self
    }

    /// How long a cancelled Azure entitlement takes to read `inactive` (default
    /// [`DEFAULT_AZURE_ENTITLEMENT_LATENCY`]; Partner Center's documented "about 10 minutes"
    /// is [`DOCUMENTED_AZURE_ENTITLEMENT_LATENCY`](crate::DOCUMENTED_AZURE_ENTITLEMENT_LATENCY)). Meanwhile it reads `active`, and its plan
    /// cannot be suspended.
    pub fn azure_entitlement_latency(mut self, latency: Duration) -> Self {
        self.azure_entitlement_latency = latency;
        self
    }

    /// How long a created customer reads as not found by id (its read, delete, entitlements,
    /// orders, subscriptions: `404`, code 60003) while the listing already shows it (default
    /// [`DEFAULT_READ_AFTER_CREATE_LAG`](crate::DEFAULT_READ_AFTER_CREATE_LAG); one public
    /// report saw about 90 seconds).
    pub fn read_after_create_lag(mut self, lag: Duration) -> Self {
        self.read_after_create_lag = lag;
        self
    }

    /// How long the entitlements of an order a checkout placed take to appear (default
    /// [`DEFAULT_PURCHASE_LISTING_LAG`](crate::DEFAULT_PURCHASE_LISTING_LAG); documented: up to
    /// 15 minutes). Meanwhile only the checkout's answer names the order.
    pub fn purchase_listing_lag(mut self, lag: Duration) -> Self {
        self.purchase_listing_lag = lag;
        self
    }

    /// The most customers a partner may hold: a create past it is refused with `400`, code
    /// 800018 (default [`TIP_CUSTOMER_LIMIT`], the documented 75).
    pub fn customer_limit(mut self, limit: usize) -> Self {
        self.customer_limit = limit;
        self
    }

    /// Answers each accepted subscription update with `202 Accepted` and a `Location` naming
    /// the subscription, as Partner Center does when a change takes longer than the call,
    /// instead of `200` with the subscription. The change is made as with `200`.
    pub fn subscription_updates_accepted(mut self) -> Self {
        self.subscription_updates_accepted = true;
        self
    }

    /// A customer of the partner added last (as [`Self::customers`]) with an Azure plan
    /// holding two active Azure subscriptions (`SubscriptionSeed::azure_plan(2)`): its
    /// deletion is refused (`409`, naming the plan's order) until the plan is suspended, which
    /// is refused (`403`, code 900115) until each Azure subscription is cancelled and reads
    /// `inactive` ([`Self::azure_entitlement_latency`]). The entitlements the documented
    /// procedure reads do not show the plan; the subscriptions do.
    pub fn customer_with_azure_plan(mut self, id: Uuid) -> Self {
        self = self.customers([id]);
        if let Some(p) = self.partners.last_mut() {
            p.azure_plans.push(id);
        }
        self
    }

    /// Gives a customer already added (by [`Self::customers`] or [`Self::named_customer`], with
    /// its name kept) an Azure plan, as [`Self::customer_with_azure_plan`] does.
    pub fn azure_plan_for(mut self, id: Uuid) -> Self {
        if let Some(p) = self.partners.last_mut() {
            p.azure_plans.push(id);
        }
        self
    }

    /// Gives about this share (0 to 1) of the customers seeded without orders some, in a
    /// repeating pattern: a Reserved Instance order; a software order of two line items, each
    /// including two more entitlements (one order id throughout); both. Default 0.
    pub fn purchases_share(mut self, share: f64) -> Self {
        self.purchases_share = if share.is_finite() { share.clamp(0.0, 1.0) } else { 0.0 };
        self
    }

    /// Gives about this share (0 to 1) of the customers seeded without purchases of their own,
    /// and given no orders by [`Self::purchases_share`], subscriptions, in a repeating pattern:
    /// a new-commerce subscription; a new-commerce and a legacy one; a new-commerce and a
    /// commercial-marketplace one. Each blocks the delete until it is cancelled or suspended
    /// (under the default [`DeleteBlockers`]). Default 0.
    pub fn subscriptions_share(mut self, share: f64) -> Self {
        self.subscriptions_share = if share.is_finite() { share.clamp(0.0, 1.0) } else { 0.0 };
        self
    }

    /// How long a cancelled order takes to read `cancelled` (default
    /// [`DEFAULT_CANCELLATION_LATENCY`]; zero: at once). Meanwhile it reads as before, and
    /// another cancel of it is `409` (code 800060, "in progress").
    pub fn cancellation_latency(mut self, latency: Duration) -> Self {
        self.cancellation_latency = latency;
        self
    }

    /// The status of a delete refused for active purchases (default `409`). Partner Center's
    /// is not documented (only the refusal's wording is, from a user's report), so clients
    /// must recognise it by what it says: tests can try `400` or `403` too.
    pub fn purchases_refusal_status(mut self, status: axum::http::StatusCode) -> Self {
        self.purchases_refusal = Some(status);
        self
    }

    /// What blocks a delete (default [`DeleteBlockers::default`]: orders not cancelled, an
    /// Azure plan, an active subscription). The docs do not say in full: this is the rule to
    /// change when the real service is shown to differ.
    pub fn delete_blocked_by(mut self, blockers: DeleteBlockers) -> Self {
        self.blockers = blockers;
        self
    }

    /// Throttles each partner above `per_minute` requests a minute on each documented
    /// resource ([`Resource`](crate::Resource): customers, orders, subscriptions), with bursts of up to `burst`, answering
    /// `429` with `Retry-After` and the throttling body, as Partner Center does above its
    /// documented limits (500 a minute on each). Default: no limit.
    pub fn rate_limit(mut self, per_minute: NonZeroU32, burst: NonZeroU32) -> Self {
        self.rate_limit = Some((per_minute, burst));
        self
    }

    /// Bounds on remembered outcomes (default: [`Idempotency::default`]).
    pub fn idempotency(mut self, idempotency: Idempotency) -> Self {
        self.idempotency = idempotency;
        self
    }

    /// How long a connection may take to send a request's head before it is closed (default
    /// [`HEADER_READ_TIMEOUT`]; zero is taken as one millisecond).
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// Seeded random faults on every route ([`Chaos`]): for tests that a client converges
    /// whatever fails, replayable from the seed. Without [`Self::seed`], the chaos seed also
    /// seeds the ids the sandbox makes up.
    pub fn chaos(mut self, chaos: Chaos) -> Self {
        self.chaos = Some(chaos);
        self
    }

    /// Draws the ids the sandbox makes up from `seed`: the ids of orders seeded without one
    /// (their alternate ids and reservations too) and [`Self::customer_ids`]. The same set-up
    /// with the same seed gives the same ids, so a sequential client sends the same requests
    /// and, with [`Self::chaos`], meets the same faults. Default: the chaos seed, when
    /// [`Self::chaos`] is given; otherwise fresh random ids each start. Ids you pass in are
    /// kept as they are.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use partner_center_sandbox::{OrderSeed, Sandbox};
    ///
    /// let start = || async {
    ///     let builder = Sandbox::builder().seed(42);
    ///     let customer = builder.customer_ids().next().unwrap();
    ///     let sandbox = builder.customer_with_orders(customer, [OrderSeed::software()]);
    ///     let sandbox = sandbox.start().await.unwrap();
    ///     (customer, sandbox.orders(customer))
    /// };
    /// assert_eq!(start().await, start().await);
    /// # }
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Customer ids to seed with ([`Self::customers`], [`Self::named_customer`], …), endless:
    /// drawn from the seed ([`Self::seed`], else the chaos seed), the same ones in the same
    /// order each time, or fresh random ones without a seed. They never depend on how many
    /// ids the sandbox draws for orders. The binary's `--customers N` and `--bystanders N`
    /// are the first ones.
    ///
    /// ```
    /// use partner_center_sandbox::{Chaos, Sandbox};
    ///
    /// let ids: Vec<_> = Sandbox::builder().seed(7).customer_ids().take(3).collect();
    /// let again: Vec<_> = Sandbox::builder().chaos(Chaos::new(7, 0.1)).customer_ids().take(3).collect();
    /// assert_eq!(ids, again);
    /// assert_ne!(ids, Sandbox::builder().seed(8).customer_ids().take(3).collect::<Vec<_>>());
    /// ```
    pub fn customer_ids(&self) -> impl Iterator<Item = Uuid> + Send + use<> {
        IdSource::new(self.id_seed(), Stream::Customers)
    }

    /// The seed of the ids it makes up, if any.
    fn id_seed(&self) -> Option<u64> {
        self.seed.or(self.chaos.map(|c| c.seed()))
    }

    /// Opens the admin routes under [`ADMIN_PREFIX`](crate::ADMIN_PREFIX) to this token (never
    /// a partner's): `GET /_sandbox/state` (every customer and order), `GET /_sandbox/requests`
    /// (the request record, with the fault each met and whether it was applied), `POST
    /// /_sandbox/hold?from=K` (hold every request from arrival K on, 0-based), `GET
    /// /_sandbox/arrivals?at_least=N` (answers once N requests have arrived, while a hold is
    /// armed) and `POST /_sandbox/release` (let the held ones go, hold no more). For tests that
    /// run the sandbox as its own process; in-process tests read [`Sandbox::requests`] instead.
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.admin_token = Some(token.into());
        self
    }

    /// Serves HTTPS (feature `tls`) with a certificate authority made at start, for
    /// `127.0.0.1` and `localhost`: trust [`Sandbox::ca_certificate_pem`] in the client under
    /// test. HTTP/2 or HTTP/1.1, as the client's ALPN offers.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sandbox = partner_center_sandbox::Sandbox::builder().tls().start().await.unwrap();
    /// assert!(sandbox.base_url().starts_with("https://127.0.0.1:"));
    /// assert!(sandbox.ca_certificate_pem().unwrap().starts_with("-----BEGIN CERTIFICATE-----"));
    /// # }
    /// ```
    #[cfg(feature = "tls")]
    pub fn tls(mut self) -> Self {
        self.tls = true;
        self
    }

    /// Listens on `addr` (default `127.0.0.1:0`, a free port).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.addr = Some(addr);
        self
    }

    /// Starts serving in the background. Dropping the returned [`Sandbox`] stops it.
    pub async fn start(self) -> std::io::Result<Sandbox> {
        let id_seed = self.id_seed();
        let mut order_ids = IdSource::new(id_seed, Stream::Orders);
        let mut subscription_ids = IdSource::new(id_seed, Stream::Subscriptions);
        let (store, accounts) = seed::store(
            &self.partners,
            seed::Shares { orders: self.purchases_share, subscriptions: self.subscriptions_share },
            self.cancellation_latency,
            &mut order_ids,
            &mut subscription_ids,
        );
        let mut store = store;
        store.purchases_refusal = self.purchases_refusal;
        store.blockers = self.blockers;
        store.subscription_latency = self.subscription_latency;
        store.azure_entitlement_latency = self.azure_entitlement_latency;
        store.subscription_updates_accepted = self.subscription_updates_accepted;
        store.read_after_create_lag = self.read_after_create_lag;
        store.customer_limit = self.customer_limit;
        store.purchase_listing_lag = self.purchase_listing_lag;
        let shared = Arc::new(Shared {
            accounts,
            store: Mutex::new(store),
            replays: layers::idempotency::Replays::new(self.idempotency),
            faults: Default::default(),
            requests: Mutex::new(VecDeque::new()),
            arrivals: Default::default(),
            connections: AtomicUsize::new(0),
            realm: IdSource::new(id_seed, Stream::Realm).uuid(),
            // Not seeded: continuation tokens carry their time, and no seed makes them guessable.
            secret: Uuid::new_v4().as_u128(),
            rate_limit: self
                .rate_limit
                .map(|(per_minute, burst)| layers::rate_limit::limiter(per_minute, burst)),
            throttled: AtomicUsize::new(0),
            chaos: self.chaos.map(chaos::State::new),
            gate: Default::default(),
            admin_token: self.admin_token,
        });
        let addr = self.addr.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        #[cfg(feature = "tls")]
        let (transport, ca_pem) = if self.tls {
            let tls = tls::generate()?;
            (server::Transport::Tls(tls.acceptor), Some(tls.ca_pem))
        } else {
            (server::Transport::Plain, None)
        };
        #[cfg(not(feature = "tls"))]
        let (transport, ca_pem) = (server::Transport::Plain, None);
        let (addr, task) =
            server::start(addr, Arc::clone(&shared), self.header_read_timeout, transport).await?;
        Ok(Sandbox { addr, shared, task, ca_pem })
    }
}
