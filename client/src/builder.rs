//! Configuring a [`PartnerCenter`] client.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::HeaderValue;
use uuid::Uuid;

use crate::client::{PartnerCenter, Shared};
use crate::cloud::Cloud;
use crate::engine::pacer::Pacer;
use crate::engine::retry::RetryPolicy;
use crate::engine::watchdog::Watchdog;
use crate::error::Error;
use crate::tip::TipAccount;
use crate::token::{AccessToken, StaticToken, TokenProvider};
use crate::token_cache::TokenCache;

/// The `User-Agent` every request carries.
pub const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// Builds a [`PartnerCenter`]; see there for an example.
///
/// Defaults: [`Cloud::Global`], `MS-PartnerCenter-Application: partner-center-client`,
/// [`RetryPolicy::default`], a 10 s connect timeout. A credential is required.
pub struct PartnerCenterBuilder {
    cloud: Cloud,
    base_url: Option<String>,
    tokens: Option<Arc<dyn TokenProvider>>,
    application: String,
    retry: RetryPolicy,
    connect_timeout: Duration,
    pacer: Option<Arc<dyn Pacer>>,
    http: Http,
    tip_partner_tenant: Option<Uuid>,
}

/// Where the HTTP client comes from.
enum Http {
    /// Built here with the documented settings.
    Default,
    /// Built here, then adjusted by the caller.
    Configured(Box<dyn FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send>),
    /// The caller's own.
    Given(reqwest::Client),
}

impl Default for PartnerCenterBuilder {
    fn default() -> Self {
        Self {
            cloud: Cloud::Global,
            base_url: None,
            tokens: None,
            application: env!("CARGO_PKG_NAME").to_string(),
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            pacer: None,
            http: Http::Default,
            tip_partner_tenant: None,
        }
    }
}

impl fmt::Debug for PartnerCenterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PartnerCenterBuilder")
            .field("cloud", &self.cloud)
            .field("base_url", &self.base_url)
            .field("tokens", &self.tokens.as_ref().map(|_| "<redacted>"))
            .field("application", &self.application)
            .field("retry", &self.retry)
            .field("connect_timeout", &self.connect_timeout)
            .field("pacer", &self.pacer.as_ref().map(|_| "<pacer>"))
            .field("tip_partner_tenant", &self.tip_partner_tenant)
            .field(
                "http",
                &match self.http {
                    Http::Default => "default",
                    Http::Configured(_) => "configured",
                    Http::Given(_) => "given",
                },
            )
            .finish()
    }
}

impl PartnerCenterBuilder {
    /// The cloud whose API to call (default [`Cloud::Global`]).
    pub fn cloud(mut self, cloud: Cloud) -> Self {
        self.cloud = cloud;
        self
    }

    /// Calls this base URL instead of the cloud's, for example a local sandbox. It must be
    /// `https://`, or `http://` on a loopback host (`127.0.0.0/8`, `::1`, `localhost`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Authenticates every call with this fixed token.
    pub fn bearer_token(self, token: impl Into<AccessToken>) -> Self {
        self.token_provider(StaticToken::new(token))
    }

    /// Gets tokens from `provider`, cached until shortly before they expire (see
    /// [`TokenProvider`]).
    pub fn token_provider(mut self, provider: impl TokenProvider) -> Self {
        self.tokens = Some(Arc::new(provider));
        self
    }

    /// The `MS-PartnerCenter-Application` header: your application's name.
    pub fn application_name(mut self, name: impl Into<String>) -> Self {
        self.application = name.into();
        self
    }

    /// Retry and timeout settings.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Waits on `pacer` before every attempt and tells it about every throttled answer (see
    /// [`Pacer`]); shared by every clone of the client. Default: none.
    pub fn pacer(mut self, pacer: impl Pacer) -> Self {
        self.pacer = Some(Arc::new(pacer));
        self
    }

    /// Uses your own `reqwest::Client` (a corporate proxy, custom roots, a pool shared with the
    /// rest of your service). What still holds: the token travels only in a sensitive
    /// `Authorization` header set per attempt, the attempt timeout and deadline, retries, ids
    /// and body bounds. What you now own: the redirect policy (this client follows only
    /// 307/308, at most 5 — reqwest's default follows 301/302/303 too, turning a DELETE into a
    /// GET; reqwest drops `Authorization` on a redirect to another host either way), the
    /// connect timeout, the `User-Agent` and TLS settings.
    ///
    /// ```
    /// partner_center_client::ensure_crypto_provider(); // see its docs
    /// let http = reqwest::Client::builder()
    ///     .redirect(reqwest::redirect::Policy::none())
    ///     .build()?;
    /// let pc = partner_center_client::PartnerCenter::builder()
    ///     .http_client(http)
    ///     .bearer_token("token")
    ///     .build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Http::Given(client);
        self
    }

    /// Adjusts the `reqwest::ClientBuilder` this client makes, after its own settings
    /// (`User-Agent`, connect timeout, redirect policy), for example to add a proxy or a root
    /// certificate. Whatever you override of those is yours (see [`Self::http_client`]).
    ///
    /// ```
    /// let pc = partner_center_client::PartnerCenter::builder()
    ///     .configure_http(|b| b.proxy(reqwest::Proxy::https("http://proxy.example:3128").expect("proxy")))
    ///     .bearer_token("token")
    ///     .build()?;
    /// # Ok::<(), partner_center_client::Error>(())
    /// ```
    pub fn configure_http(
        mut self,
        configure: impl FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + 'static,
    ) -> Self {
        self.http = Http::Configured(Box::new(configure));
        self
    }

    /// Names the Testing in Production (integration sandbox) partner tenant these credentials
    /// are for. A write that Partner Center would also carry out for a production partner — a
    /// cancel, which production partners use on software orders — is sent only when the
    /// tenant (`tid`) of the access token it carries is this one; without it such a write is
    /// refused before anything is sent ([`Error::NotKnownTip`]). Reads and the customer delete
    /// (which Partner Center refuses outside TiP) need no tenant. A base URL on loopback (the
    /// local sandbox, a test server) is not Partner Center: there every write is allowed.
    ///
    /// ```
    /// use partner_center_client::PartnerCenter;
    ///
    /// let tip: uuid::Uuid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0".parse().unwrap();
    /// let pc = PartnerCenter::builder().bearer_token("eyJ...").tip_partner_tenant(tip).build()?;
    /// # let _ = pc; Ok::<(), partner_center_client::Error>(())
    /// ```
    pub fn tip_partner_tenant(mut self, tenant: Uuid) -> Self {
        self.tip_partner_tenant = Some(tenant);
        self
    }

    /// The limit on opening a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Checks the configuration and builds the client (and its connection pool).
    pub fn build(self) -> Result<PartnerCenter, Error> {
        let invalid = |message: String| Error::InvalidConfig { message };
        let tokens = self.tokens.ok_or_else(|| {
            invalid("no credentials: call `bearer_token(...)` or `token_provider(...)`".into())
        })?;
        let (base_url, loopback) = match &self.base_url {
            Some(url) => checked_base_url(url).map_err(invalid)?,
            None => (self.cloud.base_url().to_string(), false),
        };
        let tip = match (loopback, self.tip_partner_tenant) {
            (true, _) => TipAccount::Loopback,
            (false, Some(tenant)) => TipAccount::Named(tenant),
            (false, None) => TipAccount::Unnamed,
        };
        let application = HeaderValue::from_str(&self.application)
            .ok()
            .filter(|_| !self.application.is_empty())
            .ok_or_else(|| {
                invalid(format!(
                    "application name {:?} cannot be an HTTP header value: use visible ASCII",
                    self.application
                ))
            })?;
        // reqwest reads HTTP_PROXY / HTTPS_PROXY / ALL_PROXY / NO_PROXY from the environment,
        // as its users expect.
        let ours = || {
            reqwest::Client::builder()
                .user_agent(USER_AGENT)
                .connect_timeout(self.connect_timeout)
                .redirect(redirect_policy())
                // The request stays the documented one (no `Accept-Encoding`) whatever reqwest
                // features another crate in the build turns on; bodies are small JSON.
                .no_gzip()
                .no_deflate()
                .no_brotli()
                .no_zstd()
        };
        crate::ensure_crypto_provider();
        let http = match self.http {
            Http::Given(client) => Ok(client),
            Http::Default => ours().build(),
            Http::Configured(configure) => configure(ours()).build(),
        }
        .map_err(|e| invalid(format!("cannot build the HTTP client: {e}")))?;
        // Token requests go through the same client (proxies, extra roots) when the provider
        // makes its own.
        tokens.use_http_client(&http);
        let scope = format!("{} (cloud {})", self.cloud.token_scope(), self.cloud.name());
        Ok(PartnerCenter::from_shared(Shared {
            base_url,
            cloud: self.cloud,
            http,
            tokens: TokenCache::new(tokens, scope),
            application,
            retry: self.retry,
            pacer: self.pacer,
            watchdog: Watchdog::default(),
            tip,
        }))
    }
}

/// The most redirects a call follows.
const MAX_REDIRECTS: usize = 5;

/// Follows only redirects that keep the method (307, 308), at most [`MAX_REDIRECTS`]. A 301/302/303 would
/// turn the DELETE into a GET; it is returned as an answer instead. On a redirect to another
/// host reqwest drops `Authorization`, so the token never leaves the configured host.
fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        // `previous()` holds the original URL too: 5 redirects followed means 6 entries.
        if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else if matches!(attempt.status().as_u16(), 307 | 308) {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// The base URL without its trailing `/`, and whether it is on loopback.
fn checked_base_url(raw: &str) -> Result<(String, bool), String> {
    let url = Url::parse(raw).map_err(|e| format!("base URL `{raw}` is not a URL: {e}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("base URL must not carry credentials; use `bearer_token`".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("base URL `{raw}` must not have a query or fragment"));
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => return Err(format!("base URL `{raw}` has no host")),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(format!(
                "base URL `{raw}` uses http:// off loopback; the token would travel in clear text: use https://"
            ));
        }
        other => return Err(format!("base URL scheme `{other}` is not supported: use https://")),
    }
    Ok((url.as_str().trim_end_matches('/').to_string(), loopback))
}

#[cfg(test)]
mod tests {
    use super::checked_base_url;

    #[test]
    fn base_urls() {
        assert_eq!(
            checked_base_url("http://127.0.0.1:8080/"),
            Ok(("http://127.0.0.1:8080".to_string(), true))
        );
        assert_eq!(checked_base_url("https://example.com/base").map(|u| u.1), Ok(false));
        assert!(checked_base_url("http://127.9.9.9").is_ok());
        assert!(checked_base_url("http://[::1]:1").is_ok());
        assert!(checked_base_url("http://localhost:1").is_ok());
        assert!(checked_base_url("https://example.com/base").is_ok());
        for bad in [
            "http://10.0.0.1",
            "http://example.com",
            "ftp://127.0.0.1",
            "https://u:p@example.com",
            "nope",
            "https://example.com/?q=1",
        ] {
            assert!(checked_base_url(bad).is_err(), "{bad} accepted");
        }
    }
}
