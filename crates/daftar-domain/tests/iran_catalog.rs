//! Checks the default Iran service catalog shipped in `profiles/ir/services.toml`: it parses and
//! validates, holds the 24 expected services, and keeps the rules the profile promises (per-member
//! card fee, consent for work permits, free voluntary return, fees published for 1403–1405,
//! names in every locale, Dari wording in `fa-AF`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use daftar_domain::person::{DocumentKind, PersonStatus};
use daftar_domain::service::{Catalog, CredentialKind, EvidenceKind, Names, ServiceDef};
use std::collections::BTreeSet;

const IRAN_SERVICES: &str = include_str!("../../../profiles/ir/services.toml");

/// Every service code, in file order.
const CODES: [&str; 24] = [
    "card_renewal",
    "newborn_registration",
    "household_member_addition",
    "household_member_transfer",
    "address_change",
    "province_relocation",
    "travel_permit",
    "card_replacement",
    "data_correction",
    "marriage_registration",
    "divorce_registration",
    "death_registration",
    "work_permit",
    "work_permit_renewal",
    "family_passport_conversion",
    "residence_visa_extension",
    "voluntary_return_exit",
    "health_insurance_enrolment",
    "school_enrolment_letter",
    "bank_account_letter",
    "sim_card_letter",
    "driving_licence_letter",
    "rental_contract_letter",
    "registration_status_certificate",
];

fn catalog() -> Catalog {
    match Catalog::from_toml(IRAN_SERVICES) {
        Ok(c) => c,
        Err(e) => panic!("the Iran catalog does not load: {e:?}"),
    }
}

fn service<'a>(cat: &'a Catalog, code: &str) -> &'a ServiceDef {
    cat.get(code)
        .unwrap_or_else(|_| panic!("service {code} is missing"))
}

fn all_names(s: &ServiceDef) -> Vec<(String, &Names)> {
    let mut out = vec![(s.code.to_string(), &s.names)];
    out.extend(
        s.steps
            .iter()
            .map(|st| (format!("{}.steps.{}", s.code, st.code), &st.names)),
    );
    out.extend(
        s.fees
            .iter()
            .map(|f| (format!("{}.fees.{}", s.code, f.code), &f.names)),
    );
    out
}

#[test]
fn header_and_exactly_24_services_with_unique_codes() {
    let cat = catalog();
    assert_eq!(cat.profile, "IR");
    assert_eq!(
        cat.version, 3,
        "the full catalog is version 3 of the file (3: work and employer, issue 15.5)"
    );
    assert_eq!(cat.services.len(), 24);
    let codes: Vec<&str> = cat.services.iter().map(|s| s.code.as_str()).collect();
    let unique: BTreeSet<&str> = codes.iter().copied().collect();
    assert_eq!(unique.len(), codes.len(), "service codes repeat: {codes:?}");
    assert_eq!(codes, CODES, "codes or their order changed");
}

#[test]
fn every_service_validates_on_its_own() {
    let cat = catalog();
    for s in &cat.services {
        if let Err(e) = s.validate() {
            panic!("{} does not validate: {e:?}", s.code);
        }
        assert!(
            (2..=4).contains(&s.steps.len()),
            "{} has {} steps",
            s.code,
            s.steps.len()
        );
        assert_eq!(
            s.steps.first().map(|st| st.role.as_str()),
            Some("clerk"),
            "{} starts with an intake by a clerk",
            s.code
        );
        if !s.fees.is_empty() {
            assert!(
                s.steps.iter().any(|st| st.fee_before),
                "{} has fees but no step with fee_before",
                s.code
            );
        }
    }
}

#[test]
fn card_renewal_is_a_household_case_with_a_per_member_fee() {
    let cat = catalog();
    let s = service(&cat, "card_renewal");
    assert!(s.household);
    assert_eq!(s.credential, Some(CredentialKind::RegistrationCard));
    assert!(
        s.fees.iter().any(|f| f.per_member),
        "card_renewal needs a per-member fee line"
    );
    let one = s.fees_due(1405, 1).unwrap();
    let four = s.fees_due(1405, 4).unwrap();
    let total = |due: &[daftar_domain::service::FeeDue]| due.iter().map(|d| d.rials).sum::<u64>();
    assert!(
        total(&four) > total(&one),
        "four members must owe more than one"
    );
    assert!(service(&cat, "newborn_registration").fees.is_empty());
}

#[test]
fn work_permit_requires_consent_and_an_adult_worker() {
    let cat = catalog();
    let s = service(&cat, "work_permit");
    assert!(s.consent_required);
    assert_eq!(s.credential, Some(CredentialKind::WorkPermit));
    assert_eq!(s.eligibility.min_age, Some(18));
    let docs: BTreeSet<EvidenceKind> = s
        .steps
        .iter()
        .flat_map(|st| st.documents.iter().copied())
        .collect();
    assert!(docs.contains(&EvidenceKind::WorkerConsent));
    assert!(docs.contains(&EvidenceKind::EmployerLetter));
    assert!(
        s.steps.iter().any(|st| st.role == "authority_officer"),
        "the authority approves a new work permit"
    );
    assert_eq!(
        service(&cat, "work_permit_renewal").credential,
        Some(CredentialKind::WorkPermit)
    );
}

/// Issue 15.5: the profile says, in the file, what its credentials say about work: both
/// work-permit services name the employer and allow work; every registration-card service says
/// `work_allowed = false` on purpose (the amayesh card does not itself permit work).
#[test]
fn work_permits_name_the_employer_and_cards_do_not_permit_work() {
    let cat = catalog();
    for code in ["work_permit", "work_permit_renewal"] {
        let s = service(&cat, code);
        assert_eq!(
            (s.requires_employer, s.work_allowed),
            (Some(true), Some(true)),
            "{code}"
        );
    }
    let cards: Vec<_> = cat
        .services
        .iter()
        .filter(|s| s.credential == Some(CredentialKind::RegistrationCard))
        .collect();
    assert_eq!(cards.len(), 5);
    for s in cards {
        assert_eq!(s.work_allowed, Some(false), "{} says it explicitly", s.code);
        assert!(!s.takes_employer(), "{}", s.code);
    }
    let others = cat.services.iter().filter(|s| {
        !matches!(
            s.credential,
            Some(CredentialKind::RegistrationCard | CredentialKind::WorkPermit)
        )
    });
    for s in others {
        assert!(!s.takes_employer() && !s.allows_work(), "{}", s.code);
    }
}

#[test]
fn voluntary_return_is_free_and_issues_an_exit_permit() {
    let cat = catalog();
    let s = service(&cat, "voluntary_return_exit");
    assert!(s.fees.is_empty(), "voluntary return must be free");
    assert!(s.fees_due(1405, 6).unwrap().is_empty());
    assert_eq!(s.credential, Some(CredentialKind::ExitPermit));
    assert!(s.household);
    assert!(!s.eligibility.statuses.contains(&PersonStatus::Deceased));
    assert!(
        s.eligibility
            .documents_any
            .contains(&DocumentKind::CensusSlip)
    );
}

#[test]
fn school_letter_is_free_and_for_children() {
    let cat = catalog();
    let s = service(&cat, "school_enrolment_letter");
    assert!(s.fees.is_empty());
    assert_eq!(s.eligibility.max_age, Some(18));
    assert_eq!(s.credential, Some(CredentialKind::Letter));
    assert!(
        s.steps
            .iter()
            .any(|st| st.documents.contains(&EvidenceKind::SchoolRecord))
    );
}

#[test]
fn passport_conversion_and_relocation_go_to_the_authority() {
    let cat = catalog();
    for code in [
        "family_passport_conversion",
        "province_relocation",
        "residence_visa_extension",
    ] {
        let s = service(&cat, code);
        assert!(
            s.steps.iter().any(|st| st.role == "authority_officer"),
            "{code} needs an authority_officer step"
        );
    }
    let conv = service(&cat, "family_passport_conversion");
    assert!(conv.household);
    let docs: BTreeSet<EvidenceKind> = conv
        .steps
        .iter()
        .flat_map(|st| st.documents.iter().copied())
        .collect();
    assert!(docs.contains(&EvidenceKind::Passport) && docs.contains(&EvidenceKind::Visa));
}

#[test]
fn every_fee_line_is_published_for_1403_to_1405_and_never_falls() {
    let cat = catalog();
    let mut lines = 0;
    for s in &cat.services {
        for f in &s.fees {
            lines += 1;
            let mut last = 0;
            for year in [1403, 1404, 1405] {
                let rials = f.amount(year).unwrap_or_else(|_| {
                    panic!("{}.fees.{} has no amount for {year}", s.code, f.code)
                });
                assert!(
                    (100_000..=100_000_000).contains(&rials),
                    "{}.fees.{} {year}: {rials} rials is implausible",
                    s.code,
                    f.code
                );
                assert!(rials >= last, "{}.fees.{} falls in {year}", s.code, f.code);
                last = rials;
            }
            assert!(s.fees_due(1405, 2).is_ok(), "{}: fees_due 1405", s.code);
        }
    }
    assert!(lines >= 20, "only {lines} fee lines in the catalog");
}

#[test]
fn every_name_is_present_in_all_four_locales() {
    let cat = catalog();
    for s in &cat.services {
        for (at, n) in all_names(s) {
            for (tag, v) in [
                ("fa-IR", &n.fa_ir),
                ("fa-AF", &n.fa_af),
                ("ps", &n.ps),
                ("en", &n.en),
            ] {
                assert!(!v.trim().is_empty(), "{at}: name {tag} is empty");
            }
            assert!(
                n.en.is_ascii(),
                "{at}: the English name is not English: {}",
                n.en
            );
            assert!(
                !n.fa_ir.is_ascii() && !n.fa_af.is_ascii() && !n.ps.is_ascii(),
                "{at}: a Persian, Dari or Pashto name is in Latin letters"
            );
        }
    }
}

#[test]
fn dari_and_persian_names_use_their_own_words() {
    let cat = catalog();
    // Iranian Persian word, Dari word.
    let pairs = [
        ("گذرنامه", "پاسپورت"),
        ("روادید", "ویزه"),
        ("هزینه", "فیس"),
        ("خانوار", "خانواده"),
    ];
    for s in &cat.services {
        for (at, n) in all_names(s) {
            for (ir, af) in pairs {
                assert!(
                    !n.fa_af.contains(ir),
                    "{at}: fa-AF uses {ir}, Dari says {af}"
                );
                assert!(
                    !n.fa_ir.contains(af),
                    "{at}: fa-IR uses {af}, Persian says {ir}"
                );
            }
        }
    }
}
