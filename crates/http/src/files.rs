//! Reading an uploaded form and sending a file back, for pages and the API alike.

use crate::error::WebResult;
use axum::response::{IntoResponse, Response};

/// Reads a multipart form whose file field is named `file`.
pub async fn read_upload(mut mp: axum::extract::Multipart) -> WebResult<hoctap_app::upload::Upload> {
    let mut up = hoctap_app::upload::Upload::default();
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

/// A file to save, streamed from an open file in 64 KB pieces (an export of a province is
/// hundreds of megabytes; it is never read into memory).
pub fn download_file(file: std::fs::File, content_type: &str, name: &str) -> Response {
    use axum::http::header;
    let length = file.metadata().map(|m| m.len()).ok();
    let chunks = futures_util::stream::unfold(Some(tokio::fs::File::from_std(file)), |file| async move {
        let mut file = file?;
        let mut buf = vec![0u8; 64 * 1024];
        match tokio::io::AsyncReadExt::read(&mut file, &mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(buf), Some(file)))
            }
            // The response ends in an error (the client sees a failed download, not a short file).
            Err(e) => Some((Err::<Vec<u8>, std::io::Error>(e), None)),
        }
    });
    let mut response = (
        [(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""))],
        axum::body::Body::from_stream(chunks),
    )
        .into_response();
    if let Some(n) = length {
        response.headers_mut().insert(header::CONTENT_LENGTH, header::HeaderValue::from(n));
    }
    response
}
