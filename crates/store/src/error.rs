//! The store's error type. The web crate maps each variant to an HTTP status and a
//! Vietnamese message in one place.

use hoctap_domain::hierarchy::ReorgError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("địa chỉ cơ sở dữ liệu không hợp lệ: {0} (dùng sqlite://tệp.db hoặc postgres://…)")]
    BadUrl(String),
    #[error("lỗi cơ sở dữ liệu: {0}")]
    Db(#[from] sqlx::Error),
    #[error("không tìm thấy {0}")]
    NotFound(&'static str),
    /// A value the caller sent is not acceptable; `field` names the form field or column.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The change would clash with what is stored (duplicate name, code in use…).
    #[error("{field}: {message}")]
    Conflict { field: String, message: String },
    #[error("{0}")]
    Reorg(#[from] ReorgError),
    #[error("dữ liệu lưu trữ không hợp lệ: {0}")]
    Corrupt(String),
}

impl StoreError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid { field: field.to_string(), message: message.into() }
    }

    /// PostgreSQL refused text it cannot hold: U+0000 in a text value (22021) or in JSON (22P05).
    pub fn is_unstorable_text(&self) -> bool {
        match self {
            Self::Db(sqlx::Error::Database(d)) => matches!(d.code().as_deref(), Some("22021" | "22P05")),
            _ => false,
        }
    }

    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        Self::Conflict { field: field.to_string(), message: message.into() }
    }

    /// A database error, told as a conflict on `field` when it is a unique-key violation.
    pub fn unique_as(e: sqlx::Error, field: &str, message: impl FnOnce() -> String) -> Self {
        let e = Self::from(e);
        if e.is_unique_violation() { Self::conflict(field, message()) } else { e }
    }

    /// True for a unique-key violation reported by either engine.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            Self::Db(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }
}
