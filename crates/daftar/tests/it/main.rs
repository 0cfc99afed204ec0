//! The binary crate's integration tests, one binary: the real `daftar` command (`cli`) and the
//! architecture's invariants (`architecture`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod architecture;
mod audit_cli;
mod bench_cli;
mod cli;
mod notify_cli;
