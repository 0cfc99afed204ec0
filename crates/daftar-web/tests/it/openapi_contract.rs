//! The OpenAPI document describes what the server sends and states what it accepts (issue 15,
//! item 20): the document's own properties, and the live answers that they promise.
//! `scripts/schemathesis.sh` checks the same against a running demo with every check.

use crate::harness::{TestApp, code, csrf_in, json_of};
use serde_json::{Value, json};

fn document() -> Value {
    serde_json::to_value(daftar_web::features::api::openapi::document()).unwrap()
}

/// Follows a `$ref` within the document.
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v["$ref"].as_str() {
        Some(r) => {
            let mut at = doc;
            for part in r.trim_start_matches("#/").split('/') {
                at = &at[part];
            }
            at
        }
        None => v,
    }
}

#[test]
fn operation_ids_are_unique_and_every_error_answer_is_documented() {
    let doc = document();
    let mut ids = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap().to_owned();
            assert!(
                ids.insert(id.clone()),
                "{method} {path}: operationId {id} repeats"
            );
            let responses = op["responses"].as_object().unwrap();
            let mut want = vec!["400", "404", "422", "503", "default"];
            if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
                want.extend(["401", "403"]);
            }
            if method != "get" {
                want.push("409");
            }
            if op.get("requestBody").is_some() {
                want.push("413");
            }
            for status in want {
                assert!(
                    responses.contains_key(status),
                    "{method} {path}: no {status}"
                );
            }
        }
    }
    assert!(ids.len() > 60, "{} operations", ids.len());
}

#[test]
fn the_error_body_is_what_the_server_sends() {
    let doc = document();
    let detail = &doc["components"]["schemas"]["ErrorDetail"];
    // The server sends `details` as an object on every error (`{}` when empty), never null.
    assert_eq!(detail["properties"]["details"]["type"], "object");
    let required: Vec<&str> = detail["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(required, ["code", "message", "details"]);
}

#[test]
fn service_records_and_photos_are_described() {
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    // No `allOf` over a closed schema (which no object satisfies).
    for (name, schema) in schemas.as_object().unwrap() {
        for item in schema["allOf"].as_array().into_iter().flatten() {
            let target = resolve(&doc, item);
            assert_ne!(target["additionalProperties"], json!(false), "{name}");
        }
    }
    // A service as the server sends it: the definition plus version, updated_at, updated_by.
    let record = &schemas["ServiceRecord"]["properties"];
    for field in ["code", "steps", "version", "updated_at", "updated_by"] {
        assert!(record.get(field).is_some(), "ServiceRecord lacks {field}");
    }
    let photo = &doc["paths"]["/api/v1/offices/{office_id}/persons/{person_id}/photo"];
    for media in ["image/jpeg", "image/png"] {
        let body = &photo["put"]["requestBody"]["content"][media]["schema"];
        assert_eq!(
            (&body["type"], &body["format"]),
            (&json!("string"), &json!("binary"))
        );
    }
    assert!(
        photo["get"]["responses"].get("204").is_some(),
        "no photo: 204"
    );
}

#[test]
fn request_bodies_are_closed_and_state_the_formats() {
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    // Every object a JSON request body names refuses unknown fields, as the server does.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(s) = op["requestBody"]["content"]["application/json"].get("schema") else {
                continue;
            };
            let s = resolve(&doc, s);
            // One closed object, or a choice (`oneOf`) of closed objects.
            let shapes = s["oneOf"]
                .as_array()
                .cloned()
                .unwrap_or_else(|| vec![s.clone()]);
            for shape in &shapes {
                let shape = resolve(&doc, shape);
                assert_eq!(
                    shape["additionalProperties"],
                    json!(false),
                    "{method} {path}"
                );
            }
        }
    }
    // The formats the server enforces, from daftar_domain::contract.
    use daftar_domain::contract as c;
    let prop = |schema: &str, p: &str| schemas[schema]["properties"][p].clone();
    assert_eq!(prop("NewPerson", "birth_date")["pattern"], c::BIRTH_DATE);
    assert_eq!(prop("NewPerson", "given_name")["pattern"], c::NAME);
    assert_eq!(prop("NewPerson", "given_name")["maxLength"], 100);
    assert_eq!(
        prop("NewMember", "registry_no")["pattern"],
        c::REGISTRY_NO_OPT
    );
    assert_eq!(prop("NewCase", "service")["pattern"], c::SERVICE_CODE);
    assert_eq!(prop("BookForm", "day")["pattern"], c::DATE);
    assert_eq!(schemas["OfficeCode"]["pattern"], c::OFFICE_CODE);
    assert_eq!(
        schemas["NewPerson"]["required"].as_array().unwrap().len(),
        4
    );
    // A document's kind has no default: `""` is not a kind the server takes.
    assert!(prop("NewDocument", "kind").get("default").is_none());
    // Ids are ULIDs.
    assert_eq!(prop("NewHousehold", "head_person_id")["pattern"], c::ID);
    // Paging bounds and the conditional headers.
    let list = &doc["paths"]["/api/v1/offices/{office_id}/persons"]["get"]["parameters"];
    let param = |ps: &Value, n: &str| {
        ps.as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(param(list, "per_page")["schema"]["maximum"], 200);
    assert_eq!(param(list, "per_page")["schema"]["minimum"], 1);
    let status = &doc["paths"]["/api/v1/offices/{office_id}/persons/{person_id}/status"]["post"]["parameters"];
    assert_eq!(
        param(status, "If-Match")["schema"]["pattern"],
        c::IF_MATCH_TAG
    );
    let action =
        &doc["paths"]["/api/v1/offices/{office_id}/cases/{case_id}/actions"]["post"]["parameters"];
    assert_eq!(
        param(action, "If-Match")["schema"]["pattern"],
        c::IF_MATCH_VERSION
    );
}

/// What the document promises, on a live server.
async fn the_server_keeps_the_contract(app: TestApp) {
    let office = app.office("THR-01");
    app.user("clerk.one", "clerk", Some(office.id));
    let person = app.person(office.id, "حمید");
    let c = app.signed_in("clerk.one").await;
    let token = csrf_in(
        &c.get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let base = format!("/api/v1/offices/{}", office.id);

    // Unknown fields are refused (400), at the top level and nested.
    let new =
        json!({"given_name": "علی", "father_name": "رضا", "sex": "male", "nationality": "AFG"});
    for (body, field) in [
        (
            {
                let mut b = new.clone();
                b["nickname"] = json!("x");
                b
            },
            "nickname",
        ),
        (
            {
                let mut b = new.clone();
                b["documents"] = json!([{"kind": "passport", "number": "P1", "colour": "red"}]);
                b
            },
            "documents.0.colour",
        ),
    ] {
        let r = c
            .post(app.url(&format!("{base}/persons")))
            .header("x-csrf-token", &token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let (s, v) = json_of(r).await;
        assert_eq!((s, code(&v)), (400, "request.body.unknown_field"), "{v}");
        assert_eq!(v["error"]["details"]["field"], field);
    }
    // The same body without the unknown field is taken.
    let r = c
        .post(app.url(&format!("{base}/persons")))
        .header("x-csrf-token", &token)
        .json(&new)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    // If-Match: missing 428, malformed 400 (`*` too), well-formed but stale 412.
    let status_url = app.url(&format!("{base}/persons/{}/status", person.id));
    let change = json!({"status": "renewed"});
    for (if_match, want, want_code) in [
        (None, 428, "request.if_match.required"),
        (Some("*"), 400, "request.if_match.invalid"),
        (Some("\"7\""), 400, "request.if_match.invalid"),
        (Some("\"0123456789abcdef\""), 412, "person.version.stale"),
    ] {
        let mut rq = c
            .post(&status_url)
            .header("x-csrf-token", &token)
            .json(&change);
        if let Some(m) = if_match {
            rq = rq.header("if-match", m);
        }
        let (s, v) = json_of(rq.send().await.unwrap()).await;
        assert_eq!((s, code(&v)), (want, want_code), "{if_match:?}: {v}");
        assert!(v["error"]["details"].is_object(), "{v}");
    }

    // A person without a photo: 204; no such person: 404.
    let r = c
        .get(app.url(&format!("{base}/persons/{}/photo", person.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = c
        .get(app.url(&format!("{base}/persons/01JD0000000000000000000000/photo")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // A state conflict is 409: the status the person already has.
    let r = c
        .get(app.url(&format!("{base}/persons/{}", person.id)))
        .send()
        .await
        .unwrap();
    let tag = r.headers()["etag"].to_str().unwrap().to_owned();
    let (s, v) = json_of(
        c.post(&status_url)
            .header("x-csrf-token", &token)
            .header("if-match", &tag)
            .json(&json!({"status": "registered"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, code(&v)), (409, "person.status.unchanged"), "{v}");

    // The head's relationship cannot change: a conflict with the household's state (409), found
    // by schemathesis as a 422 for a request the schema allows.
    let (head, _) = app.household_with_cards(office.id);
    let (_, list) = json_of(
        c.get(app.url(&format!("{base}/households")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let house = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["head_person_id"] == json!(head.id.to_string()))
        .unwrap_or_else(|| panic!("{list}"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = c
        .get(app.url(&format!("{base}/households/{house}")))
        .send()
        .await
        .unwrap();
    let tag = r.headers()["etag"].to_str().unwrap().to_owned();
    let (s, v) = json_of(
        c.post(app.url(&format!("{base}/households/{house}/members/{}", head.id)))
            .header("x-csrf-token", &token)
            .header("if-match", &tag)
            .json(&json!({"relationship": "sibling"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, code(&v)),
        (409, "household.relationship.of_head"),
        "{v}"
    );

    // A wrong method is 405 even with an Idempotency-Key (the key is looked at only on routes).
    let r = c
        .put(app.url(&format!("{base}/persons")))
        .header("x-csrf-token", &token)
        .header("idempotency-key", "k1")
        .json(&new)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    // An invalid key on a route that takes one, without a caller: 401 first.
    let r = reqwest::Client::new()
        .post(app.url(&format!("{base}/persons")))
        .header("idempotency-key", "")
        .json(&new)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}
crate::both!(
    the_server_keeps_the_contract_t,
    the_server_keeps_the_contract
);
