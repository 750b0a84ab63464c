//! The API's extractors: the framework's own, with every failure turned into the JSON error
//! shape in Vietnamese that names the field (`WebError`'s rejection mapping), never the
//! framework's English `text/plain`.

use super::ApiError;
use crate::error::WebError;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// Path parameters; a value that does not parse names its parameter (`id`, `slug`).
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::path::ErrorKind;
        use axum::extract::rejection::PathRejection;
        let e = match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => return Ok(Path(v)),
            Err(e) => e,
        };
        let names: Vec<String> = match RawPathParams::from_request_parts(parts, state).await {
            Ok(p) => p.iter().map(|(k, _)| k.to_string()).collect(),
            Err(_) => Vec::new(),
        };
        let name = |i: usize| names.get(i).cloned().unwrap_or_else(|| "path".into());
        let kind = |expected: &str| match expected {
            "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize" | "isize" => "cần một số nguyên",
            _ => "giá trị không hợp lệ",
        };
        let err = match e {
            PathRejection::FailedToDeserializePathParams(f) => match f.into_kind() {
                ErrorKind::ParseErrorAtKey { key, expected_type, .. } => (key, kind(expected_type)),
                ErrorKind::ParseErrorAtIndex { index, expected_type, .. } => (name(index), kind(expected_type)),
                ErrorKind::ParseError { expected_type, .. } => (name(0), kind(expected_type)),
                ErrorKind::InvalidUtf8InPathParam { key } => (key, "phải là văn bản UTF-8"),
                _ => (name(0), "giá trị không hợp lệ"),
            },
            _ => (name(0), "giá trị không hợp lệ"),
        };
        Err(ApiError(WebError::invalid(&err.0, format!("Tham số đường dẫn \"{}\": {}", err.0, err.1))))
    }
}

/// Query parameters; a value that does not parse names its parameter (`limit`, `nam`).
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de).map(Query).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." { String::new() } else { path };
            ApiError(WebError::unparsable("Tham số", &field, &e.inner().to_string()))
        })
    }
}

/// A JSON body, read when the handler asks (`body.value()?`): after it has checked the role
/// and scope, so a forbidden user hears 403, never what was wrong with the body.
pub struct Body<T>(Result<T, WebError>);

impl<T> Body<T> {
    pub fn value(self) -> Result<T, ApiError> {
        self.0.map_err(ApiError)
    }
}

impl<T, S> FromRequest<S> for Body<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| {
                let m = m.trim().to_ascii_lowercase();
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            })
            .unwrap_or(false);
        if !json {
            return Ok(Body(Err(WebError::json_content_type())));
        }
        let bytes = match axum::body::Bytes::from_request(req, state).await {
            Ok(b) => b,
            Err(e) => return Ok(Body(Err(e.into()))),
        };
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut de).map_err(|e| WebError::json_body(&e));
        let value = value.and_then(|v| {
            de.end().map(|()| v).map_err(|_| WebError::invalid("body", "Dữ liệu JSON không hợp lệ: có ký tự thừa sau giá trị JSON"))
        });
        Ok(Body(value))
    }
}
