//! The client-certificate source without OpenSSL: an RS256 client assertion (RFC 7523) signed
//! with the key in a PEM file by aws-lc-rs, the crypto the TLS stack already ships, and handed
//! to `azure_identity`'s client-assertion credential.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use aws_lc_rs::signature::KeyPair as _;
use aws_lc_rs::{digest, rand, signature};
use azure_core::http::ClientMethodOptions;
use azure_identity::ClientAssertion;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::{PemObject, SectionKind};

/// How long an assertion is valid for; one is made for every token request.
const ASSERTION_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// An RSA key and its certificate, read from one PEM file (or a key file and a certificate
/// file). `Debug` names the file, never the key.
pub(crate) struct CertificateAssertion {
    path: PathBuf,
    key: signature::RsaKeyPair,
    /// `x5t`: the certificate's SHA-1 thumbprint, by which Entra ID finds the certificate
    /// registered on the app (the header Microsoft documents with RS256).
    thumbprint: String,
    client_id: String,
    audience: String,
}

impl fmt::Debug for CertificateAssertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateAssertion")
            .field("path", &self.path)
            .field("x5t", &self.thumbprint)
            .finish_non_exhaustive()
    }
}

/// What is wrong with a certificate file, in words that name the file and never its contents.
pub(crate) fn unreadable(path: &Path, why: impl fmt::Display) -> String {
    format!("AZURE_CLIENT_CERTIFICATE_PATH {}: {why}", path.display())
}

impl CertificateAssertion {
    /// Reads `path`: a PEM file with an unencrypted RSA private key (PKCS#8 `PRIVATE KEY` or
    /// PKCS#1 `RSA PRIVATE KEY`) and the certificate registered on the app — the one holding
    /// the key's public half, wherever it is among a chain's certificates. `audience` is the
    /// token endpoint's URL.
    pub(crate) fn from_pem_file(
        path: &Path,
        client_id: &str,
        audience: String,
    ) -> Result<Self, String> {
        let pem = std::fs::read(path).map_err(|e| unreadable(path, e))?;
        if !pem.windows(11).any(|w| w == b"-----BEGIN ") {
            return Err(unreadable(
                path,
                "not a PEM file (a .pfx or .p12? convert it: `openssl pkcs12 -in FILE -nodes -out \
                 FILE.pem`, into a file only the pipeline can read)",
            ));
        }
        let mut key = None;
        let mut certificates = Vec::new();
        let mut encrypted = false;
        for section in <(SectionKind, Vec<u8>)>::pem_slice_iter(&pem) {
            let (kind, der) = section.map_err(|e| unreadable(path, format!("not PEM: {e}")))?;
            match kind {
                SectionKind::Certificate => certificates.push(CertificateDer::from(der)),
                SectionKind::PrivateKey
                | SectionKind::RsaPrivateKey
                | SectionKind::EcPrivateKey
                    if key.is_none() =>
                {
                    key = Some((kind, der))
                }
                _ => {}
            }
        }
        // rustls's PEM reader skips sections it does not know, such as an encrypted key.
        const ENCRYPTED: &[u8] = b"BEGIN ENCRYPTED PRIVATE KEY";
        if key.is_none() && pem.windows(ENCRYPTED.len()).any(|w| w == ENCRYPTED) {
            encrypted = true;
        }
        let Some((kind, der)) = key else {
            return Err(unreadable(
                path,
                if encrypted {
                    "the private key is encrypted (password-protected), which is not supported: \
                     decrypt it into a file only the pipeline can read (`openssl pkcs8 -in KEY \
                     -out PLAIN.pem`)"
                } else {
                    "no private key in it (expected `BEGIN PRIVATE KEY` or `BEGIN RSA PRIVATE KEY` \
                     before or after the certificate)"
                },
            ));
        };
        if certificates.is_empty() {
            return Err(unreadable(path, "no certificate in it (expected `BEGIN CERTIFICATE`)"));
        }
        let key = match kind {
            SectionKind::PrivateKey => signature::RsaKeyPair::from_pkcs8(&der),
            SectionKind::RsaPrivateKey => signature::RsaKeyPair::from_der(&der),
            _ => {
                return Err(unreadable(
                    path,
                    "the key is an EC key: Entra ID app certificates for client assertions are RSA",
                ));
            }
        }
        .map_err(|e| unreadable(path, format!("the private key is not a usable RSA key: {e}")))?;
        // The app's certificate carries the key's public half (PKCS#1 `RSAPublicKey`, inside its
        // SubjectPublicKeyInfo): a CA's certificate before it in a chain file does not.
        let public = key.public_key().as_ref();
        let Some(certificate) =
            certificates.iter().find(|c| c.windows(public.len()).any(|w| w == public))
        else {
            return Err(unreadable(path, "none of its certificates is for its private key"));
        };
        let thumbprint =
            URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, certificate));
        Ok(Self {
            path: path.to_owned(),
            key,
            thumbprint,
            client_id: client_id.to_owned(),
            audience,
        })
    }

    /// A fresh signed assertion: `header.claims.signature`.
    pub(crate) fn sign(&self, now: SystemTime) -> Result<String, String> {
        let seconds = now.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_secs();
        let header = serde_json::json!({ "alg": "RS256", "typ": "JWT", "x5t": self.thumbprint });
        let claims = serde_json::json!({
            "aud": self.audience,
            "iss": self.client_id,
            "sub": self.client_id,
            "jti": uuid::Uuid::new_v4().to_string(),
            "nbf": seconds,
            "iat": seconds,
            "exp": seconds + ASSERTION_LIFETIME.as_secs(),
        });
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &rand::SystemRandom::new(),
                signed.as_bytes(),
                &mut signature,
            )
            .map_err(|_| format!("could not sign with the key in {}", self.path.display()))?;
        Ok(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

#[async_trait::async_trait]
impl ClientAssertion for CertificateAssertion {
    async fn secret(&self, _: Option<ClientMethodOptions<'_>>) -> azure_core::Result<String> {
        self.sign(SystemTime::now()).map_err(|message| {
            azure_core::Error::with_message(azure_core::error::ErrorKind::Credential, message)
        })
    }
}
