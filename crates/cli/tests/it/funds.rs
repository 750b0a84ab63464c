//! The Hội Khuyến học's fund ledgers on both engines: concurrent postings never lose or share a
//! cent or a number, a reversal works once and only once, posted entries cannot be edited or
//! deleted by any path, a branch officer sees only their own ledger, the membership card
//! renders and checks publicly, and the demo association fills the pages.

use crate::engines::per_engine;
use crate::harness::{PASSWORD, TestApp};
use hoctap_domain::access::{NewPassword, Role, Username};
use hoctap_domain::fund::Dong;
use hoctap_domain::registry::def::{ASSOCIATION_BRANCHES, Value, Values};
use hoctap_domain::unit::UnitCode;
use hoctap_store::{Actor, BranchRow, Engine, NewUser, Store};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Creates a branch working in `unit` (code), straight in the store.
async fn branch_in(store: &Store, code: &str, unit: &str) -> BranchRow {
    let mut v = Values::new();
    v.insert("code", Value::Text(code.into()));
    v.insert("name", Value::Text(format!("Chi hội khuyến học {code}")));
    v.insert("level", Value::Text("chi_hoi".into()));
    v.insert("unit", Value::Unit(UnitCode::parse(unit).unwrap()));
    store.registry_create(&Actor::system("kiểm thử"), &ASSOCIATION_BRANCHES, v, None, hoctap_store::today()).await.unwrap();
    store.branch_by_code(code).await.unwrap()
}

async fn villages(app_store: &Store, commune: i64) -> Vec<String> {
    app_store.villages(commune, hoctap_store::today()).await.unwrap().into_iter().map(|v| v.code).collect()
}

async fn demo_commune(store: &Store) -> i64 {
    store.user_by_username("xa.canbo").await.unwrap().unwrap().unit_id
}

per_engine!(a_reversal_works_once_and_only_once);
async fn a_reversal_works_once_and_only_once(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    let commune = app.store.unit(app.demo_commune().await).await.unwrap().code;
    branch_in(&app.store, "CH-DAO", &commune).await;
    app.login("hkh.xa").await;
    let (s, e) =
        app.post("/api/v1/funds/CH-DAO/entries", json!({"kind": "thu_ung_ho", "amount": "2.000.000", "counterparty": "Nhà hảo tâm"})).await;
    assert_eq!(s, StatusCode::CREATED, "{engine:?}: {e}");
    let year = hoctap_store::today().year();
    let (pt1, pt3) = (format!("PT-{year}-001"), format!("PT-{year}-003"));
    assert_eq!(e["entry_no"], pt1.as_str(), "receipts are numbered in the year's sequence");
    // An amount past what a balance can sum is refused by name (it overflowed the engine: 500).
    let (s, big) = app.post("/api/v1/funds/CH-DAO/entries", json!({"kind": "thu_ung_ho", "amount": "9223372036854775807"})).await;
    assert_eq!((s, big["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("amount")), "{engine:?}: {big}");
    assert!(big["error"]["message"].as_str().unwrap().contains("tối đa"), "{big}");
    let (s, p) =
        app.post("/api/v1/funds/CH-DAO/entries", json!({"kind": "chi_hoc_bong", "amount": 500000, "counterparty": "Lục Thị Mai"})).await;
    assert_eq!(
        (s, p["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("decision")),
        "a scholarship names its decision: {p}"
    );
    assert!(p["error"]["message"].as_str().unwrap().starts_with("Quyết định"), "{p}");
    let (_, b) = app.get("/api/v1/funds/CH-DAO/balance").await;
    assert_eq!(b["balance"]["closing"], 2_000_000);
    // Two reversals at once: one wins, the other is refused.
    let reverse_url = format!("/api/v1/funds/CH-DAO/entries/{pt1}/reverse");
    let (r1, r2) =
        tokio::join!(app.post(&reverse_url, json!({"reason": "ghi nhầm"})), app.post(&reverse_url, json!({"reason": "ghi nhầm"})));
    let statuses = [r1.0, r2.0];
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{engine:?}: {r1:?} {r2:?}");
    let reversal = if r1.0 == StatusCode::CREATED { r1.1 } else { r2.1 };
    assert_eq!(reversal["reverses"], pt1.as_str());
    assert_eq!(reversal["effect"], -2_000_000);
    let (s, again) = app.post(&format!("/api/v1/funds/CH-DAO/entries/{pt1}/reverse"), json!({"reason": "lần nữa"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{again}");
    assert!(again["error"]["message"].as_str().unwrap().contains("đã được đảo"), "{again}");
    let no = reversal["entry_no"].as_str().unwrap();
    let (s, _) = app.post(&format!("/api/v1/funds/CH-DAO/entries/{no}/reverse"), json!({"reason": "đảo của đảo"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a reversal is not reversed");
    let (s, _) = app.post(&format!("/api/v1/funds/CH-DAO/entries/{pt1}/reverse"), json!({"reason": ""})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // The generic registry refuses the same: a second reversal, or one for another amount.
    let today = hoctap_domain::date::format_vn(hoctap_store::today());
    let (s, r) = app.post("/api/v1/registries/quy-khuyen-hoc", json!({"branch": "CH-DAO", "entry_no": "X-1", "posted_on": today, "kind": "thu_ung_ho", "amount": "2.000.000", "reverses": pt1})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    let (s, _) = app.post("/api/v1/funds/CH-DAO/entries", json!({"kind": "thu_hoi_phi", "amount": "50000"})).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, r) = app
        .post(
            "/api/v1/registries/quy-khuyen-hoc",
            json!({"branch": "CH-DAO", "entry_no": "X-2", "posted_on": today, "kind": "thu_hoi_phi", "amount": "40.000", "reverses": pt3}),
        )
        .await;
    assert_eq!((s, r["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("reverses")), "{r}");
    let (_, b) = app.get("/api/v1/funds/CH-DAO/balance").await;
    assert_eq!(b["balance"]["opening"], 0);
    assert_eq!(b["balance"]["total_receipts"], 50_000, "the donation and its reversal cancel out: {b}");
    assert_eq!(b["balance"]["closing"], 50_000);
    // The page shows both lines and offers no second reversal.
    let id = app.store.branch_by_code("CH-DAO").await.unwrap().id;
    let html = app.client.get(app.url(&format!("/hoi-khuyen-hoc/{id}/so-quy"))).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains(&format!("đã đảo bởi {no}")) && html.contains(&format!("đảo {pt1}")) && html.contains("-2.000.000"),
        "{engine:?}"
    );
    assert!(!html.contains(&format!("/so-quy/{pt1}/dao")));
    // Reversing through the page, with its CSRF token, is audited.
    let before = app.store.audit_count().await.unwrap();
    let (s, _) = app.post_form(&format!("/hoi-khuyen-hoc/{id}/so-quy/{pt3}/dao"), &[("reason", "thu nhầm")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(app.store.audit_count().await.unwrap(), before + 1);
    let (s, _) = app.post_form(&format!("/hoi-khuyen-hoc/{id}/so-quy/{pt3}/dao"), &[("reason", "thu nhầm")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

per_engine!(a_posted_entry_cannot_be_edited_or_deleted);
async fn a_posted_entry_cannot_be_edited_or_deleted(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    let commune = app.store.unit(app.demo_commune().await).await.unwrap().code;
    branch_in(&app.store, "CH-KHOA", &commune).await;
    app.login("xa.canbo").await;
    let (s, e) =
        app.post("/api/v1/funds/CH-KHOA/entries", json!({"kind": "thu_ngan_sach", "amount": 3000000, "decision": "QĐ 45/QĐ-UBND"})).await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    let id = e["id"].as_i64().unwrap();
    let (s, r) = app.send(Method::PATCH, &format!("/api/v1/registries/quy-khuyen-hoc/{id}"), Some(json!({"amount": "30.000.000"}))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}: {r}");
    assert!(r["error"]["message"].as_str().unwrap().contains("bút toán đảo"));
    let (s, _) = app.send(Method::DELETE, &format!("/api/v1/registries/quy-khuyen-hoc/{id}"), None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app
        .post_form(
            &format!("/so/quy-khuyen-hoc/{id}"),
            &[("branch", "CH-KHOA"), ("entry_no", "PT-000001"), ("posted_on", "2025-01-01"), ("kind", "thu_ngan_sach"), ("amount", "1")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app.post_form(&format!("/so/quy-khuyen-hoc/{id}/ket-thuc"), &[("on", "2099-01-01")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // Not even SQL can change or remove it: the database refuses.
    assert!(app.store.exec_raw(&format!("UPDATE reg_fund_entries SET amount = 1 WHERE id = {id}")).await.is_err(), "{engine:?}");
    assert!(app.store.exec_raw(&format!("DELETE FROM reg_fund_entries WHERE id = {id}")).await.is_err());
    let (_, b) = app.get("/api/v1/funds/CH-KHOA/balance").await;
    assert_eq!(b["balance"]["closing"], 3_000_000);
}

per_engine!(a_branch_officer_sees_only_their_own_ledger);
async fn a_branch_officer_sees_only_their_own_ledger(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    let commune = app.demo_commune().await;
    let v = villages(&app.store, commune).await;
    let own = branch_in(&app.store, "CH-THON-A", &v[0]).await;
    let other = branch_in(&app.store, "CH-THON-B", &v[1]).await;
    let commune_branch = branch_in(&app.store, "HKH-XA", &app.store.unit(commune).await.unwrap().code).await;
    let village_id = app.unit_id(&v[0]).await;
    let hash = hoctap_app::secret::hash_password(&NewPassword::parse(PASSWORD).unwrap()).unwrap();
    let username = Username::parse("chihoi.a").unwrap();
    app.store
        .create_user(
            &Actor::system("kiểm thử"),
            NewUser {
                username: &username,
                full_name: "Chi Hội A",
                password_hash: &hash,
                role: Role::AssociationOfficer,
                unit_id: village_id,
                must_change_password: false,
            },
        )
        .await
        .unwrap();
    app.login("chihoi.a").await;
    let (s, _) = app.post("/api/v1/funds/CH-THON-A/entries", json!({"kind": "thu_hoi_phi", "amount": "120.000"})).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(app.get(&format!("/hoi-khuyen-hoc/{}", own.id)).await.0, StatusCode::OK);
    assert_eq!(app.get(&format!("/hoi-khuyen-hoc/{}/so-quy", own.id)).await.0, StatusCode::OK);
    for b in [&other, &commune_branch] {
        for path in ["", "/so-quy", "/so-quy.xlsx", "/so-vang", "/hoc-bong", "/hoc-bong.xlsx"] {
            assert_eq!(app.get(&format!("/hoi-khuyen-hoc/{}{path}", b.id)).await.0, StatusCode::NOT_FOUND, "{engine:?}: {} {path}", b.code);
        }
        assert_eq!(app.get(&format!("/api/v1/funds/{}/balance", b.code)).await.0, StatusCode::NOT_FOUND);
        assert_eq!(app.get(&format!("/api/v1/funds/{}/entries", b.code)).await.0, StatusCode::NOT_FOUND);
        let (s, _) = app.post(&format!("/api/v1/funds/{}/entries", b.code), json!({"kind": "thu_hoi_phi", "amount": "1"})).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app.post_form(&format!("/hoi-khuyen-hoc/{}/so-quy", b.id), &[("kind", "thu_hoi_phi"), ("amount", "1")]).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    assert!(app.store.fund_entries("CH-THON-B", None).await.unwrap().is_empty());
    // The index lists only the officer's branch; a reviewer may read but not post.
    let (_, html) = app.get("/hoi-khuyen-hoc").await;
    let html = html.as_str().unwrap().to_string();
    assert!(html.contains("CH-THON-A") && !html.contains("CH-THON-B") && !html.contains("HKH-XA"), "{engine:?}");
    app.login("xa.thamdinh").await;
    assert_eq!(app.get(&format!("/api/v1/funds/{}/balance", own.code)).await.0, StatusCode::OK);
    let (s, _) = app.post(&format!("/api/v1/funds/{}/entries", own.code), json!({"kind": "thu_hoi_phi", "amount": "1"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&format!("/hoi-khuyen-hoc/{}/so-quy.xlsx", own.id)).await.0, StatusCode::FORBIDDEN);
}

per_engine!(a_membership_card_renders_and_is_checked_publicly);
async fn a_membership_card_renders_and_is_checked_publicly(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    let commune = app.demo_commune().await;
    let v = villages(&app.store, commune).await;
    branch_in(&app.store, "CH-THE", &v[0]).await;
    app.login("hkh.xa").await;
    let (s, m) = app.post("/api/v1/registries/hoi-vien", json!({"branch": "CH-THE", "cccd": "020190001234", "full_name": "Lục Văn Dân", "joined_on": "01/02/2024", "dues_per_year": "24.000"})).await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    let id = m["id"].as_i64().unwrap();
    let pdf = app.client.get(app.url(&format!("/hoi-vien/{id}/the.pdf"))).send().await.unwrap().bytes().await.unwrap();
    let text = crate::workflow::pdf_text(&pdf);
    let code = text.split("Mã thẻ: ").nth(1).unwrap().split_whitespace().next().unwrap().to_string();
    assert_eq!(code.len(), 10, "{text}");
    let again = app.client.get(app.url(&format!("/hoi-vien/{id}/the.pdf"))).send().await.unwrap().bytes().await.unwrap();
    assert!(crate::workflow::pdf_text(&again).contains(&code), "the card keeps its code");
    let today = hoctap_domain::date::format_vn(hoctap_store::today());
    insta::assert_snapshot!("membership_card_pdf_text", text.replace(&code, "<MÃ>").replace(&today, "<HÔM NAY>"));
    let public = reqwest::Client::new();
    let res = public.get(app.url(&format!("/the-hoi-vien/{}", code.to_lowercase()))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("Thẻ còn giá trị") && html.contains("Lục Văn Dân") && html.contains("Chi hội khuyến học CH-THE"), "{engine:?}");
    assert!(!html.contains("020190001234"), "no CCCD on the public page");
    assert_eq!(public.get(app.url("/the-hoi-vien/ZZZZZZZZZZ")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
}

per_engine!(the_demo_association_fills_its_pages);
async fn the_demo_association_fills_its_pages(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    let commune = app.demo_commune().await;
    hoctap_commands::commands::demo::seed_association(&app.store, commune).await.unwrap();
    let b = app.store.branch_by_code("HKH-XA-MAU").await.unwrap();
    app.login("hkh.xa").await;
    let page = |path: String| {
        let (client, url) = (app.client.clone(), app.url(&path));
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let html = page(format!("/hoi-khuyen-hoc/{}", b.id)).await;
    assert!(html.contains("id=\"ty-le\">50%<"), "5 members of 10 citizens: {engine:?} {html}");
    assert!(!html.contains("chỉ tiêu 40%"), "no plan in force sets Thái Bình's target for this commune");
    assert!(html.contains("Chủ tịch") && html.contains("Thủ quỹ") && html.contains("Thẻ hội viên (PDF)"));
    let year = hoctap_store::today().year();
    let (_, last) = app.get(&format!("/api/v1/funds/HKH-XA-MAU/balance?nam={}", year - 1)).await;
    assert_eq!(last["balance"]["closing"], 5_000_000 + 120_000 + 3_000_000 - 1_000_000 - 500_000, "{last}");
    let (_, this) = app.get("/api/v1/funds/HKH-XA-MAU/balance").await;
    assert_eq!(this["balance"]["opening"], last["balance"]["closing"]);
    assert_eq!(this["balance"]["closing"], 6_620_000 + 2_000_000 + 1_500_000 - 700_000, "the duplicate and its reversal cancel: {this}");
    // The fund per inhabitant is the indicator's: this year's receipts (the duplicate and its
    // reversal cancel) over the citizens, not the balance.
    assert_eq!(this["per_capita"]["value"], 350_000, "3.500.000 đ received for 10 people: {this}");
    assert_eq!(this["per_capita"]["shown"], "350.000 đồng/người");
    let html = page(format!("/hoi-khuyen-hoc/{}/so-vang", b.id)).await;
    assert!(html.contains("Công ty TNHH Hoa Hồng") && html.contains("6.500.000"), "{engine:?}: net of the reversed duplicate");
    let html = page(format!("/hoi-khuyen-hoc/{}/hoc-bong?nam={}", b.id, year - 1)).await;
    assert!(html.contains("Triệu Thị Mai") && html.contains("QĐ 07/QĐ-HKH") && html.contains("Lăng Văn Sơn"));
    let xlsx = app.client.get(app.url(&format!("/hoi-khuyen-hoc/{}/hoc-bong.xlsx?nam={}", b.id, year - 1))).send().await.unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    let html = page(format!("/hoi-khuyen-hoc/{}/so-quy", b.id)).await;
    assert!(html.contains("id=\"ton-cuoi-nam\">9.420.000<"), "{engine:?}");
}

#[tokio::test]
async fn the_operator_reads_a_balance_from_the_command_line() {
    let url = crate::harness::fresh_url(hoctap_store::Engine::Sqlite).await;
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    hoctap_commands::commands::demo::seed_association(&store, demo_commune(&store).await).await.unwrap();
    store.close().await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hoctap"))
        .args(["fund", "balance", "--branch", "hkh-xa-mau", "--format", "json", "--database-url", &url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["balance"]["closing"], 9_420_000);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hoctap"))
        .args(["fund", "balance", "--branch", "KHONG-CO", "--database-url", &url])
        .output()
        .unwrap();
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("không tìm thấy hội, chi hội"));
}

per_engine!(a_cashier_numbers_refuses_an_overdraft_prints_and_tracks_dues);
/// A ledger as a cashier keeps it, on both engines: receipts and payments numbered in their own
/// sequences of the year, a payment beyond the balance refused unless confirmed with a reason,
/// vouchers and the year's cash book printable, and dues tracked per member and year.
async fn a_cashier_numbers_refuses_an_overdraft_prints_and_tracks_dues(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    let commune = app.store.unit(app.demo_commune().await).await.unwrap().code;
    let b = branch_in(&app.store, "CH-THU-CHI", &commune).await;
    app.login("hkh.xa").await;
    let year = hoctap_store::today().year();
    let (s, e) = app
        .post("/api/v1/funds/CH-THU-CHI/entries", json!({"kind": "thu_ung_ho", "amount": "500.000", "counterparty": "Bà Lý Thị Thu"}))
        .await;
    assert_eq!((s, e["entry_no"].as_str()), (StatusCode::CREATED, Some(format!("PT-{year}-001").as_str())), "{engine:?}: {e}");
    // 800.000 đ out of 500.000 đ: refused, the reason field named, nothing written.
    let pay =
        json!({"kind": "chi_hoat_dong", "amount": "800.000", "counterparty": "Ông Lục Văn Chi", "decision": "Chi tổ chức lễ khuyến học"});
    let (s, r) = app.post("/api/v1/funds/CH-THU-CHI/entries", pay.clone()).await;
    assert_eq!((s, r["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("overdraft_reason")), "{engine:?}: {r}");
    assert!(r["error"]["message"].as_str().unwrap().contains("500.000 đ"), "{r}");
    let (s, html) = app
        .post_form(&format!("/hoi-khuyen-hoc/{}/so-quy", b.id), &[("kind", "chi_hoat_dong"), ("amount", "800.000"), ("decision", "Chi lễ")])
        .await;
    assert!(s == StatusCode::UNPROCESSABLE_ENTITY && html.contains("Lý do chi vượt số dư"), "{engine:?}: {s}");
    assert_eq!(app.store.fund_balance("CH-THU-CHI", year).await.unwrap().closing, Dong::new(500_000));
    // Confirmed with a reason: posted, numbered in the payments' own sequence, audited.
    let mut confirmed = pay.clone();
    confirmed["overdraft_reason"] = json!("Tạm ứng, ngân sách xã cấp bù tháng sau");
    let (s, e) = app.post("/api/v1/funds/CH-THU-CHI/entries", confirmed).await;
    assert_eq!((s, e["entry_no"].as_str()), (StatusCode::CREATED, Some(format!("PC-{year}-001").as_str())), "{engine:?}: {e}");
    assert_eq!(app.store.fund_balance("CH-THU-CHI", year).await.unwrap().closing, Dong::new(-300_000));
    let (s, e) = app
        .post("/api/v1/funds/CH-THU-CHI/entries", json!({"kind": "thu_ngan_sach", "amount": "1.000.000", "decision": "QĐ 9/QĐ-UBND"}))
        .await;
    assert_eq!((s, e["entry_no"].as_str()), (StatusCode::CREATED, Some(format!("PT-{year}-002").as_str())));
    // The voucher and the cash book.
    let pdf = app.client.get(app.url(&format!("/hoi-khuyen-hoc/{}/so-quy/PC-{year}-001/phieu.pdf", b.id))).send().await.unwrap();
    assert_eq!(pdf.status(), StatusCode::OK);
    let text = crate::workflow::pdf_text(&pdf.bytes().await.unwrap());
    for part in ["PHIẾU CHI", &format!("PC-{year}-001"), "Ông Lục Văn Chi", "800.000 đồng", "Tám trăm nghìn đồng", "Người nhận tiền"]
    {
        assert!(text.contains(part), "{engine:?}: {part} in {text}");
    }
    let pdf =
        app.client.get(app.url(&format!("/hoi-khuyen-hoc/{}/so-quy.pdf?nam={year}", b.id))).send().await.unwrap().bytes().await.unwrap();
    let text = crate::workflow::pdf_text(&pdf);
    for part in ["SỔ QUỸ TIỀN MẶT", &format!("PT-{year}-002"), "-300.000", "1.500.000", "700.000"] {
        assert!(text.contains(part), "{engine:?}: {part} in {text}");
    }
    let (s, _) = app.get(&format!("/hoi-khuyen-hoc/{}/so-quy/PC-1999-001/phieu.pdf", b.id)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Dues per member and year: one receipt, once.
    let (s, m) = app.post("/api/v1/registries/hoi-vien", json!({"branch": "CH-THU-CHI", "cccd": "020190005678", "full_name": "Lục Văn Hội", "joined_on": "01/02/2024", "dues_per_year": "24.000"})).await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    let member = m["id"].as_i64().unwrap();
    let (_, d) = app.get("/api/v1/funds/CH-THU-CHI/dues").await;
    assert!(d["members"][0]["paid"].is_null() && d["members"][0]["due"] == 24_000, "{engine:?}: {d}");
    let (s, e) = app.post("/api/v1/funds/CH-THU-CHI/dues", json!({"member_id": member, "year": year})).await;
    assert_eq!(
        (s, e["entry_no"].as_str(), e["amount"].as_i64()),
        (StatusCode::CREATED, Some(format!("PT-{year}-003").as_str()), Some(24_000)),
        "{e}"
    );
    assert_eq!(e["kind"], "thu_hoi_phi");
    let (s, again) = app.post("/api/v1/funds/CH-THU-CHI/dues", json!({"member_id": member, "year": year})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{engine:?}: paid once a year: {again}");
    let (_, d) = app.get("/api/v1/funds/CH-THU-CHI/dues").await;
    assert_eq!(d["members"][0]["paid"][1], format!("PT-{year}-003"));
    let (s, _) = app
        .post_form(&format!("/hoi-khuyen-hoc/{}/hoi-phi", b.id), &[("member_id", &member.to_string()), ("nam", &(year - 1).to_string())])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: last year's dues through the page");
    let (_, html) = app.get(&format!("/hoi-khuyen-hoc/{}/hoi-phi?nam={}", b.id, year - 1)).await;
    assert!(html.as_str().unwrap().contains("Đã nộp: <strong>1</strong>/1"), "{engine:?}");
    assert_eq!(app.store.fund_balance("CH-THU-CHI", year).await.unwrap().closing, Dong::new(-300_000 + 1_000_000 + 24_000 * 2));
}
