//! Background jobs of the server: SLA escalation of overdue cases (to the office manager when a
//! step is past due, to the authority after `escalate_to_authority_after` more working days),
//! once at start and then every `escalation_interval_secs`; and the removal of expired
//! `Idempotency-Key` answers and of imports that stopped without finishing (a killed `daftar
//! import`), every ten minutes; the audit sealer ([`audit_sealer_loop`]); and the KPI job
//! ([`kpi_loop`]: the 13 Solar Hijri months ending with the current one at start, then the
//! current and previous month every `kpi_interval_secs`); and the notification sender
//! ([`notify_loop`], see [`crate::notify`]).

use crate::state::AppState;
use daftar_domain::audit::{AuditCtx, purpose};
use std::time::Duration;

/// One escalation pass; returns how many cases moved up a level.
pub async fn escalate_once(state: &AppState) -> daftar_domain::Result<u64> {
    let ctx = system_ctx();
    let (cal, today) = (state.calendar(), state.today());
    let after = state.config.escalate_to_authority_after;
    state
        .db(move |s| s.escalate_overdue(&ctx, &cal, today, after))
        .await
}

/// One KPI pass over the `months` Solar Hijri months ending with the offices' current month;
/// `None` when another node's pass was running.
pub async fn compute_kpis_once(
    state: &AppState,
    months: usize,
) -> daftar_domain::Result<Option<daftar_domain::store::KpiRun>> {
    let ctx = system_ctx();
    let cal = state.calendar();
    let months = daftar_domain::kpi::SolarMonth::of(state.today()).last(months);
    state.db(move |s| s.compute_kpis(&ctx, &cal, &months)).await
}

/// Runs the KPI job: 13 months at start (the seasonality index needs 12), then the current and
/// previous month (a month's figures stop changing once it is over) every
/// `kpi_interval_secs` (0 turns the job off). One pass at a time across nodes.
pub async fn kpi_loop(state: AppState) {
    let secs = state.config.kpi_interval_secs;
    if secs == 0 {
        return;
    }
    let mut tick = tokio::time::interval(Duration::from_secs(secs));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut months = 13;
    loop {
        tick.tick().await;
        match compute_kpis_once(&state, months).await {
            Ok(Some(run)) => {
                tracing::info!(months = run.months, rows = run.rows, "computed KPIs");
                months = 2;
            }
            Ok(None) => tracing::debug!("another node is computing KPIs"),
            Err(e) => tracing::warn!(error = %e, "computing KPIs failed"),
        }
    }
}

/// The audit context of a background job.
fn system_ctx() -> AuditCtx {
    AuditCtx {
        actor_id: None,
        actor: "system".into(),
        office_id: None,
        purpose: purpose::SERVICE.into(),
        request_id: ulid::Ulid::new().to_string(),
    }
}

/// Runs [`escalate_once`] forever on the configured interval (0 turns the job off).
pub async fn escalation_loop(state: AppState) {
    let secs = state.config.escalation_interval_secs;
    if secs == 0 {
        return;
    }
    let mut tick = tokio::time::interval(Duration::from_secs(secs));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match escalate_once(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(cases = n, "escalated overdue cases"),
            Err(e) => tracing::warn!(error = %e, "escalation pass failed"),
        }
    }
}

/// Every ten minutes: deletes expired `Idempotency-Key` answers (lookups ignore them already)
/// and removes imports that stopped without finishing, with their hidden persons.
pub async fn housekeeping_loop(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let now = state.clock.now();
        match state.db(move |s| s.purge_idempotent_answers(now)).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(answers = n, "purged expired idempotent answers"),
            Err(e) => tracing::warn!(error = %e, "purging idempotent answers failed"),
        }
        let ctx = system_ctx();
        let idle = daftar_domain::person::IMPORT_IDLE_LIMIT;
        match state.db(move |s| s.remove_stale_imports(&ctx, idle)).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(persons = n, "removed imports that did not finish"),
            Err(e) => tracing::warn!(error = %e, "removing unfinished imports failed"),
        }
    }
}

/// The audit sealer: every `audit_seal_interval_ms` puts the waiting audit rows into the chain
/// (`AuditStore::seal_audit`), and every `audit_checkpoint_interval_secs`, when the head moved,
/// signs a checkpoint of it with the root key. Several nodes may run it: on PostgreSQL one
/// sealer at a time holds the advisory lock and the others skip that round; checkpoints of the
/// same head from two nodes are harmless duplicates.
pub async fn audit_sealer_loop(state: AppState) {
    let ms = state.config.audit_seal_interval_ms;
    if ms == 0 {
        return;
    }
    let every = Duration::from_secs(state.config.audit_checkpoint_interval_secs);
    let mut tick = tokio::time::interval(Duration::from_millis(ms));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first checkpoint comes one interval after start (then only when the head moved).
    let (mut since, mut signed_seq) = (std::time::Instant::now(), -1i64);
    loop {
        tick.tick().await;
        match state.db(|s| s.seal_audit()).await {
            Ok(r) if r.sealed > 0 => tracing::debug!(
                rows = r.sealed,
                longest_wait_ms = r.longest_wait_ms,
                waiting = r.waiting,
                "sealed audit rows"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "sealing audit rows failed"),
        }
        if every.is_zero() || since.elapsed() < every {
            continue;
        }
        since = std::time::Instant::now();
        let (keys, now) = (state.keys.clone(), state.clock.now());
        let made = state
            .db(move |s| {
                if s.audit_head()?.seq == signed_seq {
                    return Ok(None);
                }
                keys.checkpoint_audit(s, now).map(|cp| Some(cp.seq))
            })
            .await;
        match made {
            Ok(Some(seq)) => {
                tracing::info!(seq, "signed an audit checkpoint");
                signed_seq = seq;
            }
            Ok(None) => {}
            // No root key yet (`daftar keys generate`), or keys sealed under another secret:
            // tried again at the next interval.
            Err(e) => tracing::debug!(error = %e, "no audit checkpoint signed"),
        }
    }
}

/// The notification sender of this node (every `notify_interval_ms`; 0 turns it off), with the
/// configured transport. Several nodes may run it: claims never overlap (see
/// [`crate::notify`]); give each node its own `notify_worker` name and file.
pub async fn notify_loop(state: AppState) {
    let c = &state.config;
    if c.notify_interval_ms == 0 {
        return;
    }
    let file = c
        .notify_file
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("notifications.jsonl"));
    let settings = crate::notify::TransportSettings {
        kind: c.notify_transport.clone(),
        file,
        sms_url: c.notify_sms_url.clone(),
        sms_post: c.notify_sms_post,
        smtp_url: c.notify_smtp_url.clone(),
        smtp_from: c.notify_smtp_from.clone(),
    };
    let transport = match crate::notify::transport(&settings, &state.i18n) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "notifications are not sent");
            return;
        }
    };
    let cfg = crate::notify::SenderConfig {
        worker: c.notify_worker.clone(),
        batch: 500,
        lease: time::Duration::seconds(i64::try_from(c.notify_lease_secs).unwrap_or(300)),
    };
    crate::notify::sender_loop(
        state.store.clone(),
        state.i18n.clone(),
        transport,
        cfg,
        c.notify_interval_ms,
    )
    .await;
}
