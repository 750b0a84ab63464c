//! Server-rendered Vietnamese pages. Each module owns its routes, handlers and templates.

pub mod assessments;
pub mod association;
pub mod audit;
pub mod audit_text;
pub mod boards;
pub mod bulk;
pub mod citizen;
pub mod criteria;
pub mod dashboard;
pub mod decisions;
pub mod home;
pub mod learning;
pub mod movement;
pub mod movement_report;
pub mod notifications;
pub mod offline;
pub mod plans;
pub mod registries;
pub mod report;
pub mod sites;
pub mod units;
pub mod users;

use crate::AppState;
use crate::auth::{self, CsrfForm, CurrentUser, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::error::{WebError, WebResult};
use crate::routes::{Routes, get};
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use hoctap_domain::access::{NewPassword, Role};

use serde::Deserialize;

pub fn routes() -> Routes {
    Routes::new()
        .merge(home::routes())
        .route("/dang-nhap", get(login_form).post(login))
        .route("/dang-xuat", crate::routes::post(logout))
        .route("/doi-mat-khau", get(password_form).post(change_password))
        .merge(units::routes())
        .merge(criteria::routes())
        .merge(registries::routes())
        .merge(association::routes())
        .merge(assessments::routes())
        .merge(bulk::routes())
        .merge(decisions::routes())
        .merge(movement::routes())
        .merge(movement_report::routes())
        .merge(dashboard::routes())
        .merge(report::routes())
        .merge(plans::routes())
        .merge(boards::routes())
        .merge(learning::routes())
        .merge(users::routes())
        .merge(audit::routes())
        .merge(offline::routes())
        .merge(citizen::routes())
        .merge(notifications::routes())
        .merge(sites::routes())
}

/// What every page shows around its content: who is logged in, the CSRF token for forms.
pub struct Chrome {
    pub title: String,
    pub user: Option<CurrentUser>,
    pub csrf: String,
}

impl Chrome {
    pub fn new(title: impl Into<String>, user: &CurrentUser) -> Self {
        Self { title: title.into(), user: Some(user.clone()), csrf: user.csrf.clone() }
    }

    pub fn user_name(&self) -> &str {
        self.user.as_ref().map(|u| u.user.full_name.as_str()).unwrap_or("")
    }

    pub fn user_unit(&self) -> &str {
        self.user.as_ref().map(|u| u.user.unit_name.as_str()).unwrap_or("")
    }

    pub fn role_label(&self) -> &str {
        self.user.as_ref().map(|u| u.user.role.label()).unwrap_or("")
    }

    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(CurrentUser::is_admin)
    }

    /// Unread notifications (the header's bell).
    pub fn unread(&self) -> i64 {
        self.user.as_ref().map_or(0, |u| u.unread)
    }

    /// Whether the user answers citizens' correction requests (an officer of the registries).
    pub fn answers_corrections(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.user.role.may(hoctap_domain::access::Action::EditRegistries))
    }

    pub fn is_citizen(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.user.role == Role::Citizen)
    }

    pub fn can_manage_users(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.user.role.may(hoctap_domain::access::Action::ManageUsers))
    }

    pub fn can_edit_sites(&self) -> bool {
        self.user.as_ref().is_some_and(hoctap_app::sites::role_edits)
    }

    pub fn can_read_audit(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.user.role.may(hoctap_domain::access::Action::ReadAudit))
    }
}

pub use hoctap_app::FieldError;

/// The field message of an error a form shows beside its field (or above the form), if it is one.
pub fn field_error(e: &WebError) -> Option<FieldError> {
    match e {
        WebError::Invalid { field, message } | WebError::Conflict { field, message } | WebError::OutOfScope { field, message } => {
            Some(FieldError { field: field.clone(), message: message.clone() })
        }
        WebError::Throttled(_) | WebError::Busy | WebError::NotFound(_) | WebError::Forbidden => {
            Some(FieldError { field: String::new(), message: e.to_string() })
        }
        _ => None,
    }
}

pub fn render(t: &impl Template) -> WebResult<Response> {
    Ok(Html(t.render()?).into_response())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    status: u16,
    message: String,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if matches!(self, WebError::Unauthenticated) {
            return Redirect::to("/dang-nhap").into_response();
        }
        if matches!(self, WebError::MustChangePassword) {
            return Redirect::to("/doi-mat-khau").into_response();
        }
        let status = self.status();
        let page = ErrorPage {
            chrome: Chrome { title: "Có lỗi".into(), user: None, csrf: String::new() },
            status: status.as_u16(),
            message: self.to_string(),
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, self.to_string()).into_response(),
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    username: String,
    errors: Vec<FieldError>,
}

async fn login_form(State(state): State<AppState>) -> WebResult<Response> {
    login_page(&state, String::new(), Vec::new(), StatusCode::OK)
}

fn login_page(state: &AppState, username: String, errors: Vec<FieldError>, status: StatusCode) -> WebResult<Response> {
    let csrf = auth::random_token(16);
    let page = LoginPage { chrome: Chrome { title: "Đăng nhập".into(), user: None, csrf: csrf.clone() }, username, errors };
    let cookie = auth::set_cookie(LOGIN_CSRF_COOKIE, &csrf, 3600, state.secure_cookies);
    Ok((status, [(header::SET_COOKIE, cookie)], Html(page.render()?)).into_response())
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

async fn login(
    State(state): State<AppState>,
    addr: crate::ClientAddr,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> WebResult<Response> {
    let expected = auth::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !auth::constant_time_eq(expected.as_bytes(), f.csrf.as_bytes()) {
        return login_page(
            &state,
            f.username,
            vec![FieldError { field: String::new(), message: WebError::Csrf.to_string() }],
            StatusCode::FORBIDDEN,
        );
    }
    let mut errors = Vec::new();
    if f.username.trim().is_empty() {
        errors.push(FieldError { field: "username".into(), message: "Nhập tên đăng nhập".into() });
    }
    if f.password.is_empty() {
        errors.push(FieldError { field: "password".into(), message: "Nhập mật khẩu".into() });
    }
    if !errors.is_empty() {
        return login_page(&state, f.username, errors, StatusCode::UNPROCESSABLE_ENTITY);
    }
    match hoctap_app::login::authenticate(&state.store, addr.0, &f.username, &f.password).await.map_err(WebError::from) {
        Ok(user) => {
            let (cookie, _) = auth::start_session(&state, user.id).await?;
            let to = if user.must_change_password { "/doi-mat-khau" } else { "/" };
            Ok(([(header::SET_COOKIE, cookie)], Redirect::to(to)).into_response())
        }
        Err(e) => {
            let status = e.status();
            let errors = field_error(&e).map(|x| vec![x]).ok_or(e)?;
            login_page(&state, f.username, errors, status)
        }
    }
}

async fn logout(State(state): State<AppState>, user: CurrentUser, _: CsrfForm<auth::NoFields>) -> WebResult<Response> {
    hoctap_app::login::logout(&state.store, &user).await?;
    let cookie = auth::set_cookie(SESSION_COOKIE, "", 0, state.secure_cookies);
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/dang-nhap")).into_response())
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    chrome: Chrome,
    errors: Vec<FieldError>,
    done: bool,
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    #[serde(default)]
    xong: Option<String>,
}

async fn password_form(user: CurrentUser, Query(q): Query<DoneQuery>) -> WebResult<Response> {
    render(&PasswordPage { chrome: Chrome::new("Đổi mật khẩu", &user), errors: Vec::new(), done: q.xong.is_some() })
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm: String,
}

async fn change_password(State(state): State<AppState>, user: CurrentUser, CsrfForm(f): CsrfForm<PasswordForm>) -> WebResult<Response> {
    let mut errors = Vec::new();
    if !hoctap_app::users::is_current_password(&user, &f.current).await? {
        errors.push(FieldError { field: "current".into(), message: "Mật khẩu hiện tại không đúng".into() });
    }
    match NewPassword::parse(&f.new_password) {
        Err(e) => errors.push(FieldError { field: "new_password".into(), message: capitalise(&e.to_string()) }),
        Ok(_) if f.new_password != f.confirm => {
            errors.push(FieldError { field: "confirm".into(), message: "Mật khẩu nhập lại không khớp".into() })
        }
        Ok(_) => {}
    }
    if !errors.is_empty() {
        let page = PasswordPage { chrome: Chrome::new("Đổi mật khẩu", &user), errors, done: false };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response());
    }
    let p = NewPassword::parse(&f.new_password).map_err(|e| WebError::invalid("new_password", e.to_string()))?;
    hoctap_app::users::change_password(&state.store, &user, &p).await?;
    // The change ends every session; start a fresh one for this browser.
    let (cookie, _) = auth::start_session(&state, user.user.id).await?;
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/doi-mat-khau?xong=1")).into_response())
}

/// Success messages travel to the next page in a short-lived HttpOnly cookie, not in the
/// URL: a link cannot make the site display words it never said.
pub const FLASH_COOKIE: &str = "hoctap_flash";

/// Redirects after a successful form, carrying the message.
pub fn flash_redirect(state: &AppState, to: &str, message: &str) -> Response {
    let cookie = format!(
        "{FLASH_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60{}",
        units::urlencode(message),
        if state.secure_cookies { "; Secure" } else { "" }
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to(to)).into_response()
}

/// The answer to a form post: when the write succeeded, a redirect to the page it names with
/// its message; when it was refused for a named field, the form's page again (`page` builds
/// it with the error) under the refusal's status (422, 409…); any other error as it is. A
/// refusal of the role (403) or of the scope (404) is never shown on the object's page: the
/// user may not see it.
pub async fn after_post<T, Fut, To, Message>(
    state: &AppState,
    result: WebResult<(To, Message)>,
    page: impl FnOnce(Vec<FieldError>) -> Fut,
) -> WebResult<Response>
where
    T: Template,
    Fut: std::future::Future<Output = WebResult<T>>,
    To: AsRef<str>,
    Message: AsRef<str>,
{
    match result {
        Ok((to, message)) => Ok(flash_redirect(state, to.as_ref(), message.as_ref())),
        Err(e @ (WebError::Forbidden | WebError::NotFound(_))) => Err(e),
        Err(e) => {
            let status = e.status();
            let errors = field_error(&e).map(|x| vec![x]).ok_or(e)?;
            Ok((status, Html(page(errors).await?.render()?)).into_response())
        }
    }
}

/// The message left by the previous request, if any.
pub fn take_flash(headers: &HeaderMap) -> Option<String> {
    auth::cookie(headers, FLASH_COOKIE).map(|v| urldecode(&v)).filter(|m| !m.is_empty())
}

/// A page that shows the message the previous request left, if any, and clears it: `page`
/// builds the page with that message.
pub async fn page_with_flash<T, Fut>(headers: &HeaderMap, page: impl FnOnce(Option<String>) -> Fut) -> WebResult<Response>
where
    T: Template,
    Fut: std::future::Future<Output = WebResult<T>>,
{
    let done = take_flash(headers);
    let shown = done.is_some();
    render_with_flash(&page(done).await?, shown)
}

/// Renders a page that may show a flash message, clearing the cookie once shown.
pub fn render_with_flash(t: &impl Template, shown: bool) -> WebResult<Response> {
    let html = Html(t.render()?);
    if shown {
        Ok(([(header::SET_COOKIE, format!("{FLASH_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"))], html).into_response())
    } else {
        Ok(html.into_response())
    }
}

fn urldecode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let hex = b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (c, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An uploaded form: the file (name and bytes) and the other fields as text.
#[derive(Default)]
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub fields: std::collections::BTreeMap<String, String>,
}

impl Upload {
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or("")
    }
}

/// Reads a multipart form whose file field is named `file`.
pub async fn read_upload(mut mp: axum::extract::Multipart) -> WebResult<Upload> {
    let mut up = Upload::default();
    while let Some(field) = mp.next_field().await? {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            // A form may offer two ways to one file (a file, or a photo from the camera): the
            // one the user chose is the part with bytes.
            if !up.bytes.is_empty() {
                let _ = field.bytes().await?;
                continue;
            }
            up.file_name =
                field.file_name().unwrap_or("tep").chars().filter(|c| !c.is_control() && !matches!(c, '"' | '/' | '\\')).collect();
            up.bytes = field.bytes().await?.to_vec();
        } else {
            up.fields.insert(name, field.text().await?);
        }
    }
    Ok(up)
}

/// The content type of XLSX files.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A file for the browser: `attachment` to save it, `inline` to show it (PDF).
pub fn file_response(bytes: Vec<u8>, content_type: &str, disposition: &str, name: &str) -> Response {
    use axum::http::header;
    (
        [(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, format!("{disposition}; filename=\"{name}\""))],
        bytes,
    )
        .into_response()
}

/// A file to save.
pub fn download(bytes: Vec<u8>, content_type: &str, name: &str) -> Response {
    file_response(bytes, content_type, "attachment", name)
}

pub use hoctap_app::capitalise;
