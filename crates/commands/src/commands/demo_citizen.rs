//! The demo citizen (020190001234) in the citizens' registry of the demo commune, under a
//! middle name the registry got wrong (Lục Văn Dân; her account says Lục Thị Dân, as the CCCD's
//! sex digit does): what the demo's correction request puts right,
//! a member of the household recognised "Gia đình học tập" (so the citizen's page has a
//! certificate to download and a QR to show), with a few notifications in the bell.

use hoctap_domain::registry::def::{CITIZENS, HOUSEHOLDS, Value, Values};
use hoctap_domain::unit::UnitCode;
use hoctap_store::{Actor, NewNotification, RegistryQuery, Store};

pub const DEMO_CITIZEN: &str = "020190001234";

/// Writes the demo citizen's record (in the household `HGD-MAU-01` when the demo has it) and
/// their notifications; returns the record's id.
pub async fn seed_citizen(store: &Store, commune: i64) -> Result<i64, Box<dyn std::error::Error>> {
    let today = hoctap_store::today();
    let actor = Actor::system("dữ liệu mẫu");
    let village = store.children(commune, today).await?.into_iter().next().ok_or("xã mẫu chưa có thôn")?;
    let q = RegistryQuery { scope: Some(commune), limit: 1, filter: Some(("code", "HGD-MAU-01".into())), ..Default::default() };
    let household = store.registry_list(&HOUSEHOLDS, &q, today).await?.into_iter().next();
    let mut c = Values::new();
    c.insert("cccd", Value::Text(DEMO_CITIZEN.into()));
    c.insert("full_name", Value::Text("Lục Văn Dân".into()));
    // The CCCD's fourth digit says a woman born in the 1900s, its fifth and sixth 1990.
    c.insert("birth_date", Value::Date(jiff::civil::date(1990, 5, 12)));
    c.insert("sex", Value::Text("nu".into()));
    c.insert("ethnicity", Value::Text("Tày".into()));
    c.insert("village", Value::Unit(UnitCode::parse(&village.code)?));
    if household.is_some() {
        c.insert("household", Value::Text("HGD-MAU-01".into()));
        c.insert("relation", Value::Text("con".into()));
    }
    let record = store.registry_create(&actor, &CITIZENS, c, None, today).await?;
    let user = store.user_by_username(DEMO_CITIZEN).await?.ok_or("chưa có tài khoản công dân mẫu")?;
    let mut notes = Vec::new();
    if let Some(h) = household {
        for r in store.recognitions_of("household", h.id).await? {
            notes.push(NewNotification {
                user_id: user.id,
                kind: "decision".into(),
                subject: format!("Đã ban hành quyết định công nhận số {}", r.decision_id),
                body: format!("Hộ gia đình của bạn được công nhận \"{}\". Giấy chứng nhận có trong trang Thông tin của tôi.", r.title),
                link: "/cong-dan".into(),
                dedup_key: Some(format!("demo-decision:{}", r.id)),
            });
        }
    }
    notes.push(NewNotification {
        user_id: user.id,
        kind: "deadline".into(),
        subject: "Còn 7 ngày để tự đánh giá".into(),
        body: "Đợt đánh giá Công dân học tập của xã nhận tự đánh giá trong 7 ngày tới.".into(),
        link: "/tu-danh-gia".into(),
        dedup_key: Some("demo-deadline".into()),
    });
    store.notify(&notes).await?;
    Ok(record.id)
}
