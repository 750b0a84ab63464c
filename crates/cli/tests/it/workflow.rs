//! The yearly cycle through the pages, on both engines: open a campaign, lay a dossier, fill
//! and submit it, review level by level with four eyes, return for correction with a comment
//! per indicator (only that indicator unlocks), resubmit, approve.

use crate::engines::per_engine;
use crate::harness::{PASSWORD, TestApp};
use hoctap_store::Engine;
use reqwest::StatusCode;
use serde_json::json;

fn fresh_client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

pub(crate) async fn as_user(app: &TestApp, username: &str) -> TestApp {
    let mut other = TestApp { addr: app.addr, store: app.store.clone(), engine: app.engine, client: fresh_client(), csrf: String::new() };
    other.login(username).await;
    other
}

fn location(res: &reqwest::Response) -> String {
    res.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

pub(crate) async fn post(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String, String) {
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("csrf", &app.csrf));
    let res = app.client.post(app.url(path)).form(&form).send().await.unwrap();
    let loc = location(&res);
    (res.status(), loc, res.text().await.unwrap())
}

/// Posts a multipart form (with the session's CSRF token), with a file when one is given.
pub(crate) async fn post_multipart(
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, Vec<u8>)>,
) -> (StatusCode, String, String) {
    let mut form = reqwest::multipart::Form::new().text("csrf", app.csrf.clone());
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    if let Some((name, bytes)) = file {
        form = form.part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
    }
    let res = app.client.post(app.url(path)).multipart(form).send().await.unwrap();
    let loc = location(&res);
    (res.status(), loc, res.text().await.unwrap())
}

pub(crate) async fn state_of(app: &TestApp, dossier: &str) -> String {
    let html = app.client.get(app.url(dossier)).send().await.unwrap().text().await.unwrap();
    html.split("id=\"trang-thai\"><strong>").nth(1).unwrap().split('<').next().unwrap().to_string()
}

per_engine!(a_household_dossier_goes_through_village_and_commune_review_with_a_return);
async fn a_household_dossier_goes_through_village_and_commune_review_with_a_return(engine: Engine) {
    let mut officer = TestApp::start(engine).await;
    officer.login("xa.canbo").await;
    let commune = officer.demo_commune().await;
    let village = officer.store.villages(commune, hoctap_store::today()).await.unwrap()[0].clone();
    let (s, v) =
        officer.post("/api/v1/registries/ho-gia-dinh", json!({"code": "HG-DG", "head_name": "Lục Văn Dân", "village": village.code})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // A village head who confirms dossiers of the village.
    let (s, v) = officer.post("/api/v1/users", json!({"username": "thon.truong", "full_name": "Trưởng Thôn Nà Sla", "role": "reviewer", "unit_code": village.code, "password": PASSWORD})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    let (s, loc, body) = post(&officer, "/dot-danh-gia", &[("year", "2026"), ("set_id", "gdht")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    let campaign = loc;
    let (s, _, body) = post(&officer, "/dot-danh-gia", &[("year", "2026"), ("set_id", "gdht")]).await;
    assert_eq!(s, StatusCode::CONFLICT, "one campaign per year and set: {body}");
    let (s, loc, body) = post(&officer, &format!("{campaign}/ho-so"), &[("subject", "HG-DG")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let dossier = loc;
    assert_eq!(state_of(&officer, &dossier).await, "Bản nháp");

    // Submitting an empty dossier is refused; fill it first.
    let (s, _, body) = post(&officer, &format!("{dossier}/chuyen"), &[("action", "submit")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let answers = [("a:G1.CT1", "1"), ("a:G2.CT1", "80"), ("a:G3.CT1", "1"), ("a:G4.CT1", "1")];
    let (s, _, body) = post(&officer, &format!("{dossier}/luu"), &answers).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let (s, _, _) = post(&officer, &format!("{dossier}/chuyen"), &[("action", "submit")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(state_of(&officer, &dossier).await, "Đã nộp, chờ thẩm định");
    // The submitter cannot take the review (and is not at village level anyway).
    let (s, _, _) = post(&officer, &format!("{dossier}/chuyen"), &[("action", "take")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let head = as_user(&officer, "thon.truong").await;
    let inbox = head.client.get(head.url("/viec-cua-toi")).send().await.unwrap().text().await.unwrap();
    let waiting = inbox.split("Chờ tôi thẩm định").nth(1).unwrap().split("</section>").next().unwrap().to_string();
    assert!(waiting.contains("HG-DG"), "{engine:?}: the village head sees it in the inbox");
    let own = officer.client.get(officer.url("/viec-cua-toi")).send().await.unwrap().text().await.unwrap();
    let own_review = own.split("Chờ tôi thẩm định").nth(1).unwrap().split("</section>").next().unwrap().to_string();
    assert!(!own_review.contains("HG-DG"), "never one's own dossier to review");
    let (s, _, body) = post(&head, &format!("{dossier}/chuyen"), &[("action", "take")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    let (s, _, _) = post(&head, &format!("{dossier}/chuyen"), &[("action", "approve")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(state_of(&officer, &dossier).await, "Đang thẩm định (bước 2)");
    // The village head has no say at the commune step.
    let (s, _, _) = post(&head, &format!("{dossier}/chuyen"), &[("action", "approve")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let reviewer = as_user(&officer, "xa.thamdinh").await;
    let (s, _, body) = post(&reviewer, &format!("{dossier}/chuyen"), &[("action", "return")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a return needs a comment: {body}");
    let (s, _, _) =
        post(&reviewer, &format!("{dossier}/chuyen"), &[("action", "return"), ("y:G2.CT1", "Thiếu danh sách người đạt Công dân học tập")])
            .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(state_of(&officer, &dossier).await, "Trả lại để bổ sung");
    // Only the commented indicator can change: a new value for G1 is ignored.
    let (s, _, _) =
        post(&officer, &format!("{dossier}/luu"), &[("a:G1.CT1", "0"), ("a:G2.CT1", "90"), ("a:G3.CT1", "1"), ("a:G4.CT1", "1")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let id: i64 = dossier.rsplit('/').next().unwrap().parse().unwrap();
    let stored = officer.store.assessment(id).await.unwrap();
    assert_eq!(stored.answers["answers"]["G1.CT1"], json!(true), "{engine:?}: locked answer kept");
    assert_eq!(stored.answers["answers"]["G2.CT1"], json!("90"));
    let (s, _, _) = post(&officer, &format!("{dossier}/chuyen"), &[("action", "submit")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(state_of(&officer, &dossier).await, "Đang thẩm định (bước 2)", "back to the step that returned it");
    let html = reviewer.client.get(reviewer.url(&dossier)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Đã sửa kể từ lần trả lại") && html.contains("G2.CT1: 80 → 90"), "{engine:?}: the reviewer sees what changed");
    // Bulk approval from the campaign page.
    let field = format!("chon:{id}");
    let (s, _, _) = post(&reviewer, &format!("{campaign}/thong-qua"), &[(field.as_str(), "1")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(state_of(&officer, &dossier).await, "Đã thẩm định, chờ quyết định");
    let transitions = officer.store.transitions(id).await.unwrap();
    assert_eq!(
        transitions.iter().map(|t| t.action.as_str()).collect::<Vec<_>>(),
        vec!["submit", "start_review", "approve", "return", "submit", "approve"]
    );
    // Progress per village of the commune, on the page and in Excel.
    let page = officer.client.get(officer.url(&campaign)).send().await.unwrap().text().await.unwrap();
    let progress = page.split("id=\"tien-do\"").nth(1).unwrap().split("</table>").next().unwrap().to_string();
    assert!(progress.contains(&village.name), "{engine:?}: {progress}");
    let xlsx = officer.client.get(officer.url(&format!("{campaign}/tien-do.xlsx"))).send().await.unwrap().bytes().await.unwrap();
    assert!(xlsx.starts_with(b"PK"));
    assert!(transitions[3].detail.as_ref().unwrap().to_string().contains("Thiếu danh sách"));
    let log = officer
        .store
        .audit(&hoctap_store::AuditFilter { action: Some("assessment.".into()), limit: 100, ..Default::default() }, hoctap_store::today())
        .await
        .unwrap();
    assert!(log.len() >= 9, "every step audited: {}", log.len());
}

per_engine!(the_api_runs_the_same_cycle_and_refuses_the_submitter_as_reviewer);
async fn the_api_runs_the_same_cycle_and_refuses_the_submitter_as_reviewer(engine: Engine) {
    let mut officer = TestApp::start(engine).await;
    officer.login("xa.canbo").await;
    let commune_code = officer.store.unit(officer.demo_commune().await).await.unwrap().code;
    let (s, c) = officer.post("/api/v1/campaigns", json!({"year": "2026", "set_id": "cdht-thon"})).await;
    assert_eq!(s, StatusCode::CREATED, "{engine:?} {c}");
    let cid = c["id"].as_i64().unwrap();
    let village = officer.store.villages(officer.demo_commune().await, hoctap_store::today()).await.unwrap()[0].code.clone();
    let (s, a) = officer.post(&format!("/api/v1/campaigns/{cid}/assessments"), json!({"subject": village})).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let aid = a["id"].as_i64().unwrap();
    let (s, e) = officer.post(&format!("/api/v1/campaigns/{cid}/assessments"), json!({"subject": commune_code})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a commune is not a village subject: {e}");
    let (_, set) = officer.get("/api/v1/criteria-sets/cdht-thon").await;
    let mut answers = serde_json::Map::new();
    for c in set["criteria"].as_array().unwrap() {
        for i in c["indicators"].as_array().unwrap() {
            let v = match i["kind"].as_str().unwrap() {
                "yes_no" => json!(true),
                _ => json!(i["max_points"].as_str().map(|m| m.replace(',', ".").parse::<f64>().unwrap()).unwrap_or(100.0)),
            };
            answers.insert(i["id"].as_str().unwrap().to_string(), v);
        }
    }
    let (s, r) = officer.send(reqwest::Method::PUT, &format!("/api/v1/assessments/{aid}/answers"), Some(json!({"answers": answers}))).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert!(r["result"]["summary"].is_string());
    let (s, r) = officer.post(&format!("/api/v1/assessments/{aid}/transitions"), json!({"action": "submit"})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["state"]["state"], "submitted");
    // Locked now: a new answer is kept out and reported.
    let first = answers.keys().next().unwrap().clone();
    let (_, r) = officer
        .send(reqwest::Method::PUT, &format!("/api/v1/assessments/{aid}/answers"), Some(json!({"answers": {first.clone(): false}})))
        .await;
    assert!(
        r["locked_answers_kept"].as_array().map(|k| k.iter().any(|x| x == &json!(first))).unwrap_or(false) || r["error"].is_object(),
        "{r}"
    );
    let (s, _) = officer.post(&format!("/api/v1/assessments/{aid}/transitions"), json!({"action": "start_review"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{engine:?}: four eyes");
    let reviewer = as_user(&officer, "xa.thamdinh").await;
    let (s, r) = reviewer.post(&format!("/api/v1/assessments/{aid}/transitions"), json!({"action": "start_review"})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (s, r) = reviewer.post(&format!("/api/v1/assessments/{aid}/transitions"), json!({"action": "reject", "reason": ""})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    let (s, r) = reviewer.post(&format!("/api/v1/assessments/{aid}/transitions"), json!({"action": "approve"})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["state"]["state"], "approved");
    let (_, shown) = reviewer.get(&format!("/api/v1/assessments/{aid}")).await;
    assert_eq!(shown["transitions"].as_array().unwrap().len(), 3);
}

per_engine!(the_signer_issues_a_decision_whose_docx_follows_nd30_and_anyone_can_verify_it);
async fn the_signer_issues_a_decision_whose_docx_follows_nd30_and_anyone_can_verify_it(engine: Engine) {
    let mut officer = TestApp::start(engine).await;
    officer.login("xa.canbo").await;
    let (s, c) = officer.post("/api/v1/campaigns", json!({"year": "2026", "set_id": "cdht-thon"})).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let cid = c["id"].as_i64().unwrap();
    let village = officer.store.villages(officer.demo_commune().await, hoctap_store::today()).await.unwrap()[0].clone();
    let (_, a) = officer.post(&format!("/api/v1/campaigns/{cid}/assessments"), json!({"subject": village.code})).await;
    let aid = a["id"].as_i64().unwrap();
    let (_, set) = officer.get("/api/v1/criteria-sets/cdht-thon").await;
    let mut answers = serde_json::Map::new();
    for c in set["criteria"].as_array().unwrap() {
        for i in c["indicators"].as_array().unwrap() {
            let v = if i["kind"] == "yes_no" {
                json!(true)
            } else {
                json!(i["max_points"].as_str().map(|m| m.replace(',', ".").parse::<f64>().unwrap()).unwrap_or(100.0))
            };
            answers.insert(i["id"].as_str().unwrap().to_string(), v);
        }
    }
    officer.send(reqwest::Method::PUT, &format!("/api/v1/assessments/{aid}/answers"), Some(json!({"answers": answers}))).await;
    officer.post(&format!("/api/v1/assessments/{aid}/transitions"), json!({"action": "submit"})).await;
    let reviewer = as_user(&officer, "xa.thamdinh").await;
    reviewer.post(&format!("/api/v1/assessments/{aid}/transitions"), json!({"action": "start_review"})).await;
    let (_, r) = reviewer.post(&format!("/api/v1/assessments/{aid}/transitions"), json!({"action": "approve"})).await;
    assert_eq!(r["state"]["state"], "approved", "{r}");

    // Only a signer issues decisions.
    let (s, _, _) = post(&officer, &format!("/dot-danh-gia/{cid}/quyet-dinh"), &[("number", "1/QĐ-UBND")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let signer = as_user(&officer, "xa.lanhdao").await;
    let chosen = format!("chon:{aid}");
    let fields = [
        ("number", "12/QĐ-UBND"),
        ("decided_on", "2026-03-31"),
        ("authority", "ỦY BAN NHÂN DÂN\nPHƯỜNG ĐÔNG KINH"),
        ("place", "Đông Kinh"),
        ("legal_basis", "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;"),
        ("signer_title", "CHỦ TỊCH"),
        ("signer_name", "Vi Văn Lãnh"),
        // cdht-thon's legal basis is not verified: the signer names the text it comes from.
        ("basis_kind", "Hướng dẫn"),
        ("basis_number", "123/HD-KHVN"),
        ("basis_signed", "15/03/2023"),
        ("basis_issuer", "Trung ương Hội Khuyến học Việt Nam"),
        (chosen.as_str(), "1"),
    ];
    // Without it, nothing is issued and the form names the missing part.
    let without: Vec<(&str, &str)> = fields.iter().filter(|(k, _)| !k.starts_with("basis_")).copied().collect();
    let form = signer.client.get(signer.url(&format!("/dot-danh-gia/{cid}/quyet-dinh"))).send().await.unwrap().text().await.unwrap();
    assert!(
        form.contains("chưa được đối chiếu với văn bản chính thức") && form.contains("basis_number"),
        "{engine:?}: the form says the set's basis is not verified"
    );
    let set_doc = officer.store.criteria_set("cdht-thon", None).await.unwrap().set.legal_basis.document;
    assert!(!form.contains(&format!("Căn cứ {set_doc}")), "{engine:?}: an unverified basis is never offered as a citation");
    let (s, _, body) = post(&signer, &format!("/dot-danh-gia/{cid}/quyet-dinh"), &without).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}");
    assert!(body.contains("Ghi số, ký hiệu văn bản"), "{engine:?}: {body}");
    assert_eq!(officer.store.assessment(aid).await.unwrap().dossier.state.code(), "approved", "{engine:?}: nothing issued");
    // A dossier that does not meet the set (CT3 not met) is approved only with an override's
    // reason; the decision form then offers it saying so.
    let other = officer.store.villages(officer.demo_commune().await, hoctap_store::today()).await.unwrap()[1].clone();
    let (_, b) = officer.post(&format!("/api/v1/campaigns/{cid}/assessments"), json!({"subject": other.code})).await;
    let bid = b["id"].as_i64().unwrap();
    let mut failing = answers.clone();
    failing.insert("CT3".into(), json!(false));
    officer.send(reqwest::Method::PUT, &format!("/api/v1/assessments/{bid}/answers"), Some(json!({"answers": failing}))).await;
    officer.post(&format!("/api/v1/assessments/{bid}/transitions"), json!({"action": "submit"})).await;
    reviewer.post(&format!("/api/v1/assessments/{bid}/transitions"), json!({"action": "start_review"})).await;
    let (s, r) = reviewer.post(&format!("/api/v1/assessments/{bid}/transitions"), json!({"action": "approve"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}: {r}");
    assert_eq!(r["error"]["field"], "ly_do_ngoai_le");
    let (_, r) = reviewer
        .post(
            &format!("/api/v1/assessments/{bid}/transitions"),
            json!({"action": "approve", "override_reason": "Thôn vùng sâu, mới thành lập"}),
        )
        .await;
    assert_eq!(r["state"]["state"], "approved", "{r}");
    let form = signer.client.get(signer.url(&format!("/dot-danh-gia/{cid}/quyet-dinh"))).send().await.unwrap().text().await.unwrap();
    assert!(form.contains(&format!("chon:{aid}")), "{engine:?}");
    assert!(form.contains("thông qua ngoại lệ: Thôn vùng sâu, mới thành lập"), "{engine:?}: the override is named");

    let (s, loc, body) = post(&signer, &format!("/dot-danh-gia/{cid}/quyet-dinh"), &fields).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    let (s, _, _) = post(&signer, &format!("/dot-danh-gia/{cid}/quyet-dinh"), &fields).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "already recognised");
    let page = signer.client.get(signer.url(&loc)).send().await.unwrap().text().await.unwrap();
    let code = page.split("/xac-minh/").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert_eq!(code.len(), 10);
    let docx = signer.client.get(signer.url(&format!("{loc}/tai-ve.docx"))).send().await.unwrap().bytes().await.unwrap();
    let text = hoctap_docs::decision_docx::docx_text(&docx).unwrap().replace(&code, "<MÃ>");
    assert!(
        text.contains("Căn cứ Hướng dẫn số 123/HD-KHVN ngày 15 tháng 3 năm 2023 của Trung ương Hội Khuyến học Việt Nam quy định tiêu chí"),
        "{engine:?}: the decision cites the text the signer named: {text}"
    );
    insta::assert_snapshot!("decision_docx_text", text);
    let stored = officer.store.assessment(aid).await.unwrap();
    assert_eq!(stored.dossier.state.code(), "recognised");
    // The PDF says the same, in real text (pdftotext reads it back through ToUnicode).
    let pdf = signer.client.get(signer.url(&format!("{loc}/tai-ve.pdf"))).send().await.unwrap().bytes().await.unwrap();
    let text = pdf_text(&pdf);
    for needle in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 12/QĐ-UBND",
        "Đông Kinh, ngày 31 tháng 3 năm 2026",
        "QUYẾT ĐỊNH",
        "Điều 1.",
        "Nơi nhận:",
        "Vi Văn Lãnh",
        "Thôn Nà Sla",
    ] {
        assert!(text.contains(needle), "{engine:?}: PDF lacks {needle}: {text}");
    }
    let rid_for_pdf = page.split("/cong-nhan/").nth(1).unwrap().split(|c: char| !c.is_ascii_digit()).next().unwrap().to_string();
    let cert = signer.client.get(signer.url(&format!("/cong-nhan/{rid_for_pdf}/giay.pdf"))).send().await.unwrap().bytes().await.unwrap();
    let text = pdf_text(&cert);
    assert!(text.contains("GIẤY CÔNG NHẬN") && text.contains("Thôn Nà Sla") && text.contains(&code), "{text}");
    // The whole printed text, with the parts that change per run (code, server address) masked.
    let base = crate::harness::PUBLIC_URL;
    insta::assert_snapshot!("certificate_pdf_text", text.replace(&code, "<MÃ>").replace(base, "<MÁY CHỦ>"));

    // Public verification: no login, the name and the validity, no code or CCCD.
    let public = reqwest::Client::new();
    let html = public.get(signer.url(&format!("/xac-minh/{}", code.to_lowercase()))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Còn hiệu lực") && html.contains(&village.name) && html.contains("12/QĐ-UBND"), "{engine:?}");
    assert!(html.contains("30/03/2027"), "kept the 12 months cdht-thon gives, from 31/03/2026");
    let res = public.get(signer.url("/xac-minh/ZZZZZZZZZZ")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // The Open Badges 3.0 credential verifies, and fails once tampered with.
    let rid = page.split("/cong-nhan/").nth(1).unwrap().split(|c: char| !c.is_ascii_digit()).next().unwrap().to_string();
    let jwt = signer.client.get(signer.url(&format!("/cong-nhan/{rid}/ob3.jwt"))).send().await.unwrap().text().await.unwrap();
    let check = |jwt: String| {
        let (client, url) = (public.clone(), signer.url("/api/v1/credentials/verify"));
        async move { client.post(url).body(jwt).send().await.unwrap().json::<serde_json::Value>().await.unwrap() }
    };
    let v = check(jwt.clone()).await;
    assert_eq!(v["valid"], true, "{engine:?}: {v}");
    assert_eq!(v["credential"]["type"][1], "OpenBadgeCredential");
    assert_eq!(v["credential"]["credentialSubject"]["name"], json!(village.name));
    let mut parts: Vec<String> = jwt.split('.').map(String::from).collect();
    let mut body: serde_json::Value = serde_json::from_slice(&base64_url_decode(&parts[1])).unwrap();
    body["credentialSubject"]["name"] = json!("Thôn Giả Mạo");
    parts[1] = base64_url_encode(body.to_string().as_bytes());
    let v = check(parts.join(".")).await;
    assert_eq!(v["valid"], false, "tampered: {v}");
    let key: serde_json::Value =
        public.get(signer.url(&format!("/khoa/{}", officer.demo_commune().await))).send().await.unwrap().json().await.unwrap();
    assert_eq!(key["keys"][0]["crv"], "Ed25519");
    // Revoked with a reason.
    let (s, _, _) = post(&signer, &format!("/cong-nhan/{rid}/thu-hoi"), &[("reason", "")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _, _) = post(&signer, &format!("/cong-nhan/{rid}/thu-hoi"), &[("reason", "Khai không đúng sự thật")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let html = public.get(signer.url(&format!("/xac-minh/{code}"))).send().await.unwrap().text().await.unwrap();
    // The status, not the officer's free-text reason, is public.
    assert!(html.contains("Đã thu hồi") && !html.contains("Khai không đúng sự thật"));
    // Revoked today: no longer among the commune's learning communities this year.
    let counted = officer
        .store
        .metric_values(
            Some(officer.demo_commune().await),
            hoctap_store::today().year(),
            &["rec_cdht_thon"],
            hoctap_store::Basis::Rebased(hoctap_store::today()),
        )
        .await
        .unwrap();
    assert_eq!(counted.get("rec_cdht_thon").copied().unwrap_or(0), 0, "{engine:?}");
    assert!(officer.store.recount(false).await.unwrap().drift.is_empty(), "{engine:?}");
    let v = check(jwt.clone()).await;
    assert_eq!((v["valid"].clone(), v["revoked"].clone()), (json!(false), json!(true)), "revoked: {v}");
    let list = public.get(signer.url(&format!("/trang-thai/{}", officer.demo_commune().await))).send().await.unwrap().text().await.unwrap();
    let list_vc: serde_json::Value = serde_json::from_slice(&base64_url_decode(list.split('.').nth(1).unwrap())).unwrap();
    let index: u64 = rid.parse().unwrap();
    assert_eq!(hoctap_docs::status_list::is_set(list_vc["credentialSubject"]["encodedList"].as_str().unwrap(), index), Ok(true));
}

/// The text of a PDF through poppler's pdftotext (installed by .ci/run).
pub fn pdf_text(pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF"), "not a PDF");
    let path = std::env::temp_dir().join(format!("t-{}.pdf", hoctap_app::secret::random_token(4)));
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (apt poppler-utils) is needed; .ci/run installs it");
    let _ = std::fs::remove_file(path);
    String::from_utf8_lossy(&out.stdout).replace('\u{a0}', " ")
}

per_engine!(a_submission_after_the_deadline_is_refused);
async fn a_submission_after_the_deadline_is_refused(engine: Engine) {
    let mut officer = TestApp::start(engine).await;
    officer.login("xa.canbo").await;
    // 2024's self-assessment closed on 28/02/2025, long before today.
    let (s, c) = officer.post("/api/v1/campaigns", json!({"year": "2024", "set_id": "cdht-thon"})).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let cid = c["id"].as_i64().unwrap();
    let village = officer.store.villages(officer.demo_commune().await, hoctap_store::today()).await.unwrap()[0].code.clone();
    let (_, a) = officer.post(&format!("/api/v1/campaigns/{cid}/assessments"), json!({"subject": village})).await;
    let aid = a["id"].as_i64().unwrap();
    officer.send(reqwest::Method::PUT, &format!("/api/v1/assessments/{aid}/answers"), Some(json!({"answers": {}}))).await;
    let (s, e) = officer.post(&format!("/api/v1/assessments/{aid}/transitions"), json!({"action": "submit"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}");
    assert!(e["error"]["message"].as_str().unwrap().contains("28/02/2025 23:59:59"), "{e}");
    let inbox = officer.client.get(officer.url("/viec-cua-toi")).send().await.unwrap().text().await.unwrap();
    assert!(inbox.contains("Quá hạn"), "{engine:?}: the draft shows as overdue");
}

per_engine!(a_commune_dossier_needs_its_evidence_and_files_are_sniffed_and_stored_once);
async fn a_commune_dossier_needs_its_evidence_and_files_are_sniffed_and_stored_once(engine: Engine) {
    let mut province = TestApp::start(engine).await;
    province.login("tinh.canbo").await;
    let (s, c) = province.post("/api/v1/campaigns", json!({"year": "2026", "set_id": "cdht-xa"})).await;
    assert_eq!(s, StatusCode::CREATED, "{engine:?} {c}");
    let cid = c["id"].as_i64().unwrap();
    let commune_code = province.store.unit(province.demo_commune().await).await.unwrap().code;
    let (s, a) = province.post(&format!("/api/v1/campaigns/{cid}/assessments"), json!({"subject": commune_code})).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let aid = a["id"].as_i64().unwrap();
    let (_, set) = province.get("/api/v1/criteria-sets/cdht-xa").await;
    let mut answers = serde_json::Map::new();
    let mut ids = Vec::new();
    for c in set["criteria"].as_array().unwrap() {
        for i in c["indicators"].as_array().unwrap() {
            let id = i["id"].as_str().unwrap().to_string();
            answers.insert(id.clone(), if i["kind"] == "yes_no" { json!(true) } else { json!(100) });
            ids.push(id);
        }
    }
    let (s, r) = province
        .send(reqwest::Method::PUT, &format!("/api/v1/assessments/{aid}/answers"), Some(json!({"answers": answers, "data": {}})))
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (s, e) = province.post(&format!("/api/v1/assessments/{aid}/transitions"), json!({"action": "submit"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}");
    let msg = e["error"]["message"].as_str().unwrap();
    assert!(msg.starts_with("Thiếu minh chứng cho 15 chỉ tiêu"), "{msg}");

    let upload = |bytes: Vec<u8>, name: &str, indicators: &[String]| {
        let mut form = reqwest::multipart::Form::new()
            .text("csrf", province.csrf.clone())
            .text("title", "Báo cáo kết quả xây dựng xã hội học tập năm 2026")
            .text("doc_type", "Báo cáo")
            .text("issued_on", "2026-11-20")
            .text("issuer", "UBND phường")
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
        for i in indicators {
            form = form.text(format!("ct:{i}"), "1");
        }
        province.client.post(province.url(&format!("/ho-so/{aid}/minh-chung"))).multipart(form).send()
    };
    let res = upload(b"MZ\x90\x00 not a document".to_vec(), "bao-cao.pdf", &ids).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "a program named .pdf is refused");
    assert!(res.text().await.unwrap().contains("Chỉ nhận PDF"));
    let pdf = b"%PDF-1.4\n% minh chung\n".to_vec();
    let res = upload(pdf.clone(), "bao-cao.pdf", &ids).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "one file backs every indicator");
    let res = upload(pdf.clone(), "ban-sao.pdf", &ids[..1]).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let evidence = province.store.evidence_of(aid).await.unwrap();
    assert_eq!(evidence.len(), 2);
    assert_eq!(evidence[0].sha256, evidence[1].sha256, "the same bytes are stored once");
    assert!(evidence.iter().any(|e| e.code == format!("{}-02", ids[0])), "{:?}", evidence.iter().map(|e| &e.code).collect::<Vec<_>>());
    let got = province.client.get(province.url(&format!("/minh-chung/{}", evidence[0].id))).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(got.to_vec(), pdf);
    let (s, r) = province.post(&format!("/api/v1/assessments/{aid}/transitions"), json!({"action": "submit"})).await;
    assert_eq!(s, StatusCode::OK, "{engine:?} {r}");
    // The commune the dossier is about may read its evidence.
    let stranger = as_user(&province, "xa.canbo").await;
    let res = stranger.client.get(stranger.url(&format!("/minh-chung/{}", evidence[0].id))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "the commune itself may read its dossier's evidence");
}

per_engine!(two_reviewers_acting_at_once_one_wins_and_the_other_is_told);
async fn two_reviewers_acting_at_once_one_wins_and_the_other_is_told(engine: Engine) {
    let mut officer = TestApp::start(engine).await;
    officer.login("xa.canbo").await;
    let (_, c) = officer.post("/api/v1/campaigns", json!({"year": "2026", "set_id": "cdht-thon"})).await;
    let cid = c["id"].as_i64().unwrap();
    let village = officer.store.villages(officer.demo_commune().await, hoctap_store::today()).await.unwrap()[0].code.clone();
    let (_, a) = officer.post(&format!("/api/v1/campaigns/{cid}/assessments"), json!({"subject": village})).await;
    let aid = a["id"].as_i64().unwrap();
    // The page's draft autosave: JSON back, a bad number named by its field, a good one scored.
    let autosave = |fields: &[(&str, &str)]| {
        let mut form = fields.to_vec();
        form.push(("csrf", officer.csrf.as_str()));
        officer.client.post(officer.url(&format!("/ho-so/{aid}/luu"))).header("x-autosave", "1").form(&form).send()
    };
    let res = autosave(&[("a:CT3", "1"), ("d:nguoi_lon", "hai mươi")]).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}");
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(body["errors"][0].as_str().unwrap().starts_with("Số người lớn"), "{body}");
    let res = autosave(&[("a:CT3", "1"), ("d:nguoi_lon", "20")]).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{engine:?}");
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(body["summary"].is_string(), "{body}");
    assert_eq!(officer.store.assessment(aid).await.unwrap().answers["data"]["nguoi_lon"], json!("20"), "{engine:?}");
    // Without the data its computed indicators read, the result is incomplete: no submission.
    officer
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/assessments/{aid}/answers"),
            Some(json!({"answers": {"CT3": true, "CT4": true, "CT5": true}})),
        )
        .await;
    let (s, e) = officer.post(&format!("/api/v1/assessments/{aid}/transitions"), json!({"action": "submit"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}");
    assert!(e["error"]["message"].as_str().unwrap().contains("chưa đầy đủ"), "{e}");
    // The data are kept with the answers, and the complete result can be submitted.
    let full = json!({"answers": {"CT3": true, "CT4": true, "CT5": true}, "data": {"gia_dinh": 10, "gia_dinh_gdht": 8, "nguoi_lon": 20, "nguoi_lon_cdht": 15}});
    officer.send(reqwest::Method::PUT, &format!("/api/v1/assessments/{aid}/answers"), Some(full)).await;
    assert_eq!(officer.store.assessment(aid).await.unwrap().answers["data"]["nguoi_lon"], json!("20"), "{engine:?}");
    let (s, e) = officer.post(&format!("/api/v1/assessments/{aid}/transitions"), json!({"action": "submit"})).await;
    assert!(s.is_success(), "{engine:?} {e}");
    // Both reviewers read the same state, then both write.
    let snapshot = officer.store.assessment(aid).await.unwrap();
    let actor = |name: &str, id: i64| hoctap_store::Actor { user_id: Some(id), username: name.into(), unit_id: None };
    let next = snapshot
        .dossier
        .apply(&hoctap_domain::workflow::Person { user_id: 900, name: "A".into() }, &hoctap_domain::workflow::Command::StartReview)
        .unwrap();
    let (a1, a2) = (actor("a", 900), actor("b", 901));
    let (first, second) = tokio::join!(
        officer.store.transition(&a1, &snapshot, &next, "start_review", serde_json::Value::Null),
        officer.store.transition(&a2, &snapshot, &next, "start_review", serde_json::Value::Null)
    );
    let outcomes = [first.is_ok(), second.is_ok()];
    assert_eq!(outcomes.iter().filter(|x| **x).count(), 1, "{engine:?}: exactly one wins");
    let loser = if first.is_ok() { second } else { first };
    assert!(loser.unwrap_err().to_string().contains("vừa được người khác thay đổi"));
    assert_eq!(officer.store.transitions(aid).await.unwrap().len(), 2, "submit and one start_review");
}

per_engine!(a_citizen_logs_in_with_the_cccd_and_assesses_themselves);
async fn a_citizen_logs_in_with_the_cccd_and_assesses_themselves(engine: Engine) {
    let mut officer = TestApp::start(engine).await;
    officer.login("xa.canbo").await;
    let village = officer.store.villages(officer.demo_commune().await, hoctap_store::today()).await.unwrap()[0].code.clone();
    let (s, r) = officer
        .post(
            "/api/v1/registries/cong-dan",
            json!({"cccd": "020190001234", "full_name": "Lục Thị Dân", "birth_date": "15/03/1990", "sex": "Nữ", "village": village}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let (s, c) = officer.post("/api/v1/campaigns", json!({"year": "2026", "set_id": "cdht-congdan"})).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let cid = c["id"].as_i64().unwrap();
    let citizen = as_user(&officer, "020190001234").await;
    let page = citizen.client.get(citizen.url("/tu-danh-gia")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Lập hồ sơ của tôi"), "{engine:?}: {page}");
    let (s, dossier, body) = post(&citizen, &format!("/tu-danh-gia/{cid}"), &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let own_id: i64 = dossier.rsplit('/').next().unwrap().parse().unwrap();
    let label = officer.store.assessment(own_id).await.unwrap().subject_label;
    assert!(!label.contains("020190001234"), "no CCCD in the label reviewers see: {label}");
    let mut answers: Vec<(String, String)> = ["NL1.1", "NL1.2", "NL1.3", "NL1.4", "NL2.1", "NL2.2", "NL2.3", "NL2.4", "NL3.1", "NL3.2"]
        .iter()
        .map(|i| (format!("a:{i}"), "8".to_string()))
        .collect();
    answers.push(("csrf".into(), citizen.csrf.clone()));
    let res = citizen.client.post(citizen.url(&format!("{dossier}/luu"))).form(&answers).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{engine:?}: the citizen fills in her own dossier");
    let (s, _, body) = post(&citizen, &format!("{dossier}/chuyen"), &[("action", "submit")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "evidence first");
    assert!(body.contains("Thiếu minh chứng cho 1 chỉ tiêu: NL1.1"));
    let form = reqwest::multipart::Form::new()
        .text("csrf", citizen.csrf.clone())
        .text("title", "Phiếu tự đánh giá")
        .text("ct:NL1.1", "1")
        .part("file", reqwest::multipart::Part::bytes(b"%PDF-1.4 phieu".to_vec()).file_name("phieu.pdf"));
    let res = citizen.client.post(citizen.url(&format!("{dossier}/minh-chung"))).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (s, _, body) = post(&citizen, &format!("{dossier}/chuyen"), &[("action", "submit")]).await;
    let summary = body.split("Có lỗi cần sửa").nth(1).unwrap_or("").chars().take(900).collect::<String>();
    assert_eq!(s, StatusCode::SEE_OTHER, "{summary}");
    let stored = officer.store.assessment(own_id).await.unwrap();
    assert_eq!(stored.dossier.state.code(), "submitted");
    assert!(stored.result.unwrap()["summary"].as_str().unwrap().contains("80"));
    // She cannot review it, nor read anyone else's dossier.
    let (s, _, _) = post(&citizen, &format!("{dossier}/chuyen"), &[("action", "take")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, c2) = officer.post("/api/v1/campaigns", json!({"year": "2026", "set_id": "cdht-thon"})).await;
    let (_, a2) = officer.post(&format!("/api/v1/campaigns/{}/assessments", c2["id"]), json!({"subject": village})).await;
    let res = citizen.client.get(citizen.url(&format!("/ho-so/{}", a2["id"]))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(citizen.get("/api/v1/registries/cong-dan").await.0, StatusCode::FORBIDDEN, "citizens do not browse registries");
}

fn base64_url_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).unwrap()
}

fn base64_url_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

per_engine!(computed_data_is_counted_from_the_registries_and_can_be_refreshed);
async fn computed_data_is_counted_from_the_registries_and_can_be_refreshed(engine: Engine) {
    use hoctap_domain::registry::def;
    let mut officer = TestApp::start(engine).await;
    officer.login("xa.canbo").await;
    let commune = officer.demo_commune().await;
    let village = officer.store.villages(commune, hoctap_store::today()).await.unwrap()[0].clone();
    let (s, v) = officer
        .post("/api/v1/registries/ho-gia-dinh", json!({"code": "HG-SL", "head_name": "Hoàng Văn Số", "village": village.code}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // Two adults and a child (not counted as an adult in 2026).
    for (cccd, name, born, sex) in [
        ("020080004321", "Hoàng Văn Số", "02/02/1980", "Nam"),
        ("020185004322", "Lý Thị Liệu", "03/03/1985", "Nữ"),
        ("020215004323", "Hoàng Văn Nhỏ", "04/04/2015", "Nam"),
    ] {
        let (s, v) = officer
            .post(
                "/api/v1/registries/cong-dan",
                json!({"cccd": cccd, "full_name": name, "birth_date": born, "sex": sex, "household": "HG-SL", "village": village.code}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    officer.post("/api/v1/users", json!({"username": "thon.truong", "full_name": "Trưởng thôn", "role": "reviewer", "unit_code": village.code, "password": PASSWORD})).await;

    // The household's dossier comes with its adults counted, and says how.
    let (_, c) = officer.post("/api/v1/campaigns", json!({"year": "2026", "set_id": "gdht"})).await;
    let cid = c["id"].as_i64().unwrap();
    let (s, a) = officer.post(&format!("/api/v1/campaigns/{cid}/assessments"), json!({"subject": "HG-SL"})).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let aid = a["id"].as_i64().unwrap();
    let stored = officer.store.assessment(aid).await.unwrap();
    assert_eq!(
        (stored.answers["data"]["nguoi_lon"].clone(), stored.answers["data"]["nguoi_lon_cdht"].clone()),
        (json!("2"), json!("0")),
        "{engine:?}"
    );
    let html = officer.client.get(officer.url(&format!("/ho-so/{aid}"))).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("Đếm trong sổ công dân: số người từ đủ 18 tuổi tính đến 31/12/2026"),
        "{engine:?}: {}",
        html.split("so-lieu").nth(1).unwrap_or("")
    );
    let (_, shown) = officer.get(&format!("/api/v1/assessments/{aid}")).await;
    assert_eq!(shown["registry_data"][0]["value"], json!(2), "{shown}");

    // A third adult joins; the page points at the difference, the button takes it.
    officer.post("/api/v1/registries/cong-dan", json!({"cccd": "020070004324", "full_name": "Hoàng Văn Ông", "birth_date": "05/05/1970", "sex": "Nam", "household": "HG-SL", "village": village.code})).await;
    let html = officer.client.get(officer.url(&format!("/ho-so/{aid}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Sổ đăng ký hiện ghi: 3"), "{engine:?}");
    let (s, _, _) = post(&officer, &format!("/ho-so/{aid}/so-lieu"), &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(officer.store.assessment(aid).await.unwrap().answers["data"]["nguoi_lon"], json!("3"));
    let reviewer = as_user(&officer, "xa.thamdinh").await;
    let (s, _, _) = post(&reviewer, &format!("/ho-so/{aid}/so-lieu"), &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "only the preparer refreshes");

    // Once the household is recognised, the village's own dossier counts it.
    let answers = json!({"answers": {"G1.CT1": true, "G2.CT1": 80, "G3.CT1": true, "G4.CT1": true}});
    officer.send(reqwest::Method::PUT, &format!("/api/v1/assessments/{aid}/answers"), Some(answers)).await;
    officer.post(&format!("/api/v1/assessments/{aid}/transitions"), json!({"action": "submit"})).await;
    let head = as_user(&officer, "thon.truong").await;
    head.post(&format!("/api/v1/assessments/{aid}/transitions"), json!({"action": "start_review"})).await;
    head.post(&format!("/api/v1/assessments/{aid}/transitions"), json!({"action": "approve"})).await;
    let (_, r) = reviewer.post(&format!("/api/v1/assessments/{aid}/transitions"), json!({"action": "approve"})).await;
    assert_eq!(r["state"]["state"], "approved", "{r}");
    let signer = as_user(&officer, "xa.lanhdao").await;
    let chosen = format!("chon:{aid}");
    let (s, _, body) = post(
        &signer,
        &format!("/dot-danh-gia/{cid}/quyet-dinh"),
        &[
            ("number", "7/QĐ-UBND"),
            ("decided_on", "2026-11-20"),
            ("authority", "ỦY BAN NHÂN DÂN\nPHƯỜNG ĐÔNG KINH"),
            ("place", "Đông Kinh"),
            ("legal_basis", "Căn cứ Luật Tổ chức chính quyền địa phương;"),
            ("signer_title", "CHỦ TỊCH"),
            ("signer_name", "Vi Văn Lãnh"),
            ("basis_kind", "Hướng dẫn"),
            ("basis_number", "123/HD-KHVN"),
            ("basis_signed", "15/03/2023"),
            ("basis_issuer", "Trung ương Hội Khuyến học Việt Nam"),
            (chosen.as_str(), "1"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    let (_, c) = officer.post("/api/v1/campaigns", json!({"year": "2026", "set_id": "cdht-thon"})).await;
    let (_, v) = officer.post(&format!("/api/v1/campaigns/{}/assessments", c["id"]), json!({"subject": village.code})).await;
    let data = officer.store.assessment(v["id"].as_i64().unwrap()).await.unwrap().answers["data"].clone();
    let households = officer.store.registry_count(&def::HOUSEHOLDS, Some(village.id), hoctap_store::today()).await.unwrap();
    assert_eq!(data["gia_dinh"], json!(households.to_string()), "{engine:?}: {data}");
    assert_eq!(data["gia_dinh_gdht"], json!("1"), "{engine:?}: {data}");
    // The recognition is in the province's numbers as soon as the decision committed.
    let today = hoctap_store::today();
    let province = officer.store.unit_by_code("20", today).await.unwrap().id;
    let v = officer
        .store
        .metric_values(Some(province), 2026, &["rec_gdht", "households", "citizens"], hoctap_store::Basis::Rebased(today))
        .await
        .unwrap();
    assert_eq!((v.get("rec_gdht").copied(), v.get("citizens").copied()), (Some(1), Some(4)), "{engine:?}: {v:?}");
    let report = officer.store.recount(false).await.unwrap();
    assert!(report.drift.is_empty(), "{engine:?}: {:?}", report.drift);
    // The village has its own numbers too (its dashboard, and its commune's ranking).
    let v = officer
        .store
        .metric_values(Some(village.id), 2026, &["rec_gdht", "households"], hoctap_store::Basis::Rebased(today))
        .await
        .unwrap();
    assert_eq!((v.get("rec_gdht").copied(), v.get("households").copied()), (Some(1), Some(households)), "{engine:?}: {v:?}");
    let page = officer.client.get(officer.url(&format!("/tong-hop/{commune}?nam=2026"))).send().await.unwrap().text().await.unwrap();
    let ranking = page.split("id=\"bang-xep-hang\"").nth(1).unwrap_or_default().split("</table>").next().unwrap_or_default().to_string();
    assert!(ranking.contains(&village.name), "{engine:?}: villages ranked on the commune's dashboard");
}
