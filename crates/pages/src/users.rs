//! Users of the unit's subtree: list, create, reset password, lock and unlock.

use super::{Chrome, FieldError, capitalise};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use hoctap_app::users::{self, UserForm};
use hoctap_domain::access::{Action, NewPassword};
use hoctap_http::AppState;
use hoctap_http::auth::{CsrfForm, CurrentUser};
use hoctap_http::error::{WebError, WebResult};
use hoctap_http::routes::{Routes, get, post};
use hoctap_store::UserRow;
use serde::Deserialize;

pub fn routes() -> Routes {
    Routes::new()
        .route("/nguoi-dung", get(list).post(create))
        .route("/nguoi-dung/{id}/dat-lai-mat-khau", post(reset))
        .route("/nguoi-dung/{id}/trang-thai", post(toggle))
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    chrome: Chrome,
    users: Vec<UserRow>,
    roles: Vec<(&'static str, &'static str)>,
    errors: Vec<FieldError>,
    form: UserForm,
    done: Option<String>,
}

impl UsersPage {
    /// Whether the reset form is offered for this account (the rule `reset_target` checks).
    fn may_reset(&self, u: &UserRow) -> bool {
        self.chrome.user.as_ref().is_some_and(|me| me.user.id != u.id && me.user.role.may_reset_password(u.role))
    }

    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

async fn page(state: &AppState, user: &CurrentUser, errors: Vec<FieldError>, form: UserForm, done: Option<String>) -> WebResult<UsersPage> {
    let users = state.store.users(user.scope(), hoctap_store::today()).await?;
    Ok(UsersPage { chrome: Chrome::new("Người dùng", user), users, roles: users::grantable(user), errors, form, done })
}

async fn list(State(state): State<AppState>, user: CurrentUser, headers: axum::http::HeaderMap) -> WebResult<Response> {
    user.require(Action::ManageUsers)?;
    let form = UserForm { unit_code: user.user.unit_code.clone(), ..Default::default() };
    let done = super::take_flash(&headers);
    let shown = done.is_some();
    super::render_with_flash(&page(&state, &user, Vec::new(), form, done).await?, shown)
}

async fn create(State(state): State<AppState>, user: CurrentUser, CsrfForm(f): CsrfForm<UserForm>) -> WebResult<Response> {
    let result = users::create_user(&state.store, &user, &f)
        .await
        .map_err(WebError::from)
        .map(|_| ("/nguoi-dung", format!("Đã tạo tài khoản {}", f.username.trim().to_lowercase())));
    // The form comes back without the password.
    let form = UserForm { password: String::new(), ..f.clone() };
    super::after_post(&state, result, |errors| page(&state, &user, errors, form, None)).await
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    password: String,
}

async fn reset(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ResetForm>,
) -> WebResult<Response> {
    let target = users::reset_target(&state.store, &user, id).await?;
    match NewPassword::parse(&f.password) {
        Ok(p) => {
            users::reset_password(&state.store, &user, &target, &p).await?;
            let msg = format!("Đã đặt lại mật khẩu cho {}; người dùng phải đổi mật khẩu khi đăng nhập", target.username);
            Ok(super::flash_redirect(&state, "/nguoi-dung", &msg))
        }
        Err(e) => {
            let errors =
                vec![FieldError { field: format!("reset-{id}"), message: format!("{}: {}", target.username, capitalise(&e.to_string())) }];
            let form = UserForm { unit_code: user.user.unit_code.clone(), ..Default::default() };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page(&state, &user, errors, form, None).await?.render()?)).into_response())
        }
    }
}

#[derive(Deserialize)]
struct ToggleForm {
    #[serde(default)]
    active: String,
}

async fn toggle(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ToggleForm>,
) -> WebResult<Response> {
    let active = f.active == "1";
    let target = users::set_active(&state.store, &user, id, active).await?;
    let msg = format!("Đã {} tài khoản {}", if active { "mở khóa" } else { "khóa" }, target.username);
    Ok(super::flash_redirect(&state, "/nguoi-dung", &msg))
}
