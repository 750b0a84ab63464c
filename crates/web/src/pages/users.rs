//! Users of the unit's subtree: list, create, reset password, lock and unlock.

use super::{Chrome, FieldError, capitalise, grantable};
use crate::AppState;
use crate::auth::{self, CurrentUser};
use crate::error::{WebError, WebResult};
use crate::routes::{Routes, get, post};
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use hoctap_domain::access::{Action, NewPassword, Role, Username};
use hoctap_domain::unit::UnitCode;
use hoctap_store::{NewUser, UserRow};
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
    Ok(UsersPage { chrome: Chrome::new("Người dùng", user), users, roles: grantable(user), errors, form, done })
}

async fn list(State(state): State<AppState>, user: CurrentUser, headers: axum::http::HeaderMap) -> WebResult<Response> {
    user.require(Action::ManageUsers)?;
    let form = UserForm { unit_code: user.user.unit_code.clone(), ..Default::default() };
    let done = super::take_flash(&headers);
    let shown = done.is_some();
    super::render_with_flash(&page(&state, &user, Vec::new(), form, done).await?, shown)
}

#[derive(Deserialize, Default, Clone)]
pub struct UserForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub unit_code: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub csrf: String,
}

/// Creates a user after checking role and scope; shared by the page and the API.
pub async fn create_user(state: &AppState, user: &CurrentUser, f: &UserForm) -> WebResult<i64> {
    user.require(Action::ManageUsers)?;
    let username = Username::parse(&f.username).map_err(|e| WebError::invalid("username", capitalise(&e.to_string())))?;
    let role = Role::parse(&f.role).ok_or_else(|| WebError::invalid("role", "Chọn vai trò"))?;
    if !user.user.role.may_grant(role) {
        return Err(WebError::invalid("role", "Bạn không được cấp vai trò này"));
    }
    let code = UnitCode::parse(&f.unit_code).map_err(|e| WebError::invalid("unit_code", capitalise(&e.to_string())))?;
    let unit = state
        .store
        .unit_by_code(code.as_str(), hoctap_store::today())
        .await
        .map_err(|_| WebError::invalid("unit_code", format!("Không có đơn vị mã {code} đang có hiệu lực")))?;
    if !user.sees(state, unit.id).await? {
        return Err(WebError::OutOfScope {
            field: "unit_code".into(), message: format!("{} nằm ngoài phạm vi đơn vị của bạn", unit.name)
        });
    }
    let password = NewPassword::parse(&f.password).map_err(|e| WebError::invalid("password", capitalise(&e.to_string())))?;
    let hash = auth::hash_password(&password)?;
    let id = state
        .store
        .create_user(
            &user.actor(),
            NewUser {
                username: &username,
                full_name: &f.full_name,
                password_hash: &hash,
                role,
                unit_id: unit.id,
                must_change_password: true,
            },
        )
        .await?;
    Ok(id)
}

async fn create(State(state): State<AppState>, user: CurrentUser, Form(f): Form<UserForm>) -> WebResult<Response> {
    user.check_csrf(&f.csrf)?;
    let result =
        create_user(&state, &user, &f).await.map(|_| ("/nguoi-dung", format!("Đã tạo tài khoản {}", f.username.trim().to_lowercase())));
    // The form comes back without the password.
    let form = UserForm { password: String::new(), ..f.clone() };
    super::after_post(&state, result, |errors| page(&state, &user, errors, form, None)).await
}

/// Loads a user the current user may manage (404 outside the scope).
pub async fn managed_user(state: &AppState, user: &CurrentUser, id: i64) -> WebResult<UserRow> {
    user.require(Action::ManageUsers)?;
    let target = state.store.user(id).await?;
    user.require_sees(state, target.unit_id, "người dùng").await?;
    if !user.user.role.may_grant(target.role) {
        return Err(WebError::Forbidden);
    }
    Ok(target)
}

/// Loads an account whose password the current user may reset: managed by them, not their
/// own, and allowed by the four-eyes rule (`Role::may_reset_password`: only the
/// administrator resets a reviewer's or signer's password).
pub async fn reset_target(state: &AppState, user: &CurrentUser, id: i64) -> WebResult<UserRow> {
    let target = managed_user(state, user, id).await?;
    if target.id == user.user.id {
        return Err(WebError::OutOfScope {
            field: "password".into(),
            message: "Không đặt lại mật khẩu của chính mình; hãy dùng Đổi mật khẩu (cần mật khẩu hiện tại)".into(),
        });
    }
    if !user.user.role.may_reset_password(target.role) {
        return Err(WebError::OutOfScope {
            field: "password".into(),
            message: format!(
                "Chỉ quản trị hệ thống được đặt lại mật khẩu của tài khoản {} ({}): người thẩm định và người ký kiểm tra hồ sơ do cán bộ đơn vị lập (nguyên tắc bốn mắt)",
                target.username,
                target.role.label()
            ),
        });
    }
    Ok(target)
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

async fn reset(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Form(f): Form<ResetForm>) -> WebResult<Response> {
    user.check_csrf(&f.csrf)?;
    let target = reset_target(&state, &user, id).await?;
    match NewPassword::parse(&f.password) {
        Ok(p) => {
            let hash = auth::hash_password(&p)?;
            state.store.set_password_hash(&user.actor(), id, &hash, true, "user.password.reset").await?;
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
    #[serde(default)]
    csrf: String,
}

async fn toggle(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Form(f): Form<ToggleForm>) -> WebResult<Response> {
    user.check_csrf(&f.csrf)?;
    let target = managed_user(&state, &user, id).await?;
    if target.id == user.user.id {
        return Err(WebError::invalid("active", "Không thể tự khóa tài khoản của mình"));
    }
    let active = f.active == "1";
    state.store.set_user_active(&user.actor(), id, active).await?;
    let msg = format!("Đã {} tài khoản {}", if active { "mở khóa" } else { "khóa" }, target.username);
    Ok(super::flash_redirect(&state, "/nguoi-dung", &msg))
}
