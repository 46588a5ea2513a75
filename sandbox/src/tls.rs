//! HTTPS for the sandbox (feature `tls`): a certificate authority and a server certificate for
//! `127.0.0.1`, `localhost` and [`NON_LOOPBACK_NAME`](crate::NON_LOOPBACK_NAME), made at start and never written anywhere but where asked, so a
//! test can exercise the client's TLS path — trusted, untrusted, HTTP/2 or HTTP/1.1 as the
//! client's ALPN offers — without checked-in keys.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use tokio_rustls::rustls;

/// The acceptor the server wraps each connection in, and the CA a client must trust.
pub(crate) struct Tls {
    pub(crate) acceptor: tokio_rustls::TlsAcceptor,
    pub(crate) ca_pem: String,
}

/// A fresh CA, a server certificate it signed, and a rustls server offering `h2` and
/// `http/1.1`.
pub(crate) fn generate() -> std::io::Result<Tls> {
    let failed = |what: &str, e: rcgen::Error| std::io::Error::other(format!("{what}: {e}"));
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(|e| failed("CA", e))?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "partner-center-sandbox test CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().map_err(|e| failed("CA key", e))?;
    let ca = CertifiedIssuer::self_signed(ca, ca_key).map_err(|e| failed("CA", e))?;

    let names = ["127.0.0.1", "localhost", crate::NON_LOOPBACK_NAME].map(str::to_owned);
    let mut server =
        CertificateParams::new(names.to_vec()).map_err(|e| failed("server certificate", e))?;
    server.distinguished_name.push(DnType::CommonName, "localhost");
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let key = KeyPair::generate().map_err(|e| failed("server key", e))?;
    let certificate = server.signed_by(&key, &ca).map_err(|e| failed("server certificate", e))?;

    let private = rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der())
        .map_err(|e| std::io::Error::other(format!("server key: {e}")))?;
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| std::io::Error::other(format!("TLS versions: {e}")))?
    .with_no_client_auth()
    .with_single_cert(vec![certificate.der().clone()], private)
    .map_err(|e| std::io::Error::other(format!("TLS configuration: {e}")))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Tls { acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)), ca_pem: ca.pem() })
}
