//! Official reference lists (danh mục) that registry columns are coded against: CCCD
//! birth-province codes, the 54 ethnic groups, the CDHT occupation groups, and the small
//! coded lists of the registries. Everything is hard-coded: the domain crate reads no files.
//!
//! Coded columns store the ASCII code and show the Vietnamese label; a spreadsheet may hold
//! either, typed with or without diacritics, so every list is read through [`parse_coded`].

/// Province-of-birth codes of the CCCD (digits 1–3), as set by TT 07/2016/TT-BCA and
/// TT 59/2021/TT-BCA: "0" followed by the GSO code of the 63 provinces in force before the
/// 2025 reorganisation (`data/admin-units/provinces-legacy.csv`). The CCCD keeps these codes
/// after 01/07/2025: a number, once issued, does not change.
pub const BIRTH_PROVINCES: [(&str, &str); 63] = [
    ("001", "Hà Nội"),
    ("002", "Hà Giang"),
    ("004", "Cao Bằng"),
    ("006", "Bắc Kạn"),
    ("008", "Tuyên Quang"),
    ("010", "Lào Cai"),
    ("011", "Điện Biên"),
    ("012", "Lai Châu"),
    ("014", "Sơn La"),
    ("015", "Yên Bái"),
    ("017", "Hoà Bình"),
    ("019", "Thái Nguyên"),
    ("020", "Lạng Sơn"),
    ("022", "Quảng Ninh"),
    ("024", "Bắc Giang"),
    ("025", "Phú Thọ"),
    ("026", "Vĩnh Phúc"),
    ("027", "Bắc Ninh"),
    ("030", "Hải Dương"),
    ("031", "Hải Phòng"),
    ("033", "Hưng Yên"),
    ("034", "Thái Bình"),
    ("035", "Hà Nam"),
    ("036", "Nam Định"),
    ("037", "Ninh Bình"),
    ("038", "Thanh Hóa"),
    ("040", "Nghệ An"),
    ("042", "Hà Tĩnh"),
    ("044", "Quảng Bình"),
    ("045", "Quảng Trị"),
    ("046", "Thừa Thiên Huế"),
    ("048", "Đà Nẵng"),
    ("049", "Quảng Nam"),
    ("051", "Quảng Ngãi"),
    ("052", "Bình Định"),
    ("054", "Phú Yên"),
    ("056", "Khánh Hòa"),
    ("058", "Ninh Thuận"),
    ("060", "Bình Thuận"),
    ("062", "Kon Tum"),
    ("064", "Gia Lai"),
    ("066", "Đắk Lắk"),
    ("067", "Đắk Nông"),
    ("068", "Lâm Đồng"),
    ("070", "Bình Phước"),
    ("072", "Tây Ninh"),
    ("074", "Bình Dương"),
    ("075", "Đồng Nai"),
    ("077", "Bà Rịa - Vũng Tàu"),
    ("079", "Hồ Chí Minh"),
    ("080", "Long An"),
    ("082", "Tiền Giang"),
    ("083", "Bến Tre"),
    ("084", "Trà Vinh"),
    ("086", "Vĩnh Long"),
    ("087", "Đồng Tháp"),
    ("089", "An Giang"),
    ("091", "Kiên Giang"),
    ("092", "Cần Thơ"),
    ("093", "Hậu Giang"),
    ("094", "Sóc Trăng"),
    ("095", "Bạc Liêu"),
    ("096", "Cà Mau"),
];

/// The name of a CCCD birth-province code (`"001"` → `"Hà Nội"`).
pub fn birth_province_name(code: &str) -> Option<&'static str> {
    BIRTH_PROVINCES.iter().find(|(c, _)| *c == code).map(|(_, name)| *name)
}

/// The 54 ethnic groups of Vietnam in the order of the Danh mục các dân tộc Việt Nam
/// (QĐ 121-TCTK/PPCĐ, 1979). H'Mông is written "Mông" in newer texts and Khmer "Khơ-me" in
/// the 1979 list; [`parse_ethnicity`] accepts those spellings too.
pub const ETHNICITIES: [&str; 54] = [
    "Kinh",
    "Tày",
    "Thái",
    "Hoa",
    "Khmer",
    "Mường",
    "Nùng",
    "H'Mông",
    "Dao",
    "Gia Rai",
    "Ngái",
    "Ê Đê",
    "Ba Na",
    "Xơ Đăng",
    "Sán Chay",
    "Cơ Ho",
    "Chăm",
    "Sán Dìu",
    "Hrê",
    "Mnông",
    "Ra Glai",
    "Xtiêng",
    "Bru-Vân Kiều",
    "Thổ",
    "Giáy",
    "Cơ Tu",
    "Gié Triêng",
    "Mạ",
    "Khơ Mú",
    "Co",
    "Tà Ôi",
    "Chơ Ro",
    "Kháng",
    "Xinh Mun",
    "Hà Nhì",
    "Chu Ru",
    "Lào",
    "La Chí",
    "La Ha",
    "Phù Lá",
    "La Hủ",
    "Lự",
    "Lô Lô",
    "Chứt",
    "Mảng",
    "Pà Thẻn",
    "Cờ Lao",
    "Cống",
    "Bố Y",
    "Si La",
    "Pu Péo",
    "Brâu",
    "Ơ Đu",
    "Rơ Măm",
];

/// Other names in common use, each mapped to the name in [`ETHNICITIES`]. Only names that
/// cannot be mistaken for another group are listed.
const ETHNICITY_ALIASES: [(&str, &str); 5] =
    [("Mông", "H'Mông"), ("Khơ-me", "Khmer"), ("Việt", "Kinh"), ("Kinh (Việt)", "Kinh"), ("Hoa (Hán)", "Hoa")];

/// The comparison key of a coded value: folded (lower case, no diacritics, `đ` → `d`) and
/// reduced to letters and digits, so "Ê-đê", "ê đê" and "EDE" meet, as do `con_dau` and
/// "Con dâu".
fn key(raw: &str) -> String {
    crate::text::fold(raw).chars().filter(|c| c.is_alphanumeric()).collect()
}

/// Reads an ethnic group, ignoring case, diacritics, spaces, hyphens and apostrophes, and a
/// leading "dân tộc" or "người": `"hmong"`, `"Ê-đê"`, `"ede"`, `"dân tộc Kinh"` all work.
/// Returns the name as written in [`ETHNICITIES`].
pub fn parse_ethnicity(raw: &str) -> Option<&'static str> {
    // Most cells name the group exactly as written in the list.
    if let Some(name) = ETHNICITIES.iter().copied().find(|name| *name == raw) {
        return Some(name);
    }
    static KEYS: std::sync::OnceLock<Vec<(String, &'static str)>> = std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        ETHNICITIES.iter().map(|n| (key(n), *n)).chain(ETHNICITY_ALIASES.iter().map(|(alias, n)| (key(alias), *n))).collect()
    });
    let folded = crate::text::fold(raw);
    let bare = ["dan toc ", "nguoi "].iter().find_map(|prefix| folded.strip_prefix(prefix)).unwrap_or(&folded);
    let k = key(bare);
    if k.is_empty() {
        return None;
    }
    keys.iter().find(|(name_key, _)| *name_key == k).map(|(_, name)| *name)
}

/// The subject groups of the "Công dân học tập" self-assessment forms (congdanhoctap.vn).
/// N4 is inferred, not read from the criteria text (see `cdht-congdan.yaml`).
pub const OCCUPATION_GROUPS: [(&str, &str); 4] = [
    ("N1", "Nông dân, lao động nông thôn"),
    ("N2", "Công nhân, thợ thủ công, thợ sửa chữa đồ gia dụng, lao động tự do"),
    ("N3", "Cán bộ quản lý, công chức, viên chức từ cấp xã trở lên; doanh nhân, quản lý doanh nghiệp"),
    ("N4", "Người học: học sinh, sinh viên"),
];

/// Reads an occupation group from its code (`"N1"`, `"n1"`), its name, or "Nhóm 1".
pub fn parse_occupation_group(raw: &str) -> Option<&'static str> {
    if let Some(code) = parse_coded(&OCCUPATION_GROUPS, raw) {
        return Some(code);
    }
    let k = key(raw);
    let number = k.strip_prefix("nhom").unwrap_or(&k);
    let number = number.strip_prefix('n').unwrap_or(number);
    OCCUPATION_GROUPS.iter().find(|(code, _)| code.get(1..) == Some(number)).map(|(code, _)| *code)
}

/// Kinds of organisation (for "Đơn vị học tập" evaluation).
pub const ORGANISATION_KINDS: [(&str, &str); 7] = [
    ("co_quan_nha_nuoc", "Cơ quan nhà nước"),
    ("truong_hoc", "Trường học, cơ sở giáo dục"),
    ("doanh_nghiep", "Doanh nghiệp"),
    ("co_so_san_xuat", "Cơ sở sản xuất, kinh doanh"),
    ("luc_luong_vu_trang", "Đơn vị lực lượng vũ trang"),
    ("to_chuc_chinh_tri_xa_hoi", "Tổ chức chính trị - xã hội"),
    ("khac", "Khác"),
];

/// The level that manages an organisation.
pub const MANAGEMENT_LEVELS: [(&str, &str); 3] = [("xa", "Cấp xã"), ("tinh", "Cấp tỉnh"), ("trung_uong", "Trung ương")];

/// A household member's relation to the head of household (quan hệ với chủ hộ).
///
/// Typed without diacritics, "ba" reads as `ba` (Bà, grandmother), although in the South
/// "ba" also means father: spreadsheets should keep their diacritics or use "Cha".
pub const RELATIONS_TO_HEAD: [(&str, &str); 15] = [
    ("chu_ho", "Chủ hộ"),
    ("vo", "Vợ"),
    ("chong", "Chồng"),
    ("con", "Con"),
    ("cha", "Cha"),
    ("me", "Mẹ"),
    ("ong", "Ông"),
    ("ba", "Bà"),
    ("chau", "Cháu"),
    ("anh", "Anh"),
    ("chi", "Chị"),
    ("em", "Em"),
    ("con_dau", "Con dâu"),
    ("con_re", "Con rể"),
    ("khac", "Khác"),
];

/// Levels of the Hội Khuyến học.
pub const ASSOCIATION_LEVELS: [(&str, &str); 4] =
    [("trung_uong", "Trung ương"), ("tinh", "Cấp tỉnh"), ("xa", "Cấp xã"), ("chi_hoi", "Chi hội")];

/// Kinds of entry in a fund ledger (quỹ khuyến học): receipts (`thu_…`) and payments (`chi_…`).
pub const FUND_ENTRY_KINDS: [(&str, &str); 9] = [
    ("thu_ung_ho", "Thu ủng hộ, tài trợ"),
    ("thu_hoi_phi", "Thu hội phí"),
    ("thu_ngan_sach", "Thu ngân sách hỗ trợ"),
    ("thu_khac", "Thu khác"),
    ("chi_hoc_bong", "Chi học bổng"),
    ("chi_khen_thuong", "Chi khen thưởng người học"),
    ("chi_ho_tro", "Chi hỗ trợ học sinh nghèo"),
    ("chi_hoat_dong", "Chi hoạt động"),
    ("chi_khac", "Chi khác"),
];

/// Whether a fund-entry kind is a receipt (`Some(true)`) or a payment (`Some(false)`);
/// `None` for a code not in [`FUND_ENTRY_KINDS`].
pub fn fund_entry_is_receipt(code: &str) -> Option<bool> {
    let (code, _) = FUND_ENTRY_KINDS.iter().find(|(c, _)| *c == code)?;
    Some(code.starts_with("thu_"))
}

/// Reads a coded value: returns the code when `raw` matches a code or a label of `list`,
/// ignoring case, diacritics, spaces and punctuation (`"Cơ quan nhà nước"`,
/// `"co quan nha nuoc"` and `"CO_QUAN_NHA_NUOC"` all give `co_quan_nha_nuoc`).
pub fn parse_coded(list: &[(&'static str, &'static str)], raw: &str) -> Option<&'static str> {
    // Most cells hold the code itself.
    if let Some((code, _)) = list.iter().find(|(code, _)| *code == raw) {
        return Some(code);
    }
    let k = key(raw);
    if k.is_empty() {
        return None;
    }
    list.iter().find(|(code, label)| key(code) == k || key(label) == k).map(|(code, _)| *code)
}

/// The label of a code in a coded list (`"xa"` → `"Cấp xã"`), for display.
pub fn coded_label(list: &[(&'static str, &'static str)], code: &str) -> Option<&'static str> {
    list.iter().find(|(c, _)| *c == code).map(|(_, label)| *label)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    const CODED_LISTS: [(&str, &[(&str, &str)]); 7] = [
        ("provinces", &BIRTH_PROVINCES),
        ("occupation groups", &OCCUPATION_GROUPS),
        ("organisation kinds", &ORGANISATION_KINDS),
        ("management levels", &MANAGEMENT_LEVELS),
        ("relations", &RELATIONS_TO_HEAD),
        ("association levels", &ASSOCIATION_LEVELS),
        ("fund entry kinds", &FUND_ENTRY_KINDS),
    ];

    #[test]
    fn there_are_54_distinct_ethnic_groups_even_without_diacritics() {
        let names: BTreeSet<&str> = ETHNICITIES.iter().copied().collect();
        assert_eq!(names.len(), 54);
        let keys: BTreeSet<String> = ETHNICITIES.iter().map(|n| key(n)).collect();
        assert_eq!(keys.len(), 54, "two groups fold to the same key");
    }

    #[test]
    fn every_ethnic_group_reads_back_from_its_name_in_any_spelling() {
        for name in ETHNICITIES {
            assert_eq!(parse_ethnicity(name), Some(name));
            assert_eq!(parse_ethnicity(&name.to_uppercase()), Some(name));
            assert_eq!(parse_ethnicity(&crate::text::fold(name)), Some(name));
            assert_eq!(parse_ethnicity(&format!("dân tộc {name}")), Some(name));
        }
    }

    #[test]
    fn ethnic_aliases_point_into_the_list_and_shadow_no_group() {
        for (alias, name) in ETHNICITY_ALIASES {
            assert!(ETHNICITIES.contains(&name), "{alias} → {name}");
            assert!(!ETHNICITIES.iter().any(|n| key(n) == key(alias) && *n != name), "{alias}");
        }
    }

    #[test]
    fn ethnicities_are_read_the_way_people_type_them() {
        for (raw, expected) in [
            ("hmong", Some("H'Mông")),
            ("Mông", Some("H'Mông")),
            ("H'Mông", Some("H'Mông")),
            ("Ê-đê", Some("Ê Đê")),
            ("ede", Some("Ê Đê")),
            ("dân tộc Kinh", Some("Kinh")),
            ("Dân tộc kinh", Some("Kinh")),
            ("người Tày", Some("Tày")),
            ("Khơ-me", Some("Khmer")),
            ("khmer", Some("Khmer")),
            ("Giarai", Some("Gia Rai")),
            ("Bru Vân Kiều", Some("Bru-Vân Kiều")),
            ("bru-van kieu", Some("Bru-Vân Kiều")),
            ("Co", Some("Co")),
            ("Cơ Lao", Some("Cờ Lao")),
            ("", None),
            ("dân tộc", None),
            ("Pháp", None),
        ] {
            assert_eq!(parse_ethnicity(raw), expected, "{raw:?}");
        }
    }

    #[test]
    fn there_are_63_birth_provinces_with_distinct_three_digit_codes() {
        let codes: BTreeSet<&str> = BIRTH_PROVINCES.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes.len(), 63);
        assert!(codes.iter().all(|c| c.len() == 3 && c.starts_with('0') && c.bytes().all(|b| b.is_ascii_digit())));
        assert_eq!(birth_province_name("001"), Some("Hà Nội"));
        assert_eq!(birth_province_name("079"), Some("Hồ Chí Minh"));
        assert_eq!(birth_province_name("096"), Some("Cà Mau"));
        assert_eq!(birth_province_name("003"), None);
        assert_eq!(birth_province_name("01"), None);
    }

    #[test]
    fn every_code_and_label_of_every_list_reads_back_as_its_code() {
        for (list_name, list) in CODED_LISTS {
            for (code, label) in list {
                assert_eq!(parse_coded(list, code), Some(*code), "{list_name}: {code}");
                assert_eq!(parse_coded(list, &code.to_uppercase()), Some(*code), "{list_name}: {code}");
                assert_eq!(parse_coded(list, label), Some(*code), "{list_name}: {label}");
                assert_eq!(parse_coded(list, &crate::text::fold(label)), Some(*code), "{list_name}: {label}");
                assert_eq!(coded_label(list, code), Some(*label));
            }
        }
    }

    #[test]
    fn no_two_entries_of_a_list_fold_to_the_same_key() {
        for (list_name, list) in CODED_LISTS {
            let mut keys = BTreeSet::new();
            for (code, label) in list {
                assert!(keys.insert(key(code)) || key(code) == key(label), "{list_name}: {code}");
                if key(label) != key(code) {
                    assert!(keys.insert(key(label)), "{list_name}: {label}");
                }
            }
        }
    }

    #[test]
    fn coded_values_ignore_spacing_and_punctuation() {
        assert_eq!(parse_coded(&ORGANISATION_KINDS, "Tổ chức chính trị-xã hội"), Some("to_chuc_chinh_tri_xa_hoi"));
        assert_eq!(parse_coded(&ORGANISATION_KINDS, "truong hoc, co so giao duc"), Some("truong_hoc"));
        assert_eq!(parse_coded(&RELATIONS_TO_HEAD, "CON DÂU"), Some("con_dau"));
        assert_eq!(parse_coded(&MANAGEMENT_LEVELS, "cap xa"), Some("xa"));
        assert_eq!(parse_coded(&MANAGEMENT_LEVELS, "huyện"), None);
        assert_eq!(parse_coded(&MANAGEMENT_LEVELS, "  "), None);
    }

    #[test]
    fn occupation_groups_read_from_code_name_or_number() {
        assert_eq!(parse_occupation_group("N1"), Some("N1"));
        assert_eq!(parse_occupation_group("n3"), Some("N3"));
        assert_eq!(parse_occupation_group("Nông dân, lao động nông thôn"), Some("N1"));
        assert_eq!(parse_occupation_group("nguoi hoc: hoc sinh, sinh vien"), Some("N4"));
        assert_eq!(parse_occupation_group("Nhóm 2"), Some("N2"));
        assert_eq!(parse_occupation_group("N5"), None);
        assert_eq!(parse_occupation_group(""), None);
        assert_eq!(parse_occupation_group("nhóm"), None);
    }

    #[test]
    fn fund_entries_are_receipts_or_payments() {
        let receipts = FUND_ENTRY_KINDS.iter().filter(|(c, _)| fund_entry_is_receipt(c) == Some(true)).count();
        let payments = FUND_ENTRY_KINDS.iter().filter(|(c, _)| fund_entry_is_receipt(c) == Some(false)).count();
        assert_eq!((receipts, payments), (4, 5));
        assert!(FUND_ENTRY_KINDS.iter().all(|(c, l)| c.starts_with("thu_") == l.starts_with("Thu ")));
        assert_eq!(fund_entry_is_receipt("thu_le_phi"), None);
        assert_eq!(fund_entry_is_receipt("Thu hội phí"), None);
    }
}
