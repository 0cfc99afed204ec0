//! The registry of error codes: every code daftar answers with, and its kind (which decides the
//! HTTP status). [`Error::new`](super::Error::new) checks, in debug builds (every test), that the
//! code it is given is here with that kind, so an unregistered code fails the first test that
//! reaches it; the translation test reads this list to require a message for every code in every
//! locale. Adding an error code is one line here and one message per locale file.

use super::ErrorKind;
use ErrorKind::*;

/// Every error code with its kind, grouped by area, sorted.
pub const ALL: &[(&str, ErrorKind)] = &[
    // appointment
    ("appointment.arrival.day", Conflict),
    ("appointment.arrival.recorded", Conflict),
    ("appointment.case.closed", Conflict),
    ("appointment.day.invalid", Conflict),
    ("appointment.not_found", NotFound),
    ("appointment.round.full", Conflict),
    ("appointment.slot.full", Conflict),
    ("appointment.slot.invalid", Conflict),
    // auth
    ("auth.csrf.invalid", Forbidden),
    ("auth.forbidden", Forbidden),
    ("auth.login.invalid", Unauthenticated),
    ("auth.login.locked", Locked),
    ("auth.mfa.required", Unauthenticated),
    ("auth.reauth.invalid", Unauthenticated),
    ("auth.required", Unauthenticated),
    ("auth.step_up.required", Unauthenticated),
    ("auth.step_up.session_only", Forbidden),
    ("auth.token.invalid", Unauthenticated),
    ("auth.totp.already_enabled", Conflict),
    ("auth.totp.enrol_required", Unauthenticated),
    ("auth.totp.invalid", Unauthenticated),
    ("auth.totp.required_by_role", Forbidden),
    ("auth.totp.secret_invalid", Invalid),
    // blob
    ("blob.not_found", NotFound),
    // calendar
    ("calendar.data.invalid", Invalid),
    ("calendar.date.out_of_range", Conflict),
    ("calendar.days.invalid", Invalid),
    ("calendar.weekday.invalid", Invalid),
    // case
    ("case.action.invalid", Invalid),
    ("case.applicant.not_head", Conflict),
    ("case.assign.invalid", Invalid),
    ("case.assignee.invalid", Conflict),
    ("case.closed", Conflict),
    ("case.consent.missing", Conflict),
    ("case.document.empty", Invalid),
    ("case.document.id.invalid", Invalid),
    ("case.document.kind.invalid", Invalid),
    ("case.document.missing", Conflict),
    ("case.document.not_found", NotFound),
    ("case.document.too_large", TooLarge),
    ("case.document.type.invalid", Invalid),
    ("case.document.type.mismatch", Invalid),
    ("case.duplicate", Conflict),
    ("case.eligibility.age", Conflict),
    ("case.eligibility.document", Conflict),
    ("case.eligibility.status", Conflict),
    ("case.employer.invalid", Invalid),
    ("case.employer.not_allowed", Invalid),
    ("case.employer.required", Invalid),
    ("case.fee.unpaid", Conflict),
    ("case.household.not_allowed", Conflict),
    ("case.household.required", Conflict),
    ("case.id.invalid", Invalid),
    ("case.member.outcome.invalid", Invalid),
    ("case.not_found", NotFound),
    ("case.note.invalid", Invalid),
    ("case.outcome.invalid", Invalid),
    ("case.outcome.not_allowed", Conflict),
    ("case.reason.invalid", Invalid),
    ("case.reason.required", Invalid),
    ("case.role.not_allowed", Forbidden),
    ("case.state.invalid", Invalid),
    ("case.step.invalid", Conflict),
    ("case.timer.invalid", Invalid),
    ("case.transition.not_allowed", Conflict),
    ("case.version.stale", PreconditionFailed),
    // complaint
    ("complaint.note.invalid", Invalid),
    // credential
    ("credential.alg.refused", Invalid),
    ("credential.cbor.noncanonical", Invalid),
    ("credential.claims.invalid", Invalid),
    ("credential.cose.invalid", Invalid),
    ("credential.encoding.invalid", Invalid),
    ("credential.field.unknown", Invalid),
    ("credential.id.taken", Conflict),
    ("credential.image.invalid", Invalid),
    ("credential.image.no_code", Invalid),
    ("credential.image.too_large", TooLarge),
    ("credential.kid.collision", Invalid),
    ("credential.kind.invalid", Invalid),
    ("credential.list.gap", Invalid),
    ("credential.list.invalid", Invalid),
    ("credential.list.not_full", Invalid),
    ("credential.list.rollback", Invalid),
    ("credential.list.signature", Invalid),
    ("credential.list.stale", Invalid),
    ("credential.list.too_long", Invalid),
    ("credential.list.wrong_root", Invalid),
    ("credential.not_found", NotFound),
    ("credential.prefix.invalid", Invalid),
    ("credential.purpose.invalid", Invalid),
    ("credential.qr.invalid", Invalid),
    ("credential.reason.invalid", Invalid),
    ("credential.revoked", Conflict),
    ("credential.text.missing", Invalid),
    ("credential.too_long", Invalid),
    // dashboard
    ("dashboard.district.invalid", Invalid),
    ("dashboard.range.invalid", Invalid),
    // date
    ("date.format.invalid", Invalid),
    ("date.invalid", Invalid),
    ("date.precision.invalid", Invalid),
    // document
    ("document.id.invalid", Invalid),
    ("document.issuer.invalid", Invalid),
    ("document.kind.invalid", Invalid),
    ("document.number.invalid", Invalid),
    ("document.number.taken", Conflict),
    ("document.too_many", Invalid),
    ("document.valid_from.future", Invalid),
    ("document.valid_from.invalid", Invalid),
    ("document.valid_until.invalid", Invalid),
    ("document.validity.invalid", Invalid),
    // fee
    ("fee.schedule.missing", Invalid),
    // helpdesk
    ("helpdesk.answer.required", Invalid),
    ("helpdesk.body.required", Invalid),
    ("helpdesk.body.too_long", Invalid),
    ("helpdesk.category.invalid", Invalid),
    ("helpdesk.channel.invalid", Invalid),
    ("helpdesk.contact.required", Invalid),
    ("helpdesk.forward.about_office", Invalid),
    ("helpdesk.kind.invalid", Invalid),
    ("helpdesk.office.required", Invalid),
    ("helpdesk.phone.invalid", Invalid),
    ("helpdesk.staff.too_long", Invalid),
    ("helpdesk.state.invalid", Invalid),
    ("helpdesk.status.not_found", NotFound),
    ("helpdesk.status.too_many", TooManyRequests),
    ("helpdesk.ticket.answered", Conflict),
    ("helpdesk.ticket.not_found", NotFound),
    // holiday
    ("holiday.name.required", Invalid),
    ("holiday.not_found", NotFound),
    // household
    ("household.id.invalid", Invalid),
    ("household.member.already", Conflict),
    ("household.member.head", Conflict),
    ("household.member.not_found", NotFound),
    ("household.member.taken", Conflict),
    ("household.not_found", NotFound),
    ("household.relationship.head", Invalid),
    ("household.relationship.invalid", Invalid),
    ("household.relationship.of_head", Conflict),
    ("household.split.head", Conflict),
    ("household.split.invalid", Invalid),
    ("household.split.not_member", Conflict),
    ("household.version.stale", PreconditionFailed),
    // idempotency
    ("idempotency.answer.too_large", TooLarge),
    ("idempotency.key.in_use", Conflict),
    ("idempotency.key.invalid", BadRequest),
    ("idempotency.key.mismatch", Invalid),
    ("idempotency.key.unsupported", BadRequest),
    // import
    ("import.column.missing", Invalid),
    ("import.column.twice", Invalid),
    ("import.removed", Conflict),
    ("import.too_large", Invalid),
    // information
    ("information.format.not_found", NotFound),
    ("information.lang.invalid", Invalid),
    // internal
    ("internal", Internal),
    // key
    ("key.active", Conflict),
    ("key.kid.taken", Conflict),
    ("key.missing", Conflict),
    ("key.not_found", NotFound),
    ("key.retired", Conflict),
    ("key.role.invalid", Invalid),
    ("key.root.exists", Conflict),
    ("key.secret.short", Invalid),
    ("key.secret.wrong", Invalid),
    ("key.state.invalid", Invalid),
    // kpi
    ("kpi.metric.invalid", Invalid),
    ("kpi.month.invalid", Invalid),
    ("kpi.office.not_member", Forbidden),
    // licence
    ("licence.checklist.invalid", Invalid),
    ("licence.date.invalid", Invalid),
    ("licence.documents.invalid", Invalid),
    ("licence.finding.invalid", Invalid),
    ("licence.inspection.failed", Conflict),
    ("licence.inspection.required", Conflict),
    ("licence.manager.invalid", Invalid),
    ("licence.membership.required", Conflict),
    ("licence.number.invalid", Invalid),
    ("licence.number.taken", Conflict),
    ("licence.premises.invalid", Invalid),
    ("licence.reason.invalid", Invalid),
    ("licence.services.invalid", Invalid),
    ("licence.state.invalid", Invalid),
    ("licence.step.invalid", Invalid),
    ("licence.step.not_allowed", Conflict),
    ("licence.validity.invalid", Invalid),
    ("licence.version.stale", PreconditionFailed),
    ("licence.visit.invalid", Invalid),
    // locale
    ("locale.unknown", NotFound),
    // membership
    ("membership.branch.invalid", Invalid),
    ("membership.dues.paid", Conflict),
    ("membership.none", Conflict),
    ("membership.number.invalid", Invalid),
    ("membership.number.taken", Conflict),
    ("membership.year.invalid", Invalid),
    // notify
    ("notify.email.invalid", Invalid),
    ("notify.kind.invalid", Invalid),
    ("notify.locale.invalid", Invalid),
    ("notify.status.invalid", Invalid),
    // office
    ("office.code.invalid", Invalid),
    ("office.code.taken", Conflict),
    ("office.field.invalid", Invalid),
    ("office.id.invalid", Invalid),
    ("office.inactive", Forbidden),
    ("office.none", Forbidden),
    ("office.not_found", NotFound),
    ("office.scope.denied", Forbidden),
    ("office.status.invalid", Invalid),
    ("office.version.stale", PreconditionFailed),
    // page
    ("page.page.invalid", Invalid),
    ("page.per_page.invalid", Invalid),
    // payment
    ("payment.amount.above_schedule", Conflict),
    ("payment.amount.invalid", Invalid),
    ("payment.fee.invalid", Invalid),
    ("payment.id.invalid", Invalid),
    ("payment.method.invalid", Invalid),
    // permission
    ("permission.unknown", Invalid),
    // person
    ("person.address.invalid", Invalid),
    ("person.birth_date.future", Invalid),
    ("person.birth_date.invalid", Invalid),
    ("person.district.invalid", Invalid),
    ("person.family_name.invalid", Invalid),
    ("person.family_name_latin.invalid", Invalid),
    ("person.father_name.invalid", Invalid),
    ("person.given_name.invalid", Invalid),
    ("person.given_name_latin.invalid", Invalid),
    ("person.grandfather_name.invalid", Invalid),
    ("person.id.invalid", Invalid),
    ("person.nationality.invalid", Invalid),
    ("person.not_found", NotFound),
    ("person.phone.invalid", Invalid),
    ("person.province.invalid", Invalid),
    ("person.sex.invalid", Invalid),
    ("person.status.final", Conflict),
    ("person.status.invalid", Invalid),
    ("person.status.unchanged", Conflict),
    ("person.status_note.invalid", Invalid),
    ("person.version.stale", PreconditionFailed),
    // photo
    ("photo.empty", Invalid),
    ("photo.not_found", NotFound),
    ("photo.too_large", TooLarge),
    ("photo.type.invalid", Invalid),
    // portal
    ("portal.only", Forbidden),
    ("portal.person.deceased", Conflict),
    ("portal.person.missing", NotFound),
    ("portal.service.not_allowed", Forbidden),
    // profile
    ("profile.bulk_read.invalid", Invalid),
    ("profile.file.unreadable", Invalid),
    ("profile.locale.invalid", Invalid),
    ("profile.password.current_wrong", Invalid),
    ("profile.password.mismatch", Invalid),
    ("profile.privacy.invalid", Invalid),
    ("profile.referrals.invalid", Invalid),
    ("profile.return.invalid", Invalid),
    // read
    ("read.purpose.invalid", Invalid),
    ("read.purpose.required", Forbidden),
    // receipt
    ("receipt.not_found", NotFound),
    // referral
    ("referral.action.forbidden", Forbidden),
    ("referral.action.invalid", Invalid),
    ("referral.attribute.invalid", Invalid),
    ("referral.consent.invalid", Invalid),
    ("referral.consent.required", Conflict),
    ("referral.ineligible.age", Conflict),
    ("referral.ineligible.status", Conflict),
    ("referral.not_found", NotFound),
    ("referral.note.invalid", Invalid),
    ("referral.note.required", Invalid),
    ("referral.open", Conflict),
    ("referral.partner.none", Forbidden),
    ("referral.partner.unknown", Invalid),
    ("referral.partner_kind.invalid", Invalid),
    ("referral.state.conflict", Conflict),
    ("referral.state.invalid", Invalid),
    ("referral.type.unknown", Conflict),
    // request
    ("request.body.invalid", BadRequest),
    ("request.body.too_large", TooLarge),
    ("request.body.unknown_field", BadRequest),
    ("request.form.encoding", Invalid),
    ("request.if_match.invalid", BadRequest),
    ("request.if_match.required", PreconditionRequired),
    ("request.path.invalid", NotFound),
    ("request.query.invalid", BadRequest),
    // return
    ("return.border.unknown", Conflict),
    ("return.case.not_found", NotFound),
    ("return.case.open", Conflict),
    ("return.channel.invalid", Invalid),
    ("return.date.past", Conflict),
    ("return.date.too_far", Conflict),
    ("return.decision.invalid", Invalid),
    ("return.departed", Conflict),
    ("return.id.invalid", Invalid),
    ("return.member.not_household", Conflict),
    ("return.members.too_many", Conflict),
    ("return.note.required", Invalid),
    ("return.note.too_long", Invalid),
    ("return.permit.expired", Conflict),
    ("return.permit.issued", Conflict),
    ("return.permit.missing", Conflict),
    ("return.permit.number.invalid", Invalid),
    ("return.question.unknown", Conflict),
    ("return.review.unneeded", Conflict),
    ("return.screening.blocked", Conflict),
    ("return.screening.done", Conflict),
    ("return.screening.incomplete", Conflict),
    ("return.screening.missing", Conflict),
    ("return.state.invalid", Invalid),
    ("return.withdrawn", Conflict),
    // review
    ("review.already_merged", Conflict),
    ("review.decided", Conflict),
    ("review.decision.invalid", Invalid),
    ("review.id.invalid", Invalid),
    ("review.not_found", NotFound),
    ("review.not_merged", Conflict),
    ("review.status.invalid", Invalid),
    ("review.survivor.invalid", Conflict),
    ("review.survivor.required", Invalid),
    // role
    ("role.code.invalid", Invalid),
    ("role.unknown", Invalid),
    // round
    ("round.capacity.invalid", Invalid),
    ("round.date.invalid", Invalid),
    ("round.dates.invalid", Invalid),
    ("round.eligibility.age", Invalid),
    ("round.eligibility.document", Invalid),
    ("round.eligibility.nationality", Invalid),
    ("round.eligibility.previous", Invalid),
    ("round.eligibility.status", Invalid),
    ("round.extension.invalid", Conflict),
    ("round.id.invalid", Invalid),
    ("round.name.invalid", Invalid),
    ("round.not_found", NotFound),
    ("round.quota.invalid", Invalid),
    ("round.quota.office", Invalid),
    ("round.reason.invalid", Invalid),
    ("round.services.invalid", Invalid),
    ("round.version.stale", PreconditionFailed),
    // route
    ("route.method_not_allowed", MethodNotAllowed),
    ("route.not_found", NotFound),
    // search
    ("search.query.invalid", Invalid),
    // service
    ("service.applicant.invalid", Invalid),
    ("service.code.invalid", Invalid),
    ("service.code.mismatch", Invalid),
    ("service.credential.invalid", Invalid),
    ("service.definition.invalid", Invalid),
    ("service.not_found", NotFound),
    ("service.note.invalid", Invalid),
    ("service.version.stale", PreconditionFailed),
    // session
    ("session.id.invalid", Invalid),
    ("session.not_found", NotFound),
    // share
    ("share.birth_date.invalid", Invalid),
    ("share.check.failed", NotFound),
    ("share.code.cancelled", Conflict),
    ("share.code.expired", Conflict),
    ("share.code.invalid", Invalid),
    ("share.code.locked", Conflict),
    ("share.code.taken", Conflict),
    ("share.days.invalid", Invalid),
    ("share.id.invalid", Invalid),
    ("share.not_found", NotFound),
    ("share.too_many", TooManyRequests),
    ("share.verifier.invalid", Invalid),
    ("share.verifier.mismatch", Forbidden),
    ("share.verifier_name.invalid", Invalid),
    // store
    ("store.backup.exists", Conflict),
    ("store.backup.path_invalid", Invalid),
    ("store.backup.unavailable", Unavailable),
    ("store.reference.invalid", Invalid),
    ("store.unavailable", Unavailable),
    // token
    ("token.expiry.invalid", Invalid),
    ("token.expiry.person_data", Invalid),
    ("token.id.invalid", Invalid),
    ("token.name.invalid", Invalid),
    ("token.not_found", NotFound),
    ("token.purpose.invalid", Invalid),
    ("token.purpose.required", Invalid),
    ("token.scope.not_held", Invalid),
    ("token.scopes.empty", Invalid),
    // user
    ("user.display_name.invalid", Invalid),
    ("user.id.invalid", Invalid),
    ("user.not_found", NotFound),
    ("user.office.invalid", Invalid),
    ("user.office_required", Invalid),
    ("user.password.weak", Invalid),
    ("user.role.not_assignable", Forbidden),
    ("user.self_action", Conflict),
    ("user.status.invalid", Invalid),
    ("user.username.invalid", Invalid),
    ("user.username.taken", Conflict),
];

/// The kind registered for `code`, if it is registered.
pub fn kind_of(code: &str) -> Option<ErrorKind> {
    ALL.iter().find(|(c, _)| *c == code).map(|(_, k)| *k)
}

/// Whether `code` is a registered error code.
pub fn is_registered(code: &str) -> bool {
    kind_of(code).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for (code, _) in ALL {
            assert!(seen.insert(*code), "{code} is registered twice");
            assert!(
                code.split('.').all(|p| !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')),
                "{code} is not a dotted snake_case code"
            );
        }
        let listed: Vec<&str> = ALL.iter().map(|(c, _)| *c).collect();
        let mut sorted = listed.clone();
        sorted.sort_unstable();
        assert_eq!(listed, sorted, "keep the registry sorted");
    }

    #[test]
    fn user_input_never_registers_an_internal_kind() {
        let internal: Vec<&str> = ALL
            .iter()
            .filter(|(_, k)| *k == Internal)
            .map(|(c, _)| *c)
            .collect();
        assert_eq!(internal, ["internal"]);
    }
}
