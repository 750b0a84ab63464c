//! Credentials anyone can trust, on both engines: they name the configured public address
//! whatever the request's Host says, carry the JWT claims of OB 3.0 §8.2 and a salted hash of
//! the CCCD, verify only with this deployment's issuers and keys (422 otherwise), keep working
//! across a key rotation; keys exist only for units that issued, sealed under the deployment key.

use crate::engines::per_engine;
use crate::harness::{PUBLIC_URL, TestApp, deployment_key};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hoctap_domain::registry::def::{HOUSEHOLDS, Value, Values};
use hoctap_domain::unit::UnitCode;
use hoctap_store::Engine;
use reqwest::StatusCode;
use serde_json::{Value as Json, json};

const CCCD: &str = "020190001234";

/// A household of the demo commune with its head's CCCD, recognised "Gia đình học tập" today
/// through the whole workflow; returns the recognition's id.
async fn recognised_today(app: &TestApp) -> i64 {
    let today = hoctap_store::today();
    let actor = hoctap_store::Actor::system("kiểm thử");
    let commune = app.store.unit(app.demo_commune().await).await.unwrap();
    let village = app.store.children(commune.id, today).await.unwrap().into_iter().next().unwrap();
    let mut h = Values::new();
    h.insert("code", Value::Text("HGD-XM-01".into()));
    h.insert("head_name", Value::Text("Lục Văn Dân".into()));
    h.insert("head_cccd", Value::Text(CCCD.into()));
    h.insert("village", Value::Unit(UnitCode::parse(&village.code).unwrap()));
    let household = app.store.registry_create(&actor, &HOUSEHOLDS, h, None, today).await.unwrap();
    let gdht = app.store.criteria_set("gdht", None).await.unwrap().set;
    let subjects = [(household.id, "Gia đình ông Lục Văn Dân".to_string(), village.id)];
    hoctap_commands::commands::demo::recognise(&app.store, &commune, &gdht, today.year(), today, &subjects, &deployment_key())
        .await
        .unwrap();
    app.store.recognitions_of("household", household.id).await.unwrap()[0].id
}

fn part(jwt: &str, i: usize) -> Json {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(jwt.split('.').nth(i).unwrap()).unwrap()).unwrap()
}

/// A compact JWS of `payload` with header `kid`, signed with `secret`.
fn sign(payload: &Json, kid: &str, secret: &[u8; 32]) -> String {
    hoctap_domain::credential::sign_jwt(payload, kid, secret)
}

async fn verify(app: &TestApp, jwt: &str) -> (StatusCode, Json) {
    let res = reqwest::Client::new().post(app.url("/api/v1/credentials/verify")).body(jwt.to_string()).send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Json::Null))
}

/// A credential fetched with forged Host and X-Forwarded-* headers.
async fn forged_credential(app: &TestApp, rid: i64) -> String {
    let res = app
        .client
        .get(app.url(&format!("/cong-nhan/{rid}/ob3.jwt")))
        .header("host", "evil.example")
        .header("x-forwarded-host", "evil.example")
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.unwrap()
}

per_engine!(a_credential_names_the_configured_issuer_carries_its_claims_and_verifies_only_here);
async fn a_credential_names_the_configured_issuer_carries_its_claims_and_verifies_only_here(engine: Engine) {
    let mut signer = TestApp::start(engine).await;
    signer.login("xa.lanhdao").await;
    let commune = signer.demo_commune().await;
    let rid = recognised_today(&signer).await;
    let r = signer.store.recognitions_by_id(rid).await.unwrap();

    // A forged Host changes nothing: issuer, key id, status list and ids are the configuration's.
    let jwt = forged_credential(&signer, rid).await;
    let (header, payload) = (part(&jwt, 0), part(&jwt, 1));
    assert!(!jwt.contains("evil") && !payload.to_string().contains("evil"), "{engine:?}: {payload}");
    let issuer = format!("{PUBLIC_URL}/khoa/{commune}");
    assert_eq!(header["kid"], json!(format!("{issuer}#key-1")), "{engine:?}");
    assert_eq!(payload["issuer"]["id"], json!(issuer));
    assert_eq!(payload["credentialStatus"]["statusListCredential"], json!(format!("{PUBLIC_URL}/trang-thai/{commune}")));
    // OB 3.0 §8.2: iss, jti, sub, nbf, exp (from validUntil, 23:59:59 in Vietnam).
    assert_eq!(payload["iss"], json!(issuer));
    assert_eq!(payload["jti"], json!(format!("{PUBLIC_URL}/xac-minh/{}", r.code)));
    assert_eq!(payload["sub"], payload["credentialSubject"]["id"]);
    assert!(payload["sub"].as_str().unwrap().starts_with(PUBLIC_URL));
    let vn = |d: jiff::civil::Date, h: i8, m: i8, s: i8| jiff::tz::offset(7).to_timestamp(d.at(h, m, s, 0)).unwrap().as_second();
    assert_eq!(payload["nbf"], json!(vn(r.valid_from, 0, 0, 0)));
    let until = r.valid_until.expect("gdht keeps 12 months");
    assert_eq!(payload["exp"], json!(vn(until, 23, 59, 59)), "{engine:?}");
    assert_eq!(payload["validUntil"], json!(format!("{until}T23:59:59+07:00")));
    // The subject is known by a salted hash of the head's CCCD, never the number.
    assert!(!jwt.contains(CCCD) && !payload.to_string().contains(CCCD), "{engine:?}");
    let id = &payload["credentialSubject"]["identifier"][0];
    assert_eq!(id["identityType"], "nationalIdentityNumber");
    let object = hoctap_domain::credential::IdentityObject {
        identity_type: "nationalIdentityNumber",
        identity_hash: id["identityHash"].as_str().unwrap().to_string(),
        salt: id["salt"].as_str().unwrap().to_string(),
    };
    assert!(object.matches(CCCD) && !object.matches("020190001235"), "{engine:?}: {id}");
    // The achievement and criteria URL is public.
    let achievement = payload["credentialSubject"]["achievement"]["id"].as_str().unwrap().replace(PUBLIC_URL, "");
    let res = reqwest::Client::new().get(signer.url(&achievement)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{engine:?}: {achievement} is readable without logging in");
    assert!(res.text().await.unwrap().contains("Gia đình học tập"));

    let (s, v) = verify(&signer, &jwt).await;
    assert_eq!((s, v["valid"].clone()), (StatusCode::OK, json!(true)), "{engine:?}: {v}");

    // Foreign or unknown key ids, and malformed requests: 422, never 500.
    let secret = signer.store.issuer_signing_key(commune, &deployment_key()).await.unwrap().unwrap().secret;
    for kid in [
        format!("https://evil.example/khoa/{commune}#key-1"),
        format!("{PUBLIC_URL}/khoa/{commune}#key-99"),
        format!("{PUBLIC_URL}/khoa/999999999#key-1"),
        format!("{PUBLIC_URL}/khoa/abc#key-1"),
        format!("{PUBLIC_URL}/khoa/{commune}"),
        format!("{PUBLIC_URL}/khoa/99999999999999999999999#key-1"),
    ] {
        let (s, v) = verify(&signer, &sign(&payload, &kid, &secret)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}: {kid}: {v}");
    }
    for garbage in ["", "abc", "a.b.c", "e30.e30.e30", "eyJraWQiOjF9.e30.AA"] {
        let (s, v) = verify(&signer, garbage).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}: {garbage:?}: {v}");
    }
    // Signed by this unit's real key but naming another server as issuer: refused.
    let mut foreign = payload.clone();
    foreign["issuer"]["id"] = json!(format!("https://evil.example/khoa/{commune}"));
    foreign["iss"] = foreign["issuer"]["id"].clone();
    let (s, v) = verify(&signer, &sign(&foreign, header["kid"].as_str().unwrap(), &secret)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}: {v}");
    // Signed here but expired (exp in the past): a generic verifier and ours reject it.
    let mut expired = payload.clone();
    expired["exp"] = json!(vn(r.valid_from, 0, 0, 1));
    let (s, v) = verify(&signer, &sign(&expired, header["kid"].as_str().unwrap(), &secret)).await;
    assert_eq!((s, v["valid"].clone()), (StatusCode::OK, json!(false)), "{engine:?}: {v}");
    assert!(v["errors"].to_string().contains("hết hiệu lực"), "{v}");

    // The recognition page links the certificate, the credential and the QR code, with the
    // configured address.
    let res = signer.client.get(signer.url(&format!("/cong-nhan/{rid}"))).header("host", "evil.example").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    for link in ["giay.pdf", "ob3.jwt", "qr.svg"] {
        assert!(html.contains(&format!("/cong-nhan/{rid}/{link}")), "{engine:?}: {link}");
    }
    assert!(html.contains(&format!("{PUBLIC_URL}/xac-minh/{}", r.code)) && !html.contains("evil"), "{engine:?}");
    let res = signer.client.get(signer.url(&format!("/cong-nhan/{rid}/qr.svg"))).send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    assert!(res.text().await.unwrap().starts_with("<svg"));
    let decision = signer.client.get(signer.url(&format!("/quyet-dinh/{}", r.decision_id))).send().await.unwrap().text().await.unwrap();
    assert!(decision.contains(&format!("href=\"/cong-nhan/{rid}\"")), "{engine:?}: the decision lists the recognition's page");
}

per_engine!(keys_exist_only_for_units_that_issued_sealed_and_rotation_keeps_old_credentials_valid);
async fn keys_exist_only_for_units_that_issued_sealed_and_rotation_keeps_old_credentials_valid(engine: Engine) {
    let mut signer = TestApp::start(engine).await;
    signer.login("xa.lanhdao").await;
    let commune = signer.demo_commune().await;
    let public = reqwest::Client::new();

    // A unit that never issued: no key document, no status list, and nothing written.
    let province = signer.unit_id("20").await;
    let before = signer.store.table_counts().await.unwrap();
    for path in [format!("/khoa/{province}"), format!("/trang-thai/{province}"), format!("/khoa/{commune}"), "/khoa/999999999".into()] {
        let res = public.get(signer.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{engine:?}: {path}");
    }
    assert_eq!(signer.store.table_counts().await.unwrap(), before, "{engine:?}: an anonymous read writes nothing");
    assert_eq!(before["signing_keys"], 0);

    // The first decision gives the commune its key, sealed under the deployment key.
    let rid = recognised_today(&signer).await;
    let after = signer.store.table_counts().await.unwrap();
    assert_eq!(after["signing_keys"], 1, "{engine:?}");
    let key = signer.store.issuer_signing_key(commune, &deployment_key()).await.unwrap().unwrap();
    let other = hoctap_domain::credential::DeploymentKey::from_bytes([7; 32]);
    assert!(signer.store.issuer_signing_key(commune, &other).await.is_err(), "{engine:?}: another deployment key opens nothing");
    // What the database holds is the sealed form: no clear secret in it, opened by the key file only.
    let stored = signer.store.sealed_signing_key(commune, 1).await.unwrap().unwrap();
    assert_eq!(stored.len(), hoctap_domain::credential::SEALED_LEN, "{engine:?}");
    assert!(!stored.windows(32).any(|w| w == key.secret), "{engine:?}: not in clear");
    let context = format!("hoctap signing key: unit {commune} version 1");
    assert_eq!(deployment_key().open(&stored, &context), Ok(key.secret));

    let old = forged_credential(&signer, rid).await;
    assert!(part(&old, 0)["kid"].as_str().unwrap().ends_with("#key-1"));
    // Rotation: a new key signs, the old one stays published and its credentials verify.
    let v2 = signer.store.rotate_issuer_key(&hoctap_store::Actor::system("kiểm thử"), commune, &deployment_key()).await.unwrap();
    assert_eq!(v2, 2);
    let doc: Json = public.get(signer.url(&format!("/khoa/{commune}"))).send().await.unwrap().json().await.unwrap();
    let kids: Vec<&str> = doc["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap()).collect();
    assert_eq!(kids, [format!("{PUBLIC_URL}/khoa/{commune}#key-2"), format!("{PUBLIC_URL}/khoa/{commune}#key-1")], "{engine:?}");
    let (s, v) = verify(&signer, &old).await;
    assert_eq!((s, v["valid"].clone()), (StatusCode::OK, json!(true)), "{engine:?}: signed before the rotation: {v}");
    let new = forged_credential(&signer, rid).await;
    assert!(part(&new, 0)["kid"].as_str().unwrap().ends_with("#key-2"));
    let (_, v) = verify(&signer, &new).await;
    assert_eq!(v["valid"], true, "{engine:?}: {v}");
    let list = public.get(signer.url(&format!("/trang-thai/{commune}"))).send().await.unwrap().text().await.unwrap();
    assert!(part(&list, 0)["kid"].as_str().unwrap().ends_with("#key-2"), "{engine:?}: the status list is signed by the new key");
    let audit = signer.store.table_counts().await.unwrap()["audit_log"];
    assert!(audit > after["audit_log"], "the rotation is audited");

    // An older deployment's clear keys: sealed for a unit that issued, dropped for one that did not.
    signer.store.exec_raw(&format!("DELETE FROM signing_keys WHERE unit_id = {commune}")).await.unwrap();
    let clear = base64::engine::general_purpose::STANDARD.encode(key.secret);
    signer
        .store
        .exec_raw(&format!(
            "INSERT INTO unit_keys (unit_id, secret_b64, created_at) VALUES ({commune}, '{clear}', 'x'), ({province}, '{clear}', 'x')"
        ))
        .await
        .unwrap();
    let report = signer.store.prepare_issuer_keys(&deployment_key()).await.unwrap();
    assert_eq!(report, hoctap_store::KeyUpgrade { sealed: 1, dropped: 1, created: 0 }, "{engine:?}");
    let counts = signer.store.table_counts().await.unwrap();
    assert_eq!((counts["unit_keys"], counts["signing_keys"]), (0, 1));
    assert_eq!(signer.store.issuer_signing_key(commune, &deployment_key()).await.unwrap().unwrap().secret, key.secret);
    let (_, v) = verify(&signer, &old).await;
    assert_eq!(v["valid"], true, "{engine:?}: the sealed old key still verifies what it signed: {v}");
    assert!(signer.store.prepare_issuer_keys(&other).await.is_err(), "{engine:?}: a wrong key file is noticed at start");

    // A new deployment key file: every key re-sealed, still the same secret, the old file useless.
    assert_eq!(signer.store.reseal_issuer_keys(&deployment_key(), &other).await.unwrap(), 1, "{engine:?}");
    assert_eq!(signer.store.issuer_signing_key(commune, &other).await.unwrap().unwrap().secret, key.secret);
    assert!(signer.store.issuer_signing_key(commune, &deployment_key()).await.is_err(), "{engine:?}");
    assert!(signer.store.reseal_issuer_keys(&deployment_key(), &other).await.is_err(), "{engine:?}: all or nothing with a wrong old key");
}
