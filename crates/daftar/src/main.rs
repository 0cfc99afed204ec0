//! The `daftar` binary: serves the application, manages the database and accounts, and runs
//! maintenance. `daftar --help` lists the commands; every command has its own `--help`.

mod cli;
mod cmd;
mod config;
mod output;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(e) => {
            match e.downcast_ref::<daftar_domain::Error>() {
                Some(d) => eprintln!("error: {}: {}", d.code, output::message(d)),
                None => eprintln!("error: {e:#}"),
            }
            ExitCode::FAILURE
        }
    }
}
