//! Background jobs of the server: SLA escalation of overdue cases (to the office manager when a
//! step is past due, to the authority after `escalate_to_authority_after` more working days),
//! once at start and then every `escalation_interval_secs`; and the removal of expired
//! `Idempotency-Key` answers and of imports that stopped without finishing (a killed `daftar
//! import`), every ten minutes.

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
