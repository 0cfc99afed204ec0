//! `daftar admin user …` and `daftar admin office …`: accounts and offices from the command
//! line, for the first administrator and for recovery. Every change is audited as `system`.

use crate::cli::{AdminCommand, OfficeCommand, UserCommand};
use crate::config::Flags;
use anyhow::{Context, Result, bail};
use daftar_domain::office::{CreateOffice, Office, OfficeCode};
use daftar_domain::page::PageRequest;
use daftar_domain::permission::{Permission, RoleCode, system_reach, system_scope};
use daftar_domain::store::Store;
use daftar_domain::user::{
    NewUser, UserStatus, Username, check_display_name, check_password_policy,
};
use std::io::Read;
use std::process::ExitCode;

/// Runs an admin subcommand.
pub fn run(global: &Flags, cmd: AdminCommand) -> Result<ExitCode> {
    let loaded = |dir: &crate::cli::DataDir| {
        super::load(&Flags {
            data_dir: dir.data_dir.clone(),
            ..global.clone()
        })
    };
    let open = |dir: &crate::cli::DataDir| -> Result<std::sync::Arc<dyn Store>> {
        super::open(&loaded(dir)?)
    };
    match cmd {
        AdminCommand::User(UserCommand::Add(a)) => {
            let store = open(&a.dir)?;
            let role = RoleCode::parse(&a.role)?;
            if let Some(code) = &a.partner {
                if role.as_str() != RoleCode::PARTNER {
                    bail!("--partner is for accounts with the role partner");
                }
                let profile = super::profile(&loaded(&a.dir)?)?;
                if profile.referrals.partner(code).is_none() {
                    let known: Vec<&str> = profile
                        .referrals
                        .partners
                        .iter()
                        .map(|p| p.code.as_str())
                        .collect();
                    bail!(
                        "unknown partner {code}; the profile has: {}",
                        known.join(", ")
                    );
                }
            }
            let branch = match &a.branch {
                Some(name) => {
                    if role.as_str() != RoleCode::ASSOCIATION {
                        bail!("--branch is for accounts with the role association");
                    }
                    Some(known_branch(store.as_ref(), name)?)
                }
                None => None,
            };
            let office = a
                .office
                .as_deref()
                .map(|c| office_by_code(store.as_ref(), c))
                .transpose()?;
            let (password, generated) = password(a.password_stdin)?;
            let username = Username::parse(&a.username)?;
            let display_name =
                check_display_name(a.display_name.as_deref().unwrap_or(username.as_str()))?;
            let new = NewUser {
                username,
                display_name,
                office_id: office.map(|o| o.id),
                role,
                password_hash: daftar_domain::secret::password::hash(&password)?,
                locale: None,
            };
            let ctx = super::system_ctx("user-add");
            let u = store.create_user(&ctx, &new)?;
            if let Some(code) = &a.partner {
                store.set_user_partner(&ctx, u.id, Some(code))?;
                println!("bound to partner {code}");
            }
            if let Some(name) = &branch {
                store.set_user_branch(&ctx, u.id, Some(name))?;
                println!("bound to the association's branch {name}");
            }
            println!(
                "created user {} ({}) id {}",
                u.username.as_str(),
                u.role,
                u.id
            );
            if generated {
                println!("password: {password}");
                println!(
                    "Give it to the user over a safe channel; they can change it in their profile."
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        AdminCommand::User(UserCommand::List(a)) => {
            let store = open(&a.dir)?;
            let offices = all_offices(store.as_ref())?;
            let reach = match &a.office {
                Some(code) => daftar_domain::permission::Reach::Office(system_scope(
                    office_by_code(store.as_ref(), code)?.id,
                    Permission::UserManage,
                )),
                None => system_reach(Permission::UserManage),
            };
            let mut rows = vec![];
            let mut page = 1;
            loop {
                let p = store.list_users(
                    &reach,
                    PageRequest {
                        page,
                        per_page: 200,
                    },
                )?;
                for u in &p.items {
                    let office = u
                        .office_id
                        .and_then(|id| offices.iter().find(|o| o.id == id))
                        .map(|o| o.code.as_str().to_owned())
                        .unwrap_or_else(|| "-".into());
                    rows.push(vec![
                        u.username.as_str().to_owned(),
                        u.role.as_str().to_owned(),
                        office,
                        u.status.code().to_owned(),
                        if u.totp_enabled { "yes" } else { "no" }.into(),
                    ]);
                }
                if u64::from(page) >= p.pages() {
                    break;
                }
                page += 1;
            }
            if rows.is_empty() {
                println!("no users");
            } else {
                crate::output::table(&["username", "role", "office", "status", "totp"], &rows);
            }
            Ok(ExitCode::SUCCESS)
        }
        AdminCommand::User(UserCommand::Disable(a)) => {
            let store = open(&a.dir)?;
            let u = user_by_name(store.as_ref(), &a.username)?;
            store.set_user_status(&super::system_ctx("user-disable"), u, UserStatus::Disabled)?;
            println!(
                "disabled {}; their sessions and API tokens are revoked",
                a.username
            );
            Ok(ExitCode::SUCCESS)
        }
        AdminCommand::User(UserCommand::ResetPassword(a)) => {
            let store = open(&a.dir)?;
            let u = user_by_name(store.as_ref(), &a.username)?;
            let (password, generated) = password(a.password_stdin)?;
            let ctx = super::system_ctx("user-reset-password");
            store.set_password(&ctx, u, &daftar_domain::secret::password::hash(&password)?)?;
            let n = store.revoke_user_sessions(&ctx, u, None)?;
            store.clear_login_failures(&a.username)?;
            println!(
                "password of {} replaced; {n} session(s) ended; lockout cleared",
                a.username
            );
            if generated {
                println!("password: {password}");
            }
            Ok(ExitCode::SUCCESS)
        }
        AdminCommand::Office(OfficeCommand::Add(a)) => {
            let store = open(&a.dir)?;
            let new = CreateOffice::parse(
                OfficeCode::parse(&a.code)?,
                &a.name_fa,
                &a.name_en,
                &a.province,
                &a.district,
            )?;
            let o = store.create_office(&super::system_ctx("office-add"), &new)?;
            println!("created office {} id {}", o.code.as_str(), o.id);
            Ok(ExitCode::SUCCESS)
        }
        AdminCommand::Office(OfficeCommand::List(d)) => {
            let store = open(&d)?;
            let rows: Vec<Vec<String>> = all_offices(store.as_ref())?
                .into_iter()
                .map(|o| {
                    vec![
                        o.code.as_str().to_owned(),
                        o.name_en,
                        o.name_fa,
                        o.province,
                        o.status.code().to_owned(),
                    ]
                })
                .collect();
            if rows.is_empty() {
                println!("no offices; create one with `daftar admin office add`");
            } else {
                crate::output::table(
                    &["code", "name (en)", "name (fa)", "province", "status"],
                    &rows,
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub(crate) fn all_offices(store: &dyn Store) -> Result<Vec<Office>> {
    let mut out = vec![];
    let mut page = 1;
    loop {
        let p = store.list_offices(
            &system_reach(Permission::OfficeRead),
            PageRequest {
                page,
                per_page: 200,
            },
        )?;
        let pages = p.pages();
        out.extend(p.items);
        if u64::from(page) >= pages {
            return Ok(out);
        }
        page += 1;
    }
}

pub(crate) fn office_by_code(store: &dyn Store, code: &str) -> Result<Office> {
    let code = OfficeCode::parse(code)?;
    all_offices(store)?
        .into_iter()
        .find(|o| o.code == code)
        .ok_or_else(|| daftar_domain::Error::not_found("office.not_found").into())
}

fn user_by_name(store: &dyn Store, name: &str) -> Result<daftar_domain::ids::UserId> {
    let u = Username::parse(name)?;
    Ok(store
        .user_auth_by_username(&u)?
        .ok_or_else(|| daftar_domain::Error::not_found("user.not_found"))?
        .user
        .id)
}

/// The password from standard input, or a generated one (`true` when generated).
fn password(from_stdin: bool) -> Result<(String, bool)> {
    if from_stdin {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("cannot read the password from standard input")?;
        let pw = s.trim_end_matches(['\r', '\n']).to_owned();
        check_password_policy(&pw)?;
        return Ok((pw, false));
    }
    let pw = daftar_domain::secret::random_token(15);
    if check_password_policy(&pw).is_err() {
        bail!("generated password failed the policy");
    }
    Ok((pw, true))
}

/// A province branch named as the offices' memberships name it: the association's branches
/// are the branches of its members' memberships, so an account is bound to one of them (a
/// name typed differently would see nothing of its branch). Fails with the known names.
fn known_branch(store: &dyn Store, name: &str) -> Result<String> {
    let name =
        daftar_domain::text::Text::<120>::required(name, "membership.branch.invalid", "branch")?
            .into_string();
    let members = store.members(&system_reach(Permission::OfficeRead))?;
    let mut known: Vec<String> = members
        .into_iter()
        .filter_map(|m| m.membership.map(|x| x.branch))
        .collect();
    known.sort();
    known.dedup();
    if !known.contains(&name) {
        bail!(
            "unknown branch {name}; the memberships name: {}",
            if known.is_empty() {
                "none yet (record the offices' memberships first)".to_owned()
            } else {
                known.join(", ")
            }
        );
    }
    Ok(name)
}
