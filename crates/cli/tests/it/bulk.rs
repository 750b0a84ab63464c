//! A commune's year at real volume, on both engines (issue 15 §1–§2): dossiers laid in bulk
//! from the registries, scored from a tally sheet (dry run, row-and-column errors, all or
//! nothing), the campaign page filtered, paged and counted, a whole filter moved through a
//! step after a confirmation naming the count, one evidence file shared by many dossiers, the
//! steps without an account shown with the level above acting for them (recorded), a failing
//! dossier approved only with a reason, the signer's non-recognition, and an inbox that lists
//! only what the user can act on.

use crate::engines::per_engine;
use crate::harness::TestApp;
use crate::workflow::{as_user, post, post_multipart, state_of};
use hoctap_store::Engine;
use reqwest::StatusCode;
use serde_json::json;

/// Households `HL-<tag>-000`… in two villages of the demo commune (CSV import through the API).
async fn households(app: &TestApp, tag: &str, per_village: usize) -> Vec<hoctap_store::UnitRow> {
    let villages = app.store.villages(app.demo_commune().await, hoctap_store::today()).await.unwrap();
    let mut csv = String::from("code,head_name,village\n");
    for (vi, v) in villages.iter().take(2).enumerate() {
        for i in 0..per_village {
            let given = ["An", "Bình", "Cường", "Dũng", "Hà", "Khoa", "Lan", "Minh", "Nam", "Phúc"][i % 10];
            csv.push_str(&format!("HL-{tag}-{vi}{i:03},Lục Văn {given},{}\n", v.code));
        }
    }
    let (s, r) = app.post_bytes("/api/v1/registries/ho-gia-dinh/import?dry_run=false", csv.into_bytes()).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    villages.into_iter().take(2).collect()
}

fn pending_of(html: &str) -> String {
    html.split("name=\"tep\" value=\"").nth(1).unwrap_or_default().split('"').next().unwrap_or_default().to_string()
}

async fn page(app: &TestApp, path: &str) -> String {
    app.client.get(app.url(path)).send().await.unwrap().text().await.unwrap()
}

per_engine!(an_officer_lays_scores_and_moves_households_in_bulk_and_the_signer_ends_every_dossier);
async fn an_officer_lays_scores_and_moves_households_in_bulk_and_the_signer_ends_every_dossier(engine: Engine) {
    let mut officer = TestApp::start(engine).await;
    officer.login("xa.canbo").await;
    let villages = households(&officer, "P", 30).await;
    let (s, campaign, body) = post(&officer, "/dot-danh-gia", &[("year", "2026"), ("set_id", "gdht")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let cid: i64 = campaign.rsplit('/').next().unwrap().parse().unwrap();

    // Laying for one chosen village, then for the whole commune: those that have one are skipped.
    let first = format!("thon:{}", villages[0].id);
    let (s, _, body) = post(&officer, &format!("{campaign}/lap-hang-loat"), &[(first.as_str(), "1")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    let c = officer.store.campaign(cid).await.unwrap();
    let none = hoctap_store::DossierFilter::default();
    let in_first = officer.store.campaign_counts(cid, None, hoctap_store::today(), &none).await.unwrap();
    assert!(in_first.total >= 30, "{engine:?}: {in_first:?}");
    assert!(in_first.by_village.iter().all(|(id, _, _)| *id == villages[0].id), "only the chosen village: {in_first:?}");
    let (s, _, _) = post(&officer, &format!("{campaign}/lap-hang-loat"), &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let all = officer.store.campaign_counts(cid, None, hoctap_store::today(), &none).await.unwrap();
    assert!(all.total >= in_first.total + 30, "{engine:?}: {all:?}");
    let subjects = officer.store.campaign_subjects(cid).await.unwrap();
    assert_eq!(subjects.len() as i64, all.total, "one dossier per subject");
    let (s, _, _) = post(&officer, &format!("{campaign}/lap-hang-loat"), &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(
        officer.store.campaign_counts(cid, None, hoctap_store::today(), &none).await.unwrap().total,
        all.total,
        "nothing laid twice"
    );
    let log = officer
        .store
        .audit(
            &hoctap_store::AuditFilter { action: Some("assessment.create".into()), limit: 10_000, ..Default::default() },
            hoctap_store::today(),
        )
        .await
        .unwrap();
    assert!(log.len() as i64 >= all.total, "{engine:?}: one audit entry per dossier ({} < {})", log.len(), all.total);
    // Registry-sourced data are pre-filled (the adults of each household, counted).
    let rows = officer.store.campaign_dossiers(cid, None, hoctap_store::today(), &none, None, None).await.unwrap();
    assert!(rows.iter().all(|a| a.answers["data"].get("nguoi_lon").is_some()), "{engine:?}: {:?}", rows[0].answers);

    // The village step has nobody: the page and the inbox say so, with the fix.
    let html = page(&officer, &campaign).await;
    let gaps = html.split("id=\"thieu-tai-khoan\"").nth(1).unwrap_or_default().split("</section>").next().unwrap().to_string();
    assert!(
        gaps.contains("Trưởng thôn xác nhận") && gaps.contains("chưa có tài khoản") && gaps.contains(&villages[0].name),
        "{engine:?}: {gaps}"
    );
    assert!(gaps.contains("/nguoi-dung"), "a link to create the account");
    let inbox = page(&officer, "/viec-cua-toi").await;
    assert!(inbox.contains("id=\"thieu-tai-khoan\"") && inbox.contains("Trưởng thôn xác nhận"), "{engine:?}");

    // The list: 50 a page, counted per group, filtered by village, an opaque next page.
    assert!(html.contains(&format!("Hồ sơ ({})", all.total)), "{engine:?}");
    let next =
        html.split("id=\"trang-sau\"").next().unwrap().rsplit("href=\"").next().unwrap().split('"').next().unwrap().replace("&amp;", "&");
    assert!(next.contains("sau="), "{engine:?}: {next}");
    let second = page(&officer, &next).await;
    let first_rows = html.matches("<a href=\"/ho-so/").count();
    let second_rows = second.matches("<a href=\"/ho-so/").count();
    assert_eq!(first_rows, 50);
    assert!(second_rows > 0 && !second.contains(&html.split("<a href=\"/ho-so/").nth(50).unwrap()[..8]), "pages do not repeat");
    let tampered = officer.client.get(officer.url(&format!("{campaign}?sau=AAAAAAAAAAAAAAAAAAAAAA"))).send().await.unwrap();
    assert_eq!(tampered.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let village_page = page(&officer, &format!("{campaign}?thon={}", villages[1].id)).await;
    let n1 = all.by_village.iter().find(|(id, _, _)| *id == villages[1].id).unwrap().2;
    assert!(village_page.contains(&format!("Hồ sơ ({n1})")), "{engine:?}");

    // The tally sheet: pre-filled workbook; a file with errors names row and column, writes nothing.
    let xlsx = officer.client.get(officer.url(&format!("{campaign}/bang-cham.xlsx"))).send().await.unwrap().bytes().await.unwrap();
    let set = officer.store.criteria_set("gdht", None).await.unwrap().set;
    let columns = hoctap_app::bulk::tally_columns(&set);
    let read = hoctap_docs::table::read_table_with(&xlsx, &hoctap_docs::tally_xlsx::column_specs(&columns)).unwrap();
    assert_eq!(read.len() as i64, all.total, "{engine:?}: one row per dossier");
    let ids: Vec<i64> = read.iter().map(|r| r.get("ma_ho_so").parse().unwrap()).collect();
    let failing = ids[0];
    let mut csv = String::from("Mã hồ sơ,G1.CT1,G3.CT1,G4.CT1,nguoi_lon,nguoi_lon_cdht\n");
    csv.push_str("999999,Đạt,Đạt,Đạt,2,1\n");
    csv.push_str(&format!("{},Có lẽ,Đạt,Đạt,2,1\n", ids[1]));
    let (s, _, body) = post_multipart(&officer, &format!("{campaign}/bang-cham"), &[], Some(("bang-cham.csv", csv.into_bytes()))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}: {body}");
    assert!(body.contains("Dòng 2, cột Mã hồ sơ") && body.contains("Dòng 3, cột G1.CT1"), "{engine:?}: {body}");
    assert!(pending_of(&body).is_empty(), "nothing to apply");
    let mut csv = String::from("Mã hồ sơ,G1.CT1,G3.CT1,G4.CT1,nguoi_lon,nguoi_lon_cdht\n");
    for id in &ids {
        let g1 = if *id == failing { "Không đạt" } else { "Đạt" };
        csv.push_str(&format!("{id},{g1},Đạt,Đạt,2,1\n"));
    }
    let (s, _, body) = post_multipart(&officer, &format!("{campaign}/bang-cham"), &[], Some(("bang-cham.csv", csv.into_bytes()))).await;
    assert_eq!(s, StatusCode::OK, "{engine:?}: {body}");
    assert!(body.contains(&format!("chấm lại {}", all.total)), "{engine:?}");
    assert!(
        officer.store.assessment(ids[1]).await.unwrap().result.is_none() || !officer.store.assessment(ids[1]).await.unwrap().passed,
        "dry run writes nothing"
    );
    let (s, _, body) = post(&officer, &format!("{campaign}/bang-cham/ghi"), &[("tep", &pending_of(&body))]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    let passing = officer.store.assessment(ids[1]).await.unwrap();
    assert!(passing.passed, "{engine:?}: {:?}", passing.result);
    assert!(passing.result.as_ref().unwrap()["explanation"].as_array().is_some_and(|e| !e.is_empty()), "explained as if typed");
    assert!(!officer.store.assessment(failing).await.unwrap().passed);

    // One evidence file for every dossier the filter shows, stored once.
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let thon = villages[0].id.to_string();
    let (s, _, body) = post_multipart(
        &officer,
        &format!("{campaign}/minh-chung-chung"),
        &[("title", "Biên bản họp thôn"), ("ct:G3.CT1", "1"), ("thon", &thon)],
        Some(("bien-ban.pdf", pdf)),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    let in_village = officer
        .store
        .campaign_dossiers(
            cid,
            None,
            hoctap_store::today(),
            &hoctap_store::DossierFilter { village: Some(villages[0].id), ..Default::default() },
            None,
            None,
        )
        .await
        .unwrap();
    let ev = officer.store.evidence_of(in_village[0].id).await.unwrap();
    let other = officer.store.evidence_of(in_village[1].id).await.unwrap();
    assert_eq!(ev.len(), 1, "{engine:?}");
    assert_eq!(ev[0].sha256, other[0].sha256, "the same stored file");

    // Bulk submission: a confirmation naming the count, then all in one go.
    let (s, _, body) = post(&officer, &format!("{campaign}/chuyen-hang-loat"), &[("action", "submit")]).await;
    assert_eq!(s, StatusCode::OK, "{engine:?}: {body}");
    assert!(body.contains(&format!("Xác nhận: nộp {} hồ sơ", all.total)), "{engine:?}: {body}");
    let wrong = (all.total + 1).to_string();
    let (s, _, _) = post(&officer, &format!("{campaign}/chuyen-hang-loat"), &[("action", "submit"), ("so_luong", &wrong)]).await;
    assert_eq!(s, StatusCode::CONFLICT, "a changed count writes nothing");
    assert_eq!(officer.store.assessment(ids[1]).await.unwrap().dossier.state.code(), "draft");
    let count = all.total.to_string();
    let (s, _, _) = post(&officer, &format!("{campaign}/chuyen-hang-loat"), &[("action", "submit"), ("so_luong", &count)]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let submitted = officer
        .store
        .campaign_counts(
            cid,
            None,
            hoctap_store::today(),
            &hoctap_store::DossierFilter { state: Some("submitted".into()), ..Default::default() },
        )
        .await
        .unwrap();
    assert_eq!(submitted.total, all.total, "{engine:?}");

    // The commune reviewer acts for the village step that has nobody, recorded as such.
    let reviewer = as_user(&officer, "xa.thamdinh").await;
    for action in ["take", "approve"] {
        let (s, _, body) = post(&reviewer, &format!("{campaign}/chuyen-hang-loat"), &[("action", action), ("ket_qua", "dat")]).await;
        assert_eq!(s, StatusCode::OK, "{engine:?}: {body}");
        let n = body
            .split("id=\"xac-nhan-chuyen\">Xác nhận ")
            .nth(1)
            .unwrap()
            .split(" hồ sơ")
            .next()
            .unwrap()
            .rsplit(' ')
            .next()
            .unwrap()
            .to_string();
        assert_eq!(n, (all.total - 1).to_string(), "{engine:?}: {action}: the failing one is filtered out");
        let (s, _, body) =
            post(&reviewer, &format!("{campaign}/chuyen-hang-loat"), &[("action", action), ("ket_qua", "dat"), ("so_luong", &n)]).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    }
    let t = officer.store.transitions(ids[1]).await.unwrap();
    assert_eq!(t.iter().map(|t| t.action.as_str()).collect::<Vec<_>>(), vec!["submit", "start_review", "approve"]);
    // The reviewer filter lists who acted (kept per read generation: the page read before the
    // reviewer acted had nobody; transitions are watched, migration 0089).
    let reviewers = |html: &str| html.split("name=\"nguoi\">").nth(1).unwrap_or_default().split("</select>").next().unwrap().to_string();
    assert_eq!(reviewers(&html), "<option value=\"\">Tất cả</option>", "{engine:?}: nobody had acted yet");
    let filter = reviewers(&page(&officer, &campaign).await);
    assert!(filter.contains(&format!(">{}</option>", t[2].actor_name)), "{engine:?}: the reviewer is a choice at once: {filter}");
    assert!(t[2].detail.as_ref().unwrap()["thay_cho"].as_str().unwrap().contains("Trưởng thôn"), "{engine:?}: {:?}", t[2].detail);
    // The commune step: approving a failing dossier needs a reason; with one it is approved.
    let (s, _, _) = post(
        &reviewer,
        &format!("{campaign}/chuyen-hang-loat"),
        &[("action", "approve"), ("ket_qua", "dat"), ("so_luong", &(all.total - 1).to_string())],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(officer.store.assessment(ids[1]).await.unwrap().dossier.state.code(), "approved");
    let fail_page = format!("/ho-so/{failing}");
    for action in ["take", "approve"] {
        post(&reviewer, &format!("{fail_page}/chuyen"), &[("action", action)]).await;
    }
    let (s, _, body) = post(&reviewer, &format!("{fail_page}/chuyen"), &[("action", "approve")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}: {body}");
    assert!(body.contains("lý do thông qua ngoại lệ"), "{engine:?}");
    assert_eq!(state_of(&officer, &fail_page).await, "Đang thẩm định (bước 2)");

    // The signer: non-recognition with reasons the family reads, then recognition of the rest.
    let signer = as_user(&officer, "xa.lanhdao").await;
    let (s, _, body) =
        post(&signer, &format!("{fail_page}/chuyen"), &[("action", "reject"), ("reason", "Trẻ em trong gia đình chưa đi học đầy đủ")])
            .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    let shown = page(&officer, &fail_page).await;
    assert!(shown.contains("id=\"khong-cong-nhan\"") && shown.contains("Trẻ em trong gia đình chưa đi học đầy đủ"), "{engine:?}");
    let mut fields = vec![
        ("number", "15/QĐ-UBND".to_string()),
        ("decided_on", "2026-03-31".into()),
        ("authority", "ỦY BAN NHÂN DÂN\nXÃ".into()),
        ("place", "Lạng Sơn".into()),
        ("legal_basis", "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;".into()),
        ("signer_title", "CHỦ TỊCH".into()),
        ("signer_name", "Vi Văn Lãnh".into()),
        // gdht's legal basis is not verified: the signer names the text it comes from.
        ("basis_kind", "Hướng dẫn".into()),
        ("basis_number", "123/HD-KHVN".into()),
        ("basis_signed", "15/03/2023".into()),
        ("basis_issuer", "Trung ương Hội Khuyến học Việt Nam".into()),
    ];
    let keys: Vec<String> = ids.iter().filter(|id| **id != failing).map(|id| format!("chon:{id}")).collect();
    fields.extend(keys.iter().map(|k| (k.as_str(), "1".to_string())));
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, loc, body) = post(&signer, &format!("{campaign}/quyet-dinh"), &borrowed).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    assert!(loc.starts_with("/quyet-dinh/"));
    let recognised = officer
        .store
        .campaign_counts(
            cid,
            None,
            hoctap_store::today(),
            &hoctap_store::DossierFilter { state: Some("recognised".into()), ..Default::default() },
        )
        .await
        .unwrap();
    assert_eq!(recognised.total, all.total - 1, "{engine:?}");
    annex_is_paged_by_name_with_its_total(&officer, engine, &loc, recognised.total).await;
    let _ = c;
}

/// A decision's page lists its annex 50 names at a time, the total counted over the whole
/// decision: following "Trang sau" reaches every recognition exactly once, in name order.
async fn annex_is_paged_by_name_with_its_total(app: &TestApp, engine: Engine, path: &str, total: i64) {
    let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    let stored = app.store.recognitions(id).await.unwrap();
    assert_eq!(i64::try_from(stored.len()).unwrap(), total, "{engine:?}");
    assert!(total > 50, "the test needs more than one page: {total}");
    let mut seen = Vec::new();
    let mut next = Some(path.to_string());
    let mut pages = 0;
    while let Some(p) = next.take() {
        let html = page(app, &p).await;
        assert!(html.contains(&format!("Danh sách được công nhận ({})", hoctap_domain::text::group_thousands(total))), "{engine:?}: {p}");
        let ids: Vec<i64> =
            html.split("<td><a href=\"/cong-nhan/").skip(1).map(|s| s.split('"').next().unwrap().parse().unwrap()).collect();
        assert!(ids.len() <= 50, "{engine:?}: {}", ids.len());
        seen.extend(ids);
        next = html
            .split("\" id=\"trang-sau\"")
            .next()
            .filter(|_| html.contains("id=\"trang-sau\""))
            .map(|s| s.rsplit("href=\"").next().unwrap().to_string());
        pages += 1;
        assert!(pages <= total, "{engine:?}: the pages do not end");
    }
    assert_eq!(pages, (total + 49) / 50, "{engine:?}");
    let by_name: Vec<i64> = stored.iter().map(|r| r.id).collect();
    assert_eq!(seen, by_name, "{engine:?}: every recognition once, by name");
    // A cursor altered by hand is refused, not read as a row id.
    let s = app.client.get(app.url(&format!("{path}?sau=AAAAAAAAAAE"))).send().await.unwrap().status();
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}");
}

per_engine!(the_api_lays_lists_moves_and_scores_in_bulk_and_steps_are_held_by_their_own_roles);
async fn the_api_lays_lists_moves_and_scores_in_bulk_and_steps_are_held_by_their_own_roles(engine: Engine) {
    let mut officer = TestApp::start(engine).await;
    officer.login("xa.canbo").await;
    let villages = households(&officer, "A", 8).await;
    let (s, c) = officer.post("/api/v1/campaigns", json!({"year": "2026", "set_id": "gdht"})).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let cid = c["id"].as_i64().unwrap();
    let (s, r) = officer.post(&format!("/api/v1/campaigns/{cid}/assessments/bulk"), json!({"villages": [villages[1].code]})).await;
    assert_eq!(s, StatusCode::OK, "{engine:?}: {r}");
    let created = r["created"].as_i64().unwrap();
    assert!(created >= 8, "{r}");
    assert!(r["gaps"].as_array().unwrap().iter().any(|g| g.as_str().unwrap().contains("Trưởng thôn xác nhận")), "{r}");
    let (_, again) = officer.post(&format!("/api/v1/campaigns/{cid}/assessments/bulk"), json!({"villages": [villages[1].code]})).await;
    assert_eq!(again["created"], 0);
    assert_eq!(again["skipped"].as_i64().unwrap(), created);

    let (s, list) = officer.get(&format!("/api/v1/campaigns/{cid}/dossiers?state=draft&village={}", villages[1].id)).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list["total"].as_i64().unwrap(), created);
    assert!(list["counts"]["state"].as_array().unwrap().iter().any(|x| x["code"] == "draft" && x["count"].as_i64() == Some(created)));
    let (s, e) = officer.get(&format!("/api/v1/campaigns/{cid}/dossiers?state=nope")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["field"], "trang_thai");

    // The tally sheet through the API: the downloaded sheet, filled, checked then applied.
    let xlsx = officer.client.get(officer.url(&format!("/api/v1/campaigns/{cid}/tally.xlsx"))).send().await.unwrap().bytes().await.unwrap();
    assert!(xlsx.starts_with(b"PK"));
    let ids: Vec<i64> = list["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
    let mut csv = String::from("ma_ho_so,G1.CT1,G3.CT1,G4.CT1,nguoi_lon,nguoi_lon_cdht\n");
    for id in &ids {
        csv.push_str(&format!("{id},Đạt,Đạt,Đạt,3,2\n"));
    }
    let mut bad = csv.clone();
    bad.push_str(&format!("{},Đạt,Đạt,Đạt,ba,2\n", ids[0]));
    let (s, r) = officer.post_bytes(&format!("/api/v1/campaigns/{cid}/tally"), bad.into_bytes()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    assert_eq!(r["rejected"], 1);
    assert!(r["lines"][0]["detail"].as_str().unwrap().contains("cột nguoi_lon"), "{r}");
    let (s, r) = officer.post_bytes(&format!("/api/v1/campaigns/{cid}/tally?dry_run=false"), bad_free(&csv)).await;
    assert_eq!(s, StatusCode::OK, "{engine:?}: {r}");
    assert_eq!(r["applied"], true);
    assert_eq!(r["to_update"].as_i64().unwrap(), ids.len() as i64);
    assert!(officer.store.assessment(ids[0]).await.unwrap().passed, "{engine:?}");
    // The list shows each dossier's result summary, kept beside its stored result.
    let (_, list) = officer.get(&format!("/api/v1/campaigns/{cid}/dossiers?village={}", villages[1].id)).await;
    for item in list["items"].as_array().unwrap() {
        let stored =
            officer.store.assessment(item["id"].as_i64().unwrap()).await.unwrap().result.unwrap()["summary"].as_str().unwrap().to_string();
        assert!(!stored.is_empty());
        assert_eq!(item["result"].as_str().unwrap(), stored, "{engine:?}: {item}");
    }

    // Bulk transitions: counted without a count, 409 on a wrong one, written with the right one.
    let (s, r) = officer.post(&format!("/api/v1/campaigns/{cid}/transitions"), json!({"action": "submit"})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["written"], false);
    let done = r["done"].as_i64().unwrap();
    assert_eq!(done, ids.len() as i64);
    let (s, _) =
        officer.post(&format!("/api/v1/campaigns/{cid}/transitions"), json!({"action": "submit", "expected_count": done + 5})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, r) = officer.post(&format!("/api/v1/campaigns/{cid}/transitions"), json!({"action": "submit", "expected_count": done})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["written"], true);
    // A role that takes part in no step is refused before anything is read.
    let citizen = as_user(&officer, "020190001234").await;
    let (s, _) = citizen.post(&format!("/api/v1/campaigns/{cid}/transitions"), json!({"action": "take"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Once a village head exists, the village step is theirs: the commune no longer acts for it.
    let (s, v) = officer
        .post("/api/v1/users", json!({"username": "thon.truong2", "full_name": "Trưởng Thôn", "role": "reviewer", "unit_code": villages[1].code, "password": crate::harness::PASSWORD}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let reviewer = as_user(&officer, "xa.thamdinh").await;
    let (_, r) = reviewer.post(&format!("/api/v1/campaigns/{cid}/transitions"), json!({"action": "take"})).await;
    assert_eq!(r["done"], 0, "{engine:?}: {r}");
    let (_, gaps) = officer.get(&format!("/api/v1/campaigns/{cid}/gaps")).await;
    assert!(!gaps["messages"].as_array().unwrap().iter().any(|g| g.as_str().unwrap().contains(&villages[1].name)), "{gaps}");
    let head = as_user(&officer, "thon.truong2").await;
    let (_, r) = head.post(&format!("/api/v1/campaigns/{cid}/transitions"), json!({"action": "take", "expected_count": done})).await;
    assert_eq!(r["written"], true, "{engine:?}: {r}");

    // The citizens' first step is the association's: a village reviewer does not hold it.
    let (s, cc) = officer.post("/api/v1/campaigns", json!({"year": "2026", "set_id": "cdht-congdan"})).await;
    assert_eq!(s, StatusCode::CREATED, "{cc}");
    let step = &hoctap_domain::workflow::default_chain(hoctap_domain::criteria::SubjectKind::Citizen)[0];
    assert!(
        !officer.store.step_has_holder(step, villages[1].id, hoctap_store::today()).await.unwrap(),
        "{engine:?}: a reviewer is not a chi hội officer"
    );
    let household_step = &hoctap_domain::workflow::default_chain(hoctap_domain::criteria::SubjectKind::Household)[0];
    assert!(officer.store.step_has_holder(household_step, villages[1].id, hoctap_store::today()).await.unwrap());

    // "Việc của tôi" at the province: no commune's drafts to prepare, nothing of the commune to sign.
    let province = as_user(&officer, "tinh.canbo").await;
    let inbox = page(&province, "/viec-cua-toi").await;
    let prepare = inbox.split("Hồ sơ cần hoàn thành, nộp").nth(1).unwrap().split("</section>").next().unwrap().to_string();
    assert!(!prepare.contains("HL-A-"), "{engine:?}: {prepare}");
    let own = page(&officer, "/viec-cua-toi").await;
    assert!(
        !own.split("Chờ tôi thẩm định").nth(1).unwrap().split("</section>").next().unwrap().contains("HL-A-"),
        "never one's own submission"
    );
}

fn bad_free(csv: &str) -> Vec<u8> {
    csv.as_bytes().to_vec()
}
