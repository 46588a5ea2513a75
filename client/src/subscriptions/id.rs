//! Ids that go into a request path: [`SubscriptionId`] and [`AzureEntitlementId`], each a GUID
//! (as every documented one is), refused before sending when it is anything else.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::generated::types;

/// Declares a GUID id type over a generated, pattern-checked type, and its parse error.
macro_rules! guid_id {
    ($(#[$doc:meta])* $name:ident, $generated:ident, $error:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(types::$generated);

        impl $name {
            /// The id as text, as it was written.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Whether both name the same thing (GUIDs compare without regard to case).
            pub fn same_as(&self, other: &$name) -> bool {
                self.as_str().eq_ignore_ascii_case(other.as_str())
            }

            #[allow(dead_code)]
            pub(crate) fn generated(&self) -> types::$generated {
                self.0.clone()
            }

            /// An id the generated code has checked (an id in an answer).
            pub(crate) fn from_generated(id: types::$generated) -> Self {
                Self(id)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(self.as_str(), f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = $error;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                // The rule is the spec's (the generated type checks its pattern).
                text.parse::<types::$generated>().map($name).map_err(|e| $error {
                    input: text.chars().take(80).collect(),
                    reason: e.to_string(),
                })
            }
        }

        impl TryFrom<&str> for $name {
            type Error = $error;

            fn try_from(text: &str) -> Result<Self, Self::Error> {
                text.parse()
            }
        }

        #[doc = concat!("A text that is not a ", $what, " (see [`", stringify!($name), "`]).")]
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        #[error(
            "{input:?} is not a Partner Center {}: it {reason} (a GUID, as every documented one is, so that it cannot change the request's path)",
            $what
        )]
        pub struct $error {
            input: String,
            reason: String,
        }
    };
}

guid_id!(
    /// A Partner Center subscription id, such as `a4c1340d-6911-4758-bba3-0c4c6007d161`.
    ///
    /// Every documented subscription id is a GUID, written in lower or upper case
    /// (`A356AC8C-E310-44F4-BF85-C7F29044AF99`); the id is kept as written, since the client does
    /// not rewrite an id Partner Center gave it. It goes into a request path, so anything that is
    /// not a GUID's 36 characters (`..`, `/`, `%2e`) is refused before anything is sent.
    ///
    /// ```
    /// use partner_center_client::SubscriptionId;
    ///
    /// let id: SubscriptionId = "A356AC8C-E310-44F4-BF85-C7F29044AF99".parse().unwrap();
    /// assert_eq!(id.as_str(), "A356AC8C-E310-44F4-BF85-C7F29044AF99");
    /// assert!(id.same_as(&"a356ac8c-e310-44f4-bf85-c7f29044af99".parse().unwrap()));
    /// for bad in ["..", "a/b", "a356ac8c-e310-44f4-bf85-c7f29044af9", "", "%2e%2e"] {
    ///     assert!(bad.parse::<SubscriptionId>().is_err(), "{bad}");
    /// }
    /// ```
    SubscriptionId,
    SubscriptionId,
    ParseSubscriptionIdError,
    "subscription id"
);

guid_id!(
    /// An Azure entitlement's id (an Azure subscription of an Azure plan), such as
    /// `899ae6f1-8a74-4d5e-b6c6-e6b5019bbff8`: a GUID, as in every documented example, refused
    /// before sending when it is anything else (it goes into a request path).
    ///
    /// ```
    /// use partner_center_client::AzureEntitlementId;
    ///
    /// assert!("899ae6f1-8a74-4d5e-b6c6-e6b5019bbff8".parse::<AzureEntitlementId>().is_ok());
    /// assert!("../cancel".parse::<AzureEntitlementId>().is_err());
    /// ```
    AzureEntitlementId,
    AzureEntitlementId,
    ParseAzureEntitlementIdError,
    "Azure entitlement id"
);
