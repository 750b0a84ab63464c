//! The demo's learning (issue 16): the demo commune's learning centre with this year's courses
//! and one-off activities, their sessions and roll calls, learners from the citizens registry
//! (the demo citizen 020190001234 among them) and walk-ins, so the programme, the year's
//! report, the counters and the citizen's record show numbers.

use hoctap_domain::learning::{ActivityKind, Funding, Hours, PartnerKind, PlaceKind, TopicCode};
use hoctap_domain::registry::def::{CITIZENS, LEARNING_CENTRES, Value, Values};
use hoctap_domain::unit::UnitCode;
use hoctap_store::{Actor, Learner, NewActivity, Store};
use jiff::civil::date;
use std::collections::BTreeSet;

/// The demo citizen's account name (their CCCD).
pub const DEMO_CITIZEN: &str = "020190001234";

pub async fn seed_learning(store: &Store, commune: i64) -> Result<(), Box<dyn std::error::Error>> {
    let today = hoctap_store::today();
    let actor = Actor::system("dữ liệu mẫu");
    let commune_row = store.unit(commune).await?;
    let village = store.villages(commune, today).await?.into_iter().next().ok_or("xã mẫu chưa có thôn")?;
    let centre = match store.learning_centres(Some(commune), today).await?.into_iter().next() {
        Some(c) => c,
        None => {
            let mut c = Values::new();
            c.insert("code", Value::Text("TT-HTCD-MAU".into()));
            c.insert("name", Value::Text(format!("Trung tâm học tập cộng đồng {}", commune_row.name)));
            c.insert("commune", Value::Unit(UnitCode::parse(&commune_row.code)?));
            c.insert("manager_name", Value::Text("Hoàng Thị Xã".into()));
            c.insert("uses_it", Value::Bool(true));
            let r = store.registry_create(&actor, &LEARNING_CENTRES, c, None, today).await?;
            store.learning_centre(r.id).await?
        }
    };
    // The demo citizen's own record in the registry (the account logs in with the CCCD).
    let me = match store.learning_citizen_by_cccd(DEMO_CITIZEN).await? {
        Some(c) => c.0,
        None => {
            let mut p = Values::new();
            p.insert("cccd", Value::Text(DEMO_CITIZEN.into()));
            p.insert("full_name", Value::Text("Lục Văn Dân".into()));
            p.insert("birth_date", Value::Date(date(1990, 3, 15)));
            // Digit 4 of the CCCD (1): born in the 1900s, registered female.
            p.insert("sex", Value::Text("nu".into()));
            p.insert("ethnicity", Value::Text("Tày".into()));
            p.insert("village", Value::Unit(UnitCode::parse(&village.code)?));
            store.registry_create(&actor, &CITIZENS, p, None, today).await?.id
        }
    };
    let others: Vec<i64> = store
        .registry_list(&CITIZENS, &hoctap_store::RegistryQuery { scope: Some(commune), limit: 12, ..Default::default() }, today)
        .await?
        .into_iter()
        .map(|r| r.id)
        .filter(|id| *id != me)
        .collect();
    let year = today.year();
    // (kind, title, topic, place, teacher, partner, funding, sessions (month, day, hours), with the demo citizen)
    type Plan<'a> = (ActivityKind, &'a str, &'a str, PlaceKind, &'a str, PartnerKind, Funding, &'a [(i8, i8, i64)], bool);
    let plans: [Plan; 4] = [
        (
            ActivityKind::KhoaHoc,
            "Sử dụng điện thoại thông minh và dịch vụ công trực tuyến",
            "ky-nang-so",
            PlaceKind::TaiTrungTam,
            "Hoàng Văn Giảng",
            PartnerKind::TruongHoc,
            Funding::NganSach,
            &[(3, 4, 20), (3, 11, 20), (3, 18, 20)],
            true,
        ),
        (
            ActivityKind::KhoaHoc,
            "Kỹ thuật trồng rau an toàn",
            "nong-nghiep",
            PlaceKind::NhaVanHoa,
            "Trạm khuyến nông",
            PartnerKind::KhuyenNong,
            Funding::XaHoiHoa,
            &[(4, 8, 30), (4, 15, 30)],
            true,
        ),
        (
            ActivityKind::ChuyenDe,
            "Phổ biến Luật Đất đai 2024",
            "phap-luat",
            PlaceKind::NhaVanHoa,
            "Phòng Tư pháp",
            PartnerKind::Khong,
            Funding::NganSach,
            &[(5, 20, 15)],
            true,
        ),
        (
            ActivityKind::ChuyenDe,
            "Chăm sóc sức khỏe người cao tuổi",
            "suc-khoe",
            PlaceKind::TaiTrungTam,
            "Trạm y tế xã",
            PartnerKind::Hoi,
            Funding::HoiKhuyenHoc,
            &[(9, 9, 20)],
            false,
        ),
    ];
    for (kind, title, topic, place_kind, teacher, partner_kind, funding, sessions, with_me) in plans {
        let first = sessions.first().map(|(m, d, _)| date(year, *m, *d)).unwrap_or(today);
        let last = sessions.last().map(|(m, d, _)| date(year, *m, *d)).unwrap_or(first);
        let id = store
            .activity_create(
                &actor,
                &centre,
                &NewActivity {
                    kind,
                    title: title.into(),
                    topic: TopicCode::parse(topic)?,
                    starts_on: first,
                    ends_on: last,
                    place_kind,
                    place: if place_kind == PlaceKind::NhaVanHoa { format!("Nhà văn hóa {}", village.name) } else { String::new() },
                    teacher: teacher.into(),
                    partner_kind,
                    partner: String::new(),
                    capacity: Some(40),
                    funding,
                    note: String::new(),
                },
            )
            .await?;
        let activity = store.activity(id).await?;
        let mut enrolled = Vec::new();
        if with_me {
            enrolled.push(store.enrol(&actor, &activity, &Learner::Citizen(me)).await?);
        }
        for c in &others {
            enrolled.push(store.enrol(&actor, &activity, &Learner::Citizen(*c)).await?);
        }
        let walk_in =
            Learner::WalkIn { full_name: "Nông Văn Vãng".into(), birth_year: 1956, sex: "nam".into(), village_id: Some(village.id) };
        enrolled.push(store.enrol(&actor, &activity, &walk_in).await?);
        let mut rolls = Vec::new();
        for (n, (m, d, hours)) in sessions.iter().enumerate() {
            let sid = store.session_add(&actor, &activity, date(year, *m, *d), Hours(*hours), "").await?;
            // Everyone the first time; then one in four misses a session (never the demo citizen).
            let present: BTreeSet<i64> = enrolled.iter().enumerate().filter(|(i, _)| n == 0 || i % 4 != 3).map(|(_, e)| *e).collect();
            rolls.push((sid, present));
        }
        store.roll_calls(&actor, &activity, &rolls).await?;
    }
    Ok(())
}
