//! The customer tenant id, a GUID.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

/// A customer's Azure AD tenant id, the `{customer-tenant-id}` of the request path.
///
/// Parses the GUID forms Partner Center and Azure tooling print: hyphenated (either case),
/// braced `{...}`, 32 hex digits, or `urn:uuid:...`. Displays hyphenated lower-case.
///
/// ```
/// use partner_center_client::CustomerTenantId;
///
/// let id: CustomerTenantId = "{3B4A9D4F-2B1E-4C67-9F0A-1A2B3C4D5E6F}".parse().unwrap();
/// assert_eq!(id.to_string(), "3b4a9d4f-2b1e-4c67-9f0a-1a2b3c4d5e6f");
///
/// let err = "not-a-guid".parse::<CustomerTenantId>().unwrap_err();
/// assert!(err.to_string().contains("`not-a-guid`"));
/// ```
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct CustomerTenantId(Uuid);

impl CustomerTenantId {
    /// Wraps a uuid. The nil uuid is accepted here (it is a valid value of the type) but
    /// refused by [`FromStr`], where it is almost always a placeholder left in by mistake.
    pub const fn from_uuid(id: Uuid) -> Self {
        Self(id)
    }

    /// The uuid.
    pub const fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl From<Uuid> for CustomerTenantId {
    fn from(id: Uuid) -> Self {
        Self(id)
    }
}

impl From<CustomerTenantId> for Uuid {
    fn from(id: CustomerTenantId) -> Self {
        id.0
    }
}

impl fmt::Display for CustomerTenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl fmt::Debug for CustomerTenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CustomerTenantId({})", self.0.hyphenated())
    }
}

/// Text that is not a customer tenant id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid customer tenant id `{input}`: {reason}")]
pub struct ParseCustomerTenantIdError {
    input: String,
    reason: String,
}

impl FromStr for CustomerTenantId {
    type Err = ParseCustomerTenantIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Bound what is echoed back: the input may be anything, of any length.
        let shown = || {
            let mut shown: String = s.chars().take(80).collect();
            if s.chars().count() > 80 {
                shown.push('…');
            }
            shown
        };
        match Uuid::try_parse(s) {
            Ok(id) if id.is_nil() => Err(ParseCustomerTenantIdError {
                input: shown(),
                reason: "the nil GUID is not a tenant id".into(),
            }),
            Ok(id) => Ok(Self(id)),
            Err(e) => Err(ParseCustomerTenantIdError {
                input: shown(),
                reason: format!(
                    "expected a GUID such as 3b4a9d4f-2b1e-4c67-9f0a-1a2b3c4d5e6f ({e})"
                ),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn every_uuid_form_round_trips(bytes in any::<[u8; 16]>()) {
            let id = Uuid::from_bytes(bytes);
            prop_assume!(!id.is_nil());
            let forms = [
                id.hyphenated().to_string(),
                id.hyphenated().to_string().to_uppercase(),
                id.simple().to_string(),
                id.braced().to_string(),
                id.urn().to_string(),
            ];
            for form in forms {
                let parsed: CustomerTenantId = form.parse().expect("a uuid form");
                prop_assert_eq!(parsed.as_uuid(), id);
                prop_assert_eq!(parsed.to_string(), id.hyphenated().to_string());
            }
        }

        #[test]
        fn everything_else_is_refused_naming_the_input(text in ".{0,200}") {
            match text.parse::<CustomerTenantId>() {
                Ok(id) => prop_assert_eq!(Uuid::try_parse(&text).ok(), Some(id.as_uuid())),
                Err(e) => {
                    let shown: String = text.chars().take(80).collect();
                    prop_assert!(e.to_string().contains(&shown));
                    prop_assert!(e.to_string().chars().count() < 400, "bounded");
                }
            }
        }
    }
}
