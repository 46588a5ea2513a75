//! The routing table: every operation the sandbox serves, written once. Matching a request
//! to its operation ([`target`]), the `404`/`405` for anything else ([`not_served`]), which
//! handler answers ([`answer`]), the names faults and the binary's flags use
//! ([`Operation::name`]), and which documented rate limit a request counts against
//! ([`Resource`]) all read [`ROUTES`]. Adding an operation is one row here and its handler in
//! the resource modules ([`crate::customers`], [`crate::orders`], [`crate::entitlements`]).

use axum::body::{Body, Bytes};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, Response, StatusCode, header};
use uuid::Uuid;

use crate::layers::auth::Partner;
use crate::shared::Shared;
use crate::{answer, codes, customers, entitlements, orders, subscriptions};

/// The operations the sandbox serves, for faults that target one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `GET /v1/customers`.
    ListCustomers,
    /// `GET /v1/customers/{customer-tenant-id}`.
    GetCustomer,
    /// `DELETE /v1/customers/{customer-tenant-id}`.
    DeleteCustomer,
    /// `GET /v1/customers/{customer-tenant-id}/entitlements`.
    ListEntitlements,
    /// `GET /v1/customers/{customer-tenant-id}/orders/{order-id}`.
    GetOrder,
    /// `PATCH /v1/customers/{customer-tenant-id}/orders/{order-id}` (cancel an order).
    UpdateOrder,
    /// `GET /v1/customers/{customer-tenant-id}/subscriptions`.
    ListSubscriptions,
    /// `GET /v1/customers/{customer-tenant-id}/subscriptions/{subscription-id}`.
    GetSubscription,
    /// `PATCH /v1/customers/{customer-tenant-id}/subscriptions/{subscription-id}` (cancel,
    /// suspend or reactivate a subscription).
    UpdateSubscription,
    /// `GET …/subscriptions/{subscription-id}/azureEntitlements` (an Azure plan's Azure
    /// subscriptions).
    ListAzureEntitlements,
    /// `POST …/azureEntitlements/{entitlement-id}/cancel`.
    CancelAzureEntitlement,
    /// `POST /v1/customers` (create a customer).
    CreateCustomer,
    /// `POST /v1/validations/address`.
    ValidateAddress,
    /// `HEAD /v1/domains/{domain}` (is the domain taken?).
    CheckDomain,
    /// `POST /v1/customers/{customer-tenant-id}/carts`.
    CreateCart,
    /// `POST …/carts/{cart-id}/checkout` (a purchase).
    CheckoutCart,
}

/// The resources Partner Center documents a rate limit for (500 requests a minute per tenant
/// on each); a request counts against its route's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Resource {
    /// The Customer resource: listing, reading and deleting customers, and (a choice: no limit is
    /// documented for them, and their path is the customer's) reading its entitlements.
    Customer,
    /// The Order resource: reading and cancelling orders.
    Order,
    /// The Subscription resource: listing, reading and updating subscriptions.
    Subscription,
}

/// What a handler is given: the request's head, its body (empty for routes that take none)
/// and the path's parameters as sent (`""` where the route has none).
pub(crate) struct Incoming<'a> {
    pub parts: &'a Parts,
    pub body: &'a Bytes,
    pub customer: &'a str,
    pub order: &'a str,
    pub subscription: &'a str,
    pub entitlement: &'a str,
    pub domain: &'a str,
    pub cart: &'a str,
}

type Handler = fn(&Shared, Partner, &Incoming<'_>) -> Response<Body>;

/// One row of the table.
pub(crate) struct Route {
    pub operation: Operation,
    /// The name faults (`throttle:1:1s@NAME`) and flags use.
    pub name: &'static str,
    /// A `GET` route also answers `HEAD` (hyper leaves the body out).
    pub method: Method,
    /// Literal segments and the parameters `{customer}`, `{order}`, `{subscription}` and
    /// `{entitlement}`, each one whole segment.
    pub path: &'static str,
    pub resource: Resource,
    /// Whether the request's body is read and handed to the handler.
    pub takes_body: bool,
    handler: Handler,
}

/// Every operation the sandbox serves.
pub(crate) static ROUTES: &[Route] = &[
    Route {
        operation: Operation::ListCustomers,
        name: "list",
        method: Method::GET,
        path: "/v1/customers",
        resource: Resource::Customer,
        takes_body: false,
        handler: customers::list::handle,
    },
    Route {
        operation: Operation::GetCustomer,
        name: "get-customer",
        method: Method::GET,
        path: "/v1/customers/{customer}",
        resource: Resource::Customer,
        takes_body: false,
        handler: customers::get::handle,
    },
    Route {
        operation: Operation::DeleteCustomer,
        name: "delete",
        method: Method::DELETE,
        path: "/v1/customers/{customer}",
        resource: Resource::Customer,
        takes_body: false,
        handler: customers::delete::handle,
    },
    Route {
        operation: Operation::ListEntitlements,
        name: "entitlements",
        method: Method::GET,
        path: "/v1/customers/{customer}/entitlements",
        resource: Resource::Customer,
        takes_body: false,
        handler: entitlements::handle,
    },
    Route {
        operation: Operation::GetOrder,
        name: "get-order",
        method: Method::GET,
        path: "/v1/customers/{customer}/orders/{order}",
        resource: Resource::Order,
        takes_body: false,
        handler: orders::get,
    },
    Route {
        operation: Operation::UpdateOrder,
        name: "update-order",
        method: Method::PATCH,
        path: "/v1/customers/{customer}/orders/{order}",
        resource: Resource::Order,
        takes_body: true,
        handler: orders::update,
    },
    Route {
        operation: Operation::ListSubscriptions,
        name: "subscriptions",
        method: Method::GET,
        path: "/v1/customers/{customer}/subscriptions",
        resource: Resource::Subscription,
        takes_body: false,
        handler: subscriptions::list,
    },
    Route {
        operation: Operation::GetSubscription,
        name: "get-subscription",
        method: Method::GET,
        path: "/v1/customers/{customer}/subscriptions/{subscription}",
        resource: Resource::Subscription,
        takes_body: false,
        handler: subscriptions::get,
    },
    Route {
        operation: Operation::UpdateSubscription,
        name: "update-subscription",
        method: Method::PATCH,
        path: "/v1/customers/{customer}/subscriptions/{subscription}",
        resource: Resource::Subscription,
        takes_body: true,
        handler: subscriptions::update,
    },
    Route {
        operation: Operation::ListAzureEntitlements,
        name: "azure-entitlements",
        method: Method::GET,
        path: "/v1/customers/{customer}/subscriptions/{subscription}/azureEntitlements",
        // A choice: no limit is documented for them; they are under the subscription.
        resource: Resource::Subscription,
        takes_body: false,
        handler: subscriptions::azure::list,
    },
    Route {
        operation: Operation::CancelAzureEntitlement,
        name: "cancel-azure-entitlement",
        method: Method::POST,
        path: "/v1/customers/{customer}/subscriptions/{subscription}/azureEntitlements/{entitlement}/cancel",
        resource: Resource::Subscription,
        takes_body: true,
        handler: subscriptions::azure::cancel,
    },
    Route {
        operation: Operation::CreateCustomer,
        name: "create",
        method: Method::POST,
        path: "/v1/customers",
        resource: Resource::Customer,
        takes_body: true,
        handler: customers::create::handle,
    },
    Route {
        operation: Operation::ValidateAddress,
        name: "validate-address",
        method: Method::POST,
        path: "/v1/validations/address",
        // A choice: no limit is documented for it; it serves customer creation.
        resource: Resource::Customer,
        takes_body: true,
        handler: customers::address::handle,
    },
    Route {
        operation: Operation::CheckDomain,
        name: "check-domain",
        method: Method::HEAD,
        path: "/v1/domains/{domain}",
        // A choice, as for address validation.
        resource: Resource::Customer,
        takes_body: false,
        handler: customers::domains::handle,
    },
    Route {
        operation: Operation::CreateCart,
        name: "create-cart",
        method: Method::POST,
        path: "/v1/customers/{customer}/carts",
        // A choice: the throttling page lists carts apart; they lead to orders.
        resource: Resource::Order,
        takes_body: true,
        handler: orders::carts::create,
    },
    Route {
        operation: Operation::CheckoutCart,
        name: "checkout",
        method: Method::POST,
        path: "/v1/customers/{customer}/carts/{cart}/checkout",
        resource: Resource::Order,
        takes_body: false,
        handler: orders::carts::checkout,
    },
];

impl Operation {
    /// Its row in [`ROUTES`].
    pub(crate) fn route(self) -> &'static Route {
        ROUTES.iter().find(|r| r.operation == self).expect("every operation has a route (tested)")
    }

    /// The short name faults and the sandbox binary's flags use: `list`, `delete`.
    pub fn name(self) -> &'static str {
        self.route().name
    }

    /// The operation with this [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Self> {
        ROUTES.iter().find(|r| r.name == name).map(|r| r.operation)
    }

    /// The documented resource whose rate limit it counts against.
    pub fn resource(self) -> Resource {
        self.route().resource
    }

    /// Every operation the sandbox serves, in the routing table's order.
    pub fn all() -> impl Iterator<Item = Operation> {
        ROUTES.iter().map(|r| r.operation)
    }

    /// Every operation's name, `a|b|c`, for the binary's usage messages.
    #[cfg(feature = "cli")]
    pub(crate) fn names() -> String {
        ROUTES.iter().map(|r| r.name).collect::<Vec<_>>().join("|")
    }

    /// Whether it changes state on the server (then a repeated `MS-RequestId` is replayed).
    /// Address validation is a `POST` that changes nothing.
    pub(crate) fn changes_state(self) -> bool {
        let route = self.route();
        route.method != Method::GET
            && route.method != Method::HEAD
            && self != Operation::ValidateAddress
    }
}

/// What a request is for: its operation and, where the path names one, its customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Target {
    pub operation: Operation,
    pub customer: Option<Uuid>,
}

impl Target {
    pub(crate) fn changes_state(&self) -> bool {
        self.operation.changes_state()
    }

    pub(crate) fn route(&self) -> &'static Route {
        self.operation.route()
    }
}

/// The path's parameters, if `path` has the shape of `template`.
fn matches<'p>(template: &str, path: &'p str) -> Option<Params<'p>> {
    let mut params = Params::default();
    let mut sent = path.split('/');
    for expected in template.split('/') {
        let segment = sent.next()?;
        match expected {
            "{customer}" if !segment.is_empty() => params.customer = segment,
            "{order}" if !segment.is_empty() => params.order = segment,
            "{subscription}" if !segment.is_empty() => params.subscription = segment,
            "{entitlement}" if !segment.is_empty() => params.entitlement = segment,
            "{domain}" if !segment.is_empty() => params.domain = segment,
            "{cart}" if !segment.is_empty() => params.cart = segment,
            literal if literal == segment => {}
            _ => return None,
        }
    }
    sent.next().is_none().then_some(params)
}

/// The parameters a path names, as sent (`""` where its route has none).
#[derive(Debug, Default, Clone, Copy)]
struct Params<'p> {
    customer: &'p str,
    order: &'p str,
    subscription: &'p str,
    entitlement: &'p str,
    domain: &'p str,
    cart: &'p str,
}

fn serves(route: &Route, method: &Method) -> bool {
    route.method == method || (route.method == Method::GET && method == Method::HEAD)
}

/// The operation a method and path are for (`None` for anything the sandbox does not serve).
pub(crate) fn target(method: &Method, path: &str) -> Option<Target> {
    ROUTES.iter().filter(|r| serves(r, method)).find_map(|r| {
        let params = matches(r.path, path)?;
        Some(Target { operation: r.operation, customer: Uuid::try_parse(params.customer).ok() })
    })
}

/// The operation's handler answers a request the request-wide concerns let through.
pub(crate) fn answer(
    shared: &Shared,
    partner: Partner,
    target: Target,
    parts: &Parts,
    body: &Bytes,
) -> Response<Body> {
    let route = target.route();
    let Params { customer, order, subscription, entitlement, domain, cart } =
        matches(route.path, parts.uri.path()).unwrap_or_default();
    let incoming =
        Incoming { parts, body, customer, order, subscription, entitlement, domain, cart };
    (route.handler)(shared, partner, &incoming)
}

/// The answer to a request that is for no operation: `405` with `Allow` on a path the sandbox
/// serves with other methods, `404` elsewhere.
pub(crate) fn not_served(path: &str) -> Response<Body> {
    let allowed: Vec<&str> = ROUTES
        .iter()
        .filter(|r| matches(r.path, path).is_some())
        .flat_map(|r| {
            if r.method == Method::GET { vec!["GET", "HEAD"] } else { vec![r.method.as_str()] }
        })
        .collect();
    if allowed.is_empty() {
        return answer::error(StatusCode::NOT_FOUND, codes::NOT_FOUND, "Not found");
    }
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    if let Ok(allow) = HeaderValue::from_str(&allowed.join(",")) {
        r.headers_mut().insert(header::ALLOW, allow);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_one_route_and_a_unique_name() {
        let all = [
            Operation::ListCustomers,
            Operation::GetCustomer,
            Operation::DeleteCustomer,
            Operation::ListEntitlements,
            Operation::GetOrder,
            Operation::UpdateOrder,
            Operation::ListSubscriptions,
            Operation::GetSubscription,
            Operation::UpdateSubscription,
            Operation::ListAzureEntitlements,
            Operation::CancelAzureEntitlement,
            Operation::CreateCustomer,
            Operation::ValidateAddress,
            Operation::CheckDomain,
            Operation::CreateCart,
            Operation::CheckoutCart,
        ];
        for op in all {
            assert_eq!(ROUTES.iter().filter(|r| r.operation == op).count(), 1, "{op:?}");
            assert_eq!(Operation::from_name(op.name()), Some(op));
        }
        assert_eq!(ROUTES.len(), all.len());
    }

    #[test]
    fn paths_match_whole_segments_only() {
        let id = Uuid::new_v4();
        let delete = format!("/v1/customers/{id}");
        assert_eq!(
            target(&Method::DELETE, &delete),
            Some(Target { operation: Operation::DeleteCustomer, customer: Some(id) })
        );
        assert_eq!(
            target(&Method::HEAD, "/v1/customers").map(|t| t.operation),
            Some(Operation::ListCustomers)
        );
        assert_eq!(
            target(&Method::GET, &delete),
            Some(Target { operation: Operation::GetCustomer, customer: Some(id) })
        );
        // A malformed id is still the operation's (its handler answers 400), an empty one not.
        assert_eq!(target(&Method::DELETE, "/v1/customers/x").map(|t| t.customer), Some(None));
        assert_eq!(target(&Method::DELETE, "/v1/customers/"), None);
        assert_eq!(target(&Method::DELETE, &format!("{delete}/x")), None);
        assert_eq!(target(&Method::GET, "/v1/customersx"), None);
    }

    #[test]
    fn other_methods_get_405_with_allow_and_other_paths_404() {
        let allow = |path: &str| {
            let r = not_served(path);
            (
                r.status(),
                r.headers().get(header::ALLOW).map(|v| v.to_str().unwrap_or("").to_owned()),
            )
        };
        assert_eq!(
            allow("/v1/customers"),
            (StatusCode::METHOD_NOT_ALLOWED, Some("GET,HEAD,POST".into()))
        );
        assert_eq!(
            allow("/v1/customers/abc"),
            (StatusCode::METHOD_NOT_ALLOWED, Some("GET,HEAD,DELETE".into()))
        );
        assert_eq!(
            allow("/v1/customers/abc/orders/o1"),
            (StatusCode::METHOD_NOT_ALLOWED, Some("GET,HEAD,PATCH".into()))
        );
        assert_eq!(allow("/v1/customers/abc/orders").0, StatusCode::NOT_FOUND);
        assert_eq!(allow("/v1/invoices").0, StatusCode::NOT_FOUND);
    }
}
