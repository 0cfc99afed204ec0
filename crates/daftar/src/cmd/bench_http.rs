//! `daftar bench http`: the create-case API under load. Starts the real server on loopback over
//! a fresh SQLite database in a temporary directory (or the PostgreSQL database given with
//! `--database-url`), registers one person per request, signs a clerk in, then sends
//! `POST /api/v1/offices/{id}/cases` with a fresh `Idempotency-Key` each, from `--concurrency`
//! connections in the same process. Prints requests per second and latency percentiles, then
//! checks that every case exists once and that replays return the stored answers. `--reads`
//! measures audited person-page reads instead (a clerk per connection), and `--side-by-side`
//! runs on SQLite and then on the PostgreSQL database given, and prints both.

use crate::cli::BenchHttp;
use anyhow::{Context, Result, bail};
use daftar_domain::clock::Clock;
use daftar_domain::page::PageRequest;
use daftar_domain::permission::{Permission, RoleCode, system_scope};
use daftar_domain::person::{PersonDraft, RegisterPerson, Sex};
use daftar_domain::store::Store;
use daftar_domain::user::{NewUser, Username};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

const PASSWORD: &str = "bench password 1";
const SERVICE: &str = "registration_status_certificate";

/// Persons each connection reads in turn with `--reads` (under the bulk-read limit of 100).
const READ_SET: usize = 50;

/// Fresh office, `clerks` clerks and `n` persons; returns the office id, the clerks' logins and
/// the person ids.
fn prepare(
    store: &dyn Store,
    n: usize,
    clerks: usize,
) -> Result<(String, Vec<String>, Vec<String>)> {
    let ctx = super::system_ctx("bench-http");
    let office = super::bench::bench_office(store, &ctx, "HTTP", "Benchmark office")?;
    let hash = daftar_domain::secret::password::hash(PASSWORD)?;
    let mut usernames = vec![];
    for c in 0..clerks {
        let username = format!("bench.{}.{c}", office.code.as_str().to_lowercase());
        store.create_user(
            &ctx,
            &NewUser {
                username: Username::parse(&username)?,
                display_name: "Bench clerk".into(),
                office_id: Some(office.id),
                role: RoleCode::parse("clerk")?,
                password_hash: hash.clone(),
                locale: Some("en".into()),
            },
        )?;
        usernames.push(username);
    }
    let today = Clock::default().today();
    let rows: Vec<RegisterPerson> = (0..n)
        .map(|i| PersonDraft {
            given_name: format!("زهرا{i}"),
            family_name: "احمدی".into(),
            father_name: "محمد".into(),
            birth_date: Some("1990-03-21".into()),
            sex: Sex::Female,
            nationality: "AFG".into(),
            ..PersonDraft::default()
        })
        .map(|p| RegisterPerson::parse(p, today))
        .collect::<daftar_domain::Result<_>>()?;
    let write = system_scope(office.id, Permission::PersonWrite);
    store.import_persons(&ctx, &write, &rows, &|_| {})?;
    let read = system_scope(office.id, Permission::PersonRead);
    let mut ids = Vec::with_capacity(n);
    let mut page = 1;
    loop {
        let p = store.list_persons(
            &ctx,
            &read,
            PageRequest {
                page,
                per_page: 200,
            },
        )?;
        ids.extend(p.items.iter().map(|x| x.id.to_string()));
        if p.items.is_empty() || ids.len() >= n {
            break;
        }
        page += 1;
    }
    Ok((office.id.to_string(), usernames, ids))
}

/// A signed-in client and the session's CSRF token.
async fn sign_in(base: &str, username: &str) -> Result<(reqwest::Client, String)> {
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1024)
        .build()?;
    let token = |html: &str| -> Option<String> {
        let i = html.find("name=\"_csrf\" value=\"")? + 20;
        Some(html[i..i + html[i..].find('"')?].to_owned())
    };
    let html = c.get(format!("{base}/login")).send().await?.text().await?;
    let pre = token(&html).context("no CSRF token on the login page")?;
    let r = c
        .post(format!("{base}/login"))
        .form(&[
            ("_csrf", pre.as_str()),
            ("username", username),
            ("password", PASSWORD),
        ])
        .send()
        .await?;
    if r.status() != 303 {
        bail!("login failed: HTTP {}", r.status());
    }
    let html = c
        .get(format!("{base}/profile"))
        .send()
        .await?
        .text()
        .await?;
    let csrf = token(&html).context("no CSRF token after login")?;
    Ok((c, csrf))
}

/// What one run measured.
struct Figures {
    backend: &'static str,
    rps: f64,
    p50: f64,
    p99: f64,
}

/// Runs the benchmark.
pub fn http(global_db: Option<&str>, args: &BenchHttp) -> Result<ExitCode> {
    if args.requests == 0 || args.concurrency == 0 {
        bail!("--requests and --concurrency must be at least 1");
    }
    let targets: Vec<Option<&str>> = if args.side_by_side {
        match global_db {
            Some(url) if url.starts_with("postgres") => vec![None, Some(url)],
            _ => bail!("--side-by-side needs --database-url postgres://…"),
        }
    } else {
        vec![global_db]
    };
    let mut figures = vec![];
    for target in targets {
        figures.push(http_on(target, args)?);
    }
    if figures.len() > 1 {
        println!();
        println!(
            "{} at concurrency {}:",
            if args.reads {
                "person reads"
            } else {
                "create-case"
            },
            args.concurrency
        );
        for f in &figures {
            println!(
                "  {:<10} {:>7.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms",
                f.backend, f.rps, f.p50, f.p99
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn http_on(db: Option<&str>, args: &BenchHttp) -> Result<Figures> {
    let tmp = std::env::temp_dir().join(format!("daftar-bench-http-{}", ulid::Ulid::new()));
    let store: Arc<dyn Store> = match db {
        Some(url) => {
            let s = daftar_store::connect(url)?;
            s.migrate()?;
            s
        }
        None => Arc::new(daftar_store::open_sqlite(&tmp.join("daftar.db"))?),
    };
    let result = run(store, &tmp, args);
    let _ = std::fs::remove_dir_all(&tmp);
    result
}

fn run(store: Arc<dyn Store>, tmp: &std::path::Path, args: &BenchHttp) -> Result<Figures> {
    let total = args.requests + args.warmup;
    let (persons_needed, clerks) = if args.reads {
        (args.concurrency * READ_SET, args.concurrency)
    } else {
        (total, 1)
    };
    eprintln!("preparing {persons_needed} persons…");
    let (office, usernames, persons) = prepare(store.as_ref(), persons_needed, clerks)?;
    if persons.len() < persons_needed {
        bail!("only {} persons were listed", persons.len());
    }
    let persons = Arc::new(persons);
    let config = daftar_web::WebConfig {
        blob_dir: Some(tmp.join("blobs")),
        escalation_interval_secs: 0,
        ..Default::default()
    };
    // The server on its own runtime with `--server-threads` workers.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.server_threads)
        .thread_name("bench-server")
        .enable_all()
        .build()?;
    let listener = server_rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server_store = store.clone();
    let server = server_rt.spawn(async move {
        daftar_web::serve(listener, server_store, config, async {
            let _ = stop_rx.await;
        })
        .await
    });
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.client_threads)
        .thread_name("bench-client")
        .enable_all()
        .build()?;
    let outcome = if args.reads {
        client_rt.block_on(load_reads(
            &base,
            &office,
            &usernames,
            persons.clone(),
            args,
        ))
    } else {
        client_rt.block_on(load(&base, &office, &usernames[0], persons.clone(), args))
    };
    let _ = stop_tx.send(());
    let _ = server_rt.block_on(server);
    let (lat, secs, statuses, replays_ok) = outcome?;
    let want = if args.reads { 200 } else { 201 };
    let ok = statuses.iter().filter(|s| **s == want).count();
    let mut sorted = lat.clone();
    sorted.sort_by(f64::total_cmp);
    let backend = if store.backend() == daftar_domain::store::Backend::Postgres {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "{}: {} requests, concurrency {}, server threads {}, client threads {} ({backend})",
        if args.reads {
            "person reads"
        } else {
            "create-case"
        },
        lat.len(),
        args.concurrency,
        args.server_threads,
        args.client_threads,
    );
    let figures = Figures {
        backend,
        rps: lat.len() as f64 / secs.max(1e-9),
        p50: super::bench::percentile(&sorted, 0.5),
        p99: super::bench::percentile(&sorted, 0.99),
    };
    println!(
        "throughput: {:.0} req/s  latency p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        figures.rps,
        figures.p50,
        super::bench::percentile(&sorted, 0.9),
        figures.p99,
        sorted.last().copied().unwrap_or(0.0)
    );
    if args.reads {
        // Every read was audited (sealed or still waiting).
        let audited = store
            .audit_page(
                &daftar_domain::store::AuditFilter {
                    action_prefix: Some("person.read".into()),
                    ..Default::default()
                },
                PageRequest {
                    page: 1,
                    per_page: 1,
                },
            )?
            .total;
        println!(
            "answers: {ok} × 200 of {}; audited reads: {audited}",
            statuses.len()
        );
        if ok != statuses.len() || audited as usize != total {
            bail!("some reads failed or were not audited: see the counts above");
        }
    } else {
        let office_id = office.parse()?;
        let queued = store
            .case_queue(
                &super::system_ctx("bench-http"),
                &system_scope(office_id, Permission::PersonRead),
                daftar_domain::case::QueueFilter::Active,
                Clock::default().today(),
                PageRequest {
                    page: 1,
                    per_page: 1,
                },
            )?
            .total;
        println!(
            "answers: {ok} × 201 of {}; cases in the database: {queued}; idempotent replays checked: {replays_ok}",
            statuses.len()
        );
        if ok != statuses.len() || queued as usize != total {
            bail!("some requests failed or cases are missing: see the counts above");
        }
    }
    let sealing = std::time::Instant::now();
    let sealed = store.drain_audit(std::time::Duration::from_secs(30))?;
    println!(
        "audit: {} rows sealed after the run in {:.2} s; {} still waiting",
        sealed.sealed,
        sealing.elapsed().as_secs_f64(),
        sealed.waiting
    );
    Ok(figures)
}

type Load = (Vec<f64>, f64, Vec<u16>, usize);

/// One create-case request; returns the status and the latency in milliseconds.
async fn one(
    client: reqwest::Client,
    url: Arc<String>,
    csrf: Arc<String>,
    person: String,
    key: Option<String>,
) -> Result<(u16, f64)> {
    let body = serde_json::json!({"service": SERVICE, "person_id": person});
    let t = Instant::now();
    let mut rb = client
        .post(url.as_str())
        .header("x-csrf-token", csrf.as_str());
    if let Some(k) = key {
        rb = rb.header("idempotency-key", k);
    }
    let r = rb.json(&body).send().await?;
    let status = r.status().as_u16();
    let _ = r.bytes().await?;
    Ok((status, t.elapsed().as_secs_f64() * 1000.0))
}

async fn load(
    base: &str,
    office: &str,
    username: &str,
    persons: Arc<Vec<String>>,
    args: &BenchHttp,
) -> Result<Load> {
    let (client, csrf) = sign_in(base, username).await?;
    let url = Arc::new(format!("{base}/api/v1/offices/{office}/cases"));
    let csrf = Arc::new(csrf);
    let send = {
        let (client, url, csrf, persons) =
            (client.clone(), url.clone(), csrf.clone(), persons.clone());
        let keyed = !args.without_idempotency_key;
        move |i: usize| {
            let key = keyed.then(|| format!("bench-{i}"));
            one(
                client.clone(),
                url.clone(),
                csrf.clone(),
                persons[i].clone(),
                key,
            )
        }
    };
    // Warm-up: connections, caches, statements.
    for i in 0..args.warmup {
        send(i).await?;
    }
    let next = Arc::new(AtomicUsize::new(args.warmup));
    let end = args.warmup + args.requests;
    let bar = crate::output::progress(args.requests as u64, "requests");
    let started = Instant::now();
    let mut tasks = vec![];
    for _ in 0..args.concurrency {
        let (next, send, bar) = (next.clone(), send.clone(), bar.clone());
        tasks.push(async move {
            let mut out = vec![];
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= end {
                    break;
                }
                out.push(send(i).await?);
                bar.inc(1);
            }
            Ok::<_, anyhow::Error>(out)
        });
    }
    let results = futures_join_all(tasks).await;
    let secs = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let mut lat = vec![];
    let mut statuses = vec![];
    for r in results {
        for (s, l) in r? {
            statuses.push(s);
            lat.push(l);
        }
    }
    // Replays: the same key and body get the stored answer, and nothing new is created.
    let mut replays_ok = 0;
    let replayed = if args.without_idempotency_key { 0 } else { end };
    for i in (args.warmup..replayed).step_by((args.requests / 100).max(1)) {
        let r = client
            .post(url.as_str())
            .header("x-csrf-token", csrf.as_str())
            .header("idempotency-key", format!("bench-{i}"))
            .json(&serde_json::json!({"service": SERVICE, "person_id": persons[i]}))
            .send()
            .await?;
        if r.status() == 201 && r.headers().get("idempotent-replayed").is_some() {
            replays_ok += 1;
        } else {
            bail!("replay of request {i} answered HTTP {}", r.status());
        }
    }
    Ok((lat, secs, statuses, replays_ok))
}

/// One person-page read; returns the status and the latency in milliseconds.
async fn read_one(client: reqwest::Client, url: String) -> Result<(u16, f64)> {
    let t = Instant::now();
    let r = client.get(url).send().await?;
    let status = r.status().as_u16();
    let _ = r.bytes().await?;
    Ok((status, t.elapsed().as_secs_f64() * 1000.0))
}

async fn load_reads(
    base: &str,
    office: &str,
    usernames: &[String],
    persons: Arc<Vec<String>>,
    args: &BenchHttp,
) -> Result<Load> {
    let mut clients = vec![];
    for u in usernames {
        clients.push(sign_in(base, u).await?.0);
    }
    let url = |c: usize, k: usize| {
        format!(
            "{base}/api/v1/offices/{office}/persons/{}",
            persons[c * READ_SET + k % READ_SET]
        )
    };
    for i in 0..args.warmup {
        let c = i % clients.len();
        read_one(clients[c].clone(), url(c, i / clients.len())).await?;
    }
    let next = Arc::new(AtomicUsize::new(0));
    let bar = crate::output::progress(args.requests as u64, "requests");
    let started = Instant::now();
    let mut tasks = vec![];
    for (c, client) in clients.into_iter().enumerate() {
        let (next, bar, end) = (next.clone(), bar.clone(), args.requests);
        let urls: Vec<String> = (0..READ_SET).map(|k| url(c, k)).collect();
        tasks.push(async move {
            let mut out = vec![];
            let mut k = 0;
            while next.fetch_add(1, Ordering::Relaxed) < end {
                out.push(read_one(client.clone(), urls[k % READ_SET].clone()).await?);
                k += 1;
                bar.inc(1);
            }
            Ok::<_, anyhow::Error>(out)
        });
    }
    let results = futures_join_all(tasks).await;
    let secs = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let (mut lat, mut statuses) = (vec![], vec![]);
    for r in results {
        for (s, l) in r? {
            statuses.push(s);
            lat.push(l);
        }
    }
    Ok((lat, secs, statuses, 0))
}

/// Awaits every future concurrently on the current runtime (spawned tasks).
async fn futures_join_all<F, T>(fs: Vec<F>) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = fs.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        if let Ok(v) = h.await {
            out.push(v);
        }
    }
    out
}
