//! Generated and parsed files of Hoctap: spreadsheets (templates, imports, exports),
//! documents and charts. Depends only on the domain crate.
pub mod chart;
pub mod criteria_xlsx;
pub mod decision_docx;
pub mod fund_pdf;
pub mod guard;
pub mod official_pdf;
pub mod pdf;
pub mod qr;
pub mod registry_xlsx;
pub mod report_doc;
pub mod sniff;
pub mod status_list;
pub mod table;
pub mod table_stream;
pub mod tabular;
pub mod tally_xlsx;

#[cfg(test)]
mod unholdable_text_tests;
