//! Typed client for Partner Center.

#[rustfmt::skip]
pub mod generated;
pub mod hooks;
