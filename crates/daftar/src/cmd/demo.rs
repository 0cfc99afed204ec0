//! `daftar demo`: a demo database — six offices, users of every role, a few hundred synthetic
//! persons with Persian names (seeded, so every demo is the same) — then serves it and prints
//! the URL and the demo logins. Demo passwords are public: never use a demo database for real.

use crate::cli::DemoArgs;
use crate::config::Loaded;
use anyhow::Result;
use daftar_domain::office::{CreateOffice, OfficeCode};
use daftar_domain::page::PageRequest;
use daftar_domain::permission::{Permission, RoleCode, system_reach, system_scope};
use daftar_domain::person::{DocumentDraft, PersonDraft, RegisterPerson, Sex};
use daftar_domain::store::Store;
use daftar_domain::user::{NewUser, Username};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::process::ExitCode;

/// The bulk-read limit of the demo: low enough to see the alarm by hand (open 11 persons' pages
/// within an hour as one clerk; the Iran profile says 100). README, "Bulk-read alarm".
pub const DEMO_READ_LIMIT: daftar_domain::read_watch::ReadLimit =
    daftar_domain::read_watch::ReadLimit {
        persons: 10,
        window_minutes: 60,
    };

/// The demo password of every demo account.
pub const DEMO_PASSWORD: &str = "demo-password-1";

const OFFICES: [(&str, &str, &str, &str, &str); 6] = [
    (
        "THR-01",
        "دفتر خدمات اتباع تهران ۱",
        "Tehran Foreign Nationals Office 1",
        "تهران",
        "تهران",
    ),
    (
        "MHD-01",
        "دفتر خدمات اتباع مشهد",
        "Mashhad Foreign Nationals Office",
        "خراسان رضوی",
        "مشهد",
    ),
    (
        "ISF-01",
        "دفتر خدمات اتباع اصفهان",
        "Isfahan Foreign Nationals Office",
        "اصفهان",
        "اصفهان",
    ),
    (
        "SHZ-01",
        "دفتر خدمات اتباع شیراز",
        "Shiraz Foreign Nationals Office",
        "فارس",
        "شیراز",
    ),
    (
        "QOM-01",
        "دفتر خدمات اتباع قم",
        "Qom Foreign Nationals Office",
        "قم",
        "قم",
    ),
    (
        "KRM-01",
        "دفتر خدمات اتباع کرمان",
        "Kerman Foreign Nationals Office",
        "کرمان",
        "کرمان",
    ),
];

const GIVEN_F: [&str; 14] = [
    "فاطمه",
    "زهرا",
    "مریم",
    "معصومه",
    "زینب",
    "شکیلا",
    "فرشته",
    "نرگس",
    "لیلا",
    "سکینه",
    "خدیجه",
    "گل‌افروز",
    "پروانه",
    "هما",
];
const GIVEN_M: [&str; 16] = [
    "محمد",
    "علی",
    "حسین",
    "احمد",
    "عبدالله",
    "محمدرضا",
    "جواد",
    "رحیم",
    "نور احمد",
    "غلام‌حیدر",
    "بشیر",
    "قاسم",
    "عباس",
    "حمید",
    "شفیع",
    "ذبیح‌الله",
];
const FAMILY: [&str; 14] = [
    "احمدی",
    "حسینی",
    "محمدی",
    "رضایی",
    "هزاره",
    "جعفری",
    "کریمی",
    "نوری",
    "صالحی",
    "قربانی",
    "موسوی",
    "یعقوبی",
    "رحیمی",
    "",
];

/// Seeds (unless already seeded) and serves.
pub fn demo(loaded: &Loaded, args: &DemoArgs) -> Result<ExitCode> {
    super::serve::init_logging(&loaded.config.log);
    if args.reset && args.data_dir.exists() {
        std::fs::remove_dir_all(&args.data_dir)?;
    }
    let store = super::open(loaded)?;
    // An empty PostgreSQL database (`--database-url`) is migrated here; SQLite migrates as it
    // opens. Migrating is idempotent and safe with several nodes starting at once.
    for name in store.migrate()? {
        println!("Applied migration {name}.");
    }
    let seeded = store
        .list_offices(
            &system_reach(Permission::OfficeRead),
            PageRequest::default(),
        )?
        .total
        > 0;
    if seeded {
        println!(
            "Using the existing demo database in {} (add --reset to recreate it).",
            args.data_dir.display()
        );
    } else {
        seed(
            store.as_ref(),
            args.persons,
            &loaded.config.clock(),
            &loaded.config.database(),
        )?;
    }
    if args.seed_only {
        return Ok(ExitCode::SUCCESS);
    }
    let logins = logins(store.as_ref())?;
    let web = daftar_web::WebConfig {
        bulk_read_override: Some(DEMO_READ_LIMIT),
        ..loaded.config.web()
    };
    super::serve::run_server_with(loaded, store, web, |url| {
        println!("\ndaftar demo is serving on {url}\n");
        println!(
            "Demo logins (password for all: {DEMO_PASSWORD} — demo only, never for real data):"
        );
        crate::output::table(&["username", "role", "office"], &logins);
        println!(
            "\nThe authority officer and the system administrator must set up two-step verification (TOTP) at first login."
        );
        println!(
            "Bulk-read alarm (demo limit: {} persons in {} minutes; the profile says 100): open the pages of {} different persons as one clerk, then sign in as that office's manager or as auditor to see the alert.",
            DEMO_READ_LIMIT.persons,
            DEMO_READ_LIMIT.window_minutes,
            DEMO_READ_LIMIT.persons + 1
        );
        println!("Ctrl-C stops the server.");
    })
}

fn logins(store: &dyn Store) -> Result<Vec<Vec<String>>> {
    let offices = store
        .list_offices(
            &system_reach(Permission::OfficeRead),
            PageRequest {
                page: 1,
                per_page: 200,
            },
        )?
        .items;
    let users = store
        .list_users(
            &system_reach(Permission::UserManage),
            PageRequest {
                page: 1,
                per_page: 200,
            },
        )?
        .items;
    Ok(users
        .into_iter()
        .map(|u| {
            let office = u
                .office_id
                .and_then(|id| offices.iter().find(|o| o.id == id))
                .map(|o| o.code.as_str().to_owned())
                .unwrap_or_default();
            vec![
                u.username.as_str().to_owned(),
                u.role.as_str().to_owned(),
                office,
            ]
        })
        .collect())
}

fn seed(
    store: &dyn Store,
    persons: u32,
    clock: &daftar_domain::clock::Clock,
    database: &str,
) -> Result<()> {
    let ctx = super::system_ctx("demo");
    let hash = daftar_domain::secret::password::hash(DEMO_PASSWORD)?;
    let roles = store.roles()?;
    let mut rng = StdRng::seed_from_u64(1403);
    let bar = indicatif::ProgressBar::new(u64::from(persons) + 20);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:>20} [{bar:40}] {pos}/{len}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message("seeding demo data");
    let user = |name: &str, role: &str, office| -> Result<()> {
        store.create_user(
            &ctx,
            &NewUser {
                username: Username::parse(name)?,
                display_name: name.to_owned(),
                office_id: office,
                role: RoleCode::parse(role)?,
                password_hash: hash.clone(),
                locale: None,
            },
        )?;
        Ok(())
    };
    let mut offices = vec![];
    for (code, fa, en, province, district) in OFFICES {
        let o = store.create_office(
            &ctx,
            &CreateOffice::parse(OfficeCode::parse(code)?, fa, en, province, district)?,
        )?;
        let short = code.split('-').next().unwrap_or(code).to_ascii_lowercase();
        // Portal accounts belong to registered persons: made below for one person per office.
        for role in roles
            .iter()
            .filter(|r| r.office_bound && r.code.as_str() != RoleCode::APPLICANT)
        {
            let prefix = if role.code.as_str() == RoleCode::OFFICE_MANAGER {
                "manager"
            } else {
                role.code.as_str()
            };
            user(&format!("{prefix}.{short}"), role.code.as_str(), Some(o.id))?;
        }
        offices.push(o);
        bar.inc(1);
    }
    for role in roles.iter().filter(|r| !r.office_bound) {
        let name = match role.code.as_str() {
            RoleCode::AUTHORITY_OFFICER => "officer",
            RoleCode::SYSTEM_ADMIN => "admin",
            RoleCode::PROTECTION_OFFICER => "protection",
            other => other,
        };
        user(name, role.code.as_str(), None)?;
        bar.inc(1);
    }
    let today = clock.today();
    let mut by_office: std::collections::BTreeMap<_, Vec<daftar_domain::person::Person>> =
        Default::default();
    for i in 0..persons {
        let office = &offices[i as usize % offices.len()];
        let female = rng.random_bool(0.5);
        let given = if female {
            GIVEN_F[rng.random_range(0..GIVEN_F.len())]
        } else {
            GIVEN_M[rng.random_range(0..GIVEN_M.len())]
        };
        let birth = today - time::Duration::days(rng.random_range(365..365 * 70));
        let new = PersonDraft {
            given_name: given.into(),
            family_name: FAMILY[rng.random_range(0..FAMILY.len())].into(),
            father_name: GIVEN_M[rng.random_range(0..GIVEN_M.len())].into(),
            // One in ten registries knows only the birth year (Solar Hijri).
            birth_date: Some(if rng.random_bool(0.1) {
                daftar_domain::jalali::JalaliDate::from_iso(birth)
                    .year()
                    .to_string()
            } else {
                birth.to_string()
            }),
            sex: if female { Sex::Female } else { Sex::Male },
            nationality: if rng.random_bool(0.9) {
                "AFG".into()
            } else {
                "IRQ".into()
            },
            phone: if rng.random_bool(0.6) {
                format!("+98912{:07}", rng.random_range(0..10_000_000))
            } else {
                String::new()
            },
            documents: vec![DocumentDraft {
                kind: "registration_card".into(),
                number: format!("{}{:09}", short_code(office.code.as_str()), i + 1),
                ..DocumentDraft::default()
            }],
            ..PersonDraft::default()
        };
        let p = store.create_person(
            &ctx,
            &system_scope(office.id, Permission::PersonWrite),
            &RegisterPerson::parse(new, today)?,
        )?;
        by_office.entry(office.id).or_default().push(p);
        bar.inc(1);
    }
    bar.finish_and_clear();
    seed_households_and_review(store, &ctx, &by_office, today)?;
    let cases = seed_cases(store, &ctx, &by_office, clock)?;
    let history = seed_kpi_history(database, &by_office, clock)?;
    seed_licences(store, &ctx, &offices, clock, &user)?;
    seed_plans(store, &ctx, &offices, clock)?;
    // Public addresses for the directory (issue 18, part 7); the last office has none yet.
    for (o, street) in offices.iter().zip([
        "خیابان آزادی، نرسیده به میدان آزادی، پلاک ۱۲",
        "بلوار وکیل‌آباد، خیابان هاشمیه ۱۸، پلاک ۳",
        "خیابان زند، کوچهٔ ۹، پلاک ۲۷",
        "خیابان امام، روبه‌روی پارک شهر، پلاک ۵",
        "بلوار کشاورز، خیابان دهم، پلاک ۱۴",
    ]) {
        store.set_public_address(
            &ctx,
            &system_scope(o.id, Permission::LicenceApply),
            Some(&daftar_domain::licence::PublicAddress::parse(street)?),
        )?;
    }
    seed_consultation(store, &ctx, &offices, clock)?;
    seed_accreditation(store, &ctx, clock)?;
    seed_round(store, &ctx, &by_office, clock)?;
    seed_helpdesk(store, &ctx, &by_office, clock)?;
    seed_referrals(store, &ctx, &by_office, clock)?;
    seed_return(store, &ctx, &by_office, clock)?;
    println!(
        "Seeded {} offices, {} users, {persons} persons, households of three, one suspected duplicate per office for review, {cases} cases, and {history} decided cases over the past 12 months for the KPI pages.",
        offices.len(),
        roles
            .iter()
            .map(|r| if r.office_bound { offices.len() } else { 1 })
            .sum::<usize>()
    );
    Ok(())
}

/// Staff accreditation (issue 18, part 3): every clerk and office manager of every office has
/// passed the civil registration exam (CR-101) 90 days ago, so the steps of the profile that need
/// it work in the demo; `clerk.thr` also has last year's training (CR-TRAIN), expired, to show.
fn seed_accreditation(
    store: &dyn Store,
    ctx: &daftar_domain::audit::AuditCtx,
    clock: &daftar_domain::clock::Clock,
) -> Result<()> {
    use daftar_domain::accreditation::{NewRecord, RecordKind};
    let today = clock.today();
    let all = store.list_offices(
        &daftar_domain::permission::system_reach(Permission::OfficeRead),
        daftar_domain::page::PageRequest {
            page: 1,
            per_page: 200,
        },
    )?;
    let exam = NewRecord::new(
        RecordKind::Exam,
        "CR-101",
        today - time::Duration::days(90),
        true,
        None,
        today,
    )?;
    let old = NewRecord::new(
        RecordKind::Training,
        "CR-TRAIN",
        today - time::Duration::days(400),
        true,
        None,
        today,
    )?;
    let mut n = 0;
    for o in &all.items {
        let scope = system_scope(o.id, Permission::AccreditationManage);
        for staff in store.staff_accreditations(ctx, &scope)? {
            if ![RoleCode::CLERK, RoleCode::OFFICE_MANAGER].contains(&staff.role.as_str()) {
                continue;
            }
            let id = staff.user_id.parse()?;
            store.record_accreditation(ctx, &scope, id, &exam)?;
            n += 1;
            if staff.username == "clerk.thr" {
                store.record_accreditation(ctx, &scope, id, &old)?;
            }
        }
    }
    println!(
        "Accreditation: {n} clerks and managers passed CR-101 (civil registration: marriage, divorce, death); clerk.thr's CR-TRAIN training has expired (sign in as officer or manager.thr, see /offices/<id>/accreditations)."
    );
    Ok(())
}

/// Plans (issue 18, part 5) for the follow-up on `/plans`: THR-01 has an approved one-year plan
/// for the current Solar Hijri year (its targets ahead of its cases, so it is behind) and a
/// three-year draft; MHD-01's one-year plan awaits review; the third office's was returned with
/// a comment; the others have none (flagged).
fn seed_plans(
    store: &dyn Store,
    ctx: &daftar_domain::audit::AuditCtx,
    offices: &[daftar_domain::office::Office],
    clock: &daftar_domain::clock::Clock,
) -> Result<()> {
    use daftar_domain::plan::{PlanContent, PlanKind, PlanStep, TargetInput};
    let year = daftar_domain::jalali::JalaliDate::from_iso(clock.today()).year();
    let services: std::collections::BTreeSet<String> = store
        .services()?
        .into_iter()
        .map(|s| s.definition.code.as_str().to_owned())
        .collect();
    let target = |year: u8, metric: &str, service: &str, value: &str| TargetInput {
        year: year.to_string(),
        metric: metric.into(),
        service: service.into(),
        value: value.into(),
    };
    let one_year = PlanContent::parse(
        PlanKind::OneYear,
        "5",
        "شنبه تا چهارشنبه ۸ تا ۱۶، پنجشنبه ۸ تا ۱۲",
        "بازدید ماهانه از محله‌های اتباع و اطلاع‌رسانی در مدارس پیش از فصل ثبت‌نام",
        &[
            target(1, "cases", "", "2400"),
            target(1, "per_working_day", "", "8"),
            target(1, "median", "school_enrolment_letter", "3"),
            target(1, "rejection_rate", "", "10"),
            target(1, "complaints", "", "2"),
            target(1, "seasonality", "", "0.8"),
        ],
        &services,
    )?;
    let three_year = PlanContent::parse(
        PlanKind::ThreeYear,
        "6",
        "شنبه تا چهارشنبه ۸ تا ۱۶",
        "",
        &[
            target(1, "cases", "", "2400"),
            target(2, "cases", "", "2800"),
            target(3, "cases", "", "3200"),
        ],
        &services,
    )?;
    let write = |o: &daftar_domain::office::Office| system_scope(o.id, Permission::PlanSubmit);
    let review = |o: &daftar_domain::office::Office| system_scope(o.id, Permission::PlanReview);
    if let [thr, mhd, third, ..] = offices {
        let p = store.create_plan(ctx, &write(thr), PlanKind::OneYear, year, &one_year)?;
        store.plan_step(ctx, &write(thr), p.id, PlanStep::Submit, "", Some(1))?;
        store.plan_step(ctx, &review(thr), p.id, PlanStep::Approve, "", Some(2))?;
        store.create_plan(ctx, &write(thr), PlanKind::ThreeYear, year, &three_year)?;
        let p = store.create_plan(ctx, &write(mhd), PlanKind::OneYear, year, &one_year)?;
        store.plan_step(ctx, &write(mhd), p.id, PlanStep::Submit, "", Some(1))?;
        let p = store.create_plan(ctx, &write(third), PlanKind::OneYear, year, &one_year)?;
        store.plan_step(ctx, &write(third), p.id, PlanStep::Submit, "", Some(1))?;
        store.plan_step(
            ctx,
            &review(third),
            p.id,
            PlanStep::Return,
            "ساعات کار پنجشنبه را روشن کنید و برای فصل کم‌کار برنامهٔ اطلاع‌رسانی بنویسید.",
            Some(2),
        )?;
    }
    Ok(())
}

/// A registration round (issue 19) open from today for sixty days over the demo's registry:
/// every registered person is invited by their office, households together, for a card
/// renewal, so that a clerk who takes a household's renewal to the end moves the coverage on
/// `/rounds` at once (each office has one renewal opened by `seed_cases`). Opening it writes
/// the invitations (one per household, to its head) to the notifications outbox, which the
/// server's sender writes to `<data_dir>/notifications.jsonl` in each person's language: Dari
/// for Afghan nationals, Persian for others, and Pashto and English for the persons of each
/// office who chose them (every tenth registered from the fifth, and from the eighth); every
/// tenth from the tenth opted out.
fn seed_round(
    store: &dyn Store,
    ctx: &daftar_domain::audit::AuditCtx,
    by_office: &ByOffice,
    clock: &daftar_domain::clock::Clock,
) -> Result<()> {
    for (office, persons) in by_office {
        let write = system_scope(*office, Permission::PersonWrite);
        for (i, p) in persons.iter().enumerate() {
            let choice = match i % 10 {
                4 => (false, Some("ps")),
                7 => (false, Some("en")),
                9 => (true, None),
                _ => continue,
            };
            let prefs = daftar_domain::notify::Prefs {
                opted_out: choice.0,
                locale: choice.1.map(str::to_owned),
                email: None,
            };
            store.set_notify_prefs(ctx, &write, p.id, &prefs)?;
        }
    }
    use daftar_domain::round::{Eligibility, NewRound};
    let today = clock.today();
    let day = |d: time::Date| daftar_domain::jalali::JalaliDate::from_iso(d).format_numeric(false);
    let catalogue = store
        .services()?
        .into_iter()
        .map(|s| s.definition.code.as_str().to_owned())
        .collect();
    let round = NewRound::parse(
        "تمدید کارت آمایش ۱۴۰۵",
        &day(today),
        &day(today + time::Duration::days(60)),
        &["card_renewal".into()],
        &catalogue,
        Eligibility::parse(&[], "", "", ("", "", ""), "")?,
        "40",
        "",
        today,
    )?;
    let v = store.open_round(ctx, &system_reach(Permission::RoundManage), &round)?;
    println!(
        "Opened the registration round {:?} for {} persons (see /rounds); its invitations go to notifications.jsonl in the data directory, each in the person's language (/offices/<office>/notifications shows where each stands).",
        v.round.name, v.invited
    );
    Ok(())
}

/// The help desk (issue 20.4): per office, its portal holder's anonymous complaint of delay
/// about the office (the office's manager answers it on `/helpdesk` without seeing who), and
/// one caller's report of confiscated documents taken by phone (the authority's).
fn seed_helpdesk(
    store: &dyn Store,
    ctx: &daftar_domain::audit::AuditCtx,
    by_office: &ByOffice,
    clock: &daftar_domain::clock::Clock,
) -> Result<()> {
    use daftar_domain::helpdesk::{Channel, NewTicket, TicketDraft};
    let profile = daftar_domain::profile::Profile::iran()?;
    let (today, cal) = (
        clock.today(),
        profile.calendar.with_holidays(store.holidays()?)?,
    );
    let mut filed = 0;
    for (office, persons) in by_office {
        let Some(p) = persons.get(1) else { continue };
        let t = NewTicket::parse(
            TicketDraft {
                category: "delay".into(),
                about_office: Some(*office),
                body: "سه هفته است برای کارت منتظرم و هر بار می‌گویند فردا.".into(),
                anonymous: true,
                ..TicketDraft::default()
            },
            Channel::Portal,
            Some((p.id, *office)),
            None,
        )?;
        store.file_ticket(ctx, &t, t.due_on(&cal, today)?)?;
        filed += 1;
    }
    let call = NewTicket::parse(
        TicketDraft {
            category: "confiscated_documents".into(),
            body: "کارفرما کارت و گذرنامه‌ام را نگه داشته و پس نمی‌دهد.".into(),
            contact_name: "رحیم".into(),
            contact_phone: "0912 000 1111".into(),
            ..TicketDraft::default()
        },
        Channel::Phone,
        None,
        None,
    )?;
    store.file_ticket(ctx, &call, call.due_on(&cal, today)?)?;
    println!("Filed {} help-desk tickets (see /helpdesk).", filed + 1);
    Ok(())
}

/// Referrals (issue 20.1): the demo's `partner` account works for the Tehran education
/// department (`edu-tehran`); per office, the first school-age person is referred to school
/// enrolment with consent recorded at the office, so that the partner finds them on
/// `/referrals` (the list names no one; a referral's page shows what it shares).
fn seed_referrals(
    store: &dyn Store,
    ctx: &daftar_domain::audit::AuditCtx,
    by_office: &ByOffice,
    clock: &daftar_domain::clock::Clock,
) -> Result<()> {
    let profile = daftar_domain::profile::Profile::iran()?;
    let school = profile.referrals.get("school_enrolment")?;
    if let Some(u) = store.user_auth_by_username(&Username::parse("partner")?)? {
        store.set_user_partner(ctx, u.user.id, Some(&school.partner))?;
    }
    let today = clock.today();
    let mut made = 0;
    for (office, persons) in by_office {
        let scope = system_scope(*office, Permission::PersonWrite);
        let Some(child) = persons
            .iter()
            .find(|p| school.check_eligible(p, today).is_ok())
        else {
            continue;
        };
        store.create_referral(
            ctx,
            &scope,
            child.id,
            school,
            daftar_domain::referral::Consent::Office,
            today,
        )?;
        made += 1;
    }
    println!("Referred {made} children to school enrolment (sign in as partner, see /referrals).");
    Ok(())
}

/// Voluntary return (issue 20.3): in the first office, a household head's wish to return with
/// one member through Dogharoun in three weeks, screened with a flag (risk on return): it waits
/// in the protection queue (`protection`, `/returns/protection`) before the office
/// (`manager.thr`) can issue the exit permit.
fn seed_return(
    store: &dyn Store,
    ctx: &daftar_domain::audit::AuditCtx,
    by_office: &ByOffice,
    clock: &daftar_domain::clock::Clock,
) -> Result<()> {
    use daftar_domain::store::ReturnAccess;
    use daftar_domain::voluntary_return::{NewReturn, ReturnChannel, Screening};
    let profile = daftar_domain::profile::Profile::iran()?;
    let today = clock.today();
    let Some((office, persons)) = by_office.iter().next() else {
        return Ok(());
    };
    let read = system_scope(*office, Permission::PersonRead);
    // The first person heading a household of more than one.
    let mut found = None;
    for p in persons {
        if let Some(h) = store.person_household(ctx, &read, p.id)? {
            let view = store.get_household(ctx, &read, h)?;
            let others: Vec<_> = view
                .members
                .iter()
                .map(|m| m.person.id)
                .filter(|id| *id != p.id)
                .collect();
            if view.household.head_person_id == p.id && !others.is_empty() {
                found = Some((p.id, others));
                break;
            }
        }
    }
    let Some((head, others)) = found else {
        println!("No return case: no household in the first office.");
        return Ok(());
    };
    let new = NewReturn::parse(
        &profile.voluntary_return,
        today,
        head,
        &others[..1],
        today + time::Duration::days(21),
        "dogharoun",
        ReturnChannel::Office,
    )?;
    let write = ReturnAccess::Staff(daftar_domain::permission::Reach::Office(system_scope(
        *office,
        Permission::PersonWrite,
    )));
    let case = store.register_return(ctx, &write, &new)?;
    let answers = profile
        .voluntary_return
        .questions
        .iter()
        .map(|q| (q.code.clone(), q.code == "risk_on_return"))
        .collect();
    let screening = Screening::parse(
        &profile.voluntary_return,
        &answers,
        "از بازگشت به ولایت خود بیم دارد.",
    )?;
    let screen = ReturnAccess::Staff(daftar_domain::permission::Reach::Office(system_scope(
        *office,
        Permission::ReturnScreen,
    )));
    let case = store.screen_return(ctx, &screen, case.id.parse()?, &screening)?;
    println!(
        "Registered the voluntary return {} (a head of household and one member), screened with a flag: it waits for the protection officer (login protection) on /returns/protection.",
        case.reference
    );
    Ok(())
}

/// The demo's persons by the office that registered them.
type ByOffice =
    std::collections::BTreeMap<daftar_domain::ids::OfficeId, Vec<daftar_domain::person::Person>>;

/// Makes a demo user: username, role, office.
type MakeUser<'a> = dyn Fn(&str, &str, Option<daftar_domain::ids::OfficeId>) -> Result<()> + 'a;

/// Licences (issue 18): every seeded office licensed for a year after a passed inspection, and a
/// new office, THR-02, whose application is under inspection (its first visit found a fault,
/// with a finding and a deadline): the inspector records a passing visit and the authority
/// officer issues its licence, or suspends and reinstates another office, on the licence pages.
fn seed_licences(
    store: &dyn Store,
    ctx: &daftar_domain::audit::AuditCtx,
    offices: &[daftar_domain::office::Office],
    clock: &daftar_domain::clock::Clock,
    user: &MakeUser<'_>,
) -> Result<()> {
    use daftar_domain::licence::{
        Application, LicenceCommand, LicenceNumber, NewLicence, NewVisit,
    };
    use daftar_domain::service::ServiceCode;
    let today = clock.today();
    let items: Vec<String> = store
        .licence_checklist()?
        .into_iter()
        .map(|i| i.code)
        .collect();
    let services = store
        .services()?
        .into_iter()
        .map(|s| s.definition.code)
        .collect::<std::collections::BTreeSet<ServiceCode>>();
    let year = daftar_domain::jalali::JalaliDate::from_iso(today).year();
    let take = |office: daftar_domain::ids::OfficeId, cmd: LicenceCommand| -> Result<()> {
        let version = store
            .office_licence(&system_scope(office, Permission::OfficeRead))?
            .licence
            .map(|l| l.version);
        store.take_licence_step(
            ctx,
            &system_scope(office, cmd.step().permission()),
            &cmd,
            version,
        )?;
        Ok(())
    };
    let apply = |premises: &str, manager: &str| -> Result<LicenceCommand> {
        Ok(LicenceCommand::Apply(Application::parse(
            &[
                "سند اجاره محل".to_owned(),
                "نقشه محل".to_owned(),
                "گواهی عدم سوء پیشینه مدیر".to_owned(),
            ],
            premises,
            manager,
        )?))
    };
    for o in offices {
        take(
            o.id,
            apply(&format!("{}، خیابان اصلی", o.district), "مدیر دفتر")?,
        )?;
        take(
            o.id,
            LicenceCommand::Inspect(NewVisit::parse(
                today - time::Duration::days(7),
                items.iter().cloned().collect(),
                vec![],
            )?),
        )?;
        take(
            o.id,
            LicenceCommand::Issue(NewLicence {
                number: LicenceNumber::parse(&format!("LIC-{}-{year}", o.code.as_str()))?,
                valid_from: today - time::Duration::days(5),
                valid_until: today + time::Duration::days(360),
                services: services.clone(),
            }),
        )?;
    }
    // Association membership (part 2): every seeded office a member of its province's
    // branch; SHZ-01 has paid only last year's dues, so it is flagged and cannot renew.
    for (i, o) in offices.iter().enumerate() {
        let scope = system_scope(o.id, Permission::MembershipManage);
        store.record_membership(
            ctx,
            &scope,
            &daftar_domain::membership::NewMembership::parse(
                &format!("KAN-{}-{:03}", o.code.as_str(), i + 1),
                &o.province,
            )?,
        )?;
        store.record_dues(ctx, &scope, year - 1)?;
        if o.code.as_str() != "SHZ-01" {
            store.record_dues(ctx, &scope, year)?;
        }
    }
    let new = store.create_office(
        ctx,
        &CreateOffice::parse(
            OfficeCode::parse("THR-02")?,
            "دفتر خدمات اتباع تهران ۲",
            "Tehran Foreign Nationals Office 2",
            "تهران",
            "تهران",
        )?,
    )?;
    user("manager.thr2", RoleCode::OFFICE_MANAGER, Some(new.id))?;
    user("clerk.thr2", RoleCode::CLERK, Some(new.id))?;
    take(new.id, apply("تهران، خیابان ولیعصر، پلاک ۱۲", "رضا احمدی")?)?;
    take(
        new.id,
        LicenceCommand::Inspect(NewVisit::parse(
            today - time::Duration::days(2),
            items.iter().skip(1).cloned().collect(),
            vec![(
                "محل برای مراجعان دارای معلولیت دسترسی ندارد (رمپ ورودی).".to_owned(),
                today + time::Duration::days(28),
            )],
        )?),
    )?;
    println!(
        "Licences: {} offices licensed until {}, members of the association (SHZ-01 without this year's dues: flagged); THR-02 applied and is under inspection (manager.thr2, clerk.thr2 wait for its licence).",
        offices.len(),
        today + time::Duration::days(360)
    );
    Ok(())
}

/// Consultations (issue 18.6): the authority's draft of the revised offices' directive, open
/// for comment for a month, in four sections (Persian, with an English line), with a comment
/// from THR-01 (its manager) and one from the association's Tehran branch, to which the demo's
/// `association` account is bound; and one problem filed by that branch, waiting for the
/// authority's answer.
fn seed_consultation(
    store: &dyn Store,
    ctx: &daftar_domain::audit::AuditCtx,
    offices: &[daftar_domain::office::Office],
    clock: &daftar_domain::clock::Clock,
) -> Result<()> {
    use daftar_domain::consultation::{Commenter, NewComment, NewConsultation, NewProposal};
    let today = clock.today();
    let sections: Vec<(String, String)> = [
        (
            "کلیات / General",
            "این آیین‌نامه وظایف دفاتر خدمات اتباع را در ارائهٔ خدمات واگذارشده تعیین می‌کند. همهٔ ۲۴ خدمت قابل واگذاری تنها از راه دفاتر دارای پروانه ارائه می‌شود و کار موازی پذیرفته نیست.\nThis directive sets out the duties of the offices in delivering the delegated services; all 24 delegable services are delivered by licensed offices only.",
        ),
        (
            "ساعات کار / Opening hours",
            "دفاتر در روزهای کاری از ساعت ۸ تا ۱۴ باز هستند و در فصل ثبت‌نام تا ساعت ۱۸ کار می‌کنند.\nOffices are open on working days from 8:00 to 14:00, and until 18:00 during a registration round.",
        ),
        (
            "برنامهٔ یک‌ساله و سه‌ساله / Plans",
            "هر دفتر برنامهٔ یک‌ساله و سه‌سالهٔ خود را هر سال تا پایان فروردین به سازمان می‌فرستد و سازمان هر ماه پیشرفت آن را پیگیری می‌کند.\nEach office submits its one-year and three-year plans by the end of Farvardin; the authority follows them up monthly.",
        ),
        (
            "عضویت در کانون / Association membership",
            "هر دفتر عضو کانون دفاتر استان خود است و حق عضویت سالانه را می‌پردازد؛ تمدید پروانه بدون عضویت جاری ممکن نیست.\nEvery office is a member of its province's association and pays yearly dues; a licence is not renewed without a current membership.",
        ),
    ]
    .iter()
    .map(|(h, t)| ((*h).to_owned(), (*t).to_owned()))
    .collect();
    let draft = NewConsultation::parse(
        "پیش‌نویس آیین‌نامهٔ دفاتر خدمات اتباع (بازنگری ۱۴۰۵)",
        &sections,
        &daftar_domain::jalali::iso_day(today + time::Duration::days(30)),
        today,
    )?;
    let v = store.publish_consultation(ctx, &draft)?;
    let id = v.consultation.id;
    if let Some(thr) = offices.iter().find(|o| o.code.as_str() == "THR-01") {
        store.comment_on_consultation(
            ctx,
            &id,
            &Commenter::Office(thr.id),
            &NewComment::parse(
                1,
                2,
                "در فصل ثبت‌نام مراجعان از ساعت ۷ صف می‌کشند؛ پیشنهاد می‌کنیم ساعت آغاز کار ۷:۳۰ باشد.",
            )?,
        )?;
    }
    let branch = offices
        .iter()
        .find(|o| o.code.as_str() == "THR-01")
        .map_or_else(|| "تهران".to_owned(), |o| o.province.clone());
    store.comment_on_consultation(
        ctx,
        &id,
        &Commenter::Branch(branch.clone()),
        &NewComment::parse(
            1,
            3,
            "مهلت پایان فروردین برای برنامهٔ سه‌ساله کوتاه است؛ پایان اردیبهشت پیشنهاد می‌شود.",
        )?,
    )?;
    if let Some(u) = store.user_auth_by_username(&Username::parse("association")?)? {
        store.set_user_branch(ctx, u.user.id, Some(&branch))?;
    }
    store.file_proposal(
        ctx,
        &branch,
        &NewProposal::parse(
            "problem",
            "کمبود کارشناس آموزش‌دیده در دفاتر استان",
            "دفاتر استان برای دورهٔ ثبت‌نام کارشناس آموزش‌دیده کافی ندارند و آزمون اعتبارسنجی تنها سالی یک بار برگزار می‌شود. درخواست برگزاری آزمون فصلی داریم.",
        )?,
    )?;
    println!(
        "Consultation: a draft directive open for comment until {} with comments from THR-01 and the {branch} branch (sign in as officer, manager.thr or association, see /consultations); the {branch} branch filed a problem (/consultations/proposals).",
        today + time::Duration::days(30)
    );
    Ok(())
}

/// In each office: households of three (head, spouse, child) from the first persons, and one
/// person registered twice in another spelling, waiting in the review queue.
fn seed_households_and_review(
    store: &dyn Store,
    ctx: &daftar_domain::audit::AuditCtx,
    by_office: &ByOffice,
    today: time::Date,
) -> Result<()> {
    use daftar_domain::household::{AddMember, MemberRef, Relationship};
    for (office, persons) in by_office {
        let w = system_scope(*office, Permission::PersonWrite);
        for family in persons.chunks(3).take(5).filter(|f| f.len() == 3) {
            let h = store.create_household(ctx, &w, family[0].id)?;
            for (p, rel) in [(&family[1], "spouse"), (&family[2], "child")] {
                let m = AddMember {
                    who: MemberRef::Id(p.id),
                    relationship: Relationship::parse_member(rel)?,
                    move_existing: false,
                };
                store.add_household_member(ctx, &w, h.household.id, &m, None)?;
            }
        }
        if let Some(first) = persons.first() {
            // The same person again, with Arabic letter forms and the year only.
            let again = PersonDraft {
                given_name: first.given_name.replace('ی', "ي").replace('ک', "ك"),
                family_name: first.family_name.replace('ی', "ي").replace('ک', "ك"),
                father_name: first.father_name.clone(),
                birth_date: first.birth_date.clone(),
                sex: first.sex,
                nationality: first.nationality.clone(),
                ..PersonDraft::default()
            };
            let twin = store.create_person(ctx, &w, &RegisterPerson::parse(again, today)?)?;
            let pair = daftar_domain::review::NewSuspect {
                a: first.id,
                b: twin.id,
                score: 9.0,
                reasons: daftar_domain::person::MatchReasons {
                    given: true,
                    family: true,
                    father: true,
                    birth_date: true,
                    swapped: false,
                },
                source: "registration",
            };
            store.add_suspects(ctx, &[pair])?;
        }
    }
    Ok(())
}

/// In each office: a registration-card renewal for the first household, certificates of
/// registration status for three more persons (one of them paid), one overdue and one returned
/// to its applicant (paused) (the catalog and calendar of
/// the Iran profile are loaded first, as the server would at start).
fn seed_cases(
    store: &dyn Store,
    ctx: &daftar_domain::audit::AuditCtx,
    by_office: &ByOffice,
    clock: &daftar_domain::clock::Clock,
) -> Result<usize> {
    use daftar_domain::case::{Note, RecordPayment};
    use daftar_domain::service::ServiceCode;
    use daftar_domain::usecase::decide_step::DecideStep;
    use daftar_domain::usecase::open_case::OpenCase;
    let profile = daftar_domain::profile::Profile::iran()?;
    let cal = daftar_store::profile::install(store, &profile)?;
    let today = clock.today();
    if cal.is_working_day(today).is_err() {
        println!(
            "No demo cases: today is outside the calendar's years (profiles/ir/calendar.toml)."
        );
        return Ok(0);
    }
    let mut n = 0;
    for (office, persons) in by_office {
        let w = system_scope(*office, Permission::PersonWrite);
        let open = |service: &str, person: &daftar_domain::person::Person, household: bool| {
            let cmd = OpenCase {
                person: person.id,
                service: ServiceCode::parse(service)?,
                household,
                consent: false,
                employer: None,
                note: Note::default(),
            };
            store.open_case(ctx, &w, &cmd, &cal, today)
        };
        // A registration card issued earlier, so the credentials pages, the card and /verify
        // have something to show (new ones are issued when a case is approved).
        if let Some(p) = persons.get(1) {
            let code = store.get_office(*office)?.code;
            let now = clock.now();
            let until = today + time::Duration::days(365);
            let kind = daftar_domain::service::CredentialKind::RegistrationCard;
            let mut id = [0u8; 8];
            rand::RngCore::fill_bytes(&mut rand::rng(), &mut id);
            // That person also has a portal account (username: the registry number).
            store.grant_portal(
                ctx,
                &w,
                p.id,
                &daftar_domain::secret::password::hash(DEMO_PASSWORD)?,
            )?;
            store.issue_credentials(
                ctx,
                &[daftar_domain::credential::NewCredential {
                    id: hex::encode(id),
                    person_id: p.id,
                    case_id: None,
                    office_id: *office,
                    issuer: format!("IR/{}", code.as_str()),
                    kind,
                    not_before: now,
                    expires: until.with_hms(23, 59, 59).map_or(now, |t| t.assume_utc()),
                    fields: daftar_domain::credential::claims_for(
                        p,
                        kind,
                        &daftar_domain::credential::Grant::without_case(kind, until),
                        today,
                    ),
                }],
            )?;
        }
        if let Some(head) = persons.first() {
            match open("card_renewal", head, true) {
                Ok(_) => n += 1,
                Err(e) => println!("demo renewal case not opened: {}", e.code),
            }
        }
        for (i, p) in persons.iter().skip(15).take(3).enumerate() {
            let v = open("registration_status_certificate", p, false)?;
            n += 1;
            if i == 0
                && let Some(fee) = v.fees_due.first()
            {
                store.record_payment(
                    ctx,
                    &w,
                    v.case.id,
                    &RecordPayment::parse(&fee.code, &fee.rials.to_string(), "cash")?,
                    today,
                )?;
            }
        }
        // The work queue's SLA colours (issue 21.4): a certificate opened three weeks ago is
        // overdue (red), and one returned to its applicant waits with its clock paused.
        if let Some(p) = persons.get(18) {
            let cmd = OpenCase {
                person: p.id,
                service: ServiceCode::parse("registration_status_certificate")?,
                household: false,
                consent: false,
                employer: None,
                note: Note::default(),
            };
            match store.open_case(ctx, &w, &cmd, &cal, today - time::Duration::days(21)) {
                Ok(_) => n += 1,
                Err(e) => println!("demo overdue case not opened: {}", e.code),
            }
        }
        if let Some(p) = persons.get(19) {
            let v = open("registration_status_certificate", p, false)?;
            n += 1;
            let back = DecideStep::parse("return", None, "امضای فرم درخواست را بیاورید.", false)?;
            // Deciding a step is done in a read scope, as the web layer does.
            store.change_case(
                ctx,
                &system_scope(*office, Permission::PersonRead),
                "clerk",
                v.case.id,
                v.case.version,
                &back,
                &cal,
                today,
                &profile.catalog.profile,
            )?;
        }
    }
    Ok(n)
}

/// KPI history (issue 18.4): in each office, over the 12 Solar Hijri months before this one,
/// school enrolment letters opened and decided through the workflow on days of those months —
/// approved (some after a return for correction, some past their due date and escalated),
/// rejected, cancelled — more of them in each office's own season, so that the KPI pages show
/// real series and seasonality. Written through a second handle on the database whose clock is
/// moved to each day (records and audit rows carry those days); then the 13 months are computed.
fn seed_kpi_history(
    database: &str,
    by_office: &ByOffice,
    clock: &daftar_domain::clock::Clock,
) -> Result<usize> {
    use daftar_domain::case::{CaseDocument, Note};
    use daftar_domain::kpi::SolarMonth;
    use daftar_domain::service::{EvidenceKind, ServiceCode};
    use daftar_domain::usecase::decide_step::DecideStep;
    use daftar_domain::usecase::open_case::OpenCase;
    let (past, hand) = daftar_domain::clock::Clock::manual(clock.now(), clock.offset());
    let store = daftar_store::connect_sql(database)?.with_clock(past);
    let s: &dyn Store = &store;
    let profile = daftar_domain::profile::Profile::iran()?;
    let cal = profile.calendar.with_holidays(s.holidays()?)?;
    let ctx = daftar_domain::audit::AuditCtx::system("demo-kpi");
    let this_month = SolarMonth::of(clock.today());
    let months = this_month.last(13);
    if months[0].working_days(&cal).is_none() {
        println!("No KPI history: the months before today are outside the calendar's years.");
        return Ok(0);
    }
    let at = |d: time::Date, hour: u8| {
        d.with_hms(hour, 0, 0)
            .map(|t| t.assume_offset(clock.offset()))
            .unwrap_or_else(|_| clock.now())
    };
    let mut n = 0;
    for (k, (office, persons)) in by_office.iter().enumerate() {
        let w = system_scope(*office, Permission::PersonWrite);
        let r = system_scope(*office, Permission::PersonRead);
        let mut next_person = 20;
        for (mi, month) in months[..12].iter().enumerate() {
            // The office's season: three months a year with three times the work.
            let in_season = (mi + 2 * k) % 12 < 3;
            let count = if in_season { 12 } else { 4 };
            let (first, _) = month.days()?;
            let mut day = cal.add_working_days(first, 0)?;
            for i in 0..count {
                day = cal.add_working_days(day, if i % 3 == 2 { 1 } else { 0 })?;
                // A person who may apply (no open letter, heads their household or has none).
                let mut tries = 0;
                let opened = loop {
                    let Some(p) = persons.get(next_person % persons.len().max(1)) else {
                        break None;
                    };
                    next_person += 1;
                    tries += 1;
                    if tries > persons.len() {
                        break None;
                    }
                    hand.set(at(day, 9));
                    let cmd = OpenCase {
                        person: p.id,
                        service: ServiceCode::parse("school_enrolment_letter")?,
                        household: false,
                        consent: false,
                        employer: None,
                        note: Note::default(),
                    };
                    if let Ok(v) = s.open_case(&ctx, &w, &cmd, &cal, day) {
                        break Some(v);
                    }
                };
                let Some(v) = opened else { continue };
                let id = v.case.id;
                n += 1;
                let kind = (i + k + mi) % 10;
                // Handling: 1 to 6 working days, longer in season.
                let days = 1 + ((i * 7 + k * 3 + mi) % 4) as u32 + u32::from(in_season) * 2;
                let done = cal.add_working_days(day, days)?;
                let act = |d: time::Date, hour: u8, role: &str, c: DecideStep| -> Result<()> {
                    hand.set(at(d, hour));
                    let cur = s.get_case(&ctx, &r, id)?;
                    s.change_case(
                        &ctx,
                        &r,
                        role,
                        id,
                        cur.case.version,
                        &c,
                        &cal,
                        d,
                        &profile.catalog.profile,
                    )?;
                    Ok(())
                };
                match kind {
                    0 => act(
                        done,
                        11,
                        "clerk",
                        DecideStep::parse("reject", Some("not_eligible"), "", false)?,
                    )?,
                    1 => act(
                        done,
                        11,
                        "office_manager",
                        DecideStep::parse("cancel", None, "", false)?,
                    )?,
                    _ => {
                        if kind == 2 {
                            act(
                                day,
                                10,
                                "clerk",
                                DecideStep::parse(
                                    "return",
                                    None,
                                    "کارنامهٔ مدرسه را بیاورید.",
                                    false,
                                )?,
                            )?;
                            act(
                                cal.add_working_days(day, 1)?,
                                10,
                                "clerk",
                                DecideStep::parse("resume", None, "", false)?,
                            )?;
                        }
                        hand.set(at(day, 10));
                        s.add_case_document(
                            &ctx,
                            &w,
                            id,
                            &CaseDocument {
                                id: daftar_domain::ids::CaseDocumentId::new(),
                                kind: EvidenceKind::parse("school_record")?,
                                filename: "school-record.pdf".into(),
                                content_type: "application/pdf".into(),
                                size: 0,
                                sha256: "0".repeat(64),
                                uploaded_at: at(day, 10),
                            },
                            &"0".repeat(64),
                        )?;
                        act(
                            day,
                            10,
                            "clerk",
                            DecideStep::parse("complete", None, "", false)?,
                        )?;
                        if kind == 3 {
                            // Past its due date: the SLA job escalates it before it is decided.
                            hand.set(at(done, 8));
                            s.escalate_overdue(&ctx, &cal, done, 3)?;
                        }
                        act(
                            done,
                            11,
                            "office_manager",
                            DecideStep::parse("complete", None, "", false)?,
                        )?;
                        act(
                            done,
                            12,
                            "clerk",
                            DecideStep::parse("complete", None, "", false)?,
                        )?;
                    }
                }
            }
        }
    }
    hand.set(clock.now());
    if let Some(run) = s.compute_kpis(&ctx, &cal, &months)? {
        println!(
            "KPIs computed for {} months ({} rows).",
            run.months, run.rows
        );
    }
    Ok(n)
}

/// Letters of an office code (`THR-01` → `THR01`) for demo card numbers.
fn short_code(code: &str) -> String {
    code.chars().filter(char::is_ascii_alphanumeric).collect()
}
