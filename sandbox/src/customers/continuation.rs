//! Continuation tokens: opaque to clients, signed so that a forged or altered one is refused,
//! and limited in age so a stale one is too.

use std::hash::Hasher;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a continuation token stays usable.
pub const CONTINUATION_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// Where a listing goes on: after the customer at position `after` of `partner`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Position {
    pub partner: usize,
    pub after: u64,
}

pub(crate) fn encode(position: Position, secret: u128) -> String {
    encode_at(position, secret, now())
}

fn encode_at(position: Position, secret: u128, issued: u64) -> String {
    let body = format!("{}.{}.{issued}", position.partner, position.after);
    format!("{body}.{:016x}", mac(secret, &body))
}

/// Reads a token sent by `partner`; the error says why it is refused.
pub(crate) fn decode(token: &str, partner: usize, secret: u128) -> Result<Position, &'static str> {
    decode_at(token, partner, secret, now())
}

fn decode_at(
    token: &str,
    partner: usize,
    secret: u128,
    now: u64,
) -> Result<Position, &'static str> {
    let (body, signature) = token.trim().rsplit_once('.').ok_or("not one this sandbox issued")?;
    if u64::from_str_radix(signature, 16).ok() != Some(mac(secret, body)) || signature.len() != 16 {
        return Err("not one this sandbox issued");
    }
    let mut parts = body.split('.').map(str::parse::<u64>);
    let (Some(Ok(owner)), Some(Ok(after)), Some(Ok(issued)), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not one this sandbox issued");
    };
    if owner != partner as u64 {
        return Err("another partner's");
    }
    if now.saturating_sub(issued) > CONTINUATION_LIFETIME.as_secs() {
        return Err("stale (past its lifetime)");
    }
    Ok(Position { partner, after })
}

/// A keyed hash: enough to tell the sandbox's own tokens from edited ones. Not cryptography;
/// the sandbox guards no secrets.
fn mac(secret: u128, body: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    h.write_u128(secret);
    h.write(body.as_bytes());
    h.finish()
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_refuse_forgery_other_partners_and_age() {
        let p = Position { partner: 1, after: 42 };
        let t = encode_at(p, 7, 1_000);
        assert_eq!(decode_at(&t, 1, 7, 1_000), Ok(p));
        assert_eq!(decode_at(&t, 2, 7, 1_000), Err("another partner's"));
        assert_eq!(decode_at(&t, 1, 8, 1_000), Err("not one this sandbox issued"));
        let forged = t.replacen("42", "43", 1);
        assert_eq!(decode_at(&forged, 1, 7, 1_000), Err("not one this sandbox issued"));
        assert!(decode_at(&t, 1, 7, 1_000 + 15 * 60 + 1).is_err());
        for junk in ["", ".", "a.b.c.d", "1.2.3.zzzzzzzzzzzzzzzz", "é"] {
            assert!(decode_at(junk, 1, 7, 1_000).is_err(), "{junk}");
        }
    }
}
