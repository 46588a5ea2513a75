//! JWT-shaped test tokens: unsigned, but with the claims a test chooses.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// An unsigned but JWT-shaped token,
/// `base64url(header).base64url(claims).base64url("test-signature")`, with header
/// `{"alg":"RS256","typ":"JWT"}` (base64url without padding).
pub fn test_jwt(claims: &serde_json::Value) -> String {
    let header = serde_json::json!({ "alg": "RS256", "typ": "JWT" });
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode("test-signature"),
    )
}

/// Base64url-decodes one part of a JWT (header or claims; padding optional) and parses it as
/// JSON, for tests that inspect client assertions.
///
/// # Panics
///
/// If `part` is not base64url or does not decode to JSON.
pub fn decode_jwt_part(part: &str) -> serde_json::Value {
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .unwrap_or_else(|e| panic!("{part:?} is not base64url: {e}"));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!("{part:?} does not decode to JSON ({e}): {}", String::from_utf8_lossy(&bytes))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_jwts_have_three_base64url_parts() {
        let claims = serde_json::json!({ "aud": "api://x", "n": "é?>" });
        let jwt = test_jwt(&claims);
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert!(jwt.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)), "{jwt}");
        assert_eq!(decode_jwt_part(parts[0]), serde_json::json!({ "alg": "RS256", "typ": "JWT" }));
        assert_eq!(decode_jwt_part(parts[1]), claims);
        assert_eq!(URL_SAFE_NO_PAD.decode(parts[2]).expect("b64"), b"test-signature");
    }
}
