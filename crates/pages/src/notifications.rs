//! Notifications (thông báo): the list with its unread marks, marking read, and the user's
//! mail preferences (address, at once / a daily digest / none, which kinds). The header's
//! bell shows the unread count on every page. Thin adapters over `hoctap_app::notify`.

use super::{Chrome, FieldError, after_post, page_with_flash};
use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use hoctap_app::notify as app;
use hoctap_http::AppState;
use hoctap_http::auth::{CsrfForm, CurrentUser};
use hoctap_http::error::{WebError, WebResult};
use hoctap_http::routes::{Routes, get, post};
use serde::Deserialize;

pub fn routes() -> Routes {
    Routes::new().route("/thong-bao", get(list)).route("/thong-bao/da-doc", post(mark_read)).route("/thong-bao/cai-dat", post(save_prefs))
}

struct Line {
    id: i64,
    subject: String,
    body: String,
    link: String,
    when: String,
    read: bool,
}

#[derive(Template)]
#[template(path = "notifications/list.html")]
struct ListPage {
    chrome: Chrome,
    items: Vec<Line>,
    unread: i64,
    email: String,
    mode: String,
    /// (kind, label, wanted by mail)
    kinds: Vec<(&'static str, &'static str, bool)>,
    errors: Vec<FieldError>,
    done: Option<String>,
}

fn when(ts: &str) -> String {
    ts.parse::<jiff::Timestamp>()
        .map(|t| {
            let z = t.to_zoned_datetime(hoctap_store::vn_tz());
            format!("{} {:02}:{:02}", hoctap_domain::date::format_vn(z.date()), z.hour(), z.minute())
        })
        .unwrap_or_default()
}

async fn view(
    state: &AppState,
    user: &CurrentUser,
    typed: Option<&PrefsForm>,
    errors: Vec<FieldError>,
    done: Option<String>,
) -> WebResult<ListPage> {
    let (rows, unread) = app::list(&state.store, user).await?;
    let prefs = app::prefs(&state.store, user).await?;
    let items = rows
        .into_iter()
        .map(|n| Line { id: n.id, when: when(&n.created_at), subject: n.subject, body: n.body, link: n.link, read: n.read })
        .collect();
    let (email, mode, off): (String, String, Vec<String>) = match typed {
        Some(f) => {
            (f.email.clone(), f.mode.clone(), app::KINDS.iter().map(|(k, _)| (*k).to_string()).filter(|k| !f.kinds().contains(k)).collect())
        }
        None => (prefs.email, prefs.mode, prefs.kinds_off),
    };
    let kinds = app::KINDS.iter().map(|(k, l)| (*k, *l, !off.iter().any(|o| o == k))).collect();
    let chrome = Chrome::new("Thông báo", user);
    Ok(ListPage { chrome, items, unread, email, mode, kinds, errors, done })
}

async fn list(State(state): State<AppState>, user: CurrentUser, headers: HeaderMap) -> WebResult<Response> {
    page_with_flash(&headers, |done| async move { view(&state, &user, None, Vec::new(), done).await }).await
}

#[derive(Deserialize, Default)]
struct ReadForm {
    #[serde(default)]
    id: String,
}

async fn mark_read(State(state): State<AppState>, user: CurrentUser, CsrfForm(f): CsrfForm<ReadForm>) -> WebResult<Response> {
    let result = async {
        let id = match f.id.trim() {
            "" => None,
            s => Some(s.parse::<i64>().map_err(|_| WebError::invalid("id", "Số thông báo không hợp lệ"))?),
        };
        app::mark_read(&state.store, &user, id).await?;
        Ok::<_, WebError>(("/thong-bao", if id.is_some() { "Đã đánh dấu đã đọc" } else { "Đã đánh dấu tất cả là đã đọc" }))
    }
    .await;
    after_post(&state, result, |errors| view(&state, &user, None, errors, None)).await
}

#[derive(Deserialize, Default)]
struct PrefsForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    mode: String,
    /// The kinds ticked: one `kind_<kind>` box each.
    #[serde(flatten)]
    rest: std::collections::BTreeMap<String, String>,
}

impl PrefsForm {
    fn kinds(&self) -> Vec<String> {
        self.rest.keys().filter_map(|k| k.strip_prefix("kind_")).map(str::to_string).collect()
    }
}

async fn save_prefs(State(state): State<AppState>, user: CurrentUser, CsrfForm(f): CsrfForm<PrefsForm>) -> WebResult<Response> {
    let result = app::set_prefs(&state.store, &user, &f.email, &f.mode, &f.kinds())
        .await
        .map(|_| ("/thong-bao", "Đã lưu cách nhận thông báo"))
        .map_err(WebError::from);
    after_post(&state, result, |errors| view(&state, &user, Some(&f), errors, None)).await
}
