//! `POST /v1/customers`: create a customer, with the documented checks (required fields, the
//! countries that need an organization registration number and a phone number, the domain
//! free) and the sandbox's limit of customers. Property names are read without regard to case
//! (the docs send PascalCase, the .NET SDK too, and answer camelCase).
//!
//! As reported of Partner Center: a create that got as far as claiming its domain keeps it
//! even when it then fails (a bad contact e-mail); a created customer reads as not found for
//! a while (the read-after-create lag); a customer created with an address that did not
//! validate can never be deleted. A repeat of the same `MS-RequestId` is replayed by the
//! idempotency layer (the same customer, the same password).

// A refusal is the answer itself, moved once (as in `crate::handlers`), so it is not boxed.
#![allow(clippy::result_large_err)]

use axum::body::Body;
use axum::http::{Response, StatusCode};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::address::{address_json, check_input, field, text, verdict};
use super::domains::is_domain;
use super::list::shown;
use crate::handlers::with_store;
use crate::layers::auth::Partner;
use crate::routes::Incoming;
use crate::shared::Shared;
use crate::{answer, codes};

/// The countries whose customers need an organization registration number and a phone number
/// (the create page's list, ISO codes; the page names India, South Africa, … by name).
const REGISTRATION_COUNTRIES: &[&str] = &[
    "AM", "AZ", "BY", "HU", "KZ", "KG", "MD", "RU", "TJ", "UZ", "UA", "BR", "IN", "ZA", "PL", "AE",
    "SA", "TR", "TH", "VN", "MM", "IQ", "SS", "VE",
];

fn missing(path: &str) -> Response<Body> {
    answer::json(
        StatusCode::BAD_REQUEST,
        &json!({
            "code": codes::CUSTOMER_DETAILS_MISSING,
            "description": "Customer details are missing",
            "data": [path],
            "source": "PartnerFD",
        }),
    )
}

fn invalid(description: &str) -> Response<Body> {
    answer::error(StatusCode::BAD_REQUEST, codes::INVALID_PROPERTY, description)
}

fn object<'v>(parent: &'v Map<String, Value>, name: &str) -> Option<&'v Map<String, Value>> {
    field(parent, name).and_then(Value::as_object)
}

/// The spec's pattern for an e-mail address: `local@host.tld`, no spaces, one `@`.
fn plausible_email(email: &str) -> bool {
    let Some((local, host)) = email.split_once('@') else { return false };
    !local.is_empty()
        && !host.contains('@')
        && !email.contains(char::is_whitespace)
        && host.split('.').count() >= 2
        && host.split('.').all(|label| !label.is_empty())
}

/// An e-mail address the notification service takes: its top-level domain has at least two
/// letters (`client1@example.u` is the reported refusal).
fn deliverable_email(email: &str) -> bool {
    let tld = email.rsplit('.').next().unwrap_or_default();
    tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic())
}

/// A generated admin password: 12 characters of letters, digits and punctuation.
fn password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789=;.*!";
    let bytes = Uuid::new_v4().into_bytes();
    bytes.iter().take(12).map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect()
}

pub(crate) fn handle(shared: &Shared, partner: Partner, req: &Incoming<'_>) -> Response<Body> {
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(req.body) else {
        return answer::error(
            StatusCode::BAD_REQUEST,
            codes::INVALID_REQUEST_INPUT,
            "The body must be a JSON object: the customer to create.",
        );
    };
    let Some(company) = object(&body, "CompanyProfile") else { return missing("companyProfile") };
    let Some(billing) = object(&body, "BillingProfile") else { return missing("billingProfile") };
    let Some(domain) = text(company, "Domain") else { return missing("companyProfile.domain") };
    for name in ["Email", "Culture", "Language", "CompanyName"] {
        if text(billing, name).is_none() {
            return missing(&format!("billingProfile.{}", name.to_ascii_lowercase()));
        }
    }
    let Some(address) = object(billing, "DefaultAddress") else {
        return missing("billingProfile.defaultAddress");
    };
    for name in ["AddressLine1", "Country"] {
        if text(address, name).is_none() {
            return missing(&format!("billingProfile.defaultAddress.{name}"));
        }
    }
    if let Err(why) = check_new_customer(&body) {
        return answer::error(StatusCode::BAD_REQUEST, codes::INVALID_REQUEST_INPUT, &why);
    }
    if !is_domain(domain) {
        return invalid(&format!("The domain `{}` is not a valid domain name.", shown(domain)));
    }
    let country = text(address, "Country").unwrap_or_default().to_ascii_uppercase();
    let registration = text(company, "OrganizationRegistrationNumber");
    let needs_registration = REGISTRATION_COUNTRIES.contains(&country.as_str());
    match (needs_registration, registration) {
        (true, None) => {
            return answer::error(
                StatusCode::BAD_REQUEST,
                codes::ORGANIZATION_REGISTRATION_ID_MISSING,
                "Organization registration ID information is missing",
            );
        }
        (false, Some(_)) => {
            return answer::error(
                StatusCode::BAD_REQUEST,
                codes::ORGANIZATION_REGISTRATION_ID_NOT_SUPPORTED,
                "Organization registration ID value isn't supported",
            );
        }
        _ => {}
    }
    if needs_registration && text(address, "PhoneNumber").is_none() {
        return answer::error(
            StatusCode::BAD_REQUEST,
            codes::PHONE_NUMBER_MISSING,
            "Customer phone number is missing",
        );
    }
    let email = text(billing, "Email").unwrap_or_default();
    let company_name = text(billing, "CompanyName").unwrap_or_default().to_owned();
    let invalid_address = !verdict(address).verified();
    let id = Uuid::new_v4();
    let created = with_store(shared, |store| {
        if store.domain_taken(domain) {
            return Err(answer::error(
                StatusCode::CONFLICT,
                codes::DOMAIN_IN_USE,
                "The domain specified during customer creation is already used by another tenant.",
            ));
        }
        if store.customer_count(partner.index) >= store.customer_limit {
            return Err(answer::error(
                StatusCode::BAD_REQUEST,
                codes::SANDBOX_LIMIT_MET,
                "The sandbox limit has been met",
            ));
        }
        // Provisioning starts before the e-mail's domain is checked: a refused create keeps
        // its domain (as reported of an e-mail with a one-letter top-level domain).
        store.claim_domain(domain);
        if !deliverable_email(email) {
            return Err(invalid(&format!("NotificationEmailAddress: {} is invalid", shown(email))));
        }
        store.create_customer(
            partner.index,
            id,
            company_name.clone(),
            domain.to_owned(),
            invalid_address,
        );
        Ok(())
    });
    match created {
        Err(refusal) | Ok(Err(refusal)) => return refusal,
        Ok(Ok(())) => {}
    }
    let mut address = address_json(address);
    if address.get("phoneNumber").is_none() {
        address["phoneNumber"] = json!("");
    }
    let body = json!({
        "id": id,
        "commerceId": Uuid::new_v4(),
        "companyProfile": {
            "tenantId": id,
            "domain": domain,
            "companyName": company_name,
            "attributes": { "objectType": "CustomerCompanyProfile" },
        },
        "billingProfile": {
            "id": Uuid::new_v4(),
            "email": email,
            "culture": text(billing, "Culture"),
            "language": text(billing, "Language"),
            "companyName": company_name,
            "defaultAddress": address,
            "attributes": { "etag": "5920358838484612121", "objectType": "CustomerBillingProfile" },
        },
        "relationshipToPartner": "none",
        "userCredentials": { "userName": "admin", "password": password() },
        "attributes": { "objectType": "Customer" },
    });
    answer::json(StatusCode::CREATED, &body)
}

/// The spec's rules for a new customer (`NewCustomer`): the types and lengths of what is
/// given. A required field left out or blank is the documented 2001 instead (checked after).
fn check_new_customer(body: &Map<String, Value>) -> Result<(), String> {
    let texts = |object: &Map<String, Value>, at: &str, rules: &[(&str, usize, usize)]| {
        for &(name, least, most) in rules {
            match field(object, name) {
                None => {}
                Some(Value::String(v)) if (least..=most).contains(&v.chars().count()) => {}
                Some(Value::String(_)) => {
                    return Err(format!("{at}{name} must have {least} to {most} characters"));
                }
                Some(_) => return Err(format!("{at}{name} must be text")),
            }
        }
        Ok(())
    };
    if field(body, "enableGDAPByDefault").is_some_and(|v| !v.is_boolean()) {
        return Err("enableGDAPByDefault must be true or false".into());
    }
    for name in ["CompanyProfile", "BillingProfile"] {
        if field(body, name).is_some_and(|v| !v.is_object()) {
            return Err(format!("{name} must be an object"));
        }
    }
    if let Some(company) = object(body, "CompanyProfile") {
        texts(
            company,
            "CompanyProfile.",
            &[
                ("Domain", 3, 253),
                ("CompanyName", 0, usize::MAX),
                ("OrganizationRegistrationNumber", 0, usize::MAX),
            ],
        )?;
        if let Some(Value::String(domain)) = field(company, "Domain")
            && !is_domain(domain)
        {
            return Err("CompanyProfile.Domain is not a domain name".into());
        }
    }
    if let Some(billing) = object(body, "BillingProfile") {
        texts(
            billing,
            "BillingProfile.",
            &[
                ("Email", 3, usize::MAX),
                ("Culture", 2, usize::MAX),
                ("Language", 2, 2),
                ("CompanyName", 2, 255),
                ("FirstName", 0, usize::MAX),
                ("LastName", 0, usize::MAX),
            ],
        )?;
        if let Some(Value::String(email)) = field(billing, "Email")
            && !plausible_email(email)
        {
            return Err("BillingProfile.Email is not an e-mail address".into());
        }
        match field(billing, "DefaultAddress") {
            None => {}
            Some(Value::Object(address)) => check_input(address, "BillingProfile.DefaultAddress.")?,
            Some(_) => return Err("BillingProfile.DefaultAddress must be an object".into()),
        }
    }
    Ok(())
}
