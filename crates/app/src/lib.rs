//! The application layer of Hoctap: every use case the pages, the JSON API and the CLI share.
//! A use case takes the [`CurrentUser`] and plain inputs, checks the role (403), then the scope
//! of the object (404), then the input (422), and returns plain outputs or one [`AppError`];
//! the web crate turns that error into HTTP and its page or JSON shape in one place.
//! Nothing here knows HTTP: no axum, no cookies, no templates.

/// The future of a public async function of this crate, boxed: rustc compiles an async body again
/// in every crate that awaits it (release builds share no generic code, and a body counts as one),
/// so the pages, the API and the commands compiled this crate's bodies once more each. Behind a
/// box the body is compiled here only; the allocation is nothing beside a statement.
pub type BoxFut<'fut, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'fut>>;

pub mod association;
pub mod audit;
pub mod boards;
pub mod bulk;
pub mod citizen;
pub mod criteria;
pub mod cursor;
pub mod dashboard;
pub mod decisions;
pub mod dossiers;
pub mod error;
pub mod format;
pub mod home;
pub mod kept;
pub mod learning;
pub mod login;
pub mod mail;
pub mod movement;
pub mod notify;
pub mod registries;
pub mod secret;
pub mod sites;
pub mod sync;
pub mod units;
pub mod upload;
pub mod user;
pub mod users;
pub mod year_tasks;

pub use error::{AppError, AppResult};
pub use user::CurrentUser;

/// A message tied to a form field, shown in the error summary and beside the field.
#[derive(Debug, Clone)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Upper-cases the first letter: the domain's messages start small, a form shows them as sentences.
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
