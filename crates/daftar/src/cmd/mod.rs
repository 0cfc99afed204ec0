//! Command dispatch and what the commands share: loading the configuration and opening the store.

mod admin;
mod audit;
mod bench;
mod bench_coverage;
mod bench_credentials;
mod bench_dashboard;
#[cfg(feature = "bench-http")]
mod bench_http;
mod bench_sla;
mod dedupe;
mod demo;
mod gen_data;
mod import;
mod keys;
mod kpi;
mod maintenance;
mod notify;
mod serve;

use crate::cli::{Cli, Command, ConfigCommand, ServeArgs};
use crate::config::{self, Flags, Loaded};
use anyhow::Result;
use daftar_domain::store::Store;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    let global = Flags {
        config: cli.config.clone(),
        database_url: cli.database_url.clone(),
        ..Default::default()
    };
    let with = |listen: Option<String>, data_dir: Option<PathBuf>| Flags {
        listen,
        data_dir,
        ..global.clone()
    };
    match cli.command {
        Command::Serve(a) => serve::serve(&load(&with(a.listen, a.data_dir))?),
        Command::Migrate(d) => maintenance::migrate(&load(&with(None, d.data_dir))?),
        Command::Demo(a) => demo::demo(
            &load(&with(a.listen.clone(), Some(a.data_dir.clone())))?,
            &a,
        ),
        Command::Admin(a) => admin::run(&global, a),
        Command::Audit(crate::cli::AuditCommand::Verify(a)) => {
            audit::verify(&load(&with(None, a.dir.data_dir.clone()))?, &a)
        }
        Command::Audit(crate::cli::AuditCommand::Seal(d)) => {
            audit::seal(&load(&with(None, d.data_dir))?)
        }
        Command::Audit(crate::cli::AuditCommand::Checkpoint(a)) => audit::checkpoint(
            &load(&with(None, a.dir.data_dir.clone()))?,
            a.out.as_deref(),
        ),
        Command::Audit(crate::cli::AuditCommand::ExportCheckpoint(a)) => {
            audit::export_checkpoint(&load(&with(None, a.dir.data_dir.clone()))?, &a.out)
        }
        Command::Backup(b) => {
            maintenance::backup(&load(&with(None, b.dir.data_dir.clone()))?, &b.to)
        }
        Command::Restore(r) => {
            maintenance::restore(&load(&with(None, r.dir.data_dir.clone()))?, &r.from)
        }
        Command::Dedupe(a) if a.db => dedupe::run_db(&load(&with(None, a.data_dir.clone()))?, &a),
        Command::Dedupe(a) => dedupe::run(&a),
        Command::Gen(crate::cli::GenCommand::Persons(a)) => gen_data::persons(&a),
        Command::Bench(crate::cli::BenchCommand::Candidates(a)) => {
            bench::candidates(cli.database_url.as_deref(), &a)
        }
        Command::Bench(crate::cli::BenchCommand::Sla(a)) => {
            bench_sla::sla(a.profile_dir.as_deref(), &a)
        }
        Command::Bench(crate::cli::BenchCommand::Coverage(a)) => {
            bench_coverage::coverage(cli.database_url.as_deref(), &a)
        }
        Command::Bench(crate::cli::BenchCommand::Credentials(a)) => {
            bench_credentials::credentials(&a)
        }
        #[cfg(feature = "bench-http")]
        Command::Bench(crate::cli::BenchCommand::Http(a)) => {
            bench_http::http(cli.database_url.as_deref(), &a)
        }
        Command::Import(crate::cli::ImportCommand::Persons(a)) => {
            import::persons(&load(&with(None, a.data_dir.clone()))?, &a)
        }
        Command::Keys(k) => keys::run(&global, k),
        Command::Kpi(crate::cli::KpiCommand::Compute(a)) => {
            kpi::compute(&load(&with(None, a.dir.data_dir.clone()))?, &a)
        }
        Command::Bench(crate::cli::BenchCommand::Kpi(a)) => {
            kpi::bench(cli.database_url.as_deref(), &a)
        }
        Command::Notify(crate::cli::NotifyCommand::Send(a)) => {
            notify::send(&load(&with(None, a.dir.data_dir.clone()))?, &a)
        }
        Command::Bench(crate::cli::BenchCommand::Notify(a)) => {
            notify::bench(cli.database_url.as_deref(), &a)
        }
        Command::Bench(crate::cli::BenchCommand::Dashboard(a)) => {
            bench_dashboard::bench(cli.database_url.as_deref(), &a)
        }
        Command::Verify(a) => keys::verify(&a),
        Command::Config(ConfigCommand::Print(ServeArgs { listen, data_dir })) => {
            print!("{}", load(&with(listen, data_dir))?.print()?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Loads the configuration from the process environment and `flags`.
pub fn load(flags: &Flags) -> Result<Loaded> {
    let env = std::env::vars().collect();
    config::load(flags, &env)
}

/// The country profile of the configuration (the embedded Iran profile unless `profile_dir`
/// names another).
pub fn profile(loaded: &Loaded) -> Result<daftar_domain::profile::Profile> {
    Ok(if loaded.config.profile_dir.is_empty() {
        daftar_domain::profile::Profile::iran()?
    } else {
        daftar_store::profile::from_dir(std::path::Path::new(&loaded.config.profile_dir))?
    })
}

/// Opens the configured store (SQLite is created and migrated on open).
pub fn open(loaded: &Loaded) -> Result<Arc<dyn Store>> {
    Ok(Arc::new(
        daftar_store::connect_sql(&loaded.config.database())?.with_clock(loaded.config.clock()),
    ))
}

/// An audit context for work done from the command line.
pub fn system_ctx(what: &str) -> daftar_domain::audit::AuditCtx {
    daftar_domain::audit::AuditCtx::system(format!("cli-{what}-{}", ulid::Ulid::new()))
}
