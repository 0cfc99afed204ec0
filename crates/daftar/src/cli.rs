//! Command-line arguments (clap).

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// daftar — registry and services for a migration authority's licensed offices.
///
/// Configuration comes from defaults, then `daftar.toml` (or --config), then DAFTAR_*
/// environment variables (and DATABASE_URL), then flags. See docs/CONFIG.md.
#[derive(Debug, Parser)]
#[command(name = "daftar", version, propagate_version = true)]
pub struct Cli {
    /// Configuration file (default: ./daftar.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database URL: postgres://… for PostgreSQL (default: SQLite in the data directory).
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

/// Where to serve and keep data.
#[derive(Debug, Args, Clone, Default)]
pub struct ServeArgs {
    /// Address and port to listen on, e.g. 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<String>,
    /// Directory for the SQLite database.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web application and API (SQLite is created and migrated on start).
    Serve(ServeArgs),
    /// Apply database migrations and print the ones applied.
    Migrate(DataDir),
    /// Create a demo database (offices, users of every role, synthetic persons) and serve it.
    Demo(DemoArgs),
    /// Manage accounts and offices.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Audit log tools.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write a consistent copy of the database (SQLite VACUUM INTO, PostgreSQL pg_dump).
    Backup(BackupArgs),
    /// Replace the database with a backup (stop the server first).
    Restore(RestoreArgs),
    /// Show the effective configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Find records of the same person in a CSV file and write a cluster for every record.
    Dedupe(DedupeArgs),
    /// Generate synthetic data.
    #[command(subcommand)]
    Gen(GenCommand),
    /// Import records from files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Measure performance and print the figures (see docs/benchmarks.md).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Credential signing keys: generate, list, rotate, retire, export the signed lists.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Offices' KPI series (README, "KPIs").
    #[command(subcommand)]
    Kpi(KpiCommand),
    /// Notifications (README, "Notifications").
    #[command(subcommand)]
    Notify(NotifyCommand),
    /// Check a credential offline: its QR text or a photo of the QR, against a trust list, a
    /// status list and the pinned root key (files from `daftar keys export` or the server's
    /// /.well-known/daftar/). Exit code 0: valid; 1: any other verdict; 2: unreadable input.
    Verify(VerifyArgs),
}

/// `keys` subcommands. Private keys are stored sealed with the key secret (`key_secret`,
/// DAFTAR_KEY_SECRET, or `<data_dir>/key-secret`).
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make the root key (signs the trust and status lists; verifiers pin it) and an issuer key
    /// (signs credentials) if they do not exist yet.
    Generate(DataDir),
    /// List the keys: id, role, state, created, public key.
    List(DataDir),
    /// Make a new issuer key the active one; the previous one stays in the trust list
    /// (verify-only) so what it signed keeps verifying.
    Rotate(DataDir),
    /// Take a rotated-out issuer key out of the trust list: credentials it signed stop
    /// verifying (unknown issuer).
    Retire(RetireArgs),
    /// Write trust-list.cose, status-list.cose and root-key.txt into a directory, for offline
    /// verifiers.
    Export(ExportArgs),
}

/// `keys retire` options.
#[derive(Debug, Args)]
pub struct RetireArgs {
    /// Key id (8 hex digits, from `daftar keys list`).
    pub kid: String,
    #[command(flatten)]
    pub dir: DataDir,
}

/// `keys export` options.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Directory to write the files into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    pub dir: DataDir,
}

/// `verify` options.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The QR text (`DF1:...`); `-` reads it from standard input.
    #[arg(required_unless_present = "image", conflicts_with = "image")]
    pub text: Option<String>,
    /// A PNG or JPEG photo or scan of the QR code instead of its text.
    #[arg(long, value_name = "FILE")]
    pub image: Option<PathBuf>,
    /// Directory with trust-list.cose, status-list.cose and root-key.txt (`daftar keys
    /// export`); the options below override single files.
    #[arg(long, value_name = "DIR")]
    pub keys: Option<PathBuf>,
    /// Trust list file (signed issuer keys).
    #[arg(long, value_name = "FILE")]
    pub trust_list: Option<PathBuf>,
    /// Status list file (revoked ids); without one, revocation is not checked (and said so).
    #[arg(long, value_name = "FILE")]
    pub status_list: Option<PathBuf>,
    /// Status list deltas to apply on top, in order (`/.well-known/daftar/status-list?since=N`).
    #[arg(long = "delta", value_name = "FILE")]
    pub deltas: Vec<PathBuf>,
    /// Refuse a status list signed more than this many days ago (`credential.list.stale`): it
    /// would miss recent revocations. 0: no limit.
    #[arg(long, value_name = "DAYS", default_value_t = 7)]
    pub max_list_age: u32,
    /// The highest status list version this verifier has seen: an older list is refused as a
    /// rollback (`credential.list.rollback`).
    #[arg(long, value_name = "VERSION")]
    pub min_status_version: Option<u64>,
    /// The pinned root public key (64 hex digits), or a file holding it.
    #[arg(long, value_name = "HEX|FILE")]
    pub root_key: Option<String>,
    /// Print the result as JSON (errors too: `{"error": {"code", "message"}}`, exit 2).
    #[arg(long)]
    pub json: bool,
}

/// `kpi` subcommands.
#[derive(Debug, Subcommand)]
pub enum KpiCommand {
    /// Compute the monthly KPI series of every office now (what the server's KPI job does) for
    /// the Solar Hijri months ending with --to (default: the offices' current month), and
    /// print how many rows were written.
    Compute(KpiCompute),
}

/// `kpi compute` options.
#[derive(Debug, Args)]
pub struct KpiCompute {
    /// How many months, ending with --to (13: the seasonality index needs 12).
    #[arg(long, default_value_t = 13)]
    pub months: usize,
    /// The last month, Solar Hijri `YYYY/MM` (default: the offices' current month).
    #[arg(long, value_name = "YYYY/MM")]
    pub to: Option<String>,
    #[command(flatten)]
    pub dir: DataDir,
}

/// `bench kpi` options.
#[derive(Debug, Args)]
pub struct BenchKpi {
    /// Provinces; the page figures are for one of them.
    #[arg(long, default_value_t = 10)]
    pub provinces: u64,
    /// Offices per province.
    #[arg(long, default_value_t = 200)]
    pub offices_per_province: u64,
    /// Persons, spread over every office.
    #[arg(long, default_value_t = 1_000_000)]
    pub persons: u64,
    /// Cases, spread over 13 Solar Hijri months and every office.
    #[arg(long, default_value_t = 5_000_000)]
    pub cases: u64,
    /// Page queries to time.
    #[arg(long, default_value_t = 20)]
    pub queries: usize,
}

/// `bench` subcommands.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Load N generated persons into a fresh database (SQLite in a temporary directory, or the
    /// PostgreSQL database given with --database-url), then time the enrolment-time duplicate
    /// check; prints load rate, p50/p99 latency, peak memory and database size.
    Candidates(BenchCandidates),
    /// Compute SLA due dates with the country profile's working-day calendar (one thread) and
    /// print how many per second, after checking a sample against day-by-day counting.
    Sla(BenchSla),
    /// Load the create-case API: the real server on loopback over a fresh SQLite database (or
    /// --database-url), a signed-in clerk, one case per person with an Idempotency-Key each;
    /// prints requests per second and p50/p90/p99 latency, then checks the cases and replays.
    /// Built only with the `bench-http` feature (`cargo run --release --features bench-http`).
    #[cfg(feature = "bench-http")]
    Http(BenchHttp),
    /// Print the size (characters, QR version at level Q) of every credential type and purpose
    /// profile, then verify and issue (with the QR matrix) on one thread and print the rates.
    Credentials(BenchCredentials),
    /// Generate a registration round over N persons in K offices (SQLite in a temporary
    /// directory, or --database-url) and time the coverage reads and the not-yet-seen list.
    Coverage(BenchCoverage),
    /// Generate offices, persons and cases (default: 10 provinces of 200 offices, 1 M persons,
    /// 5 M cases over 13 Solar Hijri months) in a fresh database (temporary SQLite, or the empty
    /// PostgreSQL database of --database-url), then time the KPI job over every office and the
    /// KPI pages' queries for one province and one office.
    Kpi(BenchKpi),
    /// Enqueue N notices in a fresh database (temporary SQLite, or the PostgreSQL database of
    /// --database-url) and send them to the file transport; prints notices per second.
    Notify(BenchNotify),
    /// Generate offices over provinces and districts, persons, cases, receipts, complaints and
    /// an open round (default: 31 provinces of 32 offices, 6 M persons, 5 M cases) in a fresh
    /// database (temporary SQLite, or the empty PostgreSQL database of --database-url), run the
    /// KPI job (which also writes the dashboard's monthly counts), then time each of the
    /// dashboard's queries for the country, a province, a district and one office.
    Dashboard(BenchDashboard),
}

/// `notify` subcommands.
#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// Send the due notices through the configured transport (what the server's sender does)
    /// until none is left, then print how many; with --watch, keep sending.
    Send(NotifySend),
}

/// `notify send` options.
#[derive(Debug, Args)]
pub struct NotifySend {
    /// Keep running, a pass every notify_interval_ms (default 1000).
    #[arg(long)]
    pub watch: bool,
    /// Notices per claim.
    #[arg(long, default_value_t = 500)]
    pub batch: usize,
    #[command(flatten)]
    pub dir: DataDir,
}

/// `bench notify` options.
#[derive(Debug, Args)]
pub struct BenchNotify {
    /// Notices to enqueue and send.
    #[arg(long, default_value_t = 100_000)]
    pub count: usize,
    /// Notices per claim.
    #[arg(long, default_value_t = 500)]
    pub batch: usize,
}

/// `bench dashboard` options.
#[derive(Debug, Args)]
pub struct BenchDashboard {
    /// Provinces.
    #[arg(long, default_value_t = 31)]
    pub provinces: u64,
    /// Offices per province (in ten districts each).
    #[arg(long, default_value_t = 32)]
    pub offices_per_province: u64,
    /// Persons, spread over every office.
    #[arg(long, default_value_t = 6_000_000)]
    pub persons: u64,
    /// Cases, spread over 13 Solar Hijri months and every office (one in five with a receipt).
    #[arg(long, default_value_t = 5_000_000)]
    pub cases: u64,
    /// Help-desk complaints.
    #[arg(long, default_value_t = 50_000)]
    pub complaints: u64,
    /// Timed runs of each query.
    #[arg(long, default_value_t = 20)]
    pub queries: usize,
    /// When the database already holds the population these options generate (an earlier run
    /// on the same PostgreSQL database or --keep directory), skip generating it: run the KPI
    /// job again and time the queries. Without it a database that is not empty is refused.
    #[arg(long)]
    pub reuse: bool,
    /// Keep the SQLite database in this directory instead of a temporary one, so that a later
    /// run with --reuse times the queries again without generating the population.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<std::path::PathBuf>,
}

/// `bench coverage` options.
#[derive(Debug, Args)]
pub struct BenchCoverage {
    /// Persons in the round (households of three).
    #[arg(long, default_value_t = 1_000_000)]
    pub persons: usize,
    /// Offices (spread over 31 provinces).
    #[arg(long, default_value_t = 600)]
    pub offices: usize,
    /// Timed runs of each read.
    #[arg(long, default_value_t = 200)]
    pub queries: usize,
}

/// `bench credentials` options.
#[derive(Debug, Args)]
pub struct BenchCredentials {
    /// Credentials to verify (a tenth of this many are issued).
    #[arg(long, default_value_t = 100_000)]
    pub count: usize,
}

/// `bench sla` options.
#[derive(Debug, Args)]
pub struct BenchSla {
    /// Number of due dates to compute.
    #[arg(long, default_value_t = 10_000_000)]
    pub count: usize,
    /// SLAs are drawn from 1 to this many working days.
    #[arg(long, default_value_t = 15)]
    pub max_days: u32,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Country profile directory (default: the embedded Iran profile).
    #[arg(long)]
    pub profile_dir: Option<std::path::PathBuf>,
}

/// `bench http` options.
#[cfg(feature = "bench-http")]
#[derive(Debug, Args)]
pub struct BenchHttp {
    /// Timed requests (one new case each).
    #[arg(long, default_value_t = 20_000)]
    pub requests: usize,
    /// Untimed requests first.
    #[arg(long, default_value_t = 500)]
    pub warmup: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Worker threads of the server's runtime.
    #[arg(long, default_value_t = 2)]
    pub server_threads: usize,
    /// Worker threads of the load generator's runtime.
    #[arg(long, default_value_t = 1)]
    pub client_threads: usize,
    /// Send no Idempotency-Key (to see what storing the first answers costs).
    #[arg(long)]
    pub without_idempotency_key: bool,
    /// Audited person-page reads (`GET /api/v1/offices/{o}/persons/{p}`) instead of
    /// create-case: each connection signs in as a clerk of its own and reads 50 persons in turn
    /// (under the bulk-read limit); afterwards checks that every read was audited.
    #[arg(long)]
    pub reads: bool,
    /// Run on a fresh SQLite database and then on the PostgreSQL database of `--database-url`,
    /// one after the other in this process, and print both.
    #[arg(long)]
    pub side_by_side: bool,
}

/// `bench candidates` options.
#[derive(Debug, Args)]
pub struct BenchCandidates {
    /// Number of persons to load.
    #[arg(long, default_value_t = 100_000)]
    pub persons: usize,
    /// Number of candidate queries to time.
    #[arg(long, default_value_t = 2_000)]
    pub queries: usize,
    /// Queries run first and reported apart (a server answering clerks has its caches warm; a
    /// freshly loaded database has not).
    #[arg(long, default_value_t = 200)]
    pub warmup: usize,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Keep the SQLite database in this directory instead of a temporary one. When the
    /// directory already holds a database loaded by an earlier run with the same --persons and
    /// --seed, loading is skipped and only the queries are timed (for profiling the check).
    #[arg(long, value_name = "DIR")]
    pub keep: Option<std::path::PathBuf>,
    /// With --database-url: time the queries on the persons an earlier run with the same
    /// --persons and --seed loaded into that database (its benchmark office, checked to be
    /// completely loaded), without loading them again.
    #[arg(long)]
    pub reuse: bool,
}

/// `import` subcommands.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Register persons from a CSV or XLSX file into one office. Every row is checked first and
    /// every problem reported (row, column, code, message); nothing is written unless all rows
    /// are valid, and the write is one transaction.
    ///
    /// Columns (header row, any order, names as here): given_name (required), family_name,
    /// father_name, grandfather_name, given_name_latin, family_name_latin, birth_date
    /// (1370/05/12, 1370/05, 1370, 1991-08-03, Persian digits too), sex or gender
    /// (female/male/f/m), nationality (AFG, IRQ…), phone, province, district, address,
    /// document_kind (registration_card, passport, visa, census_slip, national_id),
    /// document_number, document_issuer, document_valid_from, document_valid_until.
    /// record_id and entity_id are ignored; other columns are reported and ignored.
    Persons(ImportPersons),
}

/// `import persons` options.
#[derive(Debug, Args)]
pub struct ImportPersons {
    /// The file: .csv (UTF-8) or .xlsx (first sheet).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Code of the office the persons are registered at, e.g. THR-01.
    #[arg(long, value_name = "CODE")]
    pub office: String,
    /// Check every row and report, but write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Also write the error report as CSV (row,column,code,message).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Nationality for rows that leave it empty.
    #[arg(long, default_value = "AFG", value_name = "ALPHA-3")]
    pub nationality: String,
    /// Language of the error messages (fa-IR, fa-AF, ps, en; default: the configured one).
    #[arg(long, value_name = "TAG")]
    pub locale: Option<String>,
    /// Directory of the SQLite database.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

/// `gen` subcommands.
#[derive(Debug, Subcommand)]
pub enum GenCommand {
    /// Noisy person records as CSV (with the true person in `entity_id`), for benchmarks.
    Persons(GenPersons),
}

/// `gen persons` options.
#[derive(Debug, Args)]
pub struct GenPersons {
    /// Number of records.
    #[arg(long, default_value_t = 10_000)]
    pub count: usize,
    /// Random seed (the same seed gives the same records).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// File to write (default: standard output).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `dedupe` options.
#[derive(Debug, Args)]
pub struct DedupeArgs {
    /// CSV with a header holding record_id, given_name, family_name, father_name, birth_date,
    /// gender (any order; other columns ignored).
    #[arg(long, value_name = "FILE", required_unless_present = "db")]
    pub input: Option<PathBuf>,
    /// Where to write `record_id,cluster` for every input record.
    #[arg(long, value_name = "FILE", required_unless_present = "db")]
    pub output: Option<PathBuf>,
    /// Run over the registered persons of the database instead of a file, and put every
    /// matched pair not yet reviewed in the supervisors' review queue.
    #[arg(long, conflicts_with_all = ["input", "output"])]
    pub db: bool,
    /// With --db: only the persons of this office (default: all offices).
    #[arg(long, value_name = "CODE", requires = "db")]
    pub office: Option<String>,
    /// With --db: directory of the SQLite database.
    #[arg(long, value_name = "DIR", requires = "db")]
    pub data_dir: Option<PathBuf>,
    /// Lowest given-name similarity for a match, 0.5–1.0 (higher: fewer, surer matches).
    #[arg(long, default_value_t = 0.9)]
    pub threshold: f64,
    /// Also write the matched pairs with the fields that agree (for review).
    #[arg(long, value_name = "FILE")]
    pub pairs: Option<PathBuf>,
}

/// Just the data directory.
#[derive(Debug, Args, Clone, Default)]
pub struct DataDir {
    /// Directory for the SQLite database.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

/// `demo` options.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Address and port to listen on.
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<String>,
    /// Directory for the demo database.
    #[arg(long, value_name = "DIR", default_value = "./data-demo")]
    pub data_dir: PathBuf,
    /// Delete and recreate the demo database.
    #[arg(long)]
    pub reset: bool,
    /// Number of synthetic persons to create.
    #[arg(long, default_value_t = 300)]
    pub persons: u32,
    /// Seed the database and exit without serving.
    #[arg(long, hide = true)]
    pub seed_only: bool,
}

/// `admin` subcommands.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Offices.
    #[command(subcommand)]
    Office(OfficeCommand),
}

/// `admin user` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account (prints a generated password unless --password-stdin).
    Add(UserAdd),
    /// List accounts.
    List(UserList),
    /// Disable an account and end its sessions and API tokens.
    Disable(UserName),
    /// Set a new password (generated unless --password-stdin) and end the user's sessions.
    ResetPassword(UserPassword),
}

/// `admin user add`.
#[derive(Debug, Args)]
pub struct UserAdd {
    /// Login name (3–64 of a-z, 0-9, . _ -).
    #[arg(long)]
    pub username: String,
    /// Role: clerk, office_manager, inspector, authority_officer, partner, auditor, system_admin.
    #[arg(long)]
    pub role: String,
    /// Office code, required for office roles (clerk, office_manager).
    #[arg(long, value_name = "CODE")]
    pub office: Option<String>,
    /// Name shown in the UI (default: the username).
    #[arg(long)]
    pub display_name: Option<String>,
    /// Partner service the account works for (role partner only; a code from the profile's
    /// referrals.toml, e.g. edu-tehran): it then sees the referrals addressed to that partner.
    #[arg(long, value_name = "CODE")]
    pub partner: Option<String>,
    /// Province branch of the association the account works for (role association only; a
    /// branch named by the offices' memberships, e.g. تهران): it then comments on
    /// consultations and files problems and proposals for that branch.
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,
    /// Read the password from standard input instead of generating one.
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub dir: DataDir,
}

/// `admin user list`.
#[derive(Debug, Args)]
pub struct UserList {
    /// Only this office (code).
    #[arg(long, value_name = "CODE")]
    pub office: Option<String>,
    #[command(flatten)]
    pub dir: DataDir,
}

/// A user by name.
#[derive(Debug, Args)]
pub struct UserName {
    /// Login name.
    pub username: String,
    #[command(flatten)]
    pub dir: DataDir,
}

/// `admin user reset-password`.
#[derive(Debug, Args)]
pub struct UserPassword {
    /// Login name.
    pub username: String,
    /// Read the password from standard input instead of generating one.
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub dir: DataDir,
}

/// `admin office` subcommands.
#[derive(Debug, Subcommand)]
pub enum OfficeCommand {
    /// Create an office.
    Add(OfficeAdd),
    /// List offices.
    List(DataDir),
}

/// `admin office add`.
#[derive(Debug, Args)]
pub struct OfficeAdd {
    /// Short code, e.g. THR-01.
    #[arg(long)]
    pub code: String,
    /// Name in Persian.
    #[arg(long)]
    pub name_fa: String,
    /// Name in English.
    #[arg(long)]
    pub name_en: String,
    /// Province.
    #[arg(long)]
    pub province: String,
    /// District.
    #[arg(long)]
    pub district: String,
    #[command(flatten)]
    pub dir: DataDir,
}

/// `audit` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Seal the waiting rows, then check the hash chain and the kept checkpoints (and
    /// `--checkpoint FILE`); exit 1 and name the first broken row if any row was edited,
    /// deleted, or the chain was rewritten or truncated.
    Verify(AuditVerifyArgs),
    /// Seal the rows waiting for the sealer now (the server seals continuously) and print what
    /// was done and what still waits (rows behind a transaction that is still open).
    Seal(DataDir),
    /// Sign a checkpoint of the chain's head with the root key, keep it, and write it to
    /// `--out FILE` if given.
    Checkpoint(CheckpointArgs),
    /// Write the newest kept checkpoint (signed by the root key) to a file, for keeping outside
    /// the database; signs one first if there is none.
    ExportCheckpoint(ExportCheckpointArgs),
}

/// `audit verify` options.
#[derive(Debug, Args)]
pub struct AuditVerifyArgs {
    /// A checkpoint file (`daftar audit export-checkpoint`): the chain must still have its hash
    /// at its row, so a chain rewritten end to end fails.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// The pinned root public key (64 hex digits, or a file such as `root-key.txt` from `daftar
    /// keys export`) that signed the checkpoint; default: the key ring's root key (needs
    /// `key_secret`).
    #[arg(long, value_name = "HEX|FILE")]
    pub root_key: Option<String>,
    #[command(flatten)]
    pub dir: DataDir,
}

/// `audit checkpoint` options.
#[derive(Debug, Args)]
pub struct CheckpointArgs {
    /// Also write the signed checkpoint to this file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub dir: DataDir,
}

/// `audit export-checkpoint` options.
#[derive(Debug, Args)]
pub struct ExportCheckpointArgs {
    /// File to write the signed checkpoint to.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    #[command(flatten)]
    pub dir: DataDir,
}

/// `backup` options.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// File to write (must not exist).
    #[arg(long, value_name = "FILE")]
    pub to: PathBuf,
    #[command(flatten)]
    pub dir: DataDir,
}

/// `restore` options.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// Backup file made by `daftar backup`.
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    #[command(flatten)]
    pub dir: DataDir,
}

/// `config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration (TOML, secrets redacted, with each value's source).
    Print(ServeArgs),
}
