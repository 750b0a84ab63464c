//! The home page ("/"): the role's work as the sections of `hoctap_app::home::SECTIONS` (a
//! feature adds a section there, never here), and the province officer's reminder and return
//! of a commune's annual report.

use super::{Chrome, FieldError, capitalise, flash_redirect, render_with_flash};
use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use hoctap_app::home::{LineAction, Section};
use hoctap_http::AppState;
use hoctap_http::auth::{self, CsrfForm, CurrentUser};
use hoctap_http::error::{WebError, WebResult};
use hoctap_http::routes::{Routes, get, post};
use serde::Deserialize;

pub fn routes() -> Routes {
    Routes::new().route("/", get(home)).route("/trang-chu/nhac-bao-cao", post(remind)).route("/trang-chu/tra-bao-cao", post(return_report))
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    today: String,
    counts: Vec<(String, String)>,
    must_change_password: bool,
    sections: Vec<Section>,
    done: Option<String>,
    errors: Vec<FieldError>,
}

impl HomePage {
    /// The form an action on a line needs: (address, button, unit, year, asks for a reason).
    fn action_form(&self, a: &LineAction) -> (&'static str, &'static str, i64, i16, bool) {
        match a {
            LineAction::RemindReport { unit_id, year } => ("/trang-chu/nhac-bao-cao", "Nhắc gửi báo cáo", *unit_id, *year, false),
            LineAction::ReturnReport { unit_id, year } => ("/trang-chu/tra-bao-cao", "Trả lại báo cáo", *unit_id, *year, true),
        }
    }
}

async fn page(state: &AppState, user: &CurrentUser, done: Option<String>, errors: Vec<FieldError>) -> WebResult<HomePage> {
    let today = hoctap_store::today();
    // The national level also sees every unit of the country counted: kept per read
    // generation (units are watched).
    let mut counts = Vec::new();
    if user.user.role.national() {
        let by_kind =
            hoctap_app::kept::kept(&state.store, format!("unit counts {today}"), async { Ok(state.store.count_by_kind(today).await?) })
                .await?;
        counts = by_kind.iter().map(|(k, n)| (k.label().to_string(), hoctap_app::format::int_vn(*n))).collect();
    }
    Ok(HomePage {
        sections: hoctap_app::home::home(&state.store, user).await?,
        must_change_password: user.user.must_change_password,
        chrome: Chrome::new("Trang chủ", user),
        today: hoctap_domain::date::format_vn(today),
        counts,
        done,
        errors,
    })
}

async fn home(State(state): State<AppState>, auth::MaybeUser(user): auth::MaybeUser, headers: HeaderMap) -> WebResult<Response> {
    // Visitors get the public portal; logged-in users their work home.
    let Some(user) = user else {
        return super::sites::portal_home(&state, &headers).await;
    };
    let done = super::take_flash(&headers);
    let shown = done.is_some();
    render_with_flash(&page(&state, &user, done, Vec::new()).await?, shown)
}

#[derive(Deserialize)]
struct ReportForm {
    #[serde(default)]
    don_vi: String,
    #[serde(default)]
    nam: String,
    #[serde(default)]
    ly_do: String,
}

impl ReportForm {
    fn parsed(&self) -> WebResult<(i64, i16)> {
        let unit = self.don_vi.trim().parse().map_err(|_| WebError::invalid("don_vi", "Đơn vị không hợp lệ"))?;
        let year = self.nam.trim().parse().map_err(|_| WebError::invalid("nam", "Năm báo cáo không hợp lệ"))?;
        Ok((unit, year))
    }
}

async fn remind(State(state): State<AppState>, user: CurrentUser, CsrfForm(f): CsrfForm<ReportForm>) -> WebResult<Response> {
    hoctap_app::home::may_act_on_reports(&user)?;
    let result = async {
        let (unit, year) = f.parsed()?;
        let u = hoctap_app::home::remind_report(&state.store, &user, unit, year, &f.ly_do).await?;
        Ok::<_, WebError>(("/".to_string(), format!("Đã nhắc {} gửi báo cáo năm {year}", u.name)))
    }
    .await;
    done_or_page(&state, &user, result).await
}

async fn return_report(State(state): State<AppState>, user: CurrentUser, CsrfForm(f): CsrfForm<ReportForm>) -> WebResult<Response> {
    hoctap_app::home::may_act_on_reports(&user)?;
    let result = async {
        let (unit, year) = f.parsed()?;
        let u = hoctap_app::home::return_report(&state.store, &user, unit, year, &f.ly_do).await?;
        Ok::<_, WebError>(("/".to_string(), format!("Đã trả lại báo cáo năm {year} của {}", u.name)))
    }
    .await;
    done_or_page(&state, &user, result).await
}

async fn done_or_page(state: &AppState, user: &CurrentUser, result: WebResult<(String, String)>) -> WebResult<Response> {
    match result {
        Ok((to, msg)) => Ok(flash_redirect(state, &to, &msg)),
        Err(e) => {
            super::after_post(state, Err::<(String, String), _>(e), |errors| async move {
                let errors = errors.into_iter().map(|e| FieldError { message: capitalise(&e.message), ..e }).collect();
                page(state, user, None, errors).await
            })
            .await
        }
    }
}
