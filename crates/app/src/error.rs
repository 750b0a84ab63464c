//! The application's one error type. Messages are Vietnamese and name the field; the web
//! crate (`hoctap_web::error`) gives each its HTTP status and shape.

use hoctap_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The role may not do this (403).
    #[error("vai trò của bạn không được thực hiện thao tác này")]
    Forbidden,
    /// Missing or wrong CSRF token (403).
    #[error("phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ; hãy tải lại trang và thử lại")]
    Csrf,
    /// The target is outside the user's unit scope, a field can be named (403).
    #[error("{message}")]
    OutOfScope { field: String, message: String },
    /// Absent, or outside the user's scope: the two are not told apart on purpose (404).
    #[error("không tìm thấy {0}")]
    NotFound(&'static str),
    /// Bad input; `field` names the field or column (422).
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// Clashes with stored data (409).
    #[error("{message}")]
    Conflict { field: String, message: String },
    /// Too many failed logins: seconds to wait (429).
    #[error("đăng nhập sai quá nhiều lần; hãy thử lại sau {0} giây")]
    Throttled(i64),
    /// Too many logins being checked at once; the pages of logged-in users go first (503).
    #[error("máy chủ đang bận kiểm tra đăng nhập; hãy thử lại sau vài giây")]
    Busy,
    /// Logged in full, shown with an operation id only (500).
    #[error("lỗi hệ thống (mã {0}); hãy thử lại hoặc báo quản trị viên kèm mã này")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid { field: field.to_string(), message: message.into() }
    }

    /// Logs the cause under a fresh operation id; the user sees the id only.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        let id = crate::secret::random_token(6);
        tracing::error!(operation = %id, error = %e, "lỗi hệ thống");
        Self::Internal(id)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Self::NotFound(what),
            StoreError::Invalid { field, message } => Self::Invalid { field, message },
            StoreError::Conflict { field, message } => Self::Conflict { field, message },
            StoreError::Reorg(r) => Self::Invalid { field: "reorganisation".into(), message: r.to_string() },
            // Text the engine cannot hold (U+0000 from a form or a file): the sender's data, not a fault.
            e if e.is_unstorable_text() => {
                Self::invalid("body", "Dữ liệu gửi lên có ký tự U+0000 (NUL), không lưu được; hãy xóa ký tự này")
            }
            other => Self::internal(other),
        }
    }
}
