//! The listing's `filter`: the customers whose company name or domain starts with a value,
//! chosen by the server ("Get a list of customers filtered by a search field").

use crate::customers::Customer;

/// Which field a [`CustomerFilter`] compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SearchField {
    /// `companyProfile.companyName`.
    CompanyName,
    /// `companyProfile.domain`.
    Domain,
}

/// The customers whose company name, or domain, starts with a value; compared without regard
/// to case, as Partner Center does. One field per filter: the server takes one.
///
/// The listing keeps only the customers that match on this side too
/// ([`ListCustomers::filter`](crate::ListCustomers::filter)), so a server that ignored or
/// widened the filter could not widen a selection.
///
/// ```
/// use partner_center_client::CustomerFilter;
///
/// let f = CustomerFilter::company_name_starts_with("Cont");
/// assert_eq!(f.to_query(), r#"{"Field":"CompanyName","Value":"Cont","Operator":"starts_with"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerFilter {
    field: SearchField,
    value: String,
}

impl CustomerFilter {
    /// Customers whose company name starts with `prefix`.
    pub fn company_name_starts_with(prefix: impl Into<String>) -> Self {
        Self { field: SearchField::CompanyName, value: prefix.into() }
    }

    /// Customers whose default domain starts with `prefix`.
    pub fn domain_starts_with(prefix: impl Into<String>) -> Self {
        Self { field: SearchField::Domain, value: prefix.into() }
    }

    /// The field it compares.
    pub fn field(&self) -> SearchField {
        self.field
    }

    /// The value a match starts with.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Whether `customer` matches (the same rule as the server's, on this side).
    pub fn matches(&self, customer: &Customer) -> bool {
        let field = match self.field {
            SearchField::CompanyName => customer.company_name(),
            SearchField::Domain => customer.domain(),
        };
        field.is_some_and(|f| f.to_lowercase().starts_with(&self.value.to_lowercase()))
    }

    /// The query value as the docs write it before encoding:
    /// `{"Field":…,"Value":…,"Operator":"starts_with"}` (keys in the .NET SDK's order).
    pub fn to_query(&self) -> String {
        let field = match self.field {
            SearchField::CompanyName => "CompanyName",
            SearchField::Domain => "Domain",
        };
        format!(
            r#"{{"Field":{},"Value":{},"Operator":"starts_with"}}"#,
            serde_json::Value::from(field),
            serde_json::Value::from(self.value.as_str())
        )
    }
}
