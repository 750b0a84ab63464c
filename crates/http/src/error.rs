//! The web crate's error type and the one place where errors become HTTP responses:
//! JSON `{ "error": { "message", "field" } }` under `/api`, an HTML page elsewhere.

use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::rejection::{BytesRejection, FormRejection, JsonRejection, StringRejection};
use axum::http::StatusCode;
use hoctap_store::StoreError;

/// The largest file a user may send, in MB, named in the 413 message.
pub const MAX_BODY_MB: usize = hoctap_docs::table::MAX_UPLOAD_BYTES / (1024 * 1024);
/// The largest request body the server reads: a file at its limit and a form's other fields.
pub const MAX_BODY_BYTES: usize = hoctap_docs::table::MAX_UPLOAD_BYTES + 1024 * 1024;

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
    /// 413: the request body is larger than the server takes.
    #[error("dữ liệu gửi lên quá lớn: tối đa {} MB", MAX_BODY_MB)]
    TooLarge,
    /// 415: the body is not of the kind the operation reads (`field` names the header).
    #[error("{message}")]
    UnsupportedMediaType { field: String, message: String },
    /// 405: the path exists, not with this method.
    #[error("đường dẫn này không nhận phương thức {0}")]
    MethodNotAllowed(String),
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
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Invalid { field, .. }
            | Self::Conflict { field, .. }
            | Self::OutOfScope { field, .. }
            | Self::UnsupportedMediaType { field, .. } => Some(field),
            Self::TooLarge => Some("body"),
            _ => None,
        }
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        hoctap_app::AppError::internal(e).into()
    }
}

/// The response for an error raised outside a handler (middleware): JSON under `/api`, the
/// HTML error page (or the redirect it implies) elsewhere.
pub fn respond(path: &str, e: WebError) -> axum::response::Response {
    use axum::response::IntoResponse;
    if is_api(path) { ApiError(e).into_response() } else { e.into_response() }
}

/// Whether a path belongs to the JSON API, which answers errors as JSON.
pub fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// Renders the HTML error page (status, message); the pages crate provides it, the server
/// registers it at start-up. Without it (a unit test) the page is the message as plain text.
type ErrorPageFn = fn(u16, &str) -> Option<String>;

static ERROR_PAGE: std::sync::OnceLock<ErrorPageFn> = std::sync::OnceLock::new();

/// Registers the HTML error page once; later calls keep the first.
pub fn set_error_page(render: ErrorPageFn) {
    let _ = ERROR_PAGE.set(render);
}

impl axum::response::IntoResponse for WebError {
    fn into_response(self) -> axum::response::Response {
        use axum::response::{Html, Redirect};
        if matches!(self, WebError::Unauthenticated) {
            return Redirect::to("/dang-nhap").into_response();
        }
        if matches!(self, WebError::MustChangePassword) {
            return Redirect::to("/doi-mat-khau").into_response();
        }
        let status = self.status();
        let message = self.to_string();
        match ERROR_PAGE.get().and_then(|render| render(status.as_u16(), &message)) {
            Some(html) => (status, Html(html)).into_response(),
            None => (status, message).into_response(),
        }
    }
}

/// An error rendered as JSON.
pub struct ApiError(pub WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl axum::response::IntoResponse for ApiError {
    fn into_response(self) -> axum::response::Response {
        let e = self.0;
        axum::response::IntoResponse::into_response((
            e.status(),
            axum::Json(serde_json::json!({"error": {"message": e.to_string(), "field": e.field()}})),
        ))
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        hoctap_app::AppError::from(e).into()
    }
}

/// The application's errors keep their words; this gives each its status.
impl From<hoctap_app::AppError> for WebError {
    fn from(e: hoctap_app::AppError) -> Self {
        use hoctap_app::AppError as A;
        match e {
            A::Forbidden => Self::Forbidden,
            A::Csrf => Self::Csrf,
            A::OutOfScope { field, message } => Self::OutOfScope { field, message },
            A::NotFound(what) => Self::NotFound(what),
            A::Invalid { field, message } => Self::Invalid { field, message },
            A::Conflict { field, message } => Self::Conflict { field, message },
            A::Throttled(secs) => Self::Throttled(secs),
            A::Busy => Self::Busy,
            A::Internal(id) => Self::Internal(id),
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        Self::internal(e)
    }
}

// ---- The framework's rejections, in the same words as every other error ----
//
// Each names the field it can (a path parameter, a query parameter, a JSON member by its path
// such as `operation.kind`, or `body`) and never repeats the value sent (it may be personal data).

impl WebError {
    /// The answer to a rejection the framework decided by status only.
    pub fn from_status(status: StatusCode, field: &str) -> Self {
        match status {
            StatusCode::PAYLOAD_TOO_LARGE => Self::TooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::UnsupportedMediaType {
                field: "content-type".into(),
                message: "Kiểu dữ liệu gửi lên (Content-Type) không phù hợp với thao tác này".into(),
            },
            StatusCode::METHOD_NOT_ALLOWED => Self::MethodNotAllowed(String::new()),
            StatusCode::NOT_FOUND => Self::NotFound("đường dẫn"),
            StatusCode::UNAUTHORIZED => Self::Unauthenticated,
            StatusCode::FORBIDDEN => Self::Forbidden,
            _ => Self::invalid(field, "Dữ liệu gửi lên không hợp lệ"),
        }
    }

    /// A value that did not parse: `what` says where it was ("tham số", "trường"), `field`
    /// its name, `serde` the deserializer's (English) message.
    pub fn unparsable(what: &str, field: &str, serde: &str) -> Self {
        let (missing, reason) = serde_reason(serde);
        let field = match missing {
            Some(m) if field.is_empty() || field == "body" => m,
            Some(m) => format!("{field}.{m}"),
            None if field.is_empty() => "body".to_string(),
            None => field.to_string(),
        };
        Self::Invalid { message: format!("{what} \"{field}\": {reason}"), field }
    }

    /// A JSON body: its content type, its syntax, then each member against the expected type.
    pub fn json_body(e: &serde_path_to_error::Error<serde_json::Error>) -> Self {
        use serde_json::error::Category;
        match e.inner().classify() {
            Category::Syntax | Category::Eof | Category::Io => Self::invalid(
                "body",
                format!("Dữ liệu JSON không hợp lệ (dòng {}, cột {}): {}", e.inner().line(), e.inner().column(), syntax_reason(e.inner())),
            ),
            Category::Data => Self::unparsable("Trường", &json_path(e.path()), &e.inner().to_string()),
        }
    }

    /// Text holding U+0000 (NUL), which no engine is asked to store or compare.
    pub fn nul(what: &str, field: &str) -> Self {
        Self::invalid(field, format!("{what}: không được chứa ký tự U+0000 (NUL)"))
    }

    pub fn json_content_type() -> Self {
        Self::UnsupportedMediaType { field: "content-type".into(), message: "Cần tiêu đề Content-Type: application/json".into() }
    }
}

/// `operation.units[0].code`; the body itself is `body`.
fn json_path(p: &serde_path_to_error::Path) -> String {
    let s = p.to_string();
    if s == "." { String::new() } else { s }
}

fn syntax_reason(e: &serde_json::Error) -> &'static str {
    if e.is_eof() {
        "dữ liệu bị cắt giữa chừng"
    } else {
        let m = e.to_string();
        if m.starts_with("trailing characters") {
            "có ký tự thừa sau giá trị JSON"
        } else if m.starts_with("expected value") {
            "cần một giá trị JSON"
        } else {
            "sai cú pháp"
        }
    }
}

/// A missing member's name, and what was wrong in Vietnamese, from serde's message.
fn serde_reason(m: &str) -> (Option<String>, String) {
    let quoted = |s: &str| s.split('`').nth(1).map(str::to_string);
    if let Some(rest) = m.strip_prefix("missing field ") {
        return (quoted(rest), "bắt buộc phải có".into());
    }
    if m.starts_with("unknown variant") {
        let allowed: Vec<&str> = m.split("expected ").nth(1).unwrap_or("").split('`').skip(1).step_by(2).collect();
        return (None, format!("giá trị không hợp lệ; chỉ nhận: {}", allowed.join(", ")));
    }
    if m.starts_with("unknown field") {
        return (None, "trường này không có trong thao tác".into());
    }
    if m.starts_with("duplicate field") {
        return (None, "bị lặp lại".into());
    }
    if m.starts_with("invalid digit") || m.starts_with("cannot parse integer") {
        return (None, "cần một số nguyên".into());
    }
    if m.starts_with("number too large") || m.starts_with("number too small") || m.contains("out of range") {
        return (None, "số nằm ngoài giới hạn cho phép".into());
    }
    if m.contains("`true` or `false`") {
        return (None, "cần true hoặc false".into());
    }
    if m.starts_with("invalid float literal") {
        return (None, "cần một số".into());
    }
    let expected = m.split(", expected ").nth(1).unwrap_or("");
    let expected = expected.split(" at line ").next().unwrap_or(expected);
    let kind = match expected {
        "a string" | "a borrowed string" | "a character" => "chuỗi ký tự",
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize" | "isize" | "an integer" => "số nguyên",
        "f32" | "f64" | "a number" => "số",
        "a boolean" => "true hoặc false",
        "a sequence" => "một mảng JSON",
        "unit" => "null",
        e if e.starts_with("struct ") || e.starts_with("a map") || e.starts_with("a JSON object") => "một đối tượng JSON",
        _ => "",
    };
    if m.starts_with("invalid type") && !kind.is_empty() {
        (None, format!("sai kiểu dữ liệu; cần {kind}"))
    } else if m.starts_with("invalid length") {
        (None, "số phần tử không hợp lệ".into())
    } else {
        (None, "giá trị không hợp lệ".into())
    }
}

impl From<BytesRejection> for WebError {
    fn from(e: BytesRejection) -> Self {
        Self::from_status(e.status(), "body")
    }
}

impl From<StringRejection> for WebError {
    fn from(e: StringRejection) -> Self {
        match e {
            StringRejection::InvalidUtf8(_) => Self::invalid("body", "Dữ liệu gửi lên phải là văn bản UTF-8"),
            other => Self::from_status(other.status(), "body"),
        }
    }
}

impl From<JsonRejection> for WebError {
    fn from(e: JsonRejection) -> Self {
        match e {
            JsonRejection::MissingJsonContentType(_) => Self::json_content_type(),
            other => Self::from_status(other.status(), "body"),
        }
    }
}

impl From<FormRejection> for WebError {
    fn from(e: FormRejection) -> Self {
        Self::from_status(e.status(), "body")
    }
}

impl From<MultipartRejection> for WebError {
    fn from(e: MultipartRejection) -> Self {
        match e {
            MultipartRejection::InvalidBoundary(_) => {
                Self::UnsupportedMediaType { field: "content-type".into(), message: "Cần gửi tệp dạng multipart/form-data".into() }
            }
            other => Self::from_status(other.status(), "file"),
        }
    }
}

impl From<MultipartError> for WebError {
    fn from(e: MultipartError) -> Self {
        match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Self::TooLarge,
            _ => Self::invalid("file", "Tải tệp lỗi: dữ liệu multipart/form-data không đọc được"),
        }
    }
}

pub type WebResult<T> = Result<T, WebError>;
