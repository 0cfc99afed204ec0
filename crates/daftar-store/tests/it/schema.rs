//! The two migration trees build the same schema: a fresh SQLite and a fresh PostgreSQL
//! database are migrated, each is read back from its own catalog (SQLite's `sqlite_master` and
//! `pragma_*` functions, PostgreSQL's `pg_catalog`/`information_schema`), and the two
//! descriptions are compared after normalising the documented dialect rules: tables; columns in
//! order with their type family, nullability and default; primary keys; unique constraints;
//! other indexes (name, columns, uniqueness, partial predicate); foreign keys (columns, target,
//! actions); CHECK constraints (by the columns they read); triggers (table, timing, event); and
//! the rows the migrations seed.
//!
//! The dialect rules every column follows (README "Storage", `migrations/`):
//! - timestamps are RFC 3339 text on SQLite, `TIMESTAMPTZ` on PostgreSQL;
//! - flags are `INTEGER` 0/1 on SQLite, `BOOLEAN` on PostgreSQL;
//! - integers are `INTEGER` (64-bit) on SQLite, `BIGINT` on PostgreSQL;
//! - SQLite lets a non-integer PRIMARY KEY column hold NULL (a legacy quirk); PostgreSQL does
//!   not: primary key columns count as NOT NULL on both;
//! - a PostgreSQL identity column is an `INTEGER PRIMARY KEY` (rowid) on SQLite;
//! - the PostgreSQL append-only trigger is one trigger for UPDATE OR DELETE with its function,
//!   SQLite has one trigger per event: triggers are compared per (table, timing, event).
//!
//! Anything else that differs must be listed in [`KNOWN`] with its reason, or fixed by a
//! migration. Runs on PostgreSQL at `TEST_DATABASE_URL` (skipped with a message when it is not
//! set, a failure with `CI=true`).

use daftar_store::SqlStore;
use daftar_store::sql::{Row, Value};
use daftar_testkit::TestDb;
use std::collections::{BTreeMap, BTreeSet};

/// Accepted differences between the trees, each a line of the comparison's output (the
/// `Item` text on the SQLite side or the PostgreSQL side) with the reason it is accepted.
/// Entries that no longer occur fail the test, so the list cannot go stale.
/// Why the sign-in triggers are on PostgreSQL only.
const SIGN_IN_CHANGES: &str = "0039_sign_in_changes: PostgreSQL notifies every web node of a \
    change to a session, token, user or office, so each can forget the callers' lookups it \
    keeps; SQLite is served by one process, which keeps none (the store's sign_ins module).";

const KNOWN: &[(&str, &str)] = &[
    (
        "postgres: column person_match.merged INT4 not null default 0",
        "0011_match_index declared the merged flag INTEGER (32-bit) on PostgreSQL, where every \
         other integer is BIGINT and every other flag BOOLEAN. The store only writes and \
         compares the literals 0 and 1 and reads it as an integer, which both types hold, so \
         it behaves the same; a later migration should make it BIGINT (or BOOLEAN with the \
         queries changed).",
    ),
    (
        "sqlite: column person_match.merged INTEGER not null default 0",
        "the SQLite side of the entry above (person_match.merged).",
    ),
    (
        "postgres: column schema_migrations.applied_at TEXT (an instant, not TIMESTAMPTZ) not null",
        "the tracking table is not part of either tree: one statement shared by both backends \
         (migrate::TRACKING) creates it before the first migration, and applied_at is the same \
         RFC 3339 text on both. Nothing reads it as a time.",
    ),
    (
        "sqlite: column schema_migrations.applied_at TEXT not null",
        "the SQLite side of the entry above (schema_migrations.applied_at).",
    ),
    (
        "sqlite: rowid audit_log.seq",
        "an INTEGER PRIMARY KEY is SQLite's rowid, which fills itself when an insert gives no \
         value; the PostgreSQL column is a plain BIGINT key. The store always gives seq (the \
         row's place in the audit chain, head + 1), so nothing relies on the filling.",
    ),
    (
        "sqlite: rowid audit_head.id",
        "as audit_log.seq: the one row is inserted with id 1 (CHECK (id = 1)) on both.",
    ),
    ("postgres: trigger api_tokens AFTER DELETE", SIGN_IN_CHANGES),
    ("postgres: trigger api_tokens AFTER UPDATE", SIGN_IN_CHANGES),
    ("postgres: trigger offices AFTER DELETE", SIGN_IN_CHANGES),
    ("postgres: trigger offices AFTER UPDATE", SIGN_IN_CHANGES),
    ("postgres: trigger sessions AFTER DELETE", SIGN_IN_CHANGES),
    ("postgres: trigger sessions AFTER UPDATE", SIGN_IN_CHANGES),
    ("postgres: trigger users AFTER DELETE", SIGN_IN_CHANGES),
    ("postgres: trigger users AFTER UPDATE", SIGN_IN_CHANGES),
];

/// One comparable fact about a schema, already normalised.
type Item = String;

fn text(r: &Row, i: usize) -> String {
    r.opt_text(i).unwrap().unwrap_or_default()
}

fn int(r: &Row, i: usize) -> i64 {
    match &r.0[i] {
        Value::I64(n) => *n,
        Value::Bool(b) => i64::from(*b),
        Value::Null => 0,
        v => panic!("column {i}: not an integer: {v:?}"),
    }
}

/// SQLite's type affinity of a declared type (the rules of sqlite.org/datatype3.html §3.1).
fn sqlite_family(declared: &str) -> &'static str {
    let t = declared.to_ascii_uppercase();
    if t.contains("INT") {
        "INTEGER"
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        "TEXT"
    } else if t.is_empty() || t.contains("BLOB") {
        "BLOB"
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        "REAL"
    } else {
        "NUMERIC"
    }
}

/// The SQLite family a PostgreSQL type is stored as under the dialect rules; `None` for a type
/// the rules do not cover (then it is reported as it is).
fn postgres_family(udt: &str) -> Option<&'static str> {
    Some(match udt {
        "int8" => "INTEGER",
        "bool" => "INTEGER",
        "text" | "varchar" | "bpchar" => "TEXT",
        "timestamptz" => "TEXT",
        "bytea" => "BLOB",
        "float8" => "REAL",
        _ => return None,
    })
}

/// A default value as both catalogs print it: PostgreSQL's `''::text` and `false` become
/// SQLite's `''` and `0`.
fn norm_default(d: &str) -> String {
    let d = d.trim();
    let d = match d.find("::") {
        Some(i) if !d[i..].contains('\'') => &d[..i],
        _ => d,
    };
    match d {
        "false" => "0".into(),
        "true" => "1".into(),
        _ => d.trim_matches(|c| c == '(' || c == ')').to_owned(),
    }
}

/// An index predicate or CHECK expression reduced to its words, so that PostgreSQL's
/// `(left_at IS NULL)` equals SQLite's `left_at IS NULL` and its `(kind = 'x'::text)` (a string
/// literal printed with its type) SQLite's `kind = 'x'`.
fn norm_expr(e: &str) -> String {
    e.replace("'::text", "'")
        .replace(['(', ')'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
}

/// The text inside the parenthesis that opens at byte `open` of `s`.
fn balanced(s: &str, open: usize) -> &str {
    let mut depth = 0;
    let mut in_str = false;
    for (i, c) in s[open..].char_indices() {
        match c {
            '\'' => in_str = !in_str,
            '(' if !in_str => depth += 1,
            ')' if !in_str => {
                depth -= 1;
                if depth == 0 {
                    return &s[open + 1..open + i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced parenthesis in {s}")
}

/// The column names among `columns` that the expression mentions.
fn columns_in(expr: &str, columns: &[String]) -> String {
    let words: BTreeSet<&str> = expr
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .collect();
    let mut used: Vec<&str> = columns
        .iter()
        .map(String::as_str)
        .filter(|c| words.contains(c))
        .collect();
    used.sort_unstable();
    used.join(",")
}

fn rows(db: &SqlStore, sql: &str) -> Vec<Row> {
    db.query_raw(sql, &[])
        .unwrap_or_else(|e| panic!("{e}: {sql}"))
}

/// A foreign key as `pragma_foreign_key_list` gives it: target table, columns from, columns to
/// (`None` where the target's primary key is meant), on update, on delete.
type SqliteFk = (String, Vec<String>, Vec<Option<String>>, String, String);

/// The SQLite schema as normalised items.
fn sqlite_schema(db: &SqlStore) -> BTreeSet<Item> {
    let mut out = BTreeSet::new();
    let tables: Vec<(String, String)> = rows(
        db,
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .iter()
    .map(|r| (text(r, 0), text(r, 1)))
    .collect();
    for (table, create) in &tables {
        out.insert(format!("table {table}"));
        let cols = rows(
            db,
            &format!(
                "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('{table}') ORDER BY cid"
            ),
        );
        let names: Vec<String> = cols.iter().map(|r| text(r, 0)).collect();
        out.insert(format!("columns {table}: {}", names.join(",")));
        let mut pk: Vec<(i64, String)> = vec![];
        for c in &cols {
            let (name, declared, pk_at) = (text(c, 0), text(c, 1), int(c, 4));
            // Primary key columns count as NOT NULL (the dialect rules above).
            let not_null = int(c, 2) == 1 || pk_at > 0;
            let default = c.opt_text(3).unwrap().map(|d| norm_default(&d));
            out.insert(column_item(
                table,
                &name,
                sqlite_family(&declared),
                not_null,
                default.as_deref(),
            ));
            if pk_at > 0 {
                pk.push((pk_at, name));
            }
        }
        pk.sort();
        let pk: Vec<String> = pk.into_iter().map(|(_, n)| n).collect();
        out.insert(format!("primary key {table} ({})", pk.join(",")));
        // An `INTEGER PRIMARY KEY` is the rowid: what a PostgreSQL identity column becomes.
        if let [only] = pk.as_slice()
            && cols
                .iter()
                .any(|c| text(c, 0) == *only && text(c, 1).eq_ignore_ascii_case("INTEGER"))
        {
            out.insert(format!("rowid {table}.{only}"));
        }

        for ix in rows(
            db,
            &format!(
                "SELECT il.name, il.\"unique\", il.origin, m.sql FROM pragma_index_list('{table}') il \
                 LEFT JOIN sqlite_master m ON m.type = 'index' AND m.name = il.name ORDER BY il.name"
            ),
        ) {
            let (name, unique, origin) = (text(&ix, 0), int(&ix, 1) == 1, text(&ix, 2));
            let ix_cols: Vec<String> = rows(
                db,
                &format!("SELECT name FROM pragma_index_info('{name}') ORDER BY seqno"),
            )
            .iter()
            .map(|r| {
                r.opt_text(0)
                    .unwrap()
                    .unwrap_or_else(|| "<expression>".into())
            })
            .collect();
            match origin.as_str() {
                "pk" => {}
                "u" => {
                    out.insert(format!("unique {table} ({})", ix_cols.join(",")));
                }
                _ => {
                    let sql = text(&ix, 3);
                    let predicate = sql
                        .to_ascii_uppercase()
                        .rfind(" WHERE ")
                        .map(|i| norm_expr(&sql[i + 7..]));
                    out.insert(index_item(
                        table,
                        &name,
                        unique,
                        &ix_cols,
                        predicate.as_deref(),
                    ));
                }
            }
        }

        let mut fks: BTreeMap<i64, SqliteFk> = BTreeMap::new();
        for f in rows(
            db,
            &format!(
                "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list('{table}') ORDER BY id, seq"
            ),
        ) {
            let e = fks
                .entry(int(&f, 0))
                .or_insert_with(|| (text(&f, 1), vec![], vec![], text(&f, 4), text(&f, 5)));
            e.1.push(text(&f, 2));
            e.2.push(f.opt_text(3).unwrap());
        }
        for (target, from, to, on_update, on_delete) in fks.into_values() {
            // `REFERENCES t` without columns means t's primary key.
            let to: Vec<String> = if to.iter().all(Option::is_none) {
                rows(
                    db,
                    &format!(
                        "SELECT name FROM pragma_table_info('{target}') WHERE pk > 0 ORDER BY pk"
                    ),
                )
                .iter()
                .map(|r| text(r, 0))
                .collect()
            } else {
                to.into_iter().map(Option::unwrap_or_default).collect()
            };
            out.insert(fk_item(table, &from, &target, &to, &on_update, &on_delete));
        }

        // SQLite keeps CHECK constraints only in the CREATE TABLE text.
        let upper = create.to_ascii_uppercase();
        let mut at = 0;
        while let Some(i) = upper[at..].find("CHECK") {
            let start = at + i;
            let before_ok = start == 0
                || !upper.as_bytes()[start - 1].is_ascii_alphanumeric()
                    && upper.as_bytes()[start - 1] != b'_';
            let open = upper[start + 5..].find(|c: char| !c.is_whitespace());
            match open {
                Some(o) if before_ok && upper.as_bytes()[start + 5 + o] == b'(' => {
                    let expr = balanced(create, start + 5 + o);
                    out.insert(format!("check {table} ({})", columns_in(expr, &names)));
                    at = start + 5 + o + expr.len();
                }
                _ => at = start + 5,
            }
        }

        let count = rows(db, &format!("SELECT COUNT(*) FROM {table}"));
        out.insert(format!("rows {table}: {}", int(&count[0], 0)));
    }

    for t in rows(
        db,
        "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'",
    ) {
        let (table, sql) = (text(&t, 0), text(&t, 1).to_ascii_uppercase());
        let words: Vec<&str> = sql.split_whitespace().collect();
        let timing = ["BEFORE", "AFTER", "INSTEAD"]
            .into_iter()
            .find(|w| words.contains(w))
            .unwrap_or("BEFORE");
        for event in ["INSERT", "UPDATE", "DELETE"] {
            // The event is the word after the timing (before `ON table`).
            let pos = words.iter().position(|w| *w == event);
            let on = words.iter().position(|w| *w == "ON");
            if let (Some(p), Some(o)) = (pos, on)
                && p < o
            {
                out.insert(format!("trigger {table} {timing} {event}"));
            }
        }
    }
    for v in rows(db, "SELECT name FROM sqlite_master WHERE type = 'view'") {
        out.insert(format!("view {}", text(&v, 0)));
    }
    out
}

/// The PostgreSQL schema (the database's current schema) as normalised items.
fn postgres_schema(db: &SqlStore) -> BTreeSet<Item> {
    let mut out = BTreeSet::new();
    let tables: Vec<String> = rows(
        db,
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .iter()
    .map(|r| text(r, 0))
    .collect();
    let mut names: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in rows(
        db,
        "SELECT c.relname::text, a.attname::text, t.typname::text, a.attnotnull, \
                pg_get_expr(d.adbin, d.adrelid), a.attidentity::text \
         FROM pg_attribute a \
         JOIN pg_class c ON c.oid = a.attrelid \
         JOIN pg_type t ON t.oid = a.atttypid \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' \
           AND a.attnum > 0 AND NOT a.attisdropped \
         ORDER BY c.relname, a.attnum",
    ) {
        let (table, name, udt) = (text(&c, 0), text(&c, 1), text(&c, 2));
        let not_null = matches!(c.0[3], Value::Bool(true));
        let default = c.opt_text(4).unwrap().map(|d| norm_default(&d));
        let family = postgres_family(&udt).map_or_else(|| udt.to_ascii_uppercase(), Into::into);
        // Report a 32-bit or otherwise unusual integer as what it is: the rules say BIGINT.
        let family = if udt.starts_with("int") && udt != "int8" {
            udt.to_ascii_uppercase()
        } else if (name == "at" || name.ends_with("_at")) && udt != "timestamptz" {
            // An instant (`*_at`) is TIMESTAMPTZ on PostgreSQL; SQLite's text cannot tell.
            format!("{} (an instant, not TIMESTAMPTZ)", udt.to_ascii_uppercase())
        } else {
            family
        };
        out.insert(column_item(
            &table,
            &name,
            &family,
            not_null,
            default.as_deref(),
        ));
        if !text(&c, 5).is_empty() {
            out.insert(format!("rowid {table}.{name}"));
        }
        names.entry(table).or_default().push(name);
    }
    for table in &tables {
        out.insert(format!("table {table}"));
        let cols = names.get(table).cloned().unwrap_or_default();
        out.insert(format!("columns {table}: {}", cols.join(",")));
        let count = rows(db, &format!("SELECT COUNT(*) FROM {table}"));
        out.insert(format!("rows {table}: {}", int(&count[0], 0)));
    }

    // Constraints, with their columns in key order.
    for k in rows(
        db,
        "SELECT c.relname::text, k.contype::text, \
            (SELECT string_agg(a.attname::text, ',' ORDER BY x.ord) \
               FROM unnest(k.conkey) WITH ORDINALITY x(num, ord) \
               JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = x.num), \
            f.relname::text, \
            (SELECT string_agg(a.attname::text, ',' ORDER BY x.ord) \
               FROM unnest(k.confkey) WITH ORDINALITY x(num, ord) \
               JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = x.num), \
            k.confupdtype::text, k.confdeltype::text, pg_get_constraintdef(k.oid) \
         FROM pg_constraint k \
         JOIN pg_class c ON c.oid = k.conrelid \
         LEFT JOIN pg_class f ON f.oid = k.confrelid \
         WHERE k.connamespace = current_schema()::regnamespace",
    ) {
        let (table, kind, cols) = (text(&k, 0), text(&k, 1), text(&k, 2));
        match kind.as_str() {
            "p" => {
                out.insert(format!("primary key {table} ({cols})"));
            }
            "u" => {
                out.insert(format!("unique {table} ({cols})"));
            }
            "f" => {
                let from: Vec<String> = cols.split(',').map(Into::into).collect();
                let to: Vec<String> = text(&k, 4).split(',').map(Into::into).collect();
                out.insert(fk_item(
                    &table,
                    &from,
                    &text(&k, 3),
                    &to,
                    fk_action(&text(&k, 5)),
                    fk_action(&text(&k, 6)),
                ));
            }
            "c" => {
                let all = names.get(&table).cloned().unwrap_or_default();
                let def = text(&k, 7);
                out.insert(format!("check {table} ({})", columns_in(&def, &all)));
            }
            other => {
                out.insert(format!("constraint {table} kind {other}: {}", text(&k, 7)));
            }
        }
    }
    // Tables without a primary key still get a line, as on SQLite.
    for table in &tables {
        let key = format!("primary key {table} (");
        if !out.iter().any(|i| i.starts_with(&key)) {
            out.insert(format!("primary key {table} ()"));
        }
    }

    // Indexes that do not back a constraint.
    for ix in rows(
        db,
        "SELECT t.relname::text, i.relname::text, x.indisunique, \
            (SELECT string_agg(pg_get_indexdef(x.indexrelid, n, true), ',' ORDER BY n) \
               FROM generate_series(1, x.indnkeyatts::int) n), \
            pg_get_expr(x.indpred, x.indrelid), x.indexprs IS NOT NULL \
         FROM pg_index x \
         JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class t ON t.oid = x.indrelid \
         WHERE t.relnamespace = current_schema()::regnamespace \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid \
                           AND k.contype IN ('p', 'u', 'x'))",
    ) {
        let (table, name) = (text(&ix, 0), text(&ix, 1));
        let unique = matches!(ix.0[2], Value::Bool(true));
        let expressions = matches!(ix.0[5], Value::Bool(true));
        let cols: Vec<String> = text(&ix, 3)
            .split(',')
            .map(|c| {
                if expressions && !c.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    "<expression>".to_owned()
                } else {
                    c.to_owned()
                }
            })
            .collect();
        let predicate = ix.opt_text(4).unwrap().map(|p| norm_expr(&p));
        out.insert(index_item(
            &table,
            &name,
            unique,
            &cols,
            predicate.as_deref(),
        ));
    }

    for t in rows(
        db,
        "SELECT event_object_table::text, action_timing::text, event_manipulation::text \
         FROM information_schema.triggers WHERE trigger_schema = current_schema()",
    ) {
        let timing = text(&t, 1);
        let timing = timing.split_whitespace().next().unwrap_or_default();
        out.insert(format!("trigger {} {timing} {}", text(&t, 0), text(&t, 2)));
    }
    for v in rows(
        db,
        "SELECT table_name::text FROM information_schema.views WHERE table_schema = current_schema()",
    ) {
        out.insert(format!("view {}", text(&v, 0)));
    }
    out
}

fn column_item(
    table: &str,
    name: &str,
    family: &str,
    not_null: bool,
    default: Option<&str>,
) -> Item {
    let mut s = format!("column {table}.{name} {family}");
    if not_null {
        s.push_str(" not null");
    }
    if let Some(d) = default {
        s.push_str(&format!(" default {d}"));
    }
    s
}

fn index_item(
    table: &str,
    name: &str,
    unique: bool,
    cols: &[String],
    predicate: Option<&str>,
) -> Item {
    let mut s = format!(
        "index {name} on {table} ({}){}",
        cols.join(","),
        if unique { " unique" } else { "" }
    );
    if let Some(p) = predicate {
        s.push_str(&format!(" where {p}"));
    }
    s
}

fn fk_item(
    table: &str,
    from: &[String],
    target: &str,
    to: &[String],
    on_update: &str,
    on_delete: &str,
) -> Item {
    format!(
        "foreign key {table} ({}) -> {target} ({}) on update {} on delete {}",
        from.join(","),
        to.join(","),
        on_update.to_ascii_uppercase(),
        on_delete.to_ascii_uppercase()
    )
}

/// PostgreSQL's one-letter referential action as SQLite names it.
fn fk_action(code: &str) -> &'static str {
    match code {
        "a" => "NO ACTION",
        "r" => "RESTRICT",
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        _ => "?",
    }
}

/// The differences as `sqlite: item` / `postgres: item` lines.
fn differences(sqlite: &BTreeSet<Item>, postgres: &BTreeSet<Item>) -> BTreeSet<String> {
    differences_as(("sqlite", sqlite), ("postgres", postgres))
}

/// The items only in `a` and only in `b`, each line prefixed by its side's label.
fn differences_as(
    (la, a): (&str, &BTreeSet<Item>),
    (lb, b): (&str, &BTreeSet<Item>),
) -> BTreeSet<String> {
    let only_a = a.difference(b).map(|i| format!("{la}: {i}"));
    let only_b = b.difference(a).map(|i| format!("{lb}: {i}"));
    only_a.chain(only_b).collect()
}

#[test]
fn both_migration_trees_build_the_same_schema() {
    let sqlite_db = TestDb::sqlite();
    let sqlite = sqlite_schema(sqlite_db.sql());
    let Some(pg_db) = TestDb::postgres() else {
        return;
    };
    let postgres = postgres_schema(pg_db.sql());

    // The comparison reads something: every table, and the parts each kind of item comes from.
    for expected in [
        "table audit_log",
        "trigger audit_log BEFORE UPDATE",
        "trigger audit_log BEFORE DELETE",
        "column offices.created_at TEXT not null",
        "column roles.totp_required INTEGER not null",
        "primary key role_permissions (role,permission)",
        "unique duplicate_suspects (person_a,person_b)",
        "index household_members_current on household_members (person_id) unique where left_at is null",
        "foreign key users (role) -> roles (code) on update NO ACTION on delete NO ACTION",
        "check audit_head (id)",
        "rowid person_match.pk",
        &format!(
            "rows schema_migrations: {}",
            daftar_store::migrate::MIGRATIONS.len()
        ),
    ] {
        assert!(sqlite.contains(expected), "SQLite: no {expected:?}");
        assert!(postgres.contains(expected), "PostgreSQL: no {expected:?}");
    }

    let found = differences(&sqlite, &postgres);
    let known: BTreeSet<String> = KNOWN.iter().map(|(d, _)| (*d).to_owned()).collect();
    let unexplained: Vec<&String> = found.difference(&known).collect();
    let stale: Vec<&String> = known.difference(&found).collect();
    assert!(
        unexplained.is_empty() && stale.is_empty(),
        "the migration trees differ.\nUnexplained (fix a tree, or add to KNOWN with the reason):\n  {}\nListed in KNOWN but no longer found (remove):\n  {}",
        unexplained
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n  "),
        stale
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n  ")
    );
}

#[test]
fn the_comparison_sees_a_difference() {
    // The same check on two SQLite databases, one changed the ways a tree could drift: a
    // column's type, a missing index, a different default, a foreign key, a check.
    let a = TestDb::sqlite();
    let b = TestDb::sqlite();
    b.sql()
        .execute_raw(
            "DROP INDEX users_office;
             ALTER TABLE offices ADD COLUMN extra TEXT NOT NULL DEFAULT 'x' CHECK (extra <> '');
             ALTER TABLE persons ADD COLUMN other_office TEXT REFERENCES offices(id) ON DELETE CASCADE;",
        )
        .unwrap();
    let found = differences_as(
        ("migrated", &sqlite_schema(a.sql())),
        ("changed", &sqlite_schema(b.sql())),
    );
    for expected in [
        "migrated: index users_office on users (office_id,username)",
        "changed: column offices.extra TEXT not null default 'x'",
        "changed: check offices (extra)",
        "changed: foreign key persons (other_office) -> offices (id) on update NO ACTION on delete CASCADE",
    ] {
        assert!(found.contains(expected), "{expected:?} not in {found:#?}");
    }
}

#[test]
fn defaults_and_expressions_are_normalised() {
    assert_eq!(norm_default("''::text"), "''");
    assert_eq!(norm_default("'registered'::text"), "'registered'");
    assert_eq!(norm_default("'a::b'"), "'a::b'");
    assert_eq!(norm_default("false"), "0");
    assert_eq!(norm_default("0"), "0");
    assert_eq!(norm_expr("(left_at IS NULL)"), norm_expr("left_at IS NULL"));
    assert_eq!(
        norm_expr("(kind = 'case.return'::text)"),
        norm_expr("kind = 'case.return'")
    );
    let cols = ["state".to_owned(), "id".to_owned()];
    assert_eq!(
        columns_in("CHECK ((state = ANY (ARRAY['running'::text])))", &cols),
        "state"
    );
}
