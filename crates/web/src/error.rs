//! The web crate's error type and the one place where errors become HTTP responses:
//! JSON `{ "error": { "message", "field" } }` under `/api`, an HTML page elsewhere.

use axum::http::StatusCode;
use hoctap_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// 401: not logged in.
    #[error("bạn cần đăng nhập")]
    Unauthenticated,
    /// 403: the role may not do this.
    #[error("vai trò của bạn không được thực hiện thao tác này")]
    Forbidden,
    /// 403: missing or wrong CSRF token.
    #[error("phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ; hãy tải lại trang và thử lại")]
    Csrf,
    /// 403: the target is outside the user's unit scope (a field can be named).
    #[error("{message}")]
    OutOfScope { field: String, message: String },
    /// 404: absent, or outside the user's scope (the two are not told apart on purpose).
    #[error("không tìm thấy {0}")]
    NotFound(&'static str),
    /// 422: bad input; `field` names the field or column.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// 409: clashes with stored data.
    #[error("{message}")]
    Conflict { field: String, message: String },
    /// 429: too many failed logins.
    #[error("đăng nhập sai quá nhiều lần; hãy thử lại sau {0} giây")]
    Throttled(i64),
    /// 403 (pages: a redirect to the form): the password must be changed first.
    #[error("bạn phải đổi mật khẩu trước khi tiếp tục (Đổi mật khẩu: /doi-mat-khau)")]
    MustChangePassword,
    /// 503: too many logins being checked at once; the pages of logged-in users go first.
    #[error("máy chủ đang bận kiểm tra đăng nhập; hãy thử lại sau vài giây")]
    Busy,
    /// 500: logged in full, shown with an operation id only.
    #[error("lỗi hệ thống (mã {0}); hãy thử lại hoặc báo quản trị viên kèm mã này")]
    Internal(String),
}

impl WebError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid { field: field.to_string(), message: message.into() }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::Csrf | Self::OutOfScope { .. } | Self::MustChangePassword => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Invalid { field, .. } | Self::Conflict { field, .. } | Self::OutOfScope { field, .. } => Some(field),
            _ => None,
        }
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        let id = crate::auth::random_token(6);
        tracing::error!(operation = %id, error = %e, "lỗi hệ thống");
        Self::Internal(id)
    }
}

/// The response for an error raised outside a handler (middleware): JSON under `/api`, the
/// HTML error page (or the redirect it implies) elsewhere.
pub fn respond(path: &str, e: WebError) -> axum::response::Response {
    use axum::response::IntoResponse;
    if path.starts_with("/api/") { crate::api::ApiError(e).into_response() } else { e.into_response() }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Self::NotFound(what),
            StoreError::Invalid { field, message } => Self::Invalid { field, message },
            StoreError::Conflict { field, message } => Self::Conflict { field, message },
            StoreError::Reorg(r) => Self::Invalid { field: "reorganisation".into(), message: r.to_string() },
            other => Self::internal(other),
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        Self::internal(e)
    }
}

pub type WebResult<T> = Result<T, WebError>;
