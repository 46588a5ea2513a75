//! TLS: the crypto rustls uses, and telling a certificate failure apart from a transient one
//! (read from the error's source chain, the TLS library's own error type, not message text; it
//! is not retried).

use std::error::Error as StdError;

/// Makes sure rustls has a process-wide crypto provider, installing
/// [ring's](https://docs.rs/rustls/latest/rustls/crypto/ring/) when none is installed yet; a
/// provider your program installed first is kept and used.
///
/// The client builds reqwest with rustls but without a crypto provider of its own
/// (`rustls-no-provider`): ring compiles in a fraction of the time reqwest's default, aws-lc-rs,
/// takes. [`PartnerCenterBuilder::build`](crate::PartnerCenterBuilder::build) and the
/// credential chain call this before they build an HTTP client, so you need it only when you
/// build a `reqwest::Client` yourself (for
/// [`http_client`](crate::PartnerCenterBuilder::http_client)) in a program whose reqwest has
/// no provider either; reqwest then panics with "No rustls crypto provider is configured".
/// Calling it more than once is harmless. To use aws-lc-rs instead, install it before you
/// build a client: `rustls::crypto::aws_lc_rs::default_provider().install_default()`.
///
/// ```
/// partner_center_client::ensure_crypto_provider();
/// let http = reqwest::Client::builder().build()?;
/// # let _ = http; Ok::<(), reqwest::Error>(())
/// ```
pub fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may install one between the check and this call: theirs stays, and
        // that is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// Why the server's certificate was refused, if that is what `err` is.
pub(crate) fn untrusted_certificate(err: &(dyn StdError + 'static)) -> Option<String> {
    let mut next: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(reason) = refusal(e) {
            return Some(reason);
        }
        // The handshake's error travels inside `io::Error`s (nested, as hyper-util wraps the
        // TLS stream's), whose `source()` skips their payload: descend into the payload.
        next = match e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            Some(payload) => Some(payload as &(dyn StdError + 'static)),
            None => e.source(),
        };
    }
    None
}

fn refusal(e: &(dyn StdError + 'static)) -> Option<String> {
    match e.downcast_ref::<rustls::Error>()? {
        rustls::Error::InvalidCertificate(why) => Some(describe(why)),
        rustls::Error::NoCertificatesPresented => {
            Some("the server presented no certificate".into())
        }
        _ => None,
    }
}

fn describe(why: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    match why {
        C::UnknownIssuer => {
            "it is issued by a certificate authority this client does not trust".into()
        }
        C::Expired | C::ExpiredContext { .. } => "it has expired".into(),
        C::NotValidYet | C::NotValidYetContext { .. } => "it is not valid yet".into(),
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            "it is not valid for this host name".into()
        }
        C::Revoked => "it has been revoked".into(),
        C::BadSignature => "its signature is invalid".into(),
        other => format!("it was refused: {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_refusal_is_found_inside_an_io_error_and_other_errors_are_not() {
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, tls);
        // Wrapped twice, as hyper-util wraps the TLS stream's error.
        let io = std::io::Error::other(io);
        let found = untrusted_certificate(&io).expect("found");
        assert!(found.contains("does not trust"), "{found}");
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(untrusted_certificate(&refused), None);
        let other = rustls::Error::General("handshake".into());
        assert_eq!(untrusted_certificate(&other), None);
    }
}
