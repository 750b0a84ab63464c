//! The API's extractors: the framework's own, with every failure turned into the JSON error
//! shape in Vietnamese that names the field (`WebError`'s rejection mapping), never the
//! framework's English `text/plain`.

use super::ApiError;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use hoctap_http::error::WebError;
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
        let raw: Vec<(String, bool)> = match RawPathParams::from_request_parts(parts, state).await {
            Ok(p) => p.iter().map(|(k, v)| (k.to_string(), v.contains('\0'))).collect(),
            Err(_) => Vec::new(),
        };
        if let Some((k, _)) = raw.iter().find(|(_, nul)| *nul) {
            return Err(ApiError(WebError::nul(&format!("Tham số đường dẫn \"{k}\""), k)));
        }
        let e = match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => return Ok(Path(v)),
            Err(e) => e,
        };
        let names: Vec<String> = raw.into_iter().map(|(k, _)| k).collect();
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
        if let Some((k, _)) = form_urlencoded::parse(query.as_bytes()).find(|(k, v)| k.contains('\0') || v.contains('\0')) {
            let k = k.replace('\0', "");
            return Err(ApiError(WebError::nul(&format!("Tham số \"{k}\""), &k)));
        }
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
        self.0.map_err(ApiError::from)
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
        // U+0000 cannot be stored (PostgreSQL refuses it in text and JSON): refused where it
        // enters, with the member named.
        let nul = match bytes.windows(6).any(|w| w == b"\\u0000") {
            true => serde_json::from_slice::<serde_json::Value>(&bytes).ok().and_then(|v| nul_at(&v, String::new())),
            false => None,
        };
        if let Some(field) = nul {
            let name = if field.is_empty() { "body".to_string() } else { field };
            return Ok(Body(Err(WebError::nul(&format!("Trường \"{name}\""), &name))));
        }
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut de).map_err(|e| WebError::json_body(&e));
        let value = value.and_then(|v| {
            de.end().map(|()| v).map_err(|_| WebError::invalid("body", "Dữ liệu JSON không hợp lệ: có ký tự thừa sau giá trị JSON"))
        });
        Ok(Body(value))
    }
}

/// The path (`a.b[0]`) of the first string or key holding U+0000.
fn nul_at(v: &serde_json::Value, at: String) -> Option<String> {
    use serde_json::Value;
    match v {
        Value::String(s) if s.contains('\0') => Some(at),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, x)| nul_at(x, format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, x)| {
            let here = if at.is_empty() { k.replace('\0', "") } else { format!("{at}.{}", k.replace('\0', "")) };
            if k.contains('\0') { Some(here) } else { nul_at(x, here) }
        }),
        _ => None,
    }
}
