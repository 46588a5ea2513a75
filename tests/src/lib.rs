//! Shared helpers for the workspace tests live in `tests/tests/`; this crate has no library code.
