//! The installable app and offline entry (issue 18): the web app manifest and its icons, the
//! service worker (served from the root so its scope is the whole site), the device-side
//! scripts (outbox in IndexedDB, sync, conflicts, criteria evaluated on the device), and the
//! page that shows what is saved on this device (/ngoai-tuyen). Pages are still rendered on the
//! server; the scripts only add to them.

use super::{Chrome, render};
use askama::Template;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use hoctap_http::auth::CurrentUser;
use hoctap_http::error::WebResult;
use hoctap_http::routes::{Routes, get};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

pub fn routes() -> Routes {
    Routes::new()
        .route("/manifest.webmanifest", get(manifest))
        .route("/sw.js", get(service_worker))
        .route("/static/offline/offline.js", get(offline_js))
        .route("/static/offline/criteria.js", get(criteria_js))
        .route("/static/icons/hoctap-192.png", get(icon_192))
        .route("/static/icons/hoctap-512.png", get(icon_512))
        .route("/ngoai-tuyen", get(page))
}

const MANIFEST: &str = include_str!("../static/manifest.webmanifest");
const SERVICE_WORKER: &str = include_str!("../static/sw.js");
const OFFLINE_JS: &str = include_str!("../static/offline/offline.js");
const CRITERIA_JS: &str = include_str!("../static/offline/criteria.js");
const APP_JS: &str = include_str!("../static/app.js");
const APP_CSS: &str = include_str!("../static/app.css");
const ICON_192: &[u8] = include_bytes!("../static/icons/hoctap-192.png");
const ICON_512: &[u8] = include_bytes!("../static/icons/hoctap-512.png");

/// The service worker with the version of the assets it caches: a new build with other
/// assets is a new worker, which replaces the old cache.
static WORKER: LazyLock<String> = LazyLock::new(|| {
    let mut h = Sha256::new();
    for part in [APP_JS, APP_CSS, OFFLINE_JS, CRITERIA_JS, MANIFEST] {
        h.update(part.as_bytes());
    }
    h.update(ICON_192);
    h.update(ICON_512);
    let version = hex::encode(h.finalize()).chars().take(12).collect::<String>();
    SERVICE_WORKER.replace("__VERSION__", &version)
});

/// Assets change only with a new build; the worker itself is always checked.
const ASSET_CACHE: &str = "public, max-age=3600";

async fn manifest() -> Response {
    ([(header::CONTENT_TYPE, "application/manifest+json"), (header::CACHE_CONTROL, ASSET_CACHE)], MANIFEST).into_response()
}

async fn service_worker() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], WORKER.as_str()).into_response()
}

async fn offline_js() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, ASSET_CACHE)], OFFLINE_JS).into_response()
}

async fn criteria_js() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, ASSET_CACHE)], CRITERIA_JS).into_response()
}

async fn icon_192() -> Response {
    ([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, ASSET_CACHE)], ICON_192).into_response()
}

async fn icon_512() -> Response {
    ([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, ASSET_CACHE)], ICON_512).into_response()
}

#[derive(Template)]
#[template(path = "offline.html")]
struct OfflinePage {
    chrome: Chrome,
}

/// What is saved on this device and not sent yet, the changes waiting for a choice between two
/// versions, and the ones the server refused (filled by static/offline/offline.js).
async fn page(user: CurrentUser) -> WebResult<Response> {
    render(&OfflinePage { chrome: Chrome::new("Dữ liệu trên máy này", &user) })
}
