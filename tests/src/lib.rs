//! Test support shared by every test file: the sandbox and client set-ups the tests share,
//! and a scripted HTTP/1.1 server on 127.0.0.1 that records what it receives.
//!
//! The wire tests use the scripted server for answers the local sandbox cannot give (HTML
//! bodies, oversized bodies, redirects, exact status sequences).
//!
//! [`binary`] runs a built binary isolated from the machine (environment, `PATH`, stdin).
//! [`identity`] has what the offline credential tests need: a local Microsoft Entra ID token
//! endpoint over TLS, JWT-shaped test tokens, and fake `az`/`azd` tools.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::rustls::pki_types::pem::PemObject;

pub mod binary;
pub mod identity;

/// The token of the TiP partner in [`sandbox_with`].
pub const TIP: &str = "tip-token";
/// The token of the production (non-TiP) partner in [`sandbox_with`].
pub const PROD: &str = "production-token";

/// A sandbox with a TiP partner owning `customers` and a production partner owning
/// `prod_customers`.
pub async fn sandbox_with(
    customers: &[uuid::Uuid],
    prod_customers: &[uuid::Uuid],
) -> partner_center_sandbox::Sandbox {
    partner_center_sandbox::Sandbox::builder()
        .tip_partner(TIP)
        .customers(customers.iter().copied())
        .production_partner(PROD)
        .customers(prod_customers.iter().copied())
        .start()
        .await
        .expect("sandbox starts")
}

/// `n` fresh customer ids.
pub fn ids(n: usize) -> Vec<uuid::Uuid> {
    (0..n).map(|_| uuid::Uuid::new_v4()).collect()
}

/// A sandbox whose only partner (TiP) signs in with `token` and has one customer: for tests
/// whose point is which token arrives.
pub async fn sandbox_accepting(token: &str) -> partner_center_sandbox::Sandbox {
    partner_center_sandbox::Sandbox::builder()
        .tip_partner(token)
        .customers([uuid::Uuid::new_v4()])
        .start()
        .await
        .expect("sandbox starts")
}

/// A client for `base_url` with `token` and `policy`.
pub fn client_for(
    base_url: &str,
    token: &str,
    policy: partner_center_client::RetryPolicy,
) -> partner_center_client::PartnerCenter {
    partner_center_client::PartnerCenter::builder()
        .base_url(base_url)
        .bearer_token(token)
        .retry_policy(policy)
        .build()
        .expect("client builds")
}

/// A client for `sandbox` with `token` and `policy`.
pub fn sandbox_client(
    sandbox: &partner_center_sandbox::Sandbox,
    token: &str,
    policy: partner_center_client::RetryPolicy,
) -> partner_center_client::PartnerCenter {
    client_for(&sandbox.base_url(), token, policy)
}

/// Retries with millisecond backoff, so tests spend no time waiting unless they mean to.
pub fn quick_retries() -> partner_center_client::RetryPolicy {
    partner_center_client::RetryPolicy::default()
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_millis(20))
        .with_attempt_timeout(Duration::from_secs(10))
        .with_deadline(Duration::from_secs(20))
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Headers in arrival order, names lower-case.
    pub headers: Vec<(String, String)>,
    /// When it arrived.
    pub at: Instant,
}

impl Seen {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }
}

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Status.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
    /// Wait before answering.
    pub delay: Duration,
}

impl Reply {
    /// `204 No Content`, echoing the request ids.
    pub fn no_content() -> Self {
        Self::status(204)
    }

    /// A bare status.
    pub fn status(status: u16) -> Self {
        Self { status, headers: Vec::new(), body: Vec::new(), delay: Duration::ZERO }
    }

    /// A JSON body.
    pub fn json(status: u16, body: &str) -> Self {
        Self::status(status).header("Content-Type", "application/json").body(body.as_bytes())
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: &[u8]) -> Self {
        self.body = body.to_vec();
        self
    }

    /// Waits before answering.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

struct State {
    script: Mutex<VecDeque<Reply>>,
    fallback: Reply,
    seen: Mutex<Vec<Seen>>,
    connections: AtomicUsize,
}

/// A running scripted server; stops when dropped.
pub struct ScriptedServer {
    addr: SocketAddr,
    state: Arc<State>,
    task: JoinHandle<()>,
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ScriptedServer {
    /// Starts a server answering `script` in order, then `204` forever.
    pub async fn start(script: Vec<Reply>) -> Self {
        Self::start_with_fallback(script, Reply::no_content()).await
    }

    /// Starts a server answering `script` in order, then `fallback` forever.
    pub async fn start_with_fallback(script: Vec<Reply>, fallback: Reply) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(State {
            script: Mutex::new(script.into()),
            fallback,
            seen: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
        });
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                shared.connections.fetch_add(1, Ordering::SeqCst);
                let state = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service = service_fn(move |req| answer(Arc::clone(&state), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { addr, state, task }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Requests received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().expect("lock").clone()
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }
}

async fn answer(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let seen = Seen {
        method: req.method().to_string(),
        path: req.uri().path_and_query().map(ToString::to_string).unwrap_or_default(),
        headers: req
            .headers()
            .iter()
            .map(|(n, v)| {
                (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())
            })
            .collect(),
        at: Instant::now(),
    };
    let echo: Vec<(String, String)> = ["ms-requestid", "ms-correlationid"]
        .iter()
        .filter_map(|n| seen.header(n).map(|v| (n.to_string(), v.to_string())))
        .collect();
    state.seen.lock().expect("lock").push(seen);
    let reply =
        state.script.lock().expect("lock").pop_front().unwrap_or_else(|| state.fallback.clone());
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in echo.into_iter().chain(reply.headers) {
        if let (Ok(n), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            hyper::header::HeaderValue::from_str(&value),
        ) {
            response.headers_mut().append(n, v);
        }
    }
    Ok(response)
}

/// A test-only TLS file from `tests/fixtures/tls/` (`ca.pem`, `server.pem`, `server.key`).
pub fn tls_fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tls").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The path of a test-only credential file in `tests/fixtures/auth/` (`app.key`, `app.pem`,
/// `app-combined.pem`, `app-encrypted.pem`; see the README there).
pub fn auth_fixture_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/auth").join(name)
}

/// The contents of a test-only credential file in `tests/fixtures/auth/`.
pub fn auth_fixture(name: &str) -> Vec<u8> {
    let path = auth_fixture_path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A rustls server configuration (aws-lc-rs) with the fixture certificate for 127.0.0.1.
pub(crate) fn tls_server_config() -> tokio_rustls::rustls::ServerConfig {
    let certs = vec![
        tokio_rustls::rustls::pki_types::CertificateDer::from_pem_slice(&tls_fixture("server.pem"))
            .expect("cert"),
    ];
    let key =
        tokio_rustls::rustls::pki_types::PrivateKeyDer::from_pem_slice(&tls_fixture("server.key"))
            .expect("key");
    tokio_rustls::rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        tokio_rustls::rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocols")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("server config")
}

/// A TLS server on 127.0.0.1 with the fixture certificate, answering every request `204`;
/// returns its base URL and the count of TLS handshakes it saw begin.
pub async fn https_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let config = tls_server_config();
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let handshakes = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = std::sync::Arc::clone(&handshakes);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else { return };
                let mut buf = vec![0u8; 8192];
                let mut head = Vec::new();
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tokio::io::AsyncReadExt::read(&mut tls, &mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let _ =
                    tls.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n").await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (format!("https://127.0.0.1:{port}"), handshakes)
}
