//! One error contract on both engines: malformed path parameters, query strings and JSON
//! bodies, unknown routes, wrong methods and too-large bodies answer the documented JSON shape
//! `{"error": {"message", "field"}}` in Vietnamese under `/api` (an HTML page elsewhere), with
//! the field named, never the framework's English text.

use crate::engines::per_engine;
use crate::harness::TestApp;
use hoctap_store::Engine;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Letters only Vietnamese writes: a message in English has none of them.
fn vietnamese(s: &str) -> bool {
    s.chars().any(|c| "ăâđêôơưàáạảãầấậẩẫằắặẳẵèéẹẻẽềếệểễìíịỉĩòóọỏõồốộổỗờớợởỡùúụủũừứựửữỳýỵỷỹ".contains(c.to_lowercase().next().unwrap_or(c)))
}

/// Sends a request and checks the answer is the JSON error shape, in Vietnamese, naming `field`
/// (`""`: none).
async fn expect_error(app: &TestApp, req: reqwest::RequestBuilder, status: StatusCode, field: &str, what: &str) -> String {
    let res = req.header("x-csrf-token", &app.csrf).send().await.unwrap();
    let engine = app.engine;
    assert_eq!(res.status(), status, "{engine:?} {what}");
    let ct = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    assert!(ct.starts_with("application/json"), "{engine:?} {what}: content type {ct}");
    let v: Value = res.json().await.unwrap();
    let message = v["error"]["message"].as_str().unwrap_or_else(|| panic!("{engine:?} {what}: no message in {v}")).to_string();
    assert!(vietnamese(&message), "{engine:?} {what}: not Vietnamese: {message}");
    for english in ["Failed", "deserialize", "invalid type", "expected", "length limit", "Content-Type header"] {
        assert!(!message.contains(english), "{engine:?} {what}: framework text in {message}");
    }
    // "" stands for an error of no field (`null`).
    let expected = if field.is_empty() { Value::Null } else { json!(field) };
    assert_eq!(v["error"]["field"], expected, "{engine:?} {what}: {message}");
    message
}

per_engine!(malformed_requests_answer_the_json_shape_in_vietnamese_naming_the_field);
async fn malformed_requests_answer_the_json_shape_in_vietnamese_naming_the_field(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let commune = app.demo_commune().await;
    let c = &app.client;

    // Path parameters that do not parse, one and two of them.
    let m = expect_error(&app, c.get(app.url("/api/v1/units/abc")), StatusCode::UNPROCESSABLE_ENTITY, "id", "path id").await;
    assert!(m.contains("số nguyên"), "{m}");
    expect_error(&app, c.get(app.url("/api/v1/registries/ho-gia-dinh/1x")), StatusCode::UNPROCESSABLE_ENTITY, "id", "second path param")
        .await;
    expect_error(&app, c.get(app.url("/api/v1/tasks/99999999999999999999")), StatusCode::UNPROCESSABLE_ENTITY, "id", "path overflow").await;

    // Query strings: wrong type, out of range, missing, wrong boolean.
    expect_error(&app, c.get(app.url("/api/v1/units?q=a&limit=abc")), StatusCode::UNPROCESSABLE_ENTITY, "limit", "query int").await;
    let m = expect_error(&app, c.get(app.url("/api/v1/tasks?year=99999")), StatusCode::UNPROCESSABLE_ENTITY, "year", "query range").await;
    assert!(m.contains("giới hạn"), "{m}");
    expect_error(&app, c.get(app.url("/api/v1/criteria-sets/applicable")), StatusCode::UNPROCESSABLE_ENTITY, "subject", "query missing")
        .await;
    expect_error(&app, c.get(app.url("/api/v1/tasks?mine=co")), StatusCode::UNPROCESSABLE_ENTITY, "mine", "query bool").await;
    expect_error(&app, c.get(app.url("/api/v1/tree?root=")), StatusCode::UNPROCESSABLE_ENTITY, "root", "query empty int").await;

    // JSON bodies: wrong member type, missing member, invalid JSON, trailing data, missing
    // content type, a body that is not an object, a nested member.
    let villages = app.url(&format!("/api/v1/units/{commune}/villages"));
    let m = expect_error(
        &app,
        c.post(&villages).json(&json!({"name": 5, "unit_type": "thôn"})),
        StatusCode::UNPROCESSABLE_ENTITY,
        "name",
        "type",
    )
    .await;
    assert!(m.contains("chuỗi"), "{m}");
    expect_error(&app, c.post(&villages).json(&json!({"name": "Thôn Mới"})), StatusCode::UNPROCESSABLE_ENTITY, "unit_type", "missing")
        .await;
    let bad_json = |body: &'static str| c.post(&villages).header("content-type", "application/json").body(body);
    let m = expect_error(&app, bad_json("{\"name\": "), StatusCode::UNPROCESSABLE_ENTITY, "body", "eof").await;
    assert!(m.contains("JSON") && m.contains("dòng 1"), "{m}");
    expect_error(&app, bad_json("{\"name\" \"x\"}"), StatusCode::UNPROCESSABLE_ENTITY, "body", "syntax").await;
    expect_error(&app, bad_json("{\"name\": \"x\", \"unit_type\": \"thôn\"} []"), StatusCode::UNPROCESSABLE_ENTITY, "body", "trailing")
        .await;
    let m = expect_error(&app, bad_json("\"x\""), StatusCode::UNPROCESSABLE_ENTITY, "body", "not an object").await;
    assert!(m.contains("đối tượng JSON"), "{m}");
    let m = expect_error(&app, c.post(&villages).body("{\"name\": \"x\"}"), StatusCode::UNSUPPORTED_MEDIA_TYPE, "content-type", "no type")
        .await;
    assert!(m.contains("application/json"), "{m}");
    expect_error(
        &app,
        c.post(&villages).header("content-type", "text/plain").body("{}"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "content-type",
        "text type",
    )
    .await;
    let mut admin = TestApp {
        client: reqwest::Client::builder().cookie_store(true).build().unwrap(),
        csrf: String::new(),
        store: app.store.clone(),
        ..app
    };
    admin.login("quantri").await;
    let reorg = admin.url("/api/v1/reorganisations");
    let body = json!({"operation": {"Rename": {"unit": "x", "name": "Xã A"}}, "effective_on": "01/01/2026", "legal_act": "NQ 1"});
    expect_error(&admin, admin.client.post(&reorg).json(&body), StatusCode::UNPROCESSABLE_ENTITY, "operation.Rename.unit", "nested").await;
    let body = json!({"operation": {"kind": "rename"}, "effective_on": "01/01/2026", "legal_act": "NQ 1"});
    let m = expect_error(&admin, admin.client.post(&reorg).json(&body), StatusCode::UNPROCESSABLE_ENTITY, "operation", "enum").await;
    assert!(m.contains("Merge") && m.contains("Rename"), "{m}");
    expect_error(
        &admin,
        admin.client.post(admin.url("/api/v1/lineage-links")).json(&json!({"predecessor_id": "1", "successor_id": 2})),
        StatusCode::UNPROCESSABLE_ENTITY,
        "predecessor_id",
        "link type",
    )
    .await;
    // A body that is not UTF-8 text.
    expect_error(
        &app,
        c.post(app.url("/api/v1/credentials/verify")).body(vec![0xff, 0xfe, 0x00]),
        StatusCode::UNPROCESSABLE_ENTITY,
        "body",
        "utf8",
    )
    .await;
    // U+0000, which PostgreSQL cannot hold (it answered 500 there), refused where it enters.
    let m = expect_error(&app, c.get(app.url("/api/v1/units?q=a%00b")), StatusCode::UNPROCESSABLE_ENTITY, "q", "nul query").await;
    assert!(m.contains("U+0000"), "{m}");
    expect_error(&app, c.get(app.url("/api/v1/criteria-sets/a%00b")), StatusCode::UNPROCESSABLE_ENTITY, "id", "nul path").await;
    expect_error(
        &app,
        c.post(&villages).json(&json!({"name": "Thôn\u{0}Mới", "unit_type": "thôn"})),
        StatusCode::UNPROCESSABLE_ENTITY,
        "name",
        "nul body",
    )
    .await;
    let body = json!({"year": "2027", "set_id": "gdht", "title": "Đợt", "x": [{"y": "a\u{0}"}]});
    expect_error(&app, c.post(app.url("/api/v1/campaigns")).json(&body), StatusCode::UNPROCESSABLE_ENTITY, "x[0].y", "nul nested").await;
    // The audit log's last day of the calendar has no tomorrow (it answered 500).
    let (s, _) = admin.get("/api/v1/audit?den_ngay=31/12/9999").await;
    assert_eq!(s, StatusCode::OK, "{engine:?}");

    // Unknown routes and methods.
    let m = expect_error(&app, c.get(app.url("/api/v1/khong-co")), StatusCode::NOT_FOUND, "", "unknown").await;
    assert!(m.contains("đường dẫn"), "{m}");
    expect_error(&app, c.get(app.url("/api/v2/units")), StatusCode::NOT_FOUND, "", "unknown version").await;
    let res = c.request(Method::PUT, app.url("/api/v1/units")).header("x-csrf-token", &app.csrf).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(res.headers().get("allow").is_some(), "{engine:?}: 405 keeps its Allow header");
    let v: Value = res.json().await.unwrap();
    assert!(vietnamese(v["error"]["message"].as_str().unwrap()), "{v}");

    // Nothing was written by any of it.
    assert!(app.store.villages(commune, hoctap_store::today()).await.unwrap().iter().all(|v| v.name != "Thôn Mới"));
}

per_engine!(too_large_bodies_name_the_limit_in_vietnamese);
async fn too_large_bodies_name_the_limit_in_vietnamese(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    app.login("xa.canbo").await;
    let big = vec![b'a'; hoctap_web::error::MAX_BODY_BYTES + 1];
    // The API: the JSON shape, announced by its length (refused before it is read).
    let m = expect_error(
        &app,
        app.client.post(app.url("/api/v1/villages/import")).body(big.clone()),
        StatusCode::PAYLOAD_TOO_LARGE,
        "body",
        "announced",
    )
    .await;
    assert!(m.contains("tối đa 20 MB"), "{m}");
    // Sent in chunks with no length: read up to the limit, then refused the same way.
    let (status, head, body) = chunked_post(&app, "/api/v1/registries/ho-gia-dinh/import", &big).await;
    assert_eq!(status, 413, "{engine:?}: {head}");
    assert!(head.to_ascii_lowercase().contains("content-type: application/json"), "{head}");
    let v: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{engine:?}: {body}"));
    assert!(v["error"]["message"].as_str().unwrap().contains("tối đa 20 MB"), "{v}");
    assert_eq!(v["error"]["field"], "body");
    let m = expect_error(
        &app,
        app.client.post(app.url("/api/v1/me/password")).header("content-type", "application/json").body(big.clone()),
        StatusCode::PAYLOAD_TOO_LARGE,
        "body",
        "json",
    )
    .await;
    assert!(m.contains("tối đa 20 MB"), "{m}");
    // A page: the HTML error page in Vietnamese.
    let form = reqwest::multipart::Form::new()
        .text("csrf", app.csrf.clone())
        .part("file", reqwest::multipart::Part::bytes(big).file_name("x.csv"));
    let res = app.client.post(app.url("/so/ho-gia-dinh/nhap")).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE, "{engine:?}");
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = res.text().await.unwrap();
    assert!(html.contains("tối đa 20 MB") && html.contains("<html"), "{engine:?}: {html}");
}

/// A POST with `Transfer-Encoding: chunked` (no length announced), written by hand as `xa.canbo`:
/// returns the status, the head and the (de-chunked) body of the answer.
async fn chunked_post(app: &TestApp, path: &str, body: &[u8]) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A session of its own: the harness client's cookie jar is not readable.
    let login = json!({"username": "xa.canbo", "password": crate::harness::PASSWORD});
    let res = reqwest::Client::new().post(app.url("/api/v1/session")).json(&login).send().await.unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let v: Value = res.json().await.unwrap();
    let csrf = v["csrf_token"].as_str().unwrap();
    let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nCookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        app.addr
    );
    s.write_all(head.as_bytes()).await.unwrap();
    for c in body.chunks(1 << 20) {
        // The server may answer and close before the whole body is sent.
        let size = format!("{:x}\r\n", c.len());
        if s.write_all(size.as_bytes()).await.is_err() || s.write_all(c).await.is_err() || s.write_all(b"\r\n").await.is_err() {
            break;
        }
    }
    let _ = s.write_all(b"0\r\n\r\n").await;
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out).await;
    let split = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(out.len());
    let head = String::from_utf8_lossy(&out[..split]).into_owned();
    let mut rest = out.get(split + 4..).unwrap_or_default();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut body = Vec::new();
    if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
            let n = usize::from_str_radix(std::str::from_utf8(&rest[..eol]).unwrap_or("0").trim(), 16).unwrap_or(0);
            let data = &rest[eol + 2..];
            if n == 0 || data.len() < n {
                break;
            }
            body.extend_from_slice(&data[..n]);
            rest = data.get(n + 2..).unwrap_or_default();
        }
    } else {
        body = rest.to_vec();
    }
    (status, head, String::from_utf8_lossy(&body).into_owned())
}
