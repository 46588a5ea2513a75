//! Telling a certificate failure apart from a transient one: it is read from the error's
//! source chain (the TLS library's own error type, not message text), and it is not retried.

use std::error::Error as StdError;

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
