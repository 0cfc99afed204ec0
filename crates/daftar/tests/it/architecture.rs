//! The invariants of docs/ARCHITECTURE.md, checked: the crate map and who may depend on what,
//! read from `cargo metadata` (the resolved dependency graph of the workspace) and, where a
//! dependency alone cannot tell, from the sources. Each test names the "Invariant:" line of the
//! architecture page it backs; a change that breaks one changes the map, and the page with it.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Crates that speak to a database: the drivers, their pools and ORMs.
const DATABASE_DRIVERS: &[&str] = &[
    "rusqlite",
    "r2d2_sqlite",
    "libsqlite3-sys",
    "postgres",
    "tokio-postgres",
    "r2d2_postgres",
    "tokio-postgres-rustls",
    "r2d2",
    "sqlx",
    "diesel",
    "sea-orm",
];

/// Crates that do I/O or exist to serve it: async runtime, sockets, HTTP, TLS, databases,
/// templates. None may reach a pure crate, not even through another dependency.
const IO_CRATES: &[&str] = &[
    "tokio",
    "mio",
    "socket2",
    "async-std",
    "hyper",
    "axum",
    "tower",
    "tower-http",
    "reqwest",
    "rustls",
    "askama",
    "rusqlite",
    "libsqlite3-sys",
    "postgres",
    "tokio-postgres",
    "r2d2",
];

/// The crates the architecture calls pure: rules and algorithms, no I/O.
const PURE: &[&str] = &["daftar-domain", "daftar-match", "daftar-credential"];

/// The documented map: each workspace crate's (normal) dependencies on other workspace crates.
const MAP: &[(&str, &[&str])] = &[
    ("daftar-domain", &[]),
    ("daftar-credential", &[]),
    ("daftar-match", &["daftar-domain"]),
    (
        "daftar-store",
        &["daftar-credential", "daftar-domain", "daftar-match"],
    ),
    (
        "daftar-web",
        &["daftar-credential", "daftar-domain", "daftar-store"],
    ),
    (
        "daftar",
        &[
            "daftar-credential",
            "daftar-domain",
            "daftar-match",
            "daftar-store",
            "daftar-web",
        ],
    ),
    ("daftar-testkit", &["daftar-domain", "daftar-store"]),
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The workspace as `cargo metadata` resolves it (all features, as the build and CI use).
struct Graph {
    /// Package id → name.
    names: BTreeMap<String, String>,
    /// Package ids of proc-macro crates (their dependencies run in the compiler, not in ours).
    proc_macros: BTreeSet<String>,
    /// Workspace crate name → its declared dependencies as (name, kind), kind `normal`, `dev`
    /// or `build`.
    declared: BTreeMap<String, Vec<(String, String)>>,
    /// Resolved normal and build edges: package id → dependency package ids.
    edges: BTreeMap<String, Vec<String>>,
    /// Workspace crate name → package id.
    members: BTreeMap<String, String>,
}

fn graph() -> &'static Graph {
    static GRAPH: OnceLock<Graph> = OnceLock::new();
    GRAPH.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = Command::new(cargo)
            .args([
                "metadata",
                "--format-version",
                "1",
                "--all-features",
                "--locked",
            ])
            .arg("--manifest-path")
            .arg(workspace_root().join("Cargo.toml"))
            .output()
            .expect("run cargo metadata");
        assert!(
            out.status.success(),
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let m: Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
        let mut g = Graph {
            names: BTreeMap::new(),
            proc_macros: BTreeSet::new(),
            declared: BTreeMap::new(),
            edges: BTreeMap::new(),
            members: BTreeMap::new(),
        };
        let members: BTreeSet<&str> = m["workspace_members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        for p in m["packages"].as_array().unwrap() {
            let id = p["id"].as_str().unwrap().to_owned();
            let name = p["name"].as_str().unwrap().to_owned();
            if p["targets"].as_array().unwrap().iter().any(|t| {
                t["kind"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|k| k == "proc-macro")
            }) {
                g.proc_macros.insert(id.clone());
            }
            if members.contains(id.as_str()) {
                let deps = p["dependencies"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| {
                        (
                            d["name"].as_str().unwrap().to_owned(),
                            d["kind"].as_str().unwrap_or("normal").to_owned(),
                        )
                    })
                    .collect();
                g.declared.insert(name.clone(), deps);
                g.members.insert(name.clone(), id.clone());
            }
            g.names.insert(id, name);
        }
        for n in m["resolve"]["nodes"].as_array().unwrap() {
            let id = n["id"].as_str().unwrap().to_owned();
            let deps = n["deps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| {
                    d["dep_kinds"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|k| k["kind"].as_str() != Some("dev"))
                })
                .map(|d| d["pkg"].as_str().unwrap().to_owned())
                .collect();
            g.edges.insert(id, deps);
        }
        g
    })
}

impl Graph {
    /// Declared dependencies of workspace crate `name` that are not dev-dependencies.
    fn shipped_deps(&self, name: &str) -> BTreeSet<&str> {
        self.declared[name]
            .iter()
            .filter(|(_, kind)| kind != "dev")
            .map(|(d, _)| d.as_str())
            .collect()
    }

    /// Every crate linked into workspace crate `name` (normal and build edges, not descending
    /// into proc-macros), by name.
    fn closure(&self, name: &str) -> BTreeSet<&str> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![self.members[name].as_str()];
        while let Some(id) = todo.pop() {
            for dep in &self.edges[id] {
                if seen.insert(dep.as_str()) && !self.proc_macros.contains(dep) {
                    todo.push(dep);
                }
            }
        }
        seen.iter().map(|id| self.names[*id].as_str()).collect()
    }

    /// Workspace crates whose shipped dependencies include `dep`.
    fn dependents_of(&self, dep: &str) -> BTreeSet<&str> {
        self.members
            .keys()
            .filter(|m| self.shipped_deps(m).contains(dep))
            .map(String::as_str)
            .collect()
    }
}

/// Rust sources under `crates/<krate>/src`, as (path, text).
fn sources(krate: &str) -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                out.push((p, text));
            }
        }
    }
    let mut out = vec![];
    walk(
        &workspace_root().join("crates").join(krate).join("src"),
        &mut out,
    );
    assert!(!out.is_empty(), "no sources for {krate}");
    out
}

/// Invariant: the crates depend on each other exactly as the map in docs/ARCHITECTURE.md draws.
#[test]
fn the_crates_depend_on_each_other_as_the_map_draws() {
    let g = graph();
    let map: BTreeMap<&str, BTreeSet<&str>> = MAP
        .iter()
        .map(|(k, v)| (*k, v.iter().copied().collect()))
        .collect();
    let names: BTreeSet<&str> = g.members.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        map.keys().copied().collect(),
        "a crate was added or removed: draw it in docs/ARCHITECTURE.md and in MAP"
    );
    for (krate, expected) in &map {
        let actual: BTreeSet<&str> = g
            .shipped_deps(krate)
            .into_iter()
            .filter(|d| names.contains(d))
            .collect();
        assert_eq!(
            &actual, expected,
            "{krate}'s dependencies on workspace crates changed: update docs/ARCHITECTURE.md and MAP"
        );
    }
}

/// Invariant: nothing but the store crate names a database driver (the test kit, which creates
/// and drops test databases, is test-only; tests may read a database file directly).
#[test]
fn only_the_store_names_a_database_driver() {
    let g = graph();
    for driver in DATABASE_DRIVERS {
        let users = g.dependents_of(driver);
        let allowed = BTreeSet::from(["daftar-store", "daftar-testkit"]);
        assert!(
            users.is_subset(&allowed),
            "{driver} is a dependency of {:?}: only daftar-store may speak to a database",
            users.difference(&allowed).collect::<Vec<_>>()
        );
    }
    // Nor through a re-export of the store: no source outside it names a driver's crate.
    for krate in [
        "daftar",
        "daftar-web",
        "daftar-domain",
        "daftar-match",
        "daftar-credential",
    ] {
        for (path, text) in sources(krate) {
            for driver in DATABASE_DRIVERS {
                let ident = driver.replace('-', "_");
                let named = text.match_indices(&format!("{ident}::")).any(|(i, _)| {
                    // `daftar_store::postgres::…` is the store's own module, not the driver.
                    !text[..i].ends_with("daftar_store::")
                        && !text[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
                });
                assert!(!named, "{} names {driver}", path.display());
            }
        }
    }
}

/// Invariant: daftar-domain, daftar-match and daftar-credential do no I/O: nothing they link,
/// directly or through another crate, is a runtime, socket, HTTP, TLS, template or database
/// crate.
#[test]
fn the_pure_crates_link_no_io_crate() {
    let g = graph();
    for krate in PURE {
        let closure = g.closure(krate);
        let io: Vec<&&str> = IO_CRATES.iter().filter(|c| closure.contains(**c)).collect();
        assert!(io.is_empty(), "{krate} links {io:?}");
    }
    // The check sees through dependencies: the store links a driver it does not declare.
    assert!(g.closure("daftar-store").contains("libsqlite3-sys"));
    assert!(!g.shipped_deps("daftar-store").contains("libsqlite3-sys"));
}

/// Invariant: HTTP is the web crate's: only daftar-web depends on the server, its middleware
/// and its templates (the binary starts it through `daftar_web::serve`).
#[test]
fn only_the_web_crate_serves_http() {
    let g = graph();
    for http in ["axum", "hyper", "tower", "tower-http", "askama", "cookie"] {
        let users = g.dependents_of(http);
        assert!(
            users.iter().all(|u| *u == "daftar-web"),
            "{http} is a dependency of {users:?}: only daftar-web serves HTTP"
        );
    }
}

/// The uses of `krate::` in `text` that start with none of `allowed` (each as the rest of its
/// line).
fn uses_outside<'a>(text: &'a str, krate: &str, allowed: &[&str]) -> Vec<&'a str> {
    text.match_indices(krate)
        .filter(|(i, _)| !text[..*i].ends_with(|c: char| c.is_alphanumeric() || c == '_'))
        .map(|(i, _)| text[i..].lines().next().unwrap_or_default())
        .filter(|rest| !allowed.iter().any(|a| rest.starts_with(a)))
        .collect()
}

/// Invariant: the web crate uses the store crate only for its services beyond the store traits
/// — the blob store, the key ring, loading the country profile — and to mark the threads its
/// store calls run on as blocking threads; all data goes through the domain's store traits,
/// handed over by the binary.
#[test]
fn the_web_crate_uses_the_store_crate_only_for_blobs_keys_profile_and_threads() {
    const ALLOWED: &[&str] = &[
        "daftar_store::blob::",
        "daftar_store::keyring::",
        "daftar_store::profile::",
        "daftar_store::postgres::on_blocking_thread(",
    ];
    for (path, text) in sources("daftar-web") {
        let beyond = uses_outside(&text, "daftar_store", ALLOWED);
        assert!(
            beyond.is_empty(),
            "{} uses daftar_store beyond the blob store, the key ring, the profile and on_blocking_thread: {beyond:?}",
            path.display(),
        );
    }
}

/// Invariant: only the clock reads the system time (`daftar_domain::clock::Clock`): every
/// "now" and "today" comes from the one clock the binary configures with the offices' time
/// zone, so no rule decides with the UTC date and tests can stop time.
#[test]
fn only_the_clock_reads_the_system_time() {
    const READS: &[&str] = &["now_utc(", "now_local(", "SystemTime::now(", "Utc::now("];
    // Nothing is exempt any more (issue 16.3); the list stays for a file that must wait.
    const NOT_YET: &[&str] = &[];
    let members: Vec<String> = graph().members.keys().cloned().collect();
    for krate in members.iter().filter(|m| m.as_str() != "daftar-testkit") {
        for (path, text) in sources(krate) {
            let p = path.to_string_lossy().replace('\\', "/");
            if p.ends_with("daftar-domain/src/clock.rs") || NOT_YET.iter().any(|n| p.ends_with(n)) {
                continue;
            }
            for r in READS {
                assert!(
                    !text.contains(r),
                    "{} reads the system time ({r}); take it from the Clock",
                    path.display()
                );
            }
        }
    }
}

/// What the binary may name of the web crate: its entry points (`serve` with its `WebConfig`
/// and `MetricsAccess`; the notification sender `notify::`, which `daftar notify send` and
/// `bench notify` run as the server does) and its message catalogue (`i18n::I18n`: the CLI
/// prints the same translated messages as the pages; the locale files are the web crate's).
const WEB_ENTRY_POINTS: &[&str] = &[
    "daftar_web::serve(",
    "daftar_web::WebConfig",
    "daftar_web::MetricsAccess",
    "daftar_web::i18n::I18n",
    "daftar_web::notify::",
];

/// Invariant: the binary uses the web crate only through its entry points, never its internals
/// (features, auth, key ring, profile): what the CLI shares with the web layer lives in the
/// domain (`secret`, `profile`, `usecase`), the credential crate (`sealing`, `scan`) or the
/// store (`keyring`, `profile`).
#[test]
fn the_binary_uses_only_the_web_crates_entry_points() {
    for (path, text) in sources("daftar") {
        let internal = uses_outside(&text, "daftar_web", WEB_ENTRY_POINTS);
        assert!(
            internal.is_empty(),
            "{} uses web internals: {internal:?}",
            path.display()
        );
    }
    // The check sees an internal, in a path or in a grouped import.
    for internal in [
        "let r = daftar_web::keyring::KeyRing::new(s);",
        "use daftar_web::{serve, auth::password};",
    ] {
        assert_eq!(
            uses_outside(internal, "daftar_web", WEB_ENTRY_POINTS).len(),
            1,
            "{internal}"
        );
    }
    assert!(
        uses_outside(
            "daftar_web::serve(l, s, c, f)",
            "daftar_web",
            WEB_ENTRY_POINTS
        )
        .is_empty()
    );
}

/// Invariant: the process belongs to the binary: only `daftar` parses a command line and sets
/// up logging output.
#[test]
fn only_the_binary_owns_the_process() {
    let g = graph();
    for krate in ["clap", "tracing-subscriber", "anyhow"] {
        let users = g.dependents_of(krate);
        assert_eq!(
            users,
            BTreeSet::from(["daftar"]),
            "{krate}: only the binary parses arguments, sets up logging and reports errors as text"
        );
    }
}

/// Invariant: the test kit never ships: no crate depends on daftar-testkit except for its
/// tests, and it is not published.
#[test]
fn the_test_kit_never_ships() {
    let g = graph();
    assert!(g.dependents_of("daftar-testkit").is_empty());
    assert!(!g.closure("daftar").contains("daftar-testkit"));
    let users: BTreeSet<&str> = g
        .declared
        .iter()
        .filter(|(_, deps)| deps.iter().any(|(d, _)| d == "daftar-testkit"))
        .map(|(k, _)| k.as_str())
        .collect();
    assert!(
        users.contains("daftar-store") && users.contains("daftar-web"),
        "the storage and web tests run on the test kit: {users:?}"
    );
}

/// The names a crate's sources give after `request_body = ` in its OpenAPI paths (the request
/// bodies of its JSON API), and the structs and enums it defines.
fn request_bodies_and_types(krate: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut bodies, mut types) = (BTreeSet::new(), BTreeSet::new());
    let word = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    for (_, text) in sources(krate) {
        for part in text.split("request_body = ").skip(1) {
            let name = word(part);
            if !name.is_empty() {
                bodies.insert(name);
            }
        }
        for kw in ["pub struct ", "pub enum ", "pub(crate) struct "] {
            for part in text.split(kw).skip(1) {
                types.insert(word(part));
            }
        }
    }
    (bodies, types)
}

/// Invariant: request types live in the web crate (parse at the edge): every JSON request body
/// of the API is a type the web crate defines, with its OpenAPI schema, and the domain defines
/// none of them. The domain takes typed commands parsed from them (`RegisterPerson`,
/// `ChangeStatus`, `AddMember`, `SplitHousehold`, `Decision`, `RecordPayment`, `CreateOffice`,
/// `OpenCase`, …).
#[test]
fn request_types_live_in_the_web_crate() {
    let (bodies, web_types) = request_bodies_and_types("daftar-web");
    let (_, domain_types) = request_bodies_and_types("daftar-domain");
    assert!(
        bodies.len() >= 20 && bodies.contains("NewPerson"),
        "the scan finds the request bodies: {bodies:?}"
    );
    for b in &bodies {
        assert!(
            web_types.contains(b),
            "request body {b} is not defined in daftar-web"
        );
        assert!(
            !domain_types.contains(b),
            "request body {b} is defined in daftar-domain; define it in daftar-web and parse it \
             into a domain command"
        );
    }
}
