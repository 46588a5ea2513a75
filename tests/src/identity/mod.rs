//! Offline stand-ins for what credentials talk to: a Microsoft Entra ID token endpoint (and an
//! App Service managed-identity endpoint) over TLS on 127.0.0.1 ([`TokenEndpoint`]), an
//! endpoint that accepts connections and never answers ([`SilentEndpoint`]), JWT-shaped test
//! tokens ([`test_jwt`]), and fake developer tools (`az`, `azd`) that replay
//! canned output ([`FakeTool`], Unix only: they are `#!/bin/sh` scripts).

mod endpoint;
mod jwt;
mod silent;
#[cfg(unix)]
mod tools;

pub use endpoint::{TokenEndpoint, TokenRequest};
pub use jwt::{decode_jwt_part, test_jwt};
pub use silent::SilentEndpoint;
#[cfg(unix)]
pub use tools::{FakeTool, az_token_json, azd_token_json};

/// The tenant the test tokens and credentials are for.
pub const TENANT: &str = "00000000-0000-0000-0000-00000000beef";
/// The application (client) id the test credentials use.
pub const CLIENT: &str = "00000000-0000-0000-0000-0000000000c1";

#[cfg(test)]
mod tests {

    #[test]
    fn the_app_certificate_fixtures_are_there() {
        let text = |name: &str| String::from_utf8(crate::auth_fixture(name)).expect("utf-8");
        let (key, cert) = (text("app.key"), text("app.pem"));
        assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert!(cert.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_eq!(text("app-combined.pem"), format!("{key}{cert}"));
        let encrypted = text("app-encrypted.pem");
        assert!(encrypted.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        assert!(encrypted.ends_with(&cert));
        assert!(crate::auth_fixture_path("app.pem").is_absolute());
    }
}
