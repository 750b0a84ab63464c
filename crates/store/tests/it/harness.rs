//! Fresh databases for the store's tests: all admin units, the shipped criteria sets and plans,
//! and the demo commune as `hoctap demo` starts it (four villages, its area attribute, the
//! commune's officer `xa.canbo` and the others of the demo), seeded once into a template that
//! each case copies (`crate::engines`). Nothing here starts a server: tests that need HTTP or
//! the `hoctap` command are in `crates/cli/tests/it`.

use hoctap_domain::access::{Role, Username};
use hoctap_domain::area::AreaAttribute;
use hoctap_domain::date::Validity;
use hoctap_store::{Actor, Engine, NewUser, Store};

/// The demo's province (Lạng Sơn); its first commune today is the demo commune.
pub const DEMO_PROVINCE: &str = "20";

/// Accounts of the demo commune and province (no password: these tests never log in).
const USERS: &[(&str, &str, Role, bool)] = &[
    ("quantri", "Quản trị hệ thống", Role::SystemAdmin, true),
    ("tinh.canbo", "Nguyễn Văn Tỉnh", Role::UnitOfficer, true),
    ("xa.canbo", "Hoàng Thị Xã", Role::UnitOfficer, false),
    ("xa.thamdinh", "Lương Văn Thẩm", Role::Reviewer, false),
    ("hkh.xa", "Nông Thị Hội", Role::AssociationOfficer, false),
];

/// What `hoctap demo` seeds before its optional extras (`hoctap::commands::demo::seed`),
/// without hashing passwords.
async fn seed(store: &Store) {
    let actor = Actor::system("dữ liệu mẫu");
    store.load_admin_units().await.unwrap();
    store.load_shipped_criteria(&actor).await.unwrap();
    store.load_plans(&actor, &hoctap_domain::plan::shipped_plans().unwrap()).await.unwrap();
    let today = hoctap_store::today();
    let province = store.unit_by_code(DEMO_PROVINCE, today).await.unwrap();
    let commune = store.children(province.id, today).await.unwrap()[0].clone();
    for (name, ty) in [("Thôn Nà Sla", "thôn"), ("Thôn Pò Mò", "thôn"), ("Bản Khòn Pát", "bản"), ("Tổ dân phố 1", "tổ dân phố")]
    {
        store.create_village(&actor, commune.id, name, ty, today).await.unwrap();
    }
    store
        .set_attribute(&actor, commune.id, AreaAttribute::MienNui, Validity::since(jiff::civil::date(2025, 7, 1)), "Dữ liệu mẫu")
        .await
        .unwrap();
    for (username, full_name, role, at_province) in USERS {
        let user = NewUser {
            username: &Username::parse(username).unwrap(),
            full_name,
            // Not a hash anything verifies: no test here logs in.
            password_hash: "!",
            role: *role,
            unit_id: if *at_province { province.id } else { commune.id },
            must_change_password: false,
        };
        store.create_user(&actor, user).await.unwrap();
    }
}

/// The URL of a fresh copy of the seeded database.
pub async fn fresh_url(engine: Engine) -> String {
    let key = crate::engines::template_key(&["crates/store/tests/it/harness.rs"]);
    crate::engines::fresh_url(engine, "store", &key, async |store: &Store| seed(store).await).await
}

/// A migrated store on a fresh copy of the seeded database.
pub async fn fresh_store(engine: Engine) -> Store {
    let store = Store::connect(&fresh_url(engine).await).await.unwrap();
    store.migrate().await.unwrap();
    store
}

/// The demo commune (the unit of its officer `xa.canbo`).
pub async fn demo_commune(store: &Store) -> i64 {
    store.user_by_username("xa.canbo").await.unwrap().unwrap().unit_id
}
