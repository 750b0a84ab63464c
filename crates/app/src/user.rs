//! The user a use case acts for.

use crate::{AppError, AppResult};
use hoctap_domain::access::{Action, Role};
use hoctap_store::{Actor, Store, UserRow};

/// The logged-in user of a request: the account, and its session's CSRF token and the hash of
/// its session id (what a logout or a password change ends).
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: UserRow,
    pub csrf: String,
    pub session_hash: String,
    /// Unread notifications when the request came in (the header's bell).
    pub unread: i64,
}

impl CurrentUser {
    /// Who writes, as the audit log names it.
    pub fn actor(&self) -> Actor {
        Actor { user_id: Some(self.user.id), username: self.user.username.clone(), unit_id: Some(self.user.unit_id) }
    }

    pub fn is_admin(&self) -> bool {
        self.user.role == Role::SystemAdmin
    }

    /// The subtree the user is limited to (None for the national roles: everything).
    pub fn scope(&self) -> Option<i64> {
        if self.user.role.national() { None } else { Some(self.user.unit_id) }
    }

    /// Fails with 403 when the role may not do this.
    pub fn require(&self, action: Action) -> AppResult<()> {
        if self.user.role.may(action) { Ok(()) } else { Err(AppError::Forbidden) }
    }

    /// Fails with 403 unless the token is the session's.
    pub fn check_csrf(&self, token: &str) -> AppResult<()> {
        if crate::secret::constant_time_eq(token.as_bytes(), self.csrf.as_bytes()) { Ok(()) } else { Err(AppError::Csrf) }
    }

    /// Whether a unit is inside the user's scope as at today.
    #[inline(never)]
    pub fn sees<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, store: &'l2 Store, unit_id: i64) -> crate::BoxFut<'fut, AppResult<bool>> {
        Box::pin(async move {
            match self.scope() {
                None => Ok(true),
                Some(scope) => Ok(store.in_scope(scope, unit_id, hoctap_store::today()).await?),
            }
        })
    }

    /// Fails with 404 when the unit is outside the scope.
    #[inline(never)]
    pub fn require_sees<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        store: &'l2 Store,
        unit_id: i64,
        what: &'static str,
    ) -> crate::BoxFut<'fut, AppResult<()>> {
        Box::pin(async move { if self.sees(store, unit_id).await? { Ok(()) } else { Err(AppError::NotFound(what)) } })
    }
}
