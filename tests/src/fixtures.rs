//! The test-only certificates and keys in `tests/fixtures/`, and an HTTPS server that uses
//! them.

use tokio::io::AsyncWriteExt as _;
use tokio_rustls::rustls::pki_types::pem::PemObject;

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

/// A rustls server configuration (ring) with the fixture certificate for 127.0.0.1.
pub(crate) fn tls_server_config() -> tokio_rustls::rustls::ServerConfig {
    let certs = vec![
        tokio_rustls::rustls::pki_types::CertificateDer::from_pem_slice(&tls_fixture("server.pem"))
            .expect("cert"),
    ];
    let key =
        tokio_rustls::rustls::pki_types::PrivateKeyDer::from_pem_slice(&tls_fixture("server.key"))
            .expect("key");
    tokio_rustls::rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
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
