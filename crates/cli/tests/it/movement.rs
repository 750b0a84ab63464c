//! The emulation movement through the pages, on both engines: a participant registers and
//! reports an initiative, is evaluated against its actor type's criteria (Bình Dương, KH 151),
//! is nominated for a provincial Bằng khen that travels commune → province with a return and a
//! resubmission, then the province's signer issues the reward decision (ND 30) and its printed
//! Bằng khen; a recognised family is proposed in one click.

use crate::engines::per_engine;
use crate::harness::TestApp;
use crate::workflow::{as_user, pdf_text, post, post_multipart, state_of};
use hoctap_domain::emulation::{ActorType, shipped_movements};
use hoctap_store::Engine;
use reqwest::StatusCode;

async fn page(app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = app.client.get(app.url(path)).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

/// The commune officer's session, the demo movement and the page of a family the officer
/// registers in it.
async fn family_taking_part(engine: hoctap_store::Engine, name: &str) -> (TestApp, i64, String) {
    let mut officer = TestApp::start(engine).await;
    officer.login("xa.canbo").await;
    let (mid, _) = launched(&officer).await;
    let (s, participant, body) =
        post(&officer, &format!("/thi-dua/{mid}/tham-gia"), &[("actor_type", "ho_gia_dinh_dong_ho"), ("name", name)]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    (officer, mid, participant)
}

/// Launches the shipped movement for the demo province and seeds the rest of the demo.
async fn launched(app: &TestApp) -> (i64, i64) {
    let province = app.store.unit_by_code("20", hoctap_store::today()).await.unwrap().id;
    hoctap_commands::commands::demo::seed_movement(&app.store, province, app.demo_commune().await, &crate::harness::deployment_key())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_binh_duong_criteria_of_every_actor_type_are_stored_and_evaluate() {
    let app = TestApp::start(hoctap_store::Engine::Sqlite).await;
    let m = shipped_movements().unwrap().remove(0);
    for a in ActorType::ALL {
        let set = app.store.criteria_set(m.criteria_for(a).unwrap(), None).await.unwrap().set;
        assert_eq!(set.emulation.as_ref().map(|e| e.actor), Some(a));
        let answers = set.indicators().fold(hoctap_domain::criteria::Answers::new(), |x, (_, i)| x.yes_no(&i.id, true));
        assert!(set.evaluate(&answers, jiff::civil::date(2025, 11, 20)).unwrap().passed, "{}", set.id);
    }
}

per_engine!(a_nomination_travels_commune_to_province_with_a_return_and_ends_in_a_reward_decision);
async fn a_nomination_travels_commune_to_province_with_a_return_and_ends_in_a_reward_decision(engine: Engine) {
    let mut officer = TestApp::start(engine).await;
    officer.login("xa.canbo").await;
    let (mid, _) = launched(&officer).await;
    let (s, html) = page(&officer, &format!("/thi-dua/{mid}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("Sơ kết giai đoạn 2023 - 2025") && html.contains("thidua-bd-ho-dong-ho") && html.contains("20/11/"),
        "{engine:?}"
    );

    // Registration names its field when something is missing.
    let (s, _, body) =
        post(&officer, &format!("/thi-dua/{mid}/tham-gia"), &[("actor_type", ""), ("name", "Gia đình ông Lục Văn Dân")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("href=\"#actor_type\""), "{body}");
    let (s, loc, body) =
        post(&officer, &format!("/thi-dua/{mid}/tham-gia"), &[("actor_type", "ho_gia_dinh_dong_ho"), ("name", "Gia đình ông Lục Văn Dân")])
            .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    let participant = loc;
    let (s, _, body) = post_multipart(
        &officer,
        &format!("{participant}/thanh-tich"),
        &[("year", "2025"), ("kind", "sang_kien"), ("title", "Mô hình tủ sách gia đình cho cả thôn"), ("evidence", "")],
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "evidence is required: {body}");
    assert!(body.contains("hoặc đính kèm tệp"), "{body}");
    let (s, _, _) = post_multipart(
        &officer,
        &format!("{participant}/thanh-tich"),
        &[
            ("year", "2025"),
            ("kind", "sang_kien"),
            ("title", "Mô hình tủ sách gia đình cho cả thôn"),
            ("evidence", "Giấy xác nhận của UBND phường số 10/GXN"),
        ],
        None,
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, loc, body) = post(&officer, &format!("{participant}/de-nghi"), &[("year", "2025"), ("form", "bang_khen")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    let nomination = loc;
    assert_eq!(state_of(&officer, &nomination).await, "Bản nháp");

    // Not met, then met without evidence, then met with evidence: only the last is sent.
    let (s, _, _) = post(&officer, &format!("{nomination}/luu"), &[("a:HO.1", "0"), ("m:HO.1", "")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, body) = post(&officer, &format!("{nomination}/chuyen"), &[("action", "submit")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("Chưa đạt tiêu chí thi đua"), "{body}");
    post(&officer, &format!("{nomination}/luu"), &[("a:HO.1", "1"), ("m:HO.1", "")]).await;
    let (s, _, body) = post(&officer, &format!("{nomination}/chuyen"), &[("action", "submit")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("Ghi minh chứng cho tiêu chí đạt: HO.1"), "{body}");
    post(&officer, &format!("{nomination}/luu"), &[("a:HO.1", "1"), ("m:HO.1", "Quyết định công nhận GĐHT")]).await;
    let (s, _, body) = post(&officer, &format!("{nomination}/chuyen"), &[("action", "submit")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    assert_eq!(state_of(&officer, &nomination).await, "Đã nộp, chờ thẩm định");

    // Four eyes: the submitter does not review. The commune reviews, then the province.
    let (s, _, _) = post(&officer, &format!("{nomination}/chuyen"), &[("action", "take")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let commune = as_user(&officer, "xa.thamdinh").await;
    for action in ["take", "approve"] {
        let (s, _, body) = post(&commune, &format!("{nomination}/chuyen"), &[("action", action)]).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?} {action}: {body}");
    }
    assert_eq!(state_of(&officer, &nomination).await, "Đang thẩm định (bước 2)");
    let (s, _, _) = post(&commune, &format!("{nomination}/chuyen"), &[("action", "approve")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the province's step is not the commune's");
    let province = as_user(&officer, "tinh.thamdinh").await;
    let (s, _, body) =
        post(&province, &format!("{nomination}/chuyen"), &[("action", "return"), ("y:HO.1", "Ghi số, ngày của quyết định công nhận")])
            .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    assert_eq!(state_of(&officer, &nomination).await, "Trả lại để bổ sung");
    let (_, html) = page(&officer, &nomination).await;
    assert!(html.contains("Yêu cầu sửa: Ghi số, ngày của quyết định công nhận"));
    post(&officer, &format!("{nomination}/luu"), &[("a:HO.1", "1"), ("m:HO.1", "Quyết định số 01/QĐ-UBND ngày 20/12/2024 công nhận GĐHT")])
        .await;
    let (s, _, _) = post(&officer, &format!("{nomination}/chuyen"), &[("action", "submit")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(state_of(&officer, &nomination).await, "Đang thẩm định (bước 2)", "back to the step that returned it");
    let (s, _, _) = post(&province, &format!("{nomination}/chuyen"), &[("action", "approve")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(state_of(&officer, &nomination).await, "Đã thẩm định, chờ quyết định");

    // Only a signer at the province decides a provincial Bằng khen.
    let commune_signer = as_user(&officer, "xa.lanhdao").await;
    let (s, _) = page(&commune_signer, &format!("/thi-dua/{mid}/khen-thuong?hinh_thuc=bang_khen")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let signer = as_user(&officer, "tinh.lanhdao").await;
    let nid = nomination.rsplit('/').next().unwrap().to_string();
    let chosen = format!("chon:{nid}");
    let fields = [
        ("form", "bang_khen"),
        ("year", "2025"),
        ("number", "15/QĐ-UBND"),
        ("decided_on", "2025-12-01"),
        ("authority", "ỦY BAN NHÂN DÂN\nTỈNH LẠNG SƠN"),
        ("place", "Lạng Sơn"),
        (
            "legal_basis",
            "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;\nCăn cứ Nghị định số 98/2023/NĐ-CP ngày 31 tháng 12 năm 2023 của Chính phủ;",
        ),
        ("signer_title", "CHỦ TỊCH"),
        ("signer_name", "Hoàng Văn Tịnh"),
        (chosen.as_str(), "1"),
    ];
    let (s, loc, body) = post(&signer, &format!("/thi-dua/{mid}/khen-thuong"), &fields).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    assert_eq!(state_of(&officer, &nomination).await, "Đã công nhận");
    let (_, html) = page(&signer, &loc).await;
    let code =
        html.split("<td>").find(|c| c.len() > 10 && c.chars().take(10).all(|x| x.is_ascii_alphanumeric()) && c.contains(" · ")).unwrap()
            [..10]
            .to_string();
    let docx = signer.client.get(signer.url(&format!("{loc}/tai-ve.docx"))).send().await.unwrap().bytes().await.unwrap();
    let text = hoctap_docs::decision_docx::docx_text(&docx).unwrap().replace(&code, "<SỐ SỔ>");
    assert!(
        !text.contains("151/KH-UBND") && !text.contains("Bình Dương"),
        "{engine:?}: a Lạng Sơn reward never cites Bình Dương's plan: {text}"
    );
    insta::assert_snapshot!("reward_decision_docx_text", text);
    let rid = html.split("/phan-thuong/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let cert = signer.client.get(signer.url(&format!("/phan-thuong/{rid}/bang.pdf"))).send().await.unwrap().bytes().await.unwrap();
    insta::assert_snapshot!("reward_certificate_pdf_text", pdf_text(&cert).replace(&code, "<SỐ SỔ>"));

    // Statistics by year, form, actor type and unit, and the workbook.
    let (_, html) = page(&signer, &format!("/thi-dua/{mid}/thong-ke")).await;
    assert!(html.contains("Hộ gia đình, dòng họ") && html.contains("Bằng khen của bộ, ban, ngành, tỉnh"), "{engine:?}");
    let xlsx = signer.client.get(signer.url(&format!("/thi-dua/{mid}/thong-ke.xlsx"))).send().await.unwrap().bytes().await.unwrap();
    assert!(xlsx.starts_with(b"PK"));
    // Every step is in the audit log.
    let audit = officer
        .store
        .audit(
            &hoctap_store::AuditFilter { action: Some("nomination.transition".into()), limit: 100, ..Default::default() },
            hoctap_store::today(),
        )
        .await
        .unwrap();
    assert!(audit.len() >= 7, "{engine:?}: {}", audit.len());
}

per_engine!(a_recognised_family_is_nominated_in_one_click_with_its_recognition_as_evidence);
async fn a_recognised_family_is_nominated_in_one_click_with_its_recognition_as_evidence(engine: Engine) {
    let mut officer = TestApp::start(engine).await;
    officer.login("xa.canbo").await;
    let (_, rid) = launched(&officer).await;
    let (s, loc, body) = post(&officer, &format!("/cong-nhan/{rid}/de-nghi-khen-thuong"), &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    let (_, html) = page(&officer, &loc).await;
    assert!(html.contains("Hoàng Văn Học") && html.contains("Giấy khen"), "{html}");
    let rec = officer.store.recognitions_by_id(rid).await.unwrap();
    assert!(
        html.contains(&format!("mã xác minh {}", rec.code)) && html.contains("Quyết định số 1"),
        "the recognition is the evidence: {html}"
    );
    assert!(html.contains("Đạt tiêu chí thi đua"), "evaluated at once: {html}");
    let (s, _, body) = post(&officer, &format!("{loc}/chuyen"), &[("action", "submit")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    // Once more: the same family, form and year cannot be proposed twice.
    let (s, _, _) = post(&officer, &format!("/cong-nhan/{rid}/de-nghi-khen-thuong"), &[]).await;
    assert_eq!(s, StatusCode::CONFLICT);
    // The commune's reviewer sees it in their hands.
    let reviewer = as_user(&officer, "xa.thamdinh").await;
    let (s, _) = page(&reviewer, &loc).await;
    assert_eq!(s, StatusCode::OK);
}

/// Today's date as the ND 30 header prints it, masked so a snapshot does not change daily.
fn mask_today(text: &str) -> String {
    let today = hoctap_docs::decision_docx::place_and_date("", hoctap_store::today());
    text.replace(today.trim_start_matches(", "), "ngày <HÔM NAY>")
}

per_engine!(the_movement_annual_report_and_the_phase_review_fill_their_tables_and_print);
async fn the_movement_annual_report_and_the_phase_review_fill_their_tables_and_print(engine: Engine) {
    let (officer, mid, participant) = family_taking_part(engine, "Gia đình ông Lục Văn Dân").await;
    post_multipart(
        &officer,
        &format!("{participant}/thanh-tich"),
        &[("year", "2025"), ("kind", "sang_kien"), ("title", "Tủ sách gia đình cho cả thôn"), ("evidence", "Giấy xác nhận số 10/GXN")],
        None,
    )
    .await;
    post(&officer, &format!("{participant}/de-nghi"), &[("year", "2025"), ("form", "giay_khen")]).await;

    let (s, html) = page(&officer, &format!("/thi-dua/{mid}/bao-cao?nam=2025")).await;
    assert_eq!(s, StatusCode::OK, "{engine:?}: {html}");
    assert!(
        html.contains("Trước ngày 20/11/2025 gửi Sở Giáo dục và Đào tạo") && html.contains("Hộ gia đình, dòng họ"),
        "{engine:?}: {html}"
    );
    let (s, _) = page(&officer, &format!("/thi-dua/{mid}/bao-cao?nam=2040")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "outside the movement's period");
    let fields = [
        ("nam", "2025"),
        ("chi_dao", "UBND phường ban hành kế hoạch thực hiện phong trào."),
        ("ket_qua", "Phong trào được hưởng ứng rộng rãi."),
        ("nguoi_ky", "Lục Văn Lành"),
    ];
    let (s, loc, body) = post(&officer, &format!("/thi-dua/{mid}/bao-cao"), &fields).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    assert_eq!(loc, format!("/thi-dua/{mid}/bao-cao?nam=2025"));
    // Only an officer writes; a form without its token is refused.
    let signer = as_user(&officer, "xa.lanhdao").await;
    let (s, _, _) = post(&signer, &format!("/thi-dua/{mid}/bao-cao"), &fields).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let res = officer.client.post(officer.url(&format!("/thi-dua/{mid}/bao-cao"))).form(&fields).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let docx =
        officer.client.get(officer.url(&format!("/thi-dua/{mid}/bao-cao.docx?nam=2025"))).send().await.unwrap().bytes().await.unwrap();
    let text = mask_today(&hoctap_docs::decision_docx::docx_text(&docx).unwrap());
    insta::assert_snapshot!("movement_annual_report_docx_text", text);
    let pdf = officer.client.get(officer.url(&format!("/thi-dua/{mid}/bao-cao.pdf?nam=2025"))).send().await.unwrap().bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF"), "{engine:?}");
    let xlsx =
        officer.client.get(officer.url(&format!("/thi-dua/{mid}/bao-cao.xlsx?nam=2025"))).send().await.unwrap().bytes().await.unwrap();
    assert!(xlsx.starts_with(b"PK"));

    // The phase review (sơ kết 2023–2025) has its own sections and counts the phase's years.
    let (s, html) = page(&officer, &format!("/thi-dua/{mid}/so-ket?giai_doan=gd1")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Sơ kết giai đoạn 2023 - 2025") && !html.contains("Phong trào được hưởng ứng rộng rãi."), "{engine:?}");
    let (s, loc, _) = post(
        &officer,
        &format!("/thi-dua/{mid}/so-ket"),
        &[("giai_doan", "gd1"), ("ket_qua", "Sau ba năm, phong trào lan tỏa đến mọi thôn.")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc, format!("/thi-dua/{mid}/so-ket?giai_doan=gd1"));
    let docx =
        officer.client.get(officer.url(&format!("/thi-dua/{mid}/so-ket.docx?giai_doan=gd1"))).send().await.unwrap().bytes().await.unwrap();
    let text = hoctap_docs::decision_docx::docx_text(&docx).unwrap();
    assert!(
        text.contains("Sơ kết giai đoạn 2023 - 2025 thực hiện Phong trào thi đua") && text.contains("Sau ba năm"),
        "{engine:?}: {text}"
    );
    let pdf =
        officer.client.get(officer.url(&format!("/thi-dua/{mid}/so-ket.pdf?giai_doan=gd1"))).send().await.unwrap().bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let audit = officer
        .store
        .audit(
            &hoctap_store::AuditFilter { action: Some("movement.report".into()), limit: 10, ..Default::default() },
            hoctap_store::today(),
        )
        .await
        .unwrap();
    assert_eq!(audit.len(), 2, "{engine:?}");

    // This year's report: due in the inbox, sent with its signer, then closed to changes.
    let year = hoctap_store::today().year().to_string();
    let (_, inbox) = page(&officer, "/viec-cua-toi").await;
    assert!(
        inbox.contains("Báo cáo phong trào thi đua năm") && inbox.contains(&format!("/thi-dua/{mid}/bao-cao?nam={year}")),
        "{engine:?}"
    );
    let (s, _, body) =
        post(&officer, &format!("/thi-dua/{mid}/bao-cao"), &[("nam", year.as_str()), ("ket_qua", "Kết quả năm nay."), ("action", "gui")])
            .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}: a report is sent signed");
    assert!(body.contains("Người ký"), "{body}");
    let (s, _, _) = post(
        &officer,
        &format!("/thi-dua/{mid}/bao-cao"),
        &[("nam", year.as_str()), ("ket_qua", "Kết quả năm nay."), ("nguoi_ky", "Lục Văn Lành"), ("action", "gui")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, _) = post(
        &officer,
        &format!("/thi-dua/{mid}/bao-cao"),
        &[("nam", year.as_str()), ("ket_qua", "Sửa lại."), ("nguoi_ky", "Lục Văn Lành")],
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{engine:?}: sent reports are not changed");
    let (_, html) = page(&officer, &format!("/thi-dua/{mid}/bao-cao?nam={year}")).await;
    assert!(html.contains("Đã gửi cấp trên lúc") && !html.contains("Gửi báo cáo lên cấp trên"), "{engine:?}");
    let (_, inbox) = page(&officer, "/viec-cua-toi").await;
    let row =
        inbox.split("Báo cáo phong trào thi đua năm").nth(1).unwrap_or_default().split("</tr>").next().unwrap_or_default().to_string();
    assert!(row.contains("Đã gửi"), "{engine:?}: {row}");
}

per_engine!(the_api_lists_movements_and_moves_a_nomination_with_the_pages_rules);
async fn the_api_lists_movements_and_moves_a_nomination_with_the_pages_rules(engine: Engine) {
    let mut officer = TestApp::start(engine).await;
    officer.login("xa.canbo").await;
    let (mid, _) = launched(&officer).await;
    let (s, list) = officer.get("/api/v1/movements").await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert!(list.as_array().unwrap().iter().any(|m| m["id"] == mid), "{list}");
    let (_, participant, _) =
        post(&officer, &format!("/thi-dua/{mid}/tham-gia"), &[("actor_type", "ho_gia_dinh_dong_ho"), ("name", "Gia đình bà Nông Thị Hoa")])
            .await;
    let (_, nomination, _) = post(&officer, &format!("{participant}/de-nghi"), &[("year", "2025"), ("form", "giay_khen")]).await;
    let nid: i64 = nomination.rsplit('/').next().unwrap().parse().unwrap();
    let (s, m) = officer.get(&format!("/api/v1/movements/{mid}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(m["nominations"].as_array().unwrap().iter().any(|n| n["id"] == nid && n["state"]["state"] == "draft"), "{m}");
    assert_eq!(m["movement"]["movement"]["report"]["day"], 20);

    // The page's rules: criteria not met cannot be submitted.
    let path = format!("/api/v1/nominations/{nid}/transitions");
    let (s, body) = officer.send(reqwest::Method::POST, &path, Some(serde_json::json!({"action": "submit"}))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, _) = officer.send(reqwest::Method::POST, &path, Some(serde_json::json!({"action": "fly"}))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    post(&officer, &format!("{nomination}/luu"), &[("a:HO.1", "1"), ("m:HO.1", "Quyết định số 01/QĐ-UBND công nhận GĐHT")]).await;
    let (s, body) = officer.send(reqwest::Method::POST, &path, Some(serde_json::json!({"action": "submit"}))).await;
    assert_eq!(s, StatusCode::OK, "{engine:?}: {body}");
    assert_eq!(body["state"]["state"], "submitted", "{body}");
    // Four eyes, and the commune's reviewer takes it.
    let (s, _) = officer.send(reqwest::Method::POST, &path, Some(serde_json::json!({"action": "start_review"}))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let reviewer = as_user(&officer, "xa.thamdinh").await;
    // It waits in the reviewer's "Việc của tôi", not in the submitter's nor the province's.
    let (_, inbox) = page(&reviewer, "/viec-cua-toi").await;
    assert!(
        inbox.contains("Đề nghị khen thưởng chờ tôi thẩm định (1)") && inbox.contains(&format!("/de-nghi/{nid}")),
        "{engine:?}: {inbox}"
    );
    let (_, inbox) = page(&officer, "/viec-cua-toi").await;
    assert!(!inbox.contains("de-nghi-cho-tham-dinh"), "four eyes");
    let (_, inbox) = page(&as_user(&officer, "tinh.thamdinh").await, "/viec-cua-toi").await;
    assert!(!inbox.contains(&format!("/de-nghi/{nid}")), "the province's step is not reached");
    let (s, body) = reviewer.send(reqwest::Method::POST, &path, Some(serde_json::json!({"action": "start_review"}))).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body) = reviewer
        .send(reqwest::Method::POST, &path, Some(serde_json::json!({"action": "return", "comments": {"HO.1": "Ghi ngày của quyết định"}})))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, n) = officer.get(&format!("/api/v1/nominations/{nid}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(n["state_label"], "Trả lại để bổ sung");
    let (_, inbox) = page(&reviewer, "/viec-cua-toi").await;
    assert!(!inbox.contains(&format!("/de-nghi/{nid}")), "returned: no longer waiting");
    assert_eq!(n["transitions"].as_array().unwrap().len(), 3, "{n}");
    // Without the CSRF header a write is refused.
    let res = officer.client.post(officer.url(&path)).json(&serde_json::json!({"action": "submit"})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

per_engine!(a_province_officer_launches_the_shipped_movement_once_and_a_commune_officer_cannot);
async fn a_province_officer_launches_the_shipped_movement_once_and_a_commune_officer_cannot(engine: Engine) {
    let mut commune = TestApp::start(engine).await;
    commune.login("xa.canbo").await;
    let (_, html) = page(&commune, "/thi-dua").await;
    assert!(!html.contains("Phát động phong trào"), "{engine:?}");
    let (s, _, _) = post(&commune, "/thi-dua", &[("template", "qd1315-binh-duong")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let province = as_user(&commune, "tinh.canbo").await;
    let (_, html) = page(&province, "/thi-dua").await;
    assert!(html.contains("Phát động phong trào cho tỉnh của mình") && html.contains("qd1315-binh-duong"), "{engine:?}: {html}");
    let (s, _, body) = post(&province, "/thi-dua", &[("template", "")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("href=\"#template\""), "{body}");
    // Lạng Sơn runs the movement on its own plan: without it nothing is launched.
    let (s, _, body) = post(&province, "/thi-dua", &[("template", "qd1315-binh-duong")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}");
    assert!(body.contains("href=\"#plan_number\"") && body.contains("Kế hoạch triển khai của tỉnh"), "{engine:?}: {body}");
    let launch = [("template", "qd1315-binh-duong"), ("plan_number", "30/KH-UBND"), ("plan_signed", "20/02/2024"), ("plan_issuer", "")];
    let (s, loc, body) = post(&province, "/thi-dua", &launch).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    let (s, html) = page(&commune, &loc).await;
    assert_eq!(s, StatusCode::OK, "the commune sees its province's movement");
    assert!(html.contains("Sơ kết giai đoạn 2023 - 2025"));
    let cites = "Kế hoạch số 30/KH-UBND ngày 20 tháng 02 năm 2024 của Ủy ban nhân dân tỉnh Lạng Sơn";
    assert!(
        html.contains(&format!("<dt>Kế hoạch</dt><dd>{cites}</dd>")),
        "{engine:?}: the movement names the province's own plan: {}",
        html.split("<dt>Kế hoạch</dt>").nth(1).unwrap_or("").chars().take(300).collect::<String>()
    );
    let (s, _, _) = post(&province, "/thi-dua", &launch).await;
    assert_eq!(s, StatusCode::CONFLICT, "once per province");
    let audit = commune
        .store
        .audit(
            &hoctap_store::AuditFilter { action: Some("movement.launch".into()), limit: 10, ..Default::default() },
            hoctap_store::today(),
        )
        .await
        .unwrap();
    assert_eq!(audit.len(), 1, "{engine:?}");
}

per_engine!(the_ministry_reviewer_holds_the_national_step_and_only_that);
/// A nomination for the Prime Minister's Bằng khen climbs commune → province → ministry, and
/// the ministry's step is the ministry reviewer's alone: it waits in their "Việc của tôi", the
/// province's reviewer cannot act on it, and the ministry reviewer acts at no lower step,
/// writes no registry, sees personal data masked, and reads the national dashboard.
async fn the_ministry_reviewer_holds_the_national_step_and_only_that(engine: Engine) {
    let (officer, _, participant) = family_taking_part(engine, "Gia đình bà Vi Thị Bộ").await;
    let (s, nomination, body) = post(&officer, &format!("{participant}/de-nghi"), &[("year", "2025"), ("form", "bang_khen_ttg")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    let nid = nomination.rsplit('/').next().unwrap().to_string();
    post(&officer, &format!("{nomination}/luu"), &[("a:HO.1", "1"), ("m:HO.1", "Quyết định số 01/QĐ-UBND công nhận GĐHT")]).await;
    let (s, _, body) = post(&officer, &format!("{nomination}/chuyen"), &[("action", "submit")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    let ministry = as_user(&officer, "bo.thamdinh").await;
    // Not at the commune's step.
    let (s, _, _) = post(&ministry, &format!("{nomination}/chuyen"), &[("action", "take")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{engine:?}");
    // The commune takes it and passes it on; each next step is then in review.
    for (who, actions) in [("xa.thamdinh", &["take", "approve"][..]), ("tinh.thamdinh", &["approve"][..])] {
        let reviewer = as_user(&officer, who).await;
        for action in actions {
            let (s, _, body) = post(&reviewer, &format!("{nomination}/chuyen"), &[("action", action)]).await;
            assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?} {who} {action}: {body}");
        }
    }
    assert_eq!(state_of(&officer, &nomination).await, "Đang thẩm định (bước 3)");
    let province = as_user(&officer, "tinh.thamdinh").await;
    let (s, _, _) = post(&province, &format!("{nomination}/chuyen"), &[("action", "approve")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{engine:?}: the ministry's step is not the province's");
    let (_, inbox) = page(&ministry, "/viec-cua-toi").await;
    assert!(inbox.contains(&format!("/de-nghi/{nid}")), "{engine:?}: {inbox}");
    let (s, _, body) = post(&ministry, &format!("{nomination}/chuyen"), &[("action", "approve")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    assert_eq!(state_of(&officer, &nomination).await, "Đã thẩm định, chờ quyết định");

    // Reads the country, writes nothing, sees CCCDs masked.
    assert_eq!(page(&ministry, "/tong-hop/ca-nuoc").await.0, StatusCode::OK, "{engine:?}");
    assert_eq!(page(&province, "/tong-hop/ca-nuoc").await.0, StatusCode::NOT_FOUND, "{engine:?}: a province reviewer does not");
    let village = officer.store.villages(officer.demo_commune().await, hoctap_store::today()).await.unwrap()[0].code.clone();
    let (s, _) = ministry.post("/api/v1/registries/cong-dan", serde_json::json!({"cccd": "020090123456", "full_name": "Lục Văn Dân", "birth_date": "1990-05-01", "sex": "Nam", "village": village})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{engine:?}");
    let (s, v) = officer.post("/api/v1/registries/cong-dan", serde_json::json!({"cccd": "020090123456", "full_name": "Lục Văn Dân", "birth_date": "01/05/1990", "sex": "Nam", "village": village})).await;
    assert_eq!(s, StatusCode::CREATED, "{engine:?}: {v}");
    let (s, shown) = ministry.get(&format!("/api/v1/registries/cong-dan/{}", v["id"])).await;
    assert_eq!(s, StatusCode::OK, "{engine:?}: {shown}");
    assert!(!shown.to_string().contains("020090123456"), "{engine:?}: {shown}");
    // A commune officer cannot make one.
    let (s, _) = officer.post("/api/v1/users", serde_json::json!({"username": "bo.gia", "full_name": "Bộ Giả", "role": "ministry_reviewer", "unit_code": "20", "password": crate::harness::PASSWORD})).await;
    assert!(s == StatusCode::FORBIDDEN || s == StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}: {s}");
}

per_engine!(an_achievement_carries_an_uploaded_proof_file_within_its_scope);
/// An achievement's proof can be a file: its type is read from the bytes, it is kept once,
/// shown on the participant's page and in the API, downloaded by those who see the
/// participant and by no one else, and its upload is audited.
async fn an_achievement_carries_an_uploaded_proof_file_within_its_scope(engine: Engine) {
    let (officer, _, participant) = family_taking_part(engine, "Gia đình ông Hoàng Văn Tệp").await;
    let pid: i64 = participant.rsplit('/').next().unwrap().parse().unwrap();
    let fields = [("year", "2025"), ("kind", "thanh_tich"), ("title", "Giải nhất hội thi gia đình học tập"), ("evidence", "")];
    // A program renamed .pdf is refused by its bytes, naming the file field.
    let (s, _, body) =
        post_multipart(&officer, &format!("{participant}/thanh-tich"), &fields, Some(("giay-khen.pdf", b"MZ\x90\x00 not a pdf".to_vec())))
            .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}: {body}");
    assert!(body.contains("href=\"#file\""), "{body}");
    let audit_before = officer.store.audit_count().await.unwrap();
    let pdf = b"%PDF-1.4\n% giay khen gia dinh hoc tap\n".to_vec();
    let (s, _, body) = post_multipart(&officer, &format!("{participant}/thanh-tich"), &fields, Some(("giay-khen.pdf", pdf.clone()))).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    assert_eq!(officer.store.audit_count().await.unwrap(), audit_before + 1, "{engine:?}: the upload is audited");
    let (_, html) = page(&officer, &participant).await;
    let aid: i64 = html
        .split("href=\"/thanh-tich/")
        .nth(1)
        .and_then(|t| t.split('/').next())
        .unwrap_or_else(|| panic!("{engine:?}: no file link in {html}"))
        .parse()
        .unwrap();
    assert!(html.contains(">giay-khen.pdf</a>"), "{html}");
    let res = officer.client.get(officer.url(&format!("/thanh-tich/{aid}/tep"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(res.bytes().await.unwrap().to_vec(), pdf, "{engine:?}: the same bytes come back");
    let (s, v) = officer.get(&format!("/api/v1/participants/{pid}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let url = v["achievements"].as_array().unwrap().iter().find_map(|a| a["file_url"].as_str()).unwrap().to_string();
    let res = officer.client.get(officer.url(&url)).send().await.unwrap();
    assert_eq!(res.bytes().await.unwrap().to_vec(), pdf);

    // The API records one the same way: the type comes from the bytes, errors name the field.
    let api_form = |kind: &str, bytes: Vec<u8>| {
        reqwest::multipart::Form::new()
            .text("year", "2025")
            .text("kind", kind.to_string())
            .text("title", "Sáng kiến tủ sách dòng họ")
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name("sang-kien.pdf"))
    };
    let api_path = officer.url(&format!("/api/v1/participants/{pid}/achievements"));
    let res =
        officer.client.post(&api_path).header("x-csrf-token", &officer.csrf).multipart(api_form("khac", pdf.clone())).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}");
    assert_eq!(res.json::<serde_json::Value>().await.unwrap()["error"]["field"], "kind");
    let res = officer.client.post(&api_path).multipart(api_form("sang_kien", pdf.clone())).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "{engine:?}: a write without the CSRF header");
    let res = officer
        .client
        .post(&api_path)
        .header("x-csrf-token", &officer.csrf)
        .multipart(api_form("sang_kien", pdf.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED, "{engine:?}");
    let created: serde_json::Value = res.json().await.unwrap();
    let url = created["file_url"].as_str().unwrap_or_else(|| panic!("{engine:?}: {created}")).to_string();
    assert_eq!(officer.client.get(officer.url(&url)).send().await.unwrap().bytes().await.unwrap().to_vec(), pdf);

    // The nomination shows the proof to its reviewers, up to the province.
    let (s, nomination, body) = post(&officer, &format!("{participant}/de-nghi"), &[("year", "2025"), ("form", "giay_khen")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    let province_reviewer = as_user(&officer, "tinh.thamdinh").await;
    let (s, html) = page(&province_reviewer, &nomination).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains(&format!("href=\"/thanh-tich/{aid}/tep\"")) && html.contains("Giải nhất hội thi gia đình học tập"),
        "{engine:?}: {html}"
    );
    let res = province_reviewer.client.get(province_reviewer.url(&format!("/thanh-tich/{aid}/tep"))).send().await.unwrap();
    assert_eq!(res.bytes().await.unwrap().to_vec(), pdf, "{engine:?}: the province's reviewer opens the proof");

    // An officer of another commune sees neither the participant nor its file.
    let stranger = officer.other_commune_officer().await;
    for path in [format!("/thanh-tich/{aid}/tep"), format!("/api/v1/achievements/{aid}/file"), format!("/api/v1/participants/{pid}")] {
        let res = stranger.client.get(stranger.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{engine:?}: {path}");
    }
    let res = stranger
        .client
        .post(stranger.url(&format!("/api/v1/participants/{pid}/achievements")))
        .header("x-csrf-token", &stranger.csrf)
        .multipart(api_form("sang_kien", pdf.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "{engine:?}: nor records one for it");
}
