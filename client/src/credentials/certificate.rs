//! The client-certificate source without OpenSSL: an RS256 client assertion (RFC 7523) signed
//! with the key in a PEM file by ring, the crypto the TLS stack already uses, and handed
//! to `azure_identity`'s client-assertion credential.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use azure_core::http::ClientMethodOptions;
use azure_identity::ClientAssertion;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::KeyPair as _;
use ring::{digest, rand, signature};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::{PemObject, SectionKind};
use secrecy::SecretString;

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
    /// Reads `path`: a PEM file with an RSA private key (PKCS#8 `PRIVATE KEY`, PKCS#1 `RSA
    /// PRIVATE KEY`, or PKCS#8 `ENCRYPTED PRIVATE KEY` opened with `password`) and the certificate registered on the app — the one holding
    /// the key's public half, wherever it is among a chain's certificates. `audience` is the
    /// token endpoint's URL.
    pub(crate) fn from_pem_file(
        path: &Path,
        password: Option<&SecretString>,
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
        if key.is_none()
            && let Some(encrypted) = encrypted_key(&pem)
        {
            let Some(password) = password else {
                return Err(unreadable(
                    path,
                    "the private key is encrypted: set AZURE_CLIENT_CERTIFICATE_PASSWORD",
                ));
            };
            key = Some((SectionKind::PrivateKey, decrypt(&encrypted, password, path)?));
        }
        let Some((kind, der)) = key else {
            return Err(unreadable(
                path,
                "no private key in it (expected `BEGIN PRIVATE KEY`, `BEGIN RSA PRIVATE KEY` or \
                 `BEGIN ENCRYPTED PRIVATE KEY` before or after the certificate)",
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
        let mut signature = vec![0; self.key.public().modulus_len()];
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

/// The DER of the first `ENCRYPTED PRIVATE KEY` section, if there is one.
fn encrypted_key(pem: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(pem).ok()?;
    let begin = "-----BEGIN ENCRYPTED PRIVATE KEY-----";
    let start = text.find(begin)? + begin.len();
    let end = start + text[start..].find("-----END ENCRYPTED PRIVATE KEY-----")?;
    let body: String = text[start..end].split_whitespace().collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

/// Opens a PKCS#8 `EncryptedPrivateKeyInfo` (PBES2, as `openssl pkcs8 -topk8 -v2` writes it)
/// with `password`; the result is the plain PKCS#8 DER. Errors name the file, never the
/// password.
fn decrypt(der: &[u8], password: &SecretString, path: &Path) -> Result<Vec<u8>, String> {
    use secrecy::ExposeSecret as _;
    let info = pkcs8::EncryptedPrivateKeyInfo::try_from(der)
        .map_err(|e| unreadable(path, format!("the encrypted private key cannot be read: {e}")))?;
    let plain = info.decrypt(password.expose_secret()).map_err(|_| {
        unreadable(
            path,
            "the private key cannot be decrypted: check AZURE_CLIENT_CERTIFICATE_PASSWORD (PBES2 \
             with AES and PBKDF2 or scrypt is supported)",
        )
    })?;
    Ok(plain.as_bytes().to_vec())
}
