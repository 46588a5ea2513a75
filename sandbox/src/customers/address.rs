//! `POST /v1/validations/address`: the address validation service's contract since May 2021
//! (`status`, `suggestedAddresses`, `validationMessage`), with rules of the sandbox's own that
//! give each documented status a reproducible input, and the same verdict a create uses.

use axum::body::Body;
use axum::http::{Response, StatusCode};
use serde_json::{Map, Value, json};

use crate::layers::auth::Partner;
use crate::routes::Incoming;
use crate::shared::Shared;
use crate::{answer, codes};

/// US state and territory codes: a US address must name one (the docs: for the US, Canada,
/// China and Mexico the state is checked against a list).
const US_STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "PR", "GU", "VI", "AS", "MP",
];

/// What the validation service says of an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verdict {
    /// `VerifiedShippable`, `StreetPartial`, `Multiple`, `None`, `NotValidated`.
    pub status: &'static str,
    pub suggestions: Vec<Value>,
    pub message: Option<String>,
}

impl Verdict {
    /// Whether a customer may safely be created with it (a verified status).
    pub fn verified(&self) -> bool {
        matches!(self.status, "VerifiedShippable" | "Verified")
    }
}

/// The value of `name` in `object`, its name compared without regard to case (the docs send
/// PascalCase and answer camelCase).
pub(crate) fn field<'v>(object: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    object.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

/// The non-blank text of `name` in `object`.
pub(crate) fn text<'v>(object: &'v Map<String, Value>, name: &str) -> Option<&'v str> {
    field(object, name).and_then(Value::as_str).map(str::trim).filter(|t| !t.is_empty())
}

/// The address as Partner Center answers with it (camelCase, only the fields given).
pub(crate) fn address_json(address: &Map<String, Value>) -> Value {
    let mut out = Map::new();
    for name in [
        "country",
        "region",
        "city",
        "state",
        "addressLine1",
        "addressLine2",
        "postalCode",
        "firstName",
        "middleName",
        "lastName",
        "phoneNumber",
    ] {
        if let Some(Value::String(v)) = field(address, name) {
            out.insert(name.to_owned(), Value::String(v.clone()));
        }
    }
    Value::Object(out)
}

/// The spec's rules for an address a request sends (`AddressInput`): which fields, their
/// type (text), their lengths, the required ones. `Err` names the first broken rule.
pub(crate) fn check_input(address: &Map<String, Value>, at: &str) -> Result<(), String> {
    // (name, required, least characters, most characters)
    const RULES: &[(&str, bool, usize, usize)] = &[
        ("AddressLine1", true, 1, 200),
        ("AddressLine2", false, 0, 200),
        ("City", false, 0, usize::MAX),
        ("State", false, 0, 2),
        ("PostalCode", false, 0, usize::MAX),
        ("Country", true, 2, 2),
        ("Region", false, 0, usize::MAX),
        ("FirstName", false, 1, 50),
        ("MiddleName", false, 0, usize::MAX),
        ("LastName", false, 1, 50),
        ("PhoneNumber", false, 0, usize::MAX),
    ];
    for &(name, required, least, most) in RULES {
        match field(address, name) {
            None if required => return Err(format!("{at}{name} is required")),
            None => {}
            Some(Value::String(v)) => {
                let n = v.chars().count();
                if n < least || n > most {
                    return Err(format!("{at}{name} must have {least} to {most} characters"));
                }
            }
            Some(_) => return Err(format!("{at}{name} must be text")),
        }
    }
    if !text(address, "Country").is_some_and(|c| c.chars().all(|c| c.is_ascii_alphabetic())) {
        return Err(format!("{at}Country must be two letters"));
    }
    Ok(())
}

/// The sandbox's rules: no country → `NotValidated`; a US state not on the list → `None`; a
/// missing city or postal code → `Multiple`; a first line without a house number →
/// `StreetPartial` (suggesting number 1); anything else → `VerifiedShippable`.
pub(crate) fn verdict(address: &Map<String, Value>) -> Verdict {
    let original = address_json(address);
    let Some(country) = text(address, "Country") else {
        return Verdict { status: "NotValidated", suggestions: vec![], message: None };
    };
    if country.eq_ignore_ascii_case("US")
        && !text(address, "State")
            .is_some_and(|s| US_STATES.iter().any(|u| u.eq_ignore_ascii_case(s)))
    {
        return Verdict {
            status: "None",
            suggestions: vec![],
            message: Some("Address field invalid for property: 'Region'".into()),
        };
    }
    if text(address, "City").is_none() || text(address, "PostalCode").is_none() {
        return Verdict {
            status: "Multiple",
            suggestions: vec![],
            message: Some("Address field invalid for property: 'PostalCode', 'City'".into()),
        };
    }
    let line1 = text(address, "AddressLine1").unwrap_or_default();
    if !line1.starts_with(|c: char| c.is_ascii_digit()) {
        let mut suggestion = original.clone();
        suggestion["addressLine1"] = json!(format!("1 {line1}"));
        return Verdict {
            status: "StreetPartial",
            suggestions: vec![suggestion],
            message: Some(
                "Address field invalid for property: 'Region', 'PostalCode', 'City'".into(),
            ),
        };
    }
    Verdict { status: "VerifiedShippable", suggestions: vec![original], message: None }
}

pub(crate) fn handle(_: &Shared, _: Partner, req: &Incoming<'_>) -> Response<Body> {
    let address = match serde_json::from_slice::<Value>(req.body) {
        Ok(Value::Object(address)) => address,
        _ => {
            return answer::error(
                StatusCode::BAD_REQUEST,
                codes::INVALID_REQUEST_INPUT,
                "The body must be a JSON object: the address to validate.",
            );
        }
    };
    if let Err(why) = check_input(&address, "") {
        return answer::error(StatusCode::BAD_REQUEST, codes::INVALID_REQUEST_INPUT, &why);
    }
    let verdict = verdict(&address);
    let mut body = json!({
        "originalAddress": address_json(&address),
        "suggestedAddresses": verdict.suggestions,
        "status": verdict.status,
    });
    if let Some(message) = verdict.message {
        body["validationMessage"] = json!(message);
    }
    answer::json(StatusCode::OK, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn each_rule_gives_its_documented_status() {
        let good = json!({"AddressLine1": "1 Microsoft Way", "City": "Redmond", "State": "WA", "PostalCode": "98052", "Country": "US"});
        assert_eq!(verdict(&address(good.clone())).status, "VerifiedShippable");
        let mut partial = good.clone();
        partial["AddressLine1"] = json!("Microsoft Way");
        let v = verdict(&address(partial));
        assert_eq!(
            (v.status, v.suggestions[0]["addressLine1"].as_str()),
            ("StreetPartial", Some("1 Microsoft Way"))
        );
        let mut bad_state = good.clone();
        bad_state["State"] = json!("ZZ");
        assert_eq!(verdict(&address(bad_state)).status, "None");
        let mut no_city = good.clone();
        no_city["City"] = json!(" ");
        assert_eq!(verdict(&address(no_city)).status, "Multiple");
        assert_eq!(verdict(&address(json!({"AddressLine1": "x"}))).status, "NotValidated");
        // camelCase is read as well.
        let camel =
            json!({"addressLine1": "1 Way", "city": "Oslo", "postalCode": "0150", "country": "NO"});
        assert!(verdict(&address(camel)).verified());
    }
}
