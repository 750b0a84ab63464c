//! Generated and parsed files of Hoctap: spreadsheets (templates, imports, exports),
//! documents and charts. Depends only on the domain crate.
pub mod chart;
pub mod report_doc;
pub mod criteria_xlsx;
pub mod table;
pub mod table_stream;
pub mod registry_xlsx;
pub mod decision_docx;
pub mod pdf;
pub mod official_pdf;
pub mod sniff;
pub mod status_list;
