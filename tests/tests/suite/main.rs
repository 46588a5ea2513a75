//! The workspace-level tests, one test binary: each module is what used to be a binary of its
//! own. One binary links the client, the sandbox and their dependencies once instead of
//! seventeen times (issue 24: build cost). `secrets` and `load` stay binaries of their own:
//! the first installs a tracing subscriber (tracing caches callsite interest per process), the
//! second loads the machine's cores and would slow the timing bounds of tests beside it.
//!
//! One module: `cargo test -p partner-center-tests --test suite removal::`.

mod answers;
mod client_wire;
mod conformance;
mod create;
mod credentials;
mod fixtures;
mod generated_is_fresh;
mod get_customer;
mod http;
mod list;
mod one_home;
mod purchases;
mod removal;
mod removal_subscriptions;
mod replay;
mod retries;
mod sandbox;
mod subscriptions;
mod tls;
mod tokens;
mod verify_rules;
