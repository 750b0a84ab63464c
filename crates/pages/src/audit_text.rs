//! The audit log as an officer reads it: each entry a sentence ("Tạo thôn: Thôn Nà Sla") with
//! a table of what changed (field, before, after) in the words of the forms, dates as
//! dd/mm/yyyy, codes as their labels. The stored entry keeps the machine form (JSON); this is
//! only how it is shown.

use hoctap_domain::access::Role;
use hoctap_domain::area::AreaAttribute;
use hoctap_domain::board::{BoardKind, MemberRole, TaskStatus};
use hoctap_domain::emulation::{ActorType, RewardForm};
use hoctap_domain::registry::def::REGISTRIES;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// One changed field: its label, the value before and after ("" where there is none).
pub struct FieldChange {
    pub label: String,
    pub before: String,
    pub after: String,
}

/// What an action did, as a verb phrase of the officer's language.
pub fn action_label(action: &str) -> String {
    let label = match action {
        "village.create" => "Tạo thôn, tổ dân phố",
        "village.update" => "Sửa thôn, tổ dân phố",
        "village.end" => "Kết thúc thôn, tổ dân phố",
        "village.import" => "Nhập danh sách thôn, tổ dân phố",
        "unit.reorganise" => "Sắp xếp đơn vị hành chính",
        "unit.rebase.override" => "Chỉ định nơi nhận số liệu của đơn vị đã sáp nhập",
        "unit.correct" => "Đính chính thông tin đơn vị",
        "unit.attribute.set" => "Ghi thuộc tính vùng",
        "unit.attribute.end" => "Kết thúc thuộc tính vùng",
        "lineage.link.add" => "Thêm liên kết kế thừa đơn vị",
        "lineage.link.remove" => "Xóa liên kết kế thừa đơn vị",
        "user.create" => "Tạo tài khoản",
        "user.activate" => "Mở lại tài khoản",
        "user.deactivate" => "Khóa tài khoản",
        "user.password.reset" => "Đặt lại mật khẩu",
        "user.password.change" => "Đổi mật khẩu",
        "user.activation_code" => "Cấp mã kích hoạt cho công dân",
        "auth.login" => "Đăng nhập",
        "auth.login_failed" => "Đăng nhập sai nhiều lần",
        "upload.pending" => "Kiểm tra tệp nhập, giữ chờ ghi",
        "upload.done" => "Ghi tệp nhập đã kiểm tra",
        "registry.create" => "Thêm vào sổ",
        "registry.update" => "Sửa bản ghi trong sổ",
        "registry.end" => "Kết thúc bản ghi trong sổ",
        "registry.import" => "Nhập sổ từ tệp",
        "registry.export" => "Xuất sổ ra tệp",
        "registry.bulk_insert" => "Nạp hàng loạt vào sổ",
        "criteria_set.save" => "Lưu bộ tiêu chí",
        "site_post.create" => "Viết bài trên trang thông tin",
        "site_post.update" => "Sửa bài trên trang thông tin",
        "site_post.publish" => "Đăng bài (ngay hoặc hẹn giờ) trên trang thông tin",
        "site_post.unpublish" => "Gỡ bài khỏi trang thông tin",
        "site_post.draft" => "Đưa bài về bản nháp",
        "campaign.open" => "Mở đợt đánh giá",
        "assessment.create" => "Lập hồ sơ đánh giá",
        "assessment.answers" => "Ghi kết quả tự đánh giá",
        "assessment.transition" => "Chuyển bước hồ sơ đánh giá",
        "evidence.add" => "Đính kèm minh chứng",
        "decision.issue" => "Ban hành quyết định công nhận",
        "recognition.revoke" => "Thu hồi công nhận",
        "signing_key.create" => "Tạo khóa ký của đơn vị",
        "signing_key.reseal" => "Niêm phong lại khóa ký",
        "signing_key.rotate" => "Thay khóa ký của đơn vị",
        "plan.load" => "Nạp kế hoạch",
        "plan.split" => "Phân bổ chỉ tiêu cho cấp dưới",
        "report.save" => "Lưu báo cáo năm",
        "report.submit" => "Gửi báo cáo năm",
        "report.remind" => "Nhắc gửi báo cáo năm",
        "report.return" => "Trả lại báo cáo năm",
        "indicator.report" => "Báo cáo số liệu chỉ số",
        "board.create" => "Thành lập ban chỉ đạo",
        "board.member.add" => "Thêm thành viên ban chỉ đạo",
        "board.member.end" => "Kết thúc nhiệm vụ thành viên ban chỉ đạo",
        "task.materialise" => "Lập nhiệm vụ theo kế hoạch",
        "task.assign" => "Giao nhiệm vụ",
        "task.report" => "Báo cáo tiến độ nhiệm vụ",
        "movement.launch" => "Phát động phong trào thi đua",
        "movement.participant" => "Đăng ký tham gia thi đua",
        "movement.achievement" => "Ghi thành tích thi đua",
        "movement.report" => "Lưu báo cáo phong trào thi đua",
        "movement.report.submit" => "Gửi báo cáo phong trào thi đua",
        "nomination.create" => "Lập hồ sơ đề nghị khen thưởng",
        "nomination.answers" => "Ghi hồ sơ đề nghị khen thưởng",
        "nomination.transition" => "Chuyển bước hồ sơ đề nghị khen thưởng",
        "reward_decision.issue" => "Ban hành quyết định khen thưởng",
        "fund.post" => "Ghi sổ quỹ khuyến học",
        "fund.reverse" => "Ghi đảo bút toán sổ quỹ",
        "association.officer.add" => "Bầu, bổ nhiệm cán bộ Hội",
        "association.officer.end" => "Kết thúc nhiệm kỳ cán bộ Hội",
        "association.dues.pay" => "Thu hội phí",
        "association.card.issue" => "Cấp thẻ hội viên",
        _ => return "Thao tác khác trên dữ liệu".to_string(),
    };
    label.to_string()
}

/// The filter choices of the audit page: (action prefix, label), in the order of the menus.
pub const ACTION_GROUPS: &[(&str, &str)] = &[
    ("village.", "Thôn, tổ dân phố"),
    ("unit.", "Đơn vị hành chính"),
    ("user.", "Tài khoản"),
    ("auth.", "Đăng nhập"),
    ("registry.", "Sổ đăng ký"),
    ("campaign.", "Đợt đánh giá"),
    ("assessment.", "Hồ sơ đánh giá"),
    ("decision.", "Quyết định công nhận"),
    ("recognition.", "Công nhận"),
    ("plan.", "Kế hoạch, chỉ tiêu"),
    ("report.", "Báo cáo năm"),
    ("board.", "Ban chỉ đạo"),
    ("task.", "Nhiệm vụ"),
    ("movement.", "Phong trào thi đua"),
    ("nomination.", "Đề nghị khen thưởng"),
    ("fund.", "Quỹ khuyến học"),
    ("association.", "Hội Khuyến học"),
    ("criteria_set.", "Bộ tiêu chí"),
    ("site_post.", "Trang thông tin"),
];

/// What kind of object an entry is about.
pub fn entity_label(entity: &str) -> String {
    if let Some(reg) = REGISTRIES.iter().find(|r| r.slug == entity) {
        return reg.title.to_string();
    }
    match entity {
        "unit" => "Đơn vị",
        "unit_attribute" => "Thuộc tính vùng",
        "lineage_event" => "Liên kết kế thừa",
        "user" => "Tài khoản",
        "session" => "Phiên đăng nhập",
        "import" => "Tệp nhập",
        "criteria_set" => "Bộ tiêu chí",
        "campaign" => "Đợt đánh giá",
        "assessment" => "Hồ sơ đánh giá",
        "evidence" => "Minh chứng",
        "decision" => "Quyết định",
        "recognition" => "Công nhận",
        "signing_key" => "Khóa ký",
        "plan" => "Kế hoạch",
        "plan_target" => "Chỉ tiêu",
        "plan_task" => "Nhiệm vụ",
        "task_report" => "Báo cáo tiến độ",
        "annual_report" => "Báo cáo năm",
        "indicator" => "Chỉ số",
        "board" => "Ban chỉ đạo",
        "board_member" => "Thành viên ban chỉ đạo",
        "movement" => "Phong trào thi đua",
        "movement_report" => "Báo cáo phong trào",
        "participant" => "Đơn vị, cá nhân tham gia thi đua",
        "nomination" => "Hồ sơ đề nghị khen thưởng",
        "reward_decision" => "Quyết định khen thưởng",
        "association_officer" => "Cán bộ Hội",
        "site_post" => "Bài trên trang thông tin",
        _ => "Dữ liệu",
    }
    .to_string()
}

/// Labels of the keys the store writes, beyond the registries' own fields.
const KEY_LABELS: &[(&str, &str)] = &[
    ("code", "Mã"),
    ("name", "Tên"),
    ("title", "Tiêu đề"),
    ("commune", "Xã, phường"),
    ("unit", "Đơn vị"),
    ("unit_id", "Đơn vị (số)"),
    ("unit_type", "Loại"),
    ("unit_code", "Mã đơn vị"),
    ("attribute", "Thuộc tính"),
    ("from", "Từ ngày"),
    ("to", "Đến ngày"),
    ("legal_act", "Văn bản"),
    ("username", "Tên đăng nhập"),
    ("full_name", "Họ và tên"),
    ("role", "Vai trò"),
    ("active", "Đang hoạt động"),
    ("user_id", "Tài khoản (số)"),
    ("set_id", "Bộ tiêu chí"),
    ("set", "Bộ tiêu chí"),
    ("version", "Phiên bản"),
    ("sha256", "Dấu vân tay tệp"),
    ("source", "Nguồn"),
    ("targets", "Số chỉ tiêu"),
    ("chain", "Các bước thẩm định"),
    ("year", "Năm"),
    ("campaign", "Đợt đánh giá (số)"),
    ("subject", "Đối tượng"),
    ("answers", "Kết quả tự đánh giá"),
    ("data", "Số liệu"),
    ("state", "Trạng thái"),
    ("action", "Thao tác"),
    ("detail", "Ghi chú"),
    ("comments", "Ý kiến"),
    ("reason", "Lý do"),
    ("public_key", "Khóa công khai"),
    ("decided_on", "Ngày quyết định"),
    ("number", "Số"),
    ("recognitions", "Số công nhận"),
    ("decision", "Quyết định"),
    ("kind", "Loại"),
    ("board", "Ban chỉ đạo (số)"),
    ("position", "Chức vụ"),
    ("new_tasks", "Số nhiệm vụ mới"),
    ("agency", "Cơ quan được giao"),
    ("evidence", "Minh chứng"),
    ("progress", "Tiến độ (%)"),
    ("status", "Tình trạng"),
    ("task", "Nhiệm vụ (số)"),
    ("template", "Phong trào mẫu"),
    ("actor_type", "Loại đối tượng thi đua"),
    ("movement", "Phong trào (số)"),
    ("file", "Tệp"),
    ("amount", "Số tiền (đồng)"),
    ("branch", "Hội Khuyến học"),
    ("counterparty", "Người nộp, người nhận"),
    ("entry_no", "Số phiếu"),
    ("posted_on", "Ngày ghi sổ"),
    ("reverses", "Đảo phiếu"),
    ("count", "Số lượng"),
    ("rows", "Số dòng"),
    ("inserted", "Số dòng thêm"),
    ("updated", "Số dòng sửa"),
    ("unchanged", "Số dòng không đổi"),
    ("ended", "Số dòng kết thúc"),
    ("level", "Mức"),
    ("note", "Ghi chú"),
    ("form", "Hình thức"),
    ("members", "Số hội viên"),
    ("member", "Hội viên"),
    ("paid_on", "Ngày nộp"),
    ("card_no", "Số thẻ"),
    ("failures", "Số lần sai"),
    ("valid_until", "Hiệu lực đến"),
    ("successor", "Đơn vị kế thừa"),
    ("predecessor", "Đơn vị trước"),
    ("share", "Phần"),
    ("indicator", "Chỉ số"),
    ("value", "Giá trị"),
    ("filename", "Tên tệp"),
    ("bytes", "Dung lượng (byte)"),
    ("mime", "Loại tệp"),
    ("overdraft_reason", "Lý do chi quá số dư"),
];

/// Titles of the shipped criteria sets and movements by id, parsed once.
fn titles() -> &'static BTreeMap<String, String> {
    static TITLES: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    TITLES.get_or_init(|| {
        let sets = hoctap_domain::criteria::shipped_sets().unwrap_or_default().into_iter().map(|s| (s.id, s.title));
        let movements = hoctap_domain::emulation::shipped_movements().unwrap_or_default().into_iter().map(|m| (m.id, m.title));
        sets.chain(movements).collect()
    })
}

/// Every label a key can have: the fixed ones, every registry field's header and every shipped
/// criteria variable's name (a dossier's data is keyed by variable).
fn labels() -> &'static BTreeMap<String, String> {
    static LABELS: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    LABELS.get_or_init(|| {
        let mut m = BTreeMap::new();
        for set in hoctap_domain::criteria::shipped_sets().unwrap_or_default() {
            for v in set.variables {
                m.entry(v.id).or_insert(v.name);
            }
        }
        for reg in REGISTRIES {
            for f in reg.fields {
                m.insert(f.column.to_string(), f.header.to_string());
            }
        }
        for (k, v) in KEY_LABELS {
            m.insert((*k).to_string(), (*v).to_string());
        }
        m
    })
}

/// A key's label; a key nobody named reads as a neutral "field" rather than a code.
pub fn field_label(key: &str) -> String {
    labels().get(key).cloned().unwrap_or_else(|| if is_code_like(key) { "Trường dữ liệu khác".to_string() } else { key.to_string() })
}

/// Whether a key is a machine name rather than a word (criteria indicator numbers such as
/// `G1.CT1` are the circulars' own numbering and read as they are).
fn is_code_like(s: &str) -> bool {
    s.contains('_') || s.chars().all(|c| c.is_ascii_lowercase())
}

/// A workflow state's code as its label.
fn state_label(code: &str) -> Option<&'static str> {
    hoctap_domain::workflow::state_label(code)
}

/// A workflow command's code as its label.
fn command_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "submit" => "Nộp hồ sơ",
        "start_review" => "Nhận thẩm định",
        "approve" => "Đồng ý",
        "return" => "Trả lại",
        "recognise" => "Công nhận",
        "reject" => "Không công nhận",
        "revoke" => "Thu hồi",
        "withdraw" => "Rút hồ sơ",
        _ => return None,
    })
}

/// A text value as shown: ISO dates as dd/mm/yyyy (the open end as "không thời hạn"),
/// instants in Vietnam's time, codes as their labels.
fn text_value(key: &str, s: &str) -> String {
    if s == "9999-12-31" {
        return "không thời hạn".into();
    }
    if s == "0001-01-01" {
        return "không rõ".into();
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        return d.strftime("%d/%m/%Y").to_string();
    }
    if s.len() > 10 && s.as_bytes().get(10) == Some(&b'T') && s.parse::<jiff::Timestamp>().is_ok() {
        return hoctap_app::format::instant_vn(s);
    }
    let label = match key {
        "state" | "from_state" | "to_state" => state_label(s).map(str::to_string),
        "action" => command_label(s).map(str::to_string),
        "role" => Role::parse(s).map(|r| r.label().to_string()),
        "attribute" => AreaAttribute::parse(s).map(|a| a.label().to_string()),
        "status" => TaskStatus::parse(s).ok().map(|t| t.label().to_string()),
        "actor_type" => ActorType::parse(s).map(|a| a.label().to_string()),
        "form" => RewardForm::parse(s).map(|f| f.label().to_string()),
        "kind" => BoardKind::parse(s).ok().map(|k| k.label().to_string()).or_else(|| match s {
            "sang_kien" => Some("Sáng kiến".into()),
            "thanh_tich" => Some("Thành tích".into()),
            _ => None,
        }),
        "position" | "member_role" => MemberRole::parse(s).ok().map(|r| r.label().to_string()),
        "level" => match s {
            "dat" => Some("Đạt".into()),
            "khong_dat" => Some("Không đạt".into()),
            "tot" => Some("Tốt".into()),
            "kha" => Some("Khá".into()),
            "xuat_sac" => Some("Xuất sắc".into()),
            _ => None,
        },
        "set" | "set_id" | "template" => titles().get(s).cloned(),
        "source" => match s {
            "shipped" => Some("kèm phần mềm".into()),
            "upload" | "uploaded" => Some("tải lên".into()),
            _ => None,
        },
        // Keys are shown by their start only: enough to compare, nothing to copy.
        "public_key" | "sha256" => Some(format!("{}…", s.chars().filter(char::is_ascii_alphanumeric).take(10).collect::<String>())),
        _ => None,
    };
    label.unwrap_or_else(|| s.to_string())
}

/// A JSON value as one line of text.
pub fn value_text(key: &str, v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(true) => "Có".into(),
        Value::Bool(false) => "Không".into(),
        Value::Number(n) => match (key, n.as_i64()) {
            ("amount", Some(i)) => format!("{} đ", hoctap_app::format::int_vn(i)),
            (
                "count" | "rows" | "inserted" | "updated" | "unchanged" | "ended" | "recognitions" | "targets" | "new_tasks" | "members",
                Some(i),
            ) => hoctap_app::format::int_vn(i),
            _ => n.to_string().replace('.', ","),
        },
        Value::String(s) if key == "amount" => {
            s.parse::<i64>().map(|i| format!("{} đ", hoctap_app::format::int_vn(i))).unwrap_or_else(|_| s.clone())
        }
        Value::String(s) => text_value(key, s),
        // A review chain: its steps' names in order.
        Value::Array(items) if items.iter().all(|i| i.get("name").is_some()) => {
            items.iter().filter_map(|i| i.get("name").and_then(Value::as_str)).collect::<Vec<_>>().join(" → ")
        }
        Value::Array(items) => items.iter().map(|i| value_text(key, i)).collect::<Vec<_>>().join(", "),
        Value::Object(map) => map
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| format!("{}: {}", nested_label(k), value_text(k, v)))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// Keys inside a value (answers by indicator number, data by variable): indicator numbers as
/// they are, variables by their names.
fn nested_label(key: &str) -> String {
    if is_code_like(key) { field_label(key) } else { key.to_string() }
}

/// The fields an entry changed: for a new object everything it holds, for an ended one what it
/// held, for a change only the fields whose value differs.
pub fn changes(entity: &str, before: Option<&Value>, after: Option<&Value>) -> Vec<FieldChange> {
    let registry = REGISTRIES.iter().find(|r| r.slug == entity);
    let empty = serde_json::Map::new();
    let as_map = |v: Option<&Value>| match v {
        Some(Value::Object(m)) => Some(m.clone()),
        Some(Value::Null) | None => None,
        Some(other) => Some(serde_json::Map::from_iter([("value".to_string(), other.clone())])),
    };
    let (b, a) = (as_map(before), as_map(after));
    let mut keys: Vec<&String> = b.as_ref().unwrap_or(&empty).keys().chain(a.as_ref().unwrap_or(&empty).keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = Vec::new();
    for k in keys {
        let bv = b.as_ref().and_then(|m| m.get(k)).map(|v| value_text(k, v)).unwrap_or_default();
        let av = a.as_ref().and_then(|m| m.get(k)).map(|v| value_text(k, v)).unwrap_or_default();
        if bv == av && b.is_some() && a.is_some() {
            continue;
        }
        if bv.is_empty() && av.is_empty() {
            continue;
        }
        let label = registry.and_then(|r| r.field(k)).map(|f| f.header.to_string()).unwrap_or_else(|| field_label(k));
        out.push(FieldChange { label, before: bv, after: av });
    }
    out
}

/// The name of the object an entry is about, from what it recorded (name, title, subject …).
pub fn object_name(before: Option<&Value>, after: Option<&Value>) -> String {
    for v in [after, before].into_iter().flatten() {
        for key in ["name", "full_name", "title", "subject", "head_name", "number", "entry_no", "username", "code"] {
            if let Some(s) = v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()) {
                return s.to_string();
            }
        }
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_entry_reads_as_words_with_vietnamese_dates_and_labels() {
        let after = json!({"attribute":"mien_nui","from":"2025-07-01","legal_act":"Dữ liệu mẫu","to":"9999-12-31","unit":"05977"});
        let c = changes("unit_attribute", None, Some(&after));
        let find = |l: &str| c.iter().find(|c| c.label == l).map(|c| c.after.clone()).unwrap_or_default();
        assert_eq!(find("Thuộc tính"), "Miền núi");
        assert_eq!(find("Từ ngày"), "01/07/2025");
        assert_eq!(find("Đến ngày"), "không thời hạn");
        assert_eq!(action_label("unit.attribute.set"), "Ghi thuộc tính vùng");
        assert_eq!(entity_label("ho-gia-dinh"), hoctap_domain::registry::def::HOUSEHOLDS.title);
        assert_eq!(object_name(None, Some(&json!({"name": "Thôn Nà Sla", "code": "05977001"}))), "Thôn Nà Sla");
    }

    #[test]
    fn a_change_shows_only_what_differs() {
        let c = changes("assessment", Some(&json!({"state":"draft"})), Some(&json!({"action":"submit","detail":null,"state":"submitted"})));
        assert_eq!(c.len(), 2, "state and action");
        let state = c.iter().find(|c| c.label == "Trạng thái").unwrap();
        assert_eq!((state.before.as_str(), state.after.as_str()), ("Bản nháp", "Đã nộp, chờ thẩm định"));
        assert!(c.iter().any(|c| c.label == "Thao tác" && c.after == "Nộp hồ sơ"));
        let same = changes("unit", Some(&json!({"name":"A","code":"1"})), Some(&json!({"name":"B","code":"1"})));
        assert_eq!(same.len(), 1);
        assert_eq!((same[0].before.as_str(), same[0].after.as_str()), ("A", "B"));
    }

    #[test]
    fn answers_use_indicator_numbers_and_variable_names() {
        let v = json!({"answers":{"G1.CT1":true,"G2.CT1":"60"},"data":{"nguoi_lon":"3"}});
        let c = changes("assessment", None, Some(&v));
        let answers = c.iter().find(|c| c.label == "Kết quả tự đánh giá").unwrap();
        assert_eq!(answers.after, "G1.CT1: Có; G2.CT1: 60");
        let data = c.iter().find(|c| c.label == "Số liệu").unwrap();
        assert_eq!(data.after, "Số người lớn trong gia đình: 3");
    }

    #[test]
    fn amounts_and_chains_read_as_an_officer_writes_them() {
        assert_eq!(value_text("amount", &json!("5000000")), "5.000.000 đ");
        assert_eq!(
            value_text("chain", &json!([{"level":"village","name":"Trưởng thôn xác nhận"},{"name":"Xã thẩm định"}])),
            "Trưởng thôn xác nhận → Xã thẩm định"
        );
        assert_eq!(value_text("role", &json!("unit_officer")), Role::UnitOfficer.label());
        assert_eq!(value_text("unit_id", &json!(11694)), "11694", "an id is not a quantity");
        assert_eq!(
            value_text("set", &json!("gdht")),
            hoctap_domain::criteria::shipped_sets().unwrap().into_iter().find(|s| s.id == "gdht").unwrap().title
        );
        let household = changes("ho-gia-dinh", None, Some(&json!({"head_name": "Hoàng Văn Học"})));
        assert_eq!(household[0].label, hoctap_domain::registry::def::HOUSEHOLDS.field("head_name").unwrap().header);
    }

    /// Every action written to the log has its words: the dotted literals of the store's and the
    /// web crate's sources are read, so a new action cannot ship without them.
    #[test]
    fn every_action_the_store_writes_has_a_label() {
        let prefixes: Vec<&str> = ACTION_GROUPS
            .iter()
            .map(|(p, _)| *p)
            .chain(["signing_key.", "lineage.", "reward_decision.", "evidence.", "upload.", "indicator."])
            .collect();
        let mut missing = Vec::new();
        let mut seen = 0;
        for dir in ["/../store/src", "/src"] {
            let mut stack = vec![std::path::PathBuf::from(format!("{}{dir}", env!("CARGO_MANIFEST_DIR")))];
            while let Some(p) = stack.pop() {
                for e in std::fs::read_dir(&p).unwrap() {
                    let path = e.unwrap().path();
                    if path.is_dir() {
                        stack.push(path);
                        continue;
                    }
                    if path.extension().is_none_or(|x| x != "rs") || path.ends_with("audit_text.rs") {
                        continue;
                    }
                    let text = std::fs::read_to_string(&path).unwrap();
                    for literal in text.split('"').skip(1).step_by(2) {
                        let dotted = literal.contains('.')
                            && !literal.ends_with(".html")
                            && literal.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == '.');
                        if dotted && prefixes.iter().any(|p| literal.starts_with(p)) {
                            seen += 1;
                            if action_label(literal) == "Thao tác khác trên dữ liệu" {
                                missing.push(literal.to_string());
                            }
                        }
                    }
                }
            }
        }
        assert!(seen > 50, "only {seen} actions found");
        missing.sort();
        missing.dedup();
        assert!(missing.is_empty(), "actions without words: {missing:?}");
    }
}
