//! An address, and `POST /v1/validations/address` ("Validate an address"): what Partner
//! Center's address validation service says of it. Validate before creating a customer: a
//! sandbox customer created with an invalid address can never be deleted.

use progenitor_client::ResponseValue;
use serde::{Deserialize, Serialize};

use crate::engine::ids::CallIds;
use crate::engine::pacer::Resource;
use crate::engine::pending::Pending;
use crate::engine::{Operation, Sent, call_span};
use crate::error::{CallInfo, Error};
use crate::generated::{self, types};

/// A postal address: a customer's default address, or one to validate. Reads a JSON file
/// written in camelCase (as Partner Center answers) or PascalCase (as its examples send).
///
/// ```
/// use partner_center_client::Address;
///
/// let home = Address::new("1 Microsoft Way", "Redmond", "WA", "98052", "US")
///     .with_contact("Avery", "Quinn");
/// assert_eq!(home, Address::documented_example().with_contact("Avery", "Quinn"));
/// let read: Address = serde_json::from_str(r#"{"AddressLine1": "1 Microsoft Way", "City": "Redmond",
///     "State": "WA", "PostalCode": "98052", "Country": "US"}"#).unwrap();
/// assert_eq!(read, Address::documented_example());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Address {
    /// The first line (1 to 200 characters), with the house number.
    #[serde(alias = "AddressLine1")]
    pub address_line1: String,
    /// The second line, if any.
    #[serde(default, alias = "AddressLine2", skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    /// The city.
    #[serde(default, alias = "City", skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// The state (at most two characters); checked against a list for the US, Canada, China
    /// and Mexico.
    #[serde(default, alias = "State", skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The postal code.
    #[serde(default, alias = "PostalCode", skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// The country, an ISO 3166-1 alpha-2 code (`US`; `GB`, not `UK`).
    #[serde(alias = "Country")]
    pub country: String,
    /// The region; leave it out for US addresses (a reported create failed with one).
    #[serde(default, alias = "Region", skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The contact's first name.
    #[serde(default, alias = "FirstName", skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// The contact's last name.
    #[serde(default, alias = "LastName", skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The contact's phone number: required in the countries that require an organization
    /// registration number.
    #[serde(default, alias = "PhoneNumber", skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

impl Address {
    /// An address from its usual parts.
    pub fn new(
        line1: impl Into<String>,
        city: impl Into<String>,
        state: impl Into<String>,
        postal_code: impl Into<String>,
        country: impl Into<String>,
    ) -> Self {
        Self {
            address_line1: line1.into(),
            city: Some(city.into()),
            state: Some(state.into()),
            postal_code: Some(postal_code.into()),
            country: country.into(),
            ..Self::default()
        }
    }

    /// The address the docs' "Validate an address" example shows as `VerifiedShippable`:
    /// 1 Microsoft Way, Redmond, WA 98052, US.
    pub fn documented_example() -> Self {
        Self::new("1 Microsoft Way", "Redmond", "WA", "98052", "US")
    }

    /// With a contact's name.
    pub fn with_contact(
        mut self,
        first_name: impl Into<String>,
        last_name: impl Into<String>,
    ) -> Self {
        self.first_name = Some(first_name.into());
        self.last_name = Some(last_name.into());
        self
    }

    /// With a phone number.
    pub fn with_phone(mut self, phone_number: impl Into<String>) -> Self {
        self.phone_number = Some(phone_number.into());
        self
    }

    /// The address as a request sends it (PascalCase, checked against the spec).
    pub(crate) fn to_input(&self) -> Result<types::AddressInput, Error> {
        let pascal = serde_json::json!({
            "AddressLine1": self.address_line1,
            "AddressLine2": self.address_line2,
            "City": self.city,
            "State": self.state,
            "PostalCode": self.postal_code,
            "Country": self.country,
            "Region": self.region,
            "FirstName": self.first_name,
            "LastName": self.last_name,
            "PhoneNumber": self.phone_number,
        });
        let without_nulls: serde_json::Map<String, serde_json::Value> = pascal
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        serde_json::from_value(serde_json::Value::Object(without_nulls)).map_err(|e| {
            Error::InvalidArgument {
                message: format!("the address is not one Partner Center takes: {e}"),
            }
        })
    }

    fn from_generated(a: types::Address) -> Self {
        Self {
            address_line1: a.address_line1.unwrap_or_default(),
            address_line2: a.address_line2,
            city: a.city,
            state: a.state,
            postal_code: a.postal_code,
            country: a.country.unwrap_or_default(),
            region: a.region,
            first_name: a.first_name,
            last_name: a.last_name,
            phone_number: a.phone_number,
        }
    }
}

/// A pending `POST /v1/validations/address`; `.await` it.
pub type ValidateAddress<'a> = Pending<'a, ValidateAddressRequest>;

/// What validating an address sends.
#[derive(Debug)]
pub struct ValidateAddressRequest {
    address: Result<types::AddressInput, String>,
}

impl ValidateAddressRequest {
    pub(crate) fn new(address: &Address) -> Self {
        Self { address: address.to_input().map_err(|e| e.to_string()) }
    }
}

/// What the address validation service said.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AddressValidation {
    /// The status as sent: `VerifiedShippable`, `Verified`, `InteractionRequired`,
    /// `StreetPartial`, `PremisesPartial`, `Multiple`, `None`, `NotValidated`, or another.
    pub status: String,
    /// Up to three suggestions.
    pub suggested_addresses: Vec<Address>,
    /// What is wrong, when the service says.
    pub validation_message: Option<String>,
    /// The call: ids, attempts, elapsed.
    pub call: CallInfo,
}

impl AddressValidation {
    /// Whether the address is verified (`VerifiedShippable` or `Verified`, compared without
    /// regard to case as the .NET sample does): the only answers safe to create a sandbox
    /// customer with.
    pub fn is_verified(&self) -> bool {
        ["VerifiedShippable", "Verified"].iter().any(|s| self.status.eq_ignore_ascii_case(s))
    }
}

impl Operation for ValidateAddressRequest {
    type Body = types::AddressValidationResponse;
    type Output = AddressValidation;
    const MAX_SUCCESS_BODY: usize = 1024 * 1024;
    // A POST that only reads: repeating it changes nothing.
    const CHANGES_STATE: bool = false;
    // No limit is documented for it; it serves customer creation.
    const RESOURCE: Resource = Resource::Customer;

    fn span(&self, ids: CallIds) -> tracing::Span {
        call_span!("partner_center.validate_address", ids)
    }

    /// An address the spec does not take fails here, before anything is sent.
    async fn send_attempt<'c>(&'c self, client: &'c generated::Client) -> Sent<Self::Body> {
        match &self.address {
            Ok(address) => client.validate_address().body(address.clone()).send().await,
            Err(message) => Err(progenitor_client::Error::InvalidRequest(message.clone())),
        }
    }

    fn read(
        &self,
        answer: ResponseValue<Self::Body>,
        call: CallInfo,
    ) -> Result<AddressValidation, Error> {
        let body = answer.into_inner();
        Ok(AddressValidation {
            status: body.status,
            suggested_addresses: body
                .suggested_addresses
                .into_iter()
                .map(Address::from_generated)
                .collect(),
            validation_message: body.validation_message,
            call,
        })
    }
}
