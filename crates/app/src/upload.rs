//! Uploaded tables are read off the async runtime, a few at a time: each read runs on a
//! blocking thread ([`tokio::task::spawn_blocking`]) holding one of a small number of
//! permits, with the streaming reader ([`hoctap_docs::table_stream::stream_bytes`]), so three
//! large uploads at once neither hold a grid in memory nor keep `/healthz` waiting.

use crate::{AppError, AppResult, capitalise};
use hoctap_docs::table::{ColumnSpec, TableError, TableRow};
use hoctap_domain::registry::def::Registry;
use hoctap_store::{Actor, ImportChunk, ImportOptions, ImportRow, OutcomeSink, RegistryImportReport, Store};
use std::sync::{Arc, LazyLock};
use tokio::sync::Semaphore;

/// Files read at once: one core is left to answer requests (`HOCTAP_UPLOAD_READERS` overrides).
static READERS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map(std::num::NonZeroUsize::get).unwrap_or(2);
    let n = std::env::var("HOCTAP_UPLOAD_READERS").ok().and_then(|v| v.parse().ok()).unwrap_or(cores.saturating_sub(1)).max(1);
    Arc::new(Semaphore::new(n))
});

fn file_error(e: &TableError) -> AppError {
    AppError::invalid("file", capitalise(&e.to_string()))
}

/// Runs `read` on a blocking thread once a reader's permit is free.
pub async fn blocking_read<T: Send + 'static>(read: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    let permit = READERS.clone().acquire_owned().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(move || {
        let out = read();
        drop(permit);
        out
    })
    .await
    .map_err(AppError::internal)
}

/// Reads a whole table of at most `max_rows` data rows (a village list, not a registry).
#[inline(never)]
pub fn read_rows<'fut>(bytes: Arc<[u8]>, columns: Vec<ColumnSpec>, max_rows: usize) -> crate::BoxFut<'fut, AppResult<Vec<TableRow>>> {
    Box::pin(async move {
        let read = blocking_read(move || {
            let mut rows = Vec::new();
            let mut too_many = false;
            let r = hoctap_docs::table_stream::stream_bytes(&bytes, &columns, 1_000, |chunk| {
                rows.extend(chunk);
                too_many = rows.len() > max_rows;
                !too_many
            });
            r.map(|_| (rows, too_many))
        })
        .await?;
        let (rows, too_many) = read.map_err(|e| file_error(&e))?;
        if too_many {
            return Err(AppError::invalid("file", format!("Tệp có hơn {max_rows} dòng dữ liệu; hãy chia thành nhiều tệp")));
        }
        Ok(rows)
    })
}

/// Checks (`opts.dry_run`) or applies an uploaded registry file, streamed chunk by chunk from
/// a blocking reader into the store's import: memory stays bounded whatever the file holds,
/// and a file that turns out unreadable halfway writes nothing. `sink` sees every row's
/// outcome (the full report).
#[inline(never)]
pub fn registry_import<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l2 Store,
    actor: &'l3 Actor,
    reg: &'static Registry,
    bytes: Arc<[u8]>,
    opts: ImportOptions,
    sink: Option<OutcomeSink<'l1>>,
) -> crate::BoxFut<'fut, AppResult<RegistryImportReport>> {
    Box::pin(async move {
        let permit = READERS.clone().acquire_owned().await.map_err(AppError::internal)?;
        let (tx, rx) = tokio::sync::mpsc::channel::<ImportChunk>(2);
        let reader = tokio::task::spawn_blocking(move || {
            let specs = hoctap_docs::registry_xlsx::column_specs(reg);
            let read = hoctap_docs::table_stream::stream_bytes(&bytes, &specs, hoctap_store::IMPORT_CHUNK, |rows| {
                let chunk = rows.into_iter().map(|r| ImportRow { line: r.line, cells: r.cells, kinds: r.kinds }).collect();
                tx.blocking_send(Ok(chunk)).is_ok()
            });
            if let Err(e) = &read {
                let _ = tx.blocking_send(Err(capitalise(&e.to_string())));
            }
            drop(permit);
            read
        });
        let report = store.registry_import_observed(actor, reg, rx, opts, &mut |_| {}, sink).await;
        let read = reader.await.map_err(AppError::internal)?;
        let report = report?;
        match read {
            Ok(0) => Err(AppError::invalid("file", "Tệp không có dòng dữ liệu nào")),
            Ok(_) => Ok(report),
            Err(e) => Err(file_error(&e)),
        }
    })
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
