//! The rules a trial must keep, checked from the sandbox's state and request record after the
//! last run and from every run's JSON lines.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::cli_runs::RunResult;
use super::sandbox::all_customers;

/// What a trial's checks look at: the seeded ids, the state and record after the last run.
pub(super) struct Seen<'a> {
    pub(super) targets: &'a [String],
    pub(super) bystanders: &'a [String],
    pub(super) bystander_orders: &'a BTreeSet<String>,
    /// The bystanders' subscription ids, lower case.
    pub(super) bystander_subscriptions: &'a BTreeSet<String>,
    pub(super) after: &'a Value,
    pub(super) record: &'a [Value],
}

/// Every rule the trial broke, in words.
pub(super) fn broken_rules(seen: &Seen<'_>, runs: &[RunResult]) -> Vec<String> {
    let bystander_ids: BTreeSet<&str> = seen.bystanders.iter().map(String::as_str).collect();
    let mut broken = Vec::new();
    let remaining = all_customers(seen.after);
    let target_ids: BTreeSet<&str> = seen.targets.iter().map(String::as_str).collect();
    let left: Vec<&str> = remaining
        .iter()
        .filter_map(|c| c["id"].as_str())
        .filter(|id| target_ids.contains(id))
        .collect();
    if !left.is_empty() {
        broken.push(format!("targets left after exit 0: {left:?}"));
    }
    let present: BTreeSet<&str> = remaining.iter().filter_map(|c| c["id"].as_str()).collect();
    for bystander in seen.bystanders {
        if !present.contains(bystander.as_str()) {
            broken.push(format!("bystander {bystander} was deleted"));
        }
    }
    let mut deleted_at: BTreeMap<String, usize> = BTreeMap::new();
    let mut applied_orders: BTreeSet<String> = BTreeSet::new();
    let mut applied_subscriptions: BTreeSet<String> = BTreeSet::new();
    let mut applied_azure: BTreeSet<String> = BTreeSet::new();
    for (i, request) in seen.record.iter().enumerate() {
        let path = request["path"].as_str().unwrap_or_default();
        let method = request["method"].as_str().unwrap_or_default();
        let segments: Vec<&str> = path.split('?').next().unwrap_or_default().split('/').collect();
        // /v1/customers/{customer}[/orders/{order} | /subscriptions/{subscription}]
        let customer = segments.get(3).copied().unwrap_or_default();
        let order =
            (segments.get(4) == Some(&"orders")).then(|| segments.get(5).copied()).flatten();
        let subscription = (segments.get(4) == Some(&"subscriptions"))
            .then(|| segments.get(5).map(|s| s.to_ascii_lowercase()))
            .flatten();
        if let Some(s) = subscription.as_ref().filter(|s| seen.bystander_subscriptions.contains(*s))
        {
            broken.push(format!("{method} {path} named bystander subscription {s}"));
        }
        if bystander_ids.contains(customer) {
            broken.push(format!("{method} {path} named a bystander"));
        }
        if let Some(order) = order.filter(|o| seen.bystander_orders.contains(*o)) {
            broken.push(format!("{method} {path} named bystander order {order}"));
        }
        if method == "PATCH" && deleted_at.contains_key(customer) {
            broken.push(format!("{method} {path} after its customer was deleted"));
        }
        if request["applied"] == true {
            match (method, order) {
                ("DELETE", None) => {
                    deleted_at.entry(customer.to_owned()).or_insert(i);
                }
                ("PATCH", Some(order)) => {
                    applied_orders.insert(order.to_owned());
                }
                ("PATCH", None) => {
                    if let Some(s) = &subscription {
                        applied_subscriptions.insert(s.clone());
                    }
                }
                // …/azureEntitlements/{entitlement}/cancel
                ("POST", None) => {
                    if let Some(e) = segments.get(7) {
                        applied_azure.insert(e.to_ascii_lowercase());
                    }
                }
                _ => {}
            }
        }
    }
    for (n, run) in runs.iter().enumerate() {
        let text = String::from_utf8_lossy(&run.output);
        let mut lines: Vec<&str> = text.split('\n').collect();
        let torn = lines.pop().filter(|last| !last.is_empty());
        if let Some(torn) = torn
            && run.stopped != Some("-KILL")
        {
            broken.push(format!("run {}: a torn last line without a SIGKILL: {torn:.120}", n + 1));
        }
        for line in lines {
            let Ok(entry) = serde_json::from_str::<Value>(line) else {
                broken
                    .push(format!("run {}: an audit line that does not parse: {line:.120}", n + 1));
                continue;
            };
            let customer = entry["tenant_id"].as_str().unwrap_or_default();
            if entry["outcome"] == "deleted" && !deleted_at.contains_key(customer) {
                broken
                    .push(format!("run {}: claims {customer} deleted; the sandbox did not", n + 1));
            }
            // Both claims — a cancel accepted, an order read cancelled — need a cancel the
            // sandbox applied.
            let claimed = ["cancel_accepted_orders", "cancelled_orders"]
                .into_iter()
                .flat_map(|key| entry[key].as_array().into_iter().flatten());
            for order in claimed {
                let order = order.as_str().unwrap_or_default();
                if !applied_orders.contains(order) {
                    broken
                        .push(format!("run {}: claims order {order} cancelled; it was not", n + 1));
                }
            }
            // A subscription said updated (accepted, read ended after this run's update, or
            // ending at renewal) needs an update the sandbox applied.
            let subscriptions = entry["subscriptions"].as_array().into_iter().flatten();
            for s in subscriptions {
                let claims = ["accepted", "ended", "ends_at_renewal"]
                    .contains(&s["result"].as_str().unwrap_or_default());
                let id = s["subscription_id"].as_str().unwrap_or_default().to_ascii_lowercase();
                if claims && !applied_subscriptions.contains(&id) {
                    broken.push(format!(
                        "run {}: claims subscription {id} {}; no update of it was applied",
                        n + 1,
                        s["result"]
                    ));
                }
                let azure = s["azure_cancel_accepted"].as_array().into_iter().flatten();
                for e in azure.filter_map(Value::as_str) {
                    if !applied_azure.contains(&e.to_ascii_lowercase()) {
                        broken.push(format!(
                            "run {}: claims the cancel of Azure subscription {e} accepted; none was applied",
                            n + 1
                        ));
                    }
                }
            }
        }
    }
    broken
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const T: &str = "00000000-0000-0000-0000-0000000000a1";
    const B: &str = "00000000-0000-0000-0000-0000000000b1";

    fn request(method: &str, path: &str, applied: bool) -> Value {
        json!({ "method": method, "path": path, "applied": applied })
    }

    fn run(output: &str, stopped: Option<&'static str>) -> RunResult {
        RunResult { code: Some(0), stopped, output: output.as_bytes().to_vec() }
    }

    fn check(record: &[Value], after: &Value, runs: &[RunResult]) -> Vec<String> {
        let targets = vec![T.to_owned()];
        let bystanders = vec![B.to_owned()];
        let bystander_orders: BTreeSet<String> = ["bo1".to_owned()].into();
        let bystander_subscriptions: BTreeSet<String> = ["bs1".to_owned()].into();
        let seen = Seen {
            targets: &targets,
            bystanders: &bystanders,
            bystander_orders: &bystander_orders,
            bystander_subscriptions: &bystander_subscriptions,
            after,
            record,
        };
        broken_rules(&seen, runs)
    }

    fn state(ids: &[&str]) -> Value {
        let customers: Vec<Value> = ids.iter().map(|id| json!({ "id": id })).collect();
        json!({ "partners": [{ "customers": customers }] })
    }

    #[test]
    fn a_clean_trial_breaks_nothing() {
        let record = [
            request("GET", "/v1/customers", false),
            request("PATCH", &format!("/v1/customers/{T}/orders/o1"), true),
            request("PATCH", &format!("/v1/customers/{T}/subscriptions/S1"), true),
            request("DELETE", &format!("/v1/customers/{T}"), true),
        ];
        let line = format!(
            "{{\"tenant_id\":\"{T}\",\"outcome\":\"deleted\",\"cancelled_orders\":[\"o1\"],\"subscriptions\":[{{\"subscription_id\":\"s1\",\"result\":\"ended\"}}]}}\n"
        );
        assert_eq!(check(&record, &state(&[B]), &[run(&line, None)]), Vec::<String>::new());
    }

    #[test]
    fn each_rule_is_caught() {
        let record = [
            request("DELETE", &format!("/v1/customers/{T}"), true),
            request("PATCH", &format!("/v1/customers/{T}/orders/o1"), true),
            request("GET", &format!("/v1/customers/{B}/entitlements"), false),
            request("GET", "/v1/customers/other/orders/bo1", false),
            request("PATCH", "/v1/customers/other/subscriptions/BS1", false),
        ];
        let lines = format!(
            "{{\"tenant_id\":\"{B}\",\"outcome\":\"deleted\"}}\n{{\"tenant_id\":\"{T}\",\"outcome\":\"deleted\",\"cancelled_orders\":[\"o2\"],\"subscriptions\":[{{\"subscription_id\":\"s2\",\"result\":\"accepted\",\"azure_cancel_accepted\":[\"e9\"]}}]}}\nnot json\n{{\"torn"
        );
        let broken = check(&record, &state(&[T]), &[run(&lines, Some("-INT"))]);
        let text = broken.join("\n");
        for expected in [
            "targets left after exit 0",
            "bystander 00000000-0000-0000-0000-0000000000b1 was deleted",
            "after its customer was deleted",
            "named a bystander",
            "named bystander order bo1",
            "claims 00000000-0000-0000-0000-0000000000b1 deleted; the sandbox did not",
            "claims order o2 cancelled; it was not",
            "named bystander subscription bs1",
            "claims the cancel of Azure subscription e9 accepted; none was applied",
            "claims subscription s2 \"accepted\"; no update of it was applied",
            "an audit line that does not parse",
            "a torn last line without a SIGKILL",
        ] {
            assert!(text.contains(expected), "{expected} not in:\n{text}");
        }
        // A torn last line is allowed after a SIGKILL.
        let after_kill = check(&[], &state(&[B]), &[run("{\"torn", Some("-KILL"))]);
        assert!(after_kill.iter().all(|b| !b.contains("torn")), "{after_kill:?}");
    }
}
