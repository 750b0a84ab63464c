//! Accounts of the unit's subtree: list, create, reset a password, lock and unlock; one's own
//! password change.

use crate::secret::{hash_password, verify_password};
use crate::{AppError, AppResult, CurrentUser, capitalise};
use hoctap_domain::access::{Action, NewPassword, Role, Username};
use hoctap_domain::unit::UnitCode;
use hoctap_store::{NewUser, Store, UserRow};
use serde::Deserialize;

/// The accounts the user manages.
#[inline(never)]
pub fn list<'fut, 'l1: 'fut, 'l2: 'fut>(store: &'l1 Store, user: &'l2 CurrentUser) -> crate::BoxFut<'fut, AppResult<Vec<UserRow>>> {
    Box::pin(async move {
        user.require(Action::ManageUsers)?;
        Ok(store.users(user.scope(), hoctap_store::today()).await?)
    })
}

/// A new account as typed in the form or sent to the API.
#[derive(Deserialize, Default, Clone)]
pub struct UserForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub unit_code: String,
    #[serde(default)]
    pub password: String,
}

/// Roles the user may grant, as (code, label) for forms.
pub fn grantable(user: &CurrentUser) -> Vec<(&'static str, &'static str)> {
    Role::ALL.into_iter().filter(|r| user.user.role.may_grant(*r)).map(|r| (r.code(), r.label())).collect()
}

/// Creates a user after checking role and scope; the new account must change its password.
#[inline(never)]
pub fn create_user<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    f: &'l3 UserForm,
) -> crate::BoxFut<'fut, AppResult<i64>> {
    Box::pin(async move {
        user.require(Action::ManageUsers)?;
        let username = Username::parse(&f.username).map_err(|e| AppError::invalid("username", capitalise(&e.to_string())))?;
        let role = Role::parse(&f.role).ok_or_else(|| AppError::invalid("role", "Chọn vai trò"))?;
        if !user.user.role.may_grant(role) {
            return Err(AppError::invalid("role", "Bạn không được cấp vai trò này"));
        }
        let code = UnitCode::parse(&f.unit_code).map_err(|e| AppError::invalid("unit_code", capitalise(&e.to_string())))?;
        let unit = store
            .unit_by_code(code.as_str(), hoctap_store::today())
            .await
            .map_err(|_| AppError::invalid("unit_code", format!("Không có đơn vị mã {code} đang có hiệu lực")))?;
        if !user.sees(store, unit.id).await? {
            return Err(AppError::OutOfScope {
                field: "unit_code".into(),
                message: format!("{} nằm ngoài phạm vi đơn vị của bạn", unit.name),
            });
        }
        let password = NewPassword::parse(&f.password).map_err(|e| AppError::invalid("password", capitalise(&e.to_string())))?;
        let hash = hash_password(&password)?;
        let id = store
            .create_user(
                &user.actor(),
                NewUser {
                    username: &username,
                    full_name: &f.full_name,
                    password_hash: &hash,
                    role,
                    unit_id: unit.id,
                    must_change_password: true,
                },
            )
            .await?;
        Ok(id)
    })
}

/// Loads a user the current user may manage (404 outside the scope).
#[inline(never)]
pub fn managed_user<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    id: i64,
) -> crate::BoxFut<'fut, AppResult<UserRow>> {
    Box::pin(async move {
        user.require(Action::ManageUsers)?;
        let target = store.user(id).await?;
        user.require_sees(store, target.unit_id, "người dùng").await?;
        if !user.user.role.may_grant(target.role) {
            return Err(AppError::Forbidden);
        }
        Ok(target)
    })
}

/// Loads an account whose password the current user may reset: managed by them, not their
/// own, and allowed by the four-eyes rule (`Role::may_reset_password`: only the
/// administrator resets a reviewer's or signer's password).
#[inline(never)]
pub fn reset_target<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    id: i64,
) -> crate::BoxFut<'fut, AppResult<UserRow>> {
    Box::pin(async move {
        let target = managed_user(store, user, id).await?;
        if target.id == user.user.id {
            return Err(AppError::OutOfScope {
                field: "password".into(),
                message: "Không đặt lại mật khẩu của chính mình; hãy dùng Đổi mật khẩu (cần mật khẩu hiện tại)".into(),
            });
        }
        if !user.user.role.may_reset_password(target.role) {
            return Err(AppError::OutOfScope {
                field: "password".into(),
                message: format!(
                    "Chỉ quản trị hệ thống được đặt lại mật khẩu của tài khoản {} ({}): người thẩm định và người ký kiểm tra hồ sơ do cán bộ đơn vị lập (nguyên tắc bốn mắt)",
                    target.username,
                    target.role.label()
                ),
            });
        }
        Ok(target)
    })
}

/// Sets a new password on an account found by [`reset_target`]; its owner must change it at
/// the next login, and every session of theirs ends.
#[inline(never)]
pub fn reset_password<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    target: &'l3 UserRow,
    password: &'l4 NewPassword,
) -> crate::BoxFut<'fut, AppResult<()>> {
    Box::pin(async move {
        let hash = hash_password(password)?;
        Ok(store.set_password_hash(&user.actor(), target.id, &hash, true, "user.password.reset").await?)
    })
}

/// Locks or unlocks an account the user manages, never their own.
#[inline(never)]
pub fn set_active<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    id: i64,
    active: bool,
) -> crate::BoxFut<'fut, AppResult<UserRow>> {
    Box::pin(async move {
        let target = managed_user(store, user, id).await?;
        if target.id == user.user.id {
            return Err(AppError::invalid("active", "Không thể tự khóa tài khoản của mình"));
        }
        store.set_user_active(&user.actor(), id, active).await?;
        Ok(target)
    })
}

/// Whether `current` is the user's password (argon2 on the blocking pool).
#[inline(never)]
pub fn is_current_password<'fut, 'l1: 'fut, 'l2: 'fut>(user: &'l1 CurrentUser, current: &'l2 str) -> crate::BoxFut<'fut, AppResult<bool>> {
    Box::pin(async move {
        let (hash, given) = (user.user.password_hash.clone(), current.to_string());
        tokio::task::spawn_blocking(move || verify_password(&hash, &given)).await.map_err(AppError::internal)
    })
}

/// Changes one's own password (the current one checked by the caller with
/// [`is_current_password`]); every session of the user ends.
#[inline(never)]
pub fn change_password<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    password: &'l3 NewPassword,
) -> crate::BoxFut<'fut, AppResult<()>> {
    Box::pin(async move {
        let hash = hash_password(password)?;
        Ok(store.set_password_hash(&user.actor(), user.user.id, &hash, false, "user.password.change").await?)
    })
}
