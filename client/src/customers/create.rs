//! `POST /v1/customers` ("Create a customer"): the new customer's details, checked against the
//! rules Partner Center documents before anything is sent; the admin password it answers with,
//! kept secret; and a create retried under one `MS-RequestId` that, when an answer was lost
//! and the retry is refused, finds the customer by its domain instead of failing or creating
//! another.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;

use progenitor_client::ResponseValue;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use super::Customer;
use super::address::Address;
use crate::client::PartnerCenter;
use crate::engine::ids::CallIds;
use crate::engine::pacer::Resource;
use crate::engine::{self, Operation, Sent, call_span};
use crate::error::{CallInfo, Error};
use crate::generated::{self, types};

/// The longest first label of a domain the partner portal and the PowerShell module accept
/// (`<prefix>.onmicrosoft.com`: 27 characters of prefix).
pub const MAX_DOMAIN_PREFIX: usize = 27;

/// Contact names the name rules refuse as placeholders (compared without regard to case).
const PLACEHOLDER_NAMES: &[&str] = &["test", "admin", "nobody", "placeholder", "fake", "none"];

/// A customer to create: its company name, default domain, contact e-mail and address, with
/// `en-US`/`en` unless [`Self::culture`] says otherwise. [`NewCustomer::new`] checks the rules
/// Partner Center documents, so a refusal comes before anything is sent.
///
/// ```
/// use partner_center_client::{Address, NewCustomer};
///
/// let address = Address::documented_example().with_contact("Avery", "Quinn");
/// let new = NewCustomer::new("Fabrikam Tests", "fabrikamtests42.onmicrosoft.com", "ops@fabrikam.example", address)?;
/// assert_eq!(new.domain(), "fabrikamtests42.onmicrosoft.com");
///
/// let placeholder = Address::documented_example().with_contact("Test", "Test");
/// assert!(NewCustomer::new("Fabrikam", "fabrikam42.onmicrosoft.com", "ops@fabrikam.example", placeholder).is_err());
/// # Ok::<(), partner_center_client::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomer {
    company_name: String,
    domain: String,
    email: String,
    culture: String,
    language: String,
    address: Address,
    organization_registration_number: Option<String>,
    gdap_by_default: Option<bool>,
}

impl NewCustomer {
    /// A new customer, or [`Error::InvalidArgument`] naming the rule it breaks: a company
    /// name of 2 to 255 characters with a letter or digit, not one character repeated; a
    /// domain name whose first label is at most [`MAX_DOMAIN_PREFIX`] characters; an e-mail
    /// address not at `microsoft.com`; contact names (if given) of 2 to 40 characters that are
    /// not placeholders (`test`, `admin`, `nobody`, ...); the address's country two letters.
    pub fn new(
        company_name: impl Into<String>,
        domain: impl Into<String>,
        email: impl Into<String>,
        address: Address,
    ) -> Result<Self, Error> {
        let new = Self {
            company_name: company_name.into(),
            domain: domain.into(),
            email: email.into(),
            culture: "en-US".into(),
            language: "en".into(),
            address,
            organization_registration_number: None,
            gdap_by_default: None,
        };
        new.check()?;
        Ok(new)
    }

    /// The culture (`en-US`) and two-letter language (`en`) of the billing profile.
    pub fn culture(mut self, culture: impl Into<String>, language: impl Into<String>) -> Self {
        self.culture = culture.into();
        self.language = language.into();
        self
    }

    /// The organization registration number, required in the countries the docs list
    /// (Armenia, Brazil, India, Poland, ...) and refused elsewhere.
    pub fn organization_registration_number(mut self, number: impl Into<String>) -> Self {
        self.organization_registration_number = Some(number.into());
        self
    }

    /// Whether Partner Center creates a default GDAP relationship (`enableGDAPByDefault`).
    pub fn gdap_by_default(mut self, enable: bool) -> Self {
        self.gdap_by_default = Some(enable);
        self
    }

    /// The default domain.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The company name.
    pub fn company_name(&self) -> &str {
        &self.company_name
    }

    /// The address.
    pub fn address(&self) -> &Address {
        &self.address
    }

    fn check(&self) -> Result<(), Error> {
        let refuse = |message: String| Err(Error::InvalidArgument { message });
        let name = self.company_name.trim();
        let length = name.chars().count();
        if !(2..=255).contains(&length) {
            return refuse(format!(
                "company name `{}`: Partner Center takes 2 to 255 characters",
                shown(name)
            ));
        }
        if !name.chars().any(char::is_alphanumeric) {
            return refuse(format!("company name `{}` has no letter or digit", shown(name)));
        }
        let mut chars = name.chars();
        if let Some(first) = chars.next()
            && chars.all(|c| c == first)
        {
            return refuse(format!("company name `{}` is one character repeated", shown(name)));
        }
        if self.domain.parse::<types::DomainName>().is_err() {
            return refuse(format!(
                "domain `{}` is not a domain name (labels of letters, digits and `-`, separated by dots)",
                shown(&self.domain)
            ));
        }
        let prefix = self.domain.split('.').next().unwrap_or_default();
        if prefix.len() > MAX_DOMAIN_PREFIX {
            return refuse(format!(
                "domain `{}`: its first label has {} characters; the partner portal and PowerShell accept at most {MAX_DOMAIN_PREFIX}",
                shown(&self.domain),
                prefix.len()
            ));
        }
        let email = self.email.trim();
        let Some((local, host)) = email.split_once('@') else {
            return refuse(format!("e-mail `{}` has no `@`", shown(email)));
        };
        if local.is_empty() || !host.contains('.') {
            return refuse(format!("e-mail `{}` is not an address", shown(email)));
        }
        if host.eq_ignore_ascii_case("microsoft.com") {
            return refuse("a customer's e-mail may not be at microsoft.com".into());
        }
        for (what, value) in
            [("first name", &self.address.first_name), ("last name", &self.address.last_name)]
        {
            let Some(value) = value.as_deref().map(str::trim) else { continue };
            let length = value.chars().count();
            if !(2..=40).contains(&length) {
                return refuse(format!(
                    "contact {what} `{}`: the name rules take 2 to 40 characters",
                    shown(value)
                ));
            }
            if PLACEHOLDER_NAMES.iter().any(|p| value.eq_ignore_ascii_case(p)) {
                return refuse(format!(
                    "contact {what} `{value}` is a placeholder name, which the name rules refuse"
                ));
            }
            if !value.chars().any(char::is_alphabetic) {
                return refuse(format!("contact {what} `{}` has no letter", shown(value)));
            }
        }
        if self.address.country.len() != 2
            || !self.address.country.chars().all(|c| c.is_ascii_alphabetic())
        {
            return refuse(format!(
                "country `{}` is not an ISO 3166-1 alpha-2 code (`US`, `GB`, ...)",
                shown(&self.address.country)
            ));
        }
        Ok(())
    }

    /// The request body, checked against the spec.
    fn to_body(&self) -> Result<types::NewCustomer, Error> {
        let mut company =
            serde_json::json!({ "Domain": self.domain, "CompanyName": self.company_name });
        if let Some(number) = &self.organization_registration_number {
            company["OrganizationRegistrationNumber"] = number.clone().into();
        }
        let mut body = serde_json::json!({
            "CompanyProfile": company,
            "BillingProfile": {
                "Email": self.email.trim(),
                "Culture": self.culture,
                "Language": self.language,
                "CompanyName": self.company_name.trim(),
                "DefaultAddress": self.address.to_input()?,
            },
        });
        if let Some(enable) = self.gdap_by_default {
            body["enableGDAPByDefault"] = enable.into();
        }
        serde_json::from_value(body).map_err(|e| Error::InvalidArgument {
            message: format!("the new customer is not one Partner Center takes: {e}"),
        })
    }
}

fn shown(text: &str) -> String {
    crate::engine::answer::shown(text)
}

/// The new customer's admin user: its name and the password Partner Center generated, shown
/// only in the create's answer. The password never appears in `Debug` output; read it with
/// [`Self::expose_password`].
#[derive(Clone)]
pub struct AdminCredentials {
    user_name: String,
    password: SecretString,
}

impl AdminCredentials {
    /// The admin's user name as Partner Center answered it (`admin`; the full sign-in name is
    /// not documented: presumably `admin@<domain>`).
    pub fn user_name(&self) -> &str {
        &self.user_name
    }

    /// The password, for a caller that means to store or use it.
    pub fn expose_password(&self) -> &str {
        self.password.expose_secret()
    }
}

impl fmt::Debug for AdminCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminCredentials")
            .field("user_name", &self.user_name)
            .field("password", &"[REDACTED]")
            .finish()
    }
}

/// How the customer came to be returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Creation {
    /// Partner Center answered the create with the customer (`201` or `200`).
    Created,
    /// An attempt's answer was lost, the retry was refused, and a customer of this partner
    /// with the requested domain was found: most likely the one the lost attempt created. Its
    /// admin password was in the lost answer and is not known.
    Adopted,
}

/// A created customer.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CreatedCustomer {
    /// The customer, as a listing shows it.
    pub customer: Customer,
    /// The admin user and password, when the answer carried them (`None` for an adopted
    /// customer).
    pub admin: Option<AdminCredentials>,
    /// How it came to be returned.
    pub creation: Creation,
    /// The status of the create's answer (`201`, `200`), or of the refusal an adopted
    /// customer followed.
    pub status: StatusCode,
    /// The create call: ids, attempts, elapsed.
    pub call: CallInfo,
}

/// What a create sends.
#[derive(Debug)]
pub struct CreateCustomerRequest {
    body: Result<types::NewCustomer, String>,
}

impl Operation for CreateCustomerRequest {
    type Body = types::Customer;
    type Output = CreatedCustomer;
    /// A created customer is about 1 KiB of JSON.
    const MAX_SUCCESS_BODY: usize = 1024 * 1024;
    const CHANGES_STATE: bool = true;
    const RESOURCE: Resource = Resource::Customer;
    /// The answer holds the admin's password.
    const SUCCESS_BODY_IS_SECRET: bool = true;
    /// A customer made in a production account could not be deleted by this client (Partner
    /// Center deletes only a TiP account's customers).
    const PRODUCTION_WRITE: Option<&'static str> =
        Some("a customer creation (one made outside a TiP account could not be deleted again)");

    fn span(&self, ids: CallIds) -> tracing::Span {
        let domain =
            self.body.as_ref().map(|b| b.company_profile.domain.to_string()).unwrap_or_default();
        call_span!("partner_center.create_customer", ids, domain = %domain)
    }

    async fn send_attempt<'c>(&'c self, client: &'c generated::Client) -> Sent<types::Customer> {
        match &self.body {
            Ok(body) => client.create_customer().body(body.clone()).send().await,
            Err(message) => Err(progenitor_client::Error::InvalidRequest(message.clone())),
        }
    }

    fn read(
        &self,
        answer: ResponseValue<types::Customer>,
        call: CallInfo,
    ) -> Result<CreatedCustomer, Error> {
        let status = answer.status();
        let mut raw = answer.into_inner();
        let admin = raw.user_credentials.take().and_then(|c| {
            Some(AdminCredentials {
                user_name: c.user_name.unwrap_or_default(),
                password: SecretString::from(c.password?),
            })
        });
        Ok(CreatedCustomer {
            customer: Customer::from(raw),
            admin,
            creation: Creation::Created,
            status,
            call,
        })
    }
}

/// A pending create (`POST /v1/customers`); `.await` it.
///
/// Retried like a delete, under one `MS-RequestId` (the docs call the create idempotent for
/// it). When an attempt may have created the customer (its answer was lost) and a later
/// attempt is refused (the domain is taken, by the lost attempt), the customer is looked for by
/// its domain (the listing's `Domain` filter) and, if the partner has it, returned as
/// [`Creation::Adopted`] instead of an error. A customer that held the domain before the
/// create would be taken for it too: check the domain is free first
/// ([`Customers::check_domain`](crate::Customers::check_domain)).
///
/// ```no_run
/// use partner_center_client::{Address, NewCustomer, PartnerCenter};
///
/// # async fn run(pc: PartnerCenter) -> Result<(), partner_center_client::Error> {
/// let new = NewCustomer::new("Fabrikam Tests", "fabrikamtests42.onmicrosoft.com", "ops@fabrikam.example",
///     Address::documented_example().with_contact("Avery", "Quinn"))?;
/// let created = pc.customers().create(&new).await?;
/// let read = pc.customers().by_id(created.customer.id()).wait_until_readable().await?;
/// println!("{} reads back after {:?}", read.customer().id(), read.call().elapsed());
/// # Ok(()) }
/// ```
#[must_use = "nothing is sent until the call is awaited"]
#[derive(Debug)]
pub struct CreateCustomer<'a> {
    pc: &'a PartnerCenter,
    domain: String,
    request: CreateCustomerRequest,
    correlation_id: Option<Uuid>,
}

impl<'a> CreateCustomer<'a> {
    pub(crate) fn new(pc: &'a PartnerCenter, new: &NewCustomer) -> Self {
        let body = new.check().and_then(|()| new.to_body()).map_err(|e| e.to_string());
        Self {
            pc,
            domain: new.domain.clone(),
            request: CreateCustomerRequest { body },
            correlation_id: None,
        }
    }

    /// Sends this `MS-CorrelationId` (also on the look-up of an adopted customer).
    pub fn correlation_id(mut self, id: Uuid) -> Self {
        self.correlation_id = Some(id);
        self
    }

    /// Sends the call (the same as awaiting it).
    pub async fn send(self) -> Result<CreatedCustomer, Error> {
        let refused = match engine::call(self.pc, &self.request, self.correlation_id, None).await {
            Ok(created) => return Ok(created),
            Err(e) => e,
        };
        let (status, call) = match &refused {
            // The refusal a taken domain gets (its status is not documented: 400 or 409).
            Error::Api(api)
                if matches!(api.status.as_u16(), 400 | 409) && api.call.may_have_applied =>
            {
                (api.status, api.call)
            }
            _ => return Err(refused),
        };
        tracing::warn!(
            domain = %self.domain,
            %status,
            "the create was refused after an attempt that may have created the customer: looking for it by its domain"
        );
        let mut list = self.pc.customers().list();
        if let Some(id) = self.correlation_id {
            list = list.correlation_id(id);
        }
        match list.find_by_domain(&self.domain).await {
            Ok(Some(customer)) => Ok(CreatedCustomer {
                customer,
                admin: None,
                creation: Creation::Adopted,
                status,
                call,
            }),
            Ok(None) => Err(refused),
            // The refusal is the answer; the look-up's failure is said beside it.
            Err(lookup) => {
                tracing::warn!(error = %lookup, "looking for the customer by its domain failed");
                Err(refused)
            }
        }
    }
}

impl<'a> IntoFuture for CreateCustomer<'a> {
    type Output = Result<CreatedCustomer, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
