//! The demo's public sites: the demo province's Hội Khuyến học (made here) and the demo
//! commune's, each with news (with a cover image), documents and training materials, one item
//! scheduled and one left as a draft, so the public pages and the editors' pages show something.

use hoctap_app::sites::{PostForm, solid_png, write_post};
use hoctap_domain::registry::def::{ASSOCIATION_BRANCHES, Value, Values};
use hoctap_domain::site::Status;
use hoctap_domain::unit::UnitCode;
use hoctap_store::{Actor, Store};

/// A small but real PDF (what a training material's attachment is).
fn sample_pdf(title: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {title}\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
        .into_bytes()
}

struct DemoPost {
    kind: &'static str,
    title: &'static str,
    summary: &'static str,
    body: &'static str,
    topic: &'static str,
    video: &'static str,
    cover: Option<[u8; 3]>,
    pdf: Option<&'static str>,
    /// None: left as a draft; Some(0): published now; Some(n): scheduled n days ahead.
    publish_in_days: Option<i64>,
}

const PROVINCE_POSTS: &[DemoPost] = &[
    DemoPost {
        kind: "tin-tuc",
        title: "Hội Khuyến học tỉnh tổng kết công tác khuyến học, khuyến tài",
        summary: "Hội nghị đánh giá kết quả xây dựng xã hội học tập và phát động phong trào năm mới.",
        body: "Sáng nay, **Hội Khuyến học tỉnh** tổ chức hội nghị tổng kết.\n\n- Biểu dương các gia đình, dòng họ học tập tiêu biểu;\n- Phát động phong trào *Cả nước trở thành một xã hội học tập*.",
        topic: "",
        video: "",
        cover: Some([30, 112, 184]),
        pdf: None,
        publish_in_days: Some(0),
    },
    DemoPost {
        kind: "van-ban",
        title: "Hướng dẫn đánh giá, công nhận Gia đình học tập năm 2026",
        summary: "Hướng dẫn các xã, phường tổ chức đánh giá theo Thông tư 22/2023/TT-BGDĐT.",
        body: "Văn bản hướng dẫn kèm theo tệp PDF.",
        topic: "",
        video: "",
        cover: None,
        pdf: Some("Huong dan danh gia"),
        publish_in_days: Some(0),
    },
    DemoPost {
        kind: "tai-lieu",
        title: "Tài liệu tập huấn kỹ năng số cho Chi hội trưởng",
        summary: "Bài giảng và video hướng dẫn dùng phần mềm theo dõi hội viên.",
        body: "Nội dung gồm 3 phần:\n\n1. Tạo tài khoản\n2. Nhập danh sách hội viên\n3. Báo cáo cuối năm",
        topic: "Chuyển đổi số",
        video: "https://video.hoctap.example/ky-nang-so",
        cover: None,
        pdf: Some("Tai lieu ky nang so"),
        publish_in_days: Some(0),
    },
    DemoPost {
        kind: "tin-tuc",
        title: "Lễ phát động Tuần lễ học tập suốt đời",
        summary: "Tin hẹn giờ đăng vào tuần tới.",
        body: "Tuần lễ hưởng ứng học tập suốt đời sẽ khai mạc tại Nhà văn hóa tỉnh.",
        topic: "",
        video: "",
        cover: None,
        pdf: None,
        publish_in_days: Some(7),
    },
];

const COMMUNE_POSTS: &[DemoPost] = &[
    DemoPost {
        kind: "tin-tuc",
        title: "Chi hội thôn Nà Sla trao học bổng cho học sinh nghèo vượt khó",
        summary: "12 suất học bổng từ quỹ khuyến học của xã.",
        body: "Chi hội khuyến học thôn Nà Sla đã trao **12 suất học bổng** cho học sinh có hoàn cảnh khó khăn.",
        topic: "",
        video: "",
        cover: Some([0, 112, 60]),
        pdf: None,
        publish_in_days: Some(0),
    },
    DemoPost {
        kind: "tai-lieu",
        title: "Sổ tay Gia đình học tập",
        summary: "Các tiêu chí và cách tự đánh giá Gia đình học tập.",
        body: "Tài liệu dành cho các hộ gia đình tự đánh giá.",
        topic: "Gia đình học tập",
        video: "",
        cover: None,
        pdf: Some("So tay gia dinh hoc tap"),
        publish_in_days: Some(0),
    },
    DemoPost {
        kind: "tin-tuc",
        title: "Bản nháp: kế hoạch đại hội chi hội",
        summary: "",
        body: "Đang soạn.",
        topic: "",
        video: "",
        cover: None,
        pdf: None,
        publish_in_days: None,
    },
];

const UNIT_POSTS: &[DemoPost] = &[DemoPost {
    kind: "van-ban",
    title: "Thông báo lịch tự đánh giá Công dân học tập",
    summary: "Công dân tự đánh giá trên phần mềm hoặc tại nhà văn hóa thôn.",
    body: "UBND xã thông báo lịch tự đánh giá **Công dân học tập** năm nay.",
    topic: "",
    video: "",
    cover: None,
    pdf: None,
    publish_in_days: Some(0),
}];

async fn write(store: &Store, actor: &Actor, site: &hoctap_store::SiteRow, posts: &[DemoPost]) -> Result<(), Box<dyn std::error::Error>> {
    for p in posts {
        let f = PostForm {
            kind: p.kind.into(),
            title: p.title.into(),
            summary: p.summary.into(),
            body: p.body.into(),
            topic: p.topic.into(),
            video_url: p.video.into(),
            version: 0,
            cover: p.cover.map(|rgb| solid_png(1600, 900, rgb)),
            file: p.pdf.map(|t| (format!("{}.pdf", hoctap_domain::site::slugify(t)), sample_pdf(t))),
        };
        let post = write_post(store, actor, site, &f).await.map_err(|e| e.to_string())?;
        if let Some(days) = p.publish_in_days {
            let at = (days > 0).then(|| hoctap_store::stored_time(jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * days)));
            store.post_set_status(actor, site, post.id, Status::Published, at.as_deref()).await?;
        }
    }
    Ok(())
}

/// The demo province's association (made here) and both sites' items.
pub async fn seed_sites(store: &Store, province: i64) -> Result<(), Box<dyn std::error::Error>> {
    let today = hoctap_store::today();
    let actor = Actor::system("dữ liệu mẫu");
    let province_row = store.unit(province).await?;
    let mut branch = Values::new();
    branch.insert("code", Value::Text("HKH-TINH-MAU".into()));
    branch.insert("name", Value::Text(format!("Hội Khuyến học {}", province_row.name)));
    branch.insert("level", Value::Text("tinh".into()));
    branch.insert("unit", Value::Unit(UnitCode::parse(&province_row.code)?));
    store.registry_create(&actor, &ASSOCIATION_BRANCHES, branch, None, today).await?;
    let tinh = store.site_of_branch(store.branch_by_code("HKH-TINH-MAU").await?.id).await?;
    write(store, &actor, &tinh, PROVINCE_POSTS).await?;
    if let Ok(xa_branch) = store.branch_by_code("HKH-XA-MAU").await {
        let xa = store.site_of_branch(xa_branch.id).await?;
        write(store, &actor, &xa, COMMUNE_POSTS).await?;
        // The commune's own site (UBND xã), with one notice.
        let commune = store.unit(xa.unit_id).await?;
        let own = store.ensure_unit_site(commune.id, &commune.code, &commune.name).await?;
        write(store, &actor, &own, UNIT_POSTS).await?;
    }
    Ok(())
}
