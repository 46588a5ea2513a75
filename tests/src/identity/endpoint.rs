//! A Microsoft Entra ID token endpoint (and an App Service managed-identity endpoint) over TLS
//! on 127.0.0.1, recording what it is asked.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The largest request body the endpoint reads; larger bodies are answered `400`.
const MAX_BODY: usize = 1 << 20;

/// What the App Service managed-identity route requires as `api-version`.
const MSI_API_VERSION: &str = "2019-08-01";

/// One request as the token endpoint saw it.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    /// Method, e.g. `POST`.
    pub method: String,
    /// Path without the query, e.g. `/{tenant}/oauth2/v2.0/token` or `/msi/token`.
    pub path: String,
    /// Decoded query pairs (the last wins when a name repeats).
    pub query: BTreeMap<String, String>,
    /// Decoded `application/x-www-form-urlencoded` body pairs; empty for other bodies and GET.
    pub form: BTreeMap<String, String>,
    /// Headers in arrival order, names lower-case.
    pub headers: Vec<(String, String)>,
}

impl TokenRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }
}

struct EndpointState {
    token: String,
    failure: Mutex<Option<(StatusCode, String)>>,
    /// Requests are recorded and never answered.
    stalled: AtomicBool,
    requests: Mutex<Vec<TokenRequest>>,
}

/// A local Microsoft Entra ID token endpoint over TLS on 127.0.0.1 (HTTP/1.1, keep-alive),
/// with the certificate of the test CA ([`TokenEndpoint::ca_pem`]).
///
/// Routes: `POST /{tenant}/oauth2/v2.0/token` (client credentials, Entra v2),
/// `GET /msi/token` (App Service managed identity, `api-version=2019-08-01`); anything else is
/// `404`. Every request is recorded. Stops accepting connections when dropped.
pub struct TokenEndpoint {
    addr: SocketAddr,
    state: Arc<EndpointState>,
    task: JoinHandle<()>,
}

impl Drop for TokenEndpoint {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TokenEndpoint {
    /// The App Service managed-identity secret this endpoint expects in `X-IDENTITY-HEADER`
    /// (give it to credentials as `IDENTITY_HEADER`).
    pub const IDENTITY_HEADER: &'static str = "test-identity-header";

    /// Starts an endpoint answering every token request with `token` (`expires_in` 3599).
    pub async fn start(token: &str) -> TokenEndpoint {
        let mut config = crate::fixtures::tls_server_config();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(EndpointState {
            token: token.to_string(),
            failure: Mutex::new(None),
            stalled: AtomicBool::new(false),
            requests: Mutex::new(Vec::new()),
        });
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let state = Arc::clone(&shared);
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(stream).await else { return };
                    let service = service_fn(move |req| answer(Arc::clone(&state), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        TokenEndpoint { addr, state, task }
    }

    /// The authority host to give credentials: `https://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// PEM of the CA that signed the endpoint's certificate (`tests/fixtures/tls/ca.pem`).
    pub fn ca_pem() -> Vec<u8> {
        crate::tls_fixture("ca.pem")
    }

    /// Every request seen so far, in order.
    pub fn requests(&self) -> Vec<TokenRequest> {
        self.state.requests.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// From now on, answers token requests (both routes) with `status` and the JSON `body`
    /// instead, e.g. `400` and an `AADSTS` error body.
    ///
    /// # Panics
    ///
    /// If `status` is not a valid HTTP status code.
    pub fn fail_with(&self, status: u16, body: &str) {
        let status = StatusCode::from_u16(status)
            .unwrap_or_else(|_| panic!("{status} is not an HTTP status code"));
        *self.state.failure.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((status, body.to_string()));
    }

    /// From now on, records every request (both routes and any other) and never answers it,
    /// keeping the connection open: a token endpoint that has stalled.
    pub fn stall(&self) {
        self.state.stalled.store(true, Ordering::SeqCst);
    }
}

fn json(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// An Entra-style error body.
fn entra_error(error: &str, description: &str) -> String {
    serde_json::json!({ "error": error, "error_description": description }).to_string()
}

fn pairs(input: &[u8]) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(input).into_owned().collect()
}

fn is_token_path(path: &str) -> bool {
    matches!(
        path.split('/').collect::<Vec<_>>().as_slice(),
        ["", tenant, "oauth2", "v2.0", "token"] if !tenant.is_empty()
    )
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

async fn answer(
    state: Arc<EndpointState>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let is_form = parts.headers.get(hyper::header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes().to_ascii_lowercase().starts_with(b"application/x-www-form-urlencoded")
    });
    let body = Limited::new(body, MAX_BODY).collect().await.map(|b| b.to_bytes());
    let request = TokenRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: pairs(parts.uri.query().unwrap_or_default().as_bytes()),
        form: match &body {
            Ok(bytes) if is_form => pairs(bytes),
            _ => BTreeMap::new(),
        },
        headers,
    };
    state.requests.lock().unwrap_or_else(PoisonError::into_inner).push(request.clone());
    if state.stalled.load(Ordering::SeqCst) {
        std::future::pending::<()>().await;
    }
    if body.is_err() {
        return Ok(json(
            StatusCode::BAD_REQUEST,
            entra_error("invalid_request", "the request body could not be read or is too large"),
        ));
    }
    let failure = state.failure.lock().unwrap_or_else(PoisonError::into_inner).clone();

    if parts.method == Method::POST && is_token_path(&request.path) {
        if !is_form {
            return Ok(json(
                StatusCode::BAD_REQUEST,
                entra_error(
                    "invalid_request",
                    "AADSTS900144: The request body must contain the following parameter: \
                     'grant_type'. (The body must be application/x-www-form-urlencoded.)",
                ),
            ));
        }
        if let Some((status, body)) = failure {
            return Ok(json(status, body));
        }
        let body = serde_json::json!({
            "token_type": "Bearer",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": state.token,
        });
        return Ok(json(StatusCode::OK, body.to_string()));
    }

    if parts.method == Method::GET && request.path == "/msi/token" {
        if request.header("x-identity-header") != Some(TokenEndpoint::IDENTITY_HEADER) {
            let body = serde_json::json!({
                "statusCode": 401,
                "message": "Missing or wrong X-IDENTITY-HEADER.",
            });
            return Ok(json(StatusCode::UNAUTHORIZED, body.to_string()));
        }
        if let Some((status, body)) = failure {
            return Ok(json(status, body));
        }
        let api_version = request.query.get("api-version").map(String::as_str);
        let resource = request.query.get("resource").filter(|r| !r.is_empty());
        let (Some(MSI_API_VERSION), Some(resource)) = (api_version, resource) else {
            let body = serde_json::json!({
                "statusCode": 400,
                "message": format!(
                    "Expected api-version={MSI_API_VERSION} and a resource in the query."
                ),
            });
            return Ok(json(StatusCode::BAD_REQUEST, body.to_string()));
        };
        return Ok(managed_identity_token(&state.token, resource));
    }

    // A VM's instance metadata endpoint (IMDS, api-version 2018-02-01), for a chain whose
    // IMDS address is pointed here: `Metadata: true` is required, as on Azure.
    if parts.method == Method::GET && request.path == "/metadata/identity/oauth2/token" {
        if request.header("metadata") != Some("true") {
            let body = serde_json::json!({ "error": "invalid_request", "error_description": "Required metadata header not specified" });
            return Ok(json(StatusCode::BAD_REQUEST, body.to_string()));
        }
        if let Some((status, body)) = failure {
            return Ok(json(status, body));
        }
        let Some(resource) = request.query.get("resource").filter(|r| !r.is_empty()) else {
            let body = serde_json::json!({ "error": "invalid_request", "error_description": "resource is required" });
            return Ok(json(StatusCode::BAD_REQUEST, body.to_string()));
        };
        return Ok(managed_identity_token(&state.token, resource));
    }

    Ok(json(
        StatusCode::NOT_FOUND,
        entra_error("not_found", &format!("no route for {} {}", request.method, request.path)),
    ))
}

/// The answer both managed-identity endpoints give: the token for `resource`, an hour long,
/// `expires_on` as a string of seconds.
fn managed_identity_token(token: &str, resource: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({
        "access_token": token,
        "expires_on": (unix_now() + 3600).to_string(),
        "resource": resource,
        "token_type": "Bearer",
    });
    json(StatusCode::OK, body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TENANT: &str = "00000000-0000-0000-0000-000000000001";

    /// `pairs` as an `application/x-www-form-urlencoded` request (reqwest's `form` is not enabled).
    fn post_form(
        client: &reqwest::Client,
        url: &str,
        pairs: &[(&str, &str)],
    ) -> reqwest::RequestBuilder {
        let body =
            url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        client.post(url).header("content-type", "application/x-www-form-urlencoded").body(body)
    }

    fn https() -> reqwest::Client {
        let ca = reqwest::Certificate::from_pem(&TokenEndpoint::ca_pem()).expect("ca");
        crate::http_builder().add_root_certificate(ca).build().expect("client")
    }

    #[tokio::test]
    async fn the_token_route_answers_a_form_and_records_it() {
        let endpoint = TokenEndpoint::start("the-token").await;
        let client = https();
        let url = format!("{}/{TENANT}/oauth2/v2.0/token", endpoint.url());
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", "app"),
            ("client_secret", "s3cret&=+"),
            ("scope", "https://api.partnercenter.microsoft.com/.default"),
        ];
        for _ in 0..2 {
            let response = post_form(&client, &url, &form).send().await.expect("sent");
            assert_eq!(response.status(), 200);
            assert!(response.headers()["content-type"].to_str().expect("ascii").contains("json"));
            let body: serde_json::Value = response.json().await.expect("json");
            assert_eq!(body["access_token"], "the-token");
            assert_eq!(body["token_type"], "Bearer");
            assert_eq!(body["expires_in"], 3599);
            assert_eq!(body["ext_expires_in"], 3599);
        }
        let requests = endpoint.requests();
        assert_eq!(requests.len(), 2);
        let request = &requests[0];
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, format!("/{TENANT}/oauth2/v2.0/token"));
        assert_eq!(request.form["client_secret"], "s3cret&=+");
        assert_eq!(request.form["grant_type"], "client_credentials");
        assert!(request.query.is_empty());
        assert!(
            request.header("Content-Type").is_some_and(|v| v.contains("x-www-form-urlencoded"))
        );

        let aadsts = r#"{"error":"invalid_client","error_description":"AADSTS7000215: x"}"#;
        endpoint.fail_with(400, aadsts);
        let response = post_form(&client, &url, &form).send().await.expect("sent");
        assert_eq!(response.status(), 400);
        assert_eq!(response.text().await.expect("text"), aadsts);
        assert_eq!(endpoint.requests().len(), 3);
    }

    #[tokio::test]
    async fn bad_requests_get_4xx_and_are_recorded() {
        let endpoint = TokenEndpoint::start("t").await;
        let client = https();
        let token_url = format!("{}/{TENANT}/oauth2/v2.0/token", endpoint.url());
        let json_body = client.post(&token_url).body("{}").send().await.expect("sent");
        assert_eq!(json_body.status(), 400);
        let get = client.get(&token_url).send().await.expect("sent");
        assert_eq!(get.status(), 404);
        let elsewhere = client.get(format!("{}/nowhere?a=b", endpoint.url())).send().await;
        assert_eq!(elsewhere.expect("sent").status(), 404);
        let requests = endpoint.requests();
        assert_eq!(requests.len(), 3);
        assert_eq!(requests[2].path, "/nowhere");
        assert_eq!(requests[2].query["a"], "b");
        assert!(requests[0].form.is_empty(), "not a form");
    }

    #[tokio::test]
    async fn the_msi_route_wants_the_identity_header() {
        let endpoint = TokenEndpoint::start("msi-token").await;
        let client = https();
        let resource = "https%3A%2F%2Fapi.partnercenter.microsoft.com";
        let url =
            format!("{}/msi/token?api-version=2019-08-01&resource={resource}", endpoint.url());
        let without = client.get(&url).send().await.expect("sent");
        assert_eq!(without.status(), 401);
        let wrong = client.get(&url).header("X-IDENTITY-HEADER", "nope").send().await;
        assert_eq!(wrong.expect("sent").status(), 401);

        let response = client
            .get(&url)
            .header("X-IDENTITY-HEADER", TokenEndpoint::IDENTITY_HEADER)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.expect("json");
        assert_eq!(body["access_token"], "msi-token");
        assert_eq!(body["resource"], "https://api.partnercenter.microsoft.com");
        assert_eq!(body["token_type"], "Bearer");
        let expires_on: u64 = body["expires_on"].as_str().expect("a string").parse().expect("int");
        assert!((unix_now() + 3500..=unix_now() + 3700).contains(&expires_on));

        let requests = endpoint.requests();
        assert_eq!(requests.len(), 3);
        assert!(requests.iter().all(|r| r.method == "GET" && r.path == "/msi/token"));
        assert_eq!(requests[2].query["api-version"], "2019-08-01");
        assert_eq!(requests[2].header("x-identity-header"), Some(TokenEndpoint::IDENTITY_HEADER));
        assert!(requests[2].form.is_empty());
    }
}
