//! `daftar notify send` (the notification sender on demand, or kept running with --watch) and
//! `daftar bench notify` (N notices enqueued in a fresh database and sent to the file
//! transport; prints notices per second).

use crate::cli::{BenchNotify, NotifySend};
use crate::config::Loaded;
use anyhow::{Context, Result, bail};
use daftar_domain::notify::{Kind, NewNotice};
use daftar_domain::store::{Backend, Store, SystemStore};
use daftar_web::notify::{FileTransport, SenderConfig, drain, transport};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// Sends the due notices.
pub fn send(loaded: &Loaded, args: &NotifySend) -> Result<ExitCode> {
    let c = &loaded.config;
    let store = super::open(loaded)?;
    let i18n =
        Arc::new(daftar_web::i18n::I18n::load(&c.default_locale).map_err(|e| anyhow::anyhow!(e))?);
    let t = transport(
        &daftar_web::notify::TransportSettings {
            kind: c.notify_transport.clone(),
            file: c.notify_file(),
            sms_url: c.notify_sms_url.clone(),
            sms_post: c.notify_sms_post,
            smtp_url: c.notify_smtp_url.clone(),
            smtp_from: c.notify_smtp_from.clone(),
        },
        &i18n,
    )?;
    let cfg = SenderConfig {
        worker: c.notify_worker.clone(),
        batch: args.batch.clamp(1, 5000),
        lease: time::Duration::seconds(i64::try_from(c.notify_lease_secs).unwrap_or(300)),
    };
    let rt = runtime()?;
    rt.block_on(async {
        loop {
            let started = Instant::now();
            let p = drain(&store, &i18n, t.as_ref(), &cfg).await?;
            if p.claimed > 0 || !args.watch {
                println!(
                    "notifications: {} sent, {} found delivered already, {} failed ({:.1} s)",
                    p.sent,
                    p.settled,
                    p.failed,
                    started.elapsed().as_secs_f64()
                );
            }
            if !args.watch {
                return Ok(ExitCode::SUCCESS);
            }
            tokio::time::sleep(Duration::from_millis(c.notify_interval_ms.max(100))).await;
        }
    })
}

/// The benchmark.
pub fn bench(database_url: Option<&str>, args: &BenchNotify) -> Result<ExitCode> {
    if args.count == 0 {
        bail!("--count must be at least 1");
    }
    let tmp = std::env::temp_dir().join(format!("daftar-bench-notify-{}", ulid::Ulid::new()));
    std::fs::create_dir_all(&tmp)?;
    let result = run(database_url, &tmp, args);
    let _ = std::fs::remove_dir_all(&tmp);
    result
}

/// Persons the notices are for (one office).
const PERSONS: usize = 1000;

fn run(database_url: Option<&str>, tmp: &std::path::Path, args: &BenchNotify) -> Result<ExitCode> {
    let sql = Arc::new(match database_url {
        Some(url) => {
            let s = daftar_store::connect_sql(url)?;
            s.migrate()?;
            s
        }
        None => daftar_store::open_sqlite(&tmp.join("daftar.db"))?,
    });
    let store: Arc<dyn Store> = sql.clone();
    let pg = store.backend() == Backend::Postgres;
    let ctx = super::system_ctx("bench");
    let run_id = &ulid::Ulid::new().to_string()[19..];
    let office = store.create_office(
        &ctx,
        &daftar_domain::office::CreateOffice::parse(
            daftar_domain::office::OfficeCode::parse(&format!("N{run_id}"))?,
            "دفتر آزمون",
            "Bench office",
            "تهران",
            "تهران",
        )?,
    )?;
    // Persons with a phone, a third Afghan (Dari), a third Iranian, a third in Pashto.
    let now = if pg {
        "TIMESTAMPTZ '2026-01-01T00:00:00.000Z'"
    } else {
        "'2026-01-01T00:00:00.000Z'"
    };
    let (with, series, id) = if pg {
        (
            String::new(),
            format!("generate_series(1, {PERSONS}) AS n(i)"),
            format!("'0{run_id}' || lpad(i::text, 18, '0')"),
        )
    } else {
        (
            format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {PERSONS}) "
            ),
            "n".to_owned(),
            format!("'0{run_id}' || printf('%018d', i)"),
        )
    };
    sql.execute_raw(&format!(
        "{with}INSERT INTO persons (id, office_id, registry_no, given_name, family_name, father_name, sex, nationality, created_at, phone, notify_locale) \
         SELECT {id}, '{}', 'N{run_id}-' || i, 'نام', 'خانواده', 'پدر', 'female', CASE WHEN i % 3 = 0 THEN 'IRN' ELSE 'AFG' END, {now}, '0912' || i, CASE WHEN i % 3 = 2 THEN 'ps' ELSE NULL END FROM {series}",
        office.id
    ))
    .context("generating persons")?;
    let persons: Vec<daftar_domain::ids::PersonId> = sql
        .query_raw(
            "SELECT id FROM persons WHERE office_id = $1 ORDER BY id",
            &[office.id.to_string().into()],
        )?
        .iter()
        .map(|r| r.parse(0))
        .collect::<daftar_domain::Result<_>>()?;
    let mut params = serde_json::Map::new();
    params.insert("round".into(), "تمدید کارت آمایش ۱۴۰۵".into());
    params.insert("opens_on".into(), "2026-12-05".into());
    params.insert("closes_on".into(), "2027-02-03".into());
    params.insert("office_fa".into(), "دفتر آزمون".into());
    params.insert("office_en".into(), "Bench office".into());
    let due = daftar_domain::clock::Clock::default().now() - time::Duration::minutes(1);
    let started = Instant::now();
    let mut left = args.count;
    let mut k = 0usize;
    while left > 0 {
        let n = left.min(10_000);
        let batch: Vec<NewNotice> = (0..n)
            .map(|i| NewNotice {
                person: persons[(k + i) % persons.len()],
                kind: Kind::RoundInvitation,
                subject: "bench".into(),
                params: params.clone(),
                due,
            })
            .collect();
        store.enqueue_notices(&batch)?;
        k += n;
        left -= n;
    }
    let enqueue = started.elapsed().as_secs_f64();
    println!(
        "backend: {}; enqueued {} notices in {:.2} s ({:.0}/s)",
        if pg { "PostgreSQL" } else { "SQLite" },
        args.count,
        enqueue,
        args.count as f64 / enqueue
    );
    let file = tmp.join("notifications.jsonl");
    let transport = FileTransport::open(&file)?;
    let i18n = Arc::new(daftar_web::i18n::I18n::load("fa-IR").map_err(|e| anyhow::anyhow!(e))?);
    let cfg = SenderConfig {
        worker: format!("bench-{run_id}"),
        batch: args.batch.clamp(1, 5000),
        ..SenderConfig::default()
    };
    let started = Instant::now();
    let pass = runtime()?.block_on(drain(&store, &i18n, &transport, &cfg))?;
    let secs = started.elapsed().as_secs_f64();
    let lines = std::fs::read_to_string(&file)?.lines().count();
    println!(
        "sent {} notices to the file transport in {:.2} s: {:.0} notices/s (batch {}; {} lines in the file, {} failed)",
        pass.sent,
        secs,
        pass.sent as f64 / secs,
        cfg.batch,
        lines,
        pass.failed
    );
    if pass.sent != args.count || lines != args.count {
        bail!("expected {} notices in the file", args.count);
    }
    Ok(ExitCode::SUCCESS)
}
