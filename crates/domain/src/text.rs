//! Vietnamese text as people type it: NFC normalisation, and the folded search key that
//! makes "thai binh" find "Thái Bình" (tìm kiếm không dấu).

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Normalises to NFC, trims, and collapses runs of whitespace to one space.
/// Excel files and phones send NFD text and stray spaces; stored names are always NFC.
pub fn clean(input: &str) -> String {
    clean_cow(input).into_owned()
}

/// [`clean`] without a copy when the text is already clean (most cells of a million-row
/// import: already NFC, single-spaced, trimmed).
pub fn clean_cow(input: &str) -> std::borrow::Cow<'_, str> {
    let tidy = !input.starts_with(char::is_whitespace)
        && !input.ends_with(char::is_whitespace)
        && !input
            .as_bytes()
            .windows(2)
            .any(|w| w.first().is_some_and(u8::is_ascii_whitespace) && w.get(1).is_some_and(u8::is_ascii_whitespace))
        && !input.bytes().any(|b| b.is_ascii_whitespace() && b != b' ');
    if tidy && (input.is_ascii() || unicode_normalization::is_nfc_quick(input.chars()) == unicode_normalization::IsNormalized::Yes) {
        return std::borrow::Cow::Borrowed(input);
    }
    let nfc: String = input.nfc().collect();
    std::borrow::Cow::Owned(nfc.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Why free text was refused (văn bản tự do: tên, ghi chú, nội dung báo cáo).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("dài {len} ký tự, tối đa {max}")]
    TooLong { len: usize, max: usize },
    #[error("có ký tự điều khiển hoặc ký tự không hợp lệ (U+{code:04X}) ở vị trí {position}; hãy xóa ký tự đó")]
    Forbidden { position: usize, code: u32 },
}

/// Whether XML 1.0 can hold the character (and so DOCX, XLSX and the PDF text layer): the
/// `Char` production minus the surrogates Rust never has.
pub fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Whether people may type the character into free text: XML holds it, it is no control
/// character (C0, DEL, C1) and no Unicode noncharacter; tab and line breaks only in
/// multi-line text.
pub fn allowed_char(c: char, multiline: bool) -> bool {
    if matches!(c, '\t' | '\n' | '\r') {
        return multiline;
    }
    let nonchar = matches!(c, '\u{FDD0}'..='\u{FDEF}') || (u32::from(c) & 0xFFFE) == 0xFFFE;
    xml_char(c) && !c.is_control() && !nonchar
}

/// The first character (1-based position) free text may not hold.
pub fn check_chars(input: &str, multiline: bool) -> Result<(), TextError> {
    match input.chars().enumerate().find(|(_, c)| !allowed_char(*c, multiline)) {
        Some((i, c)) => Err(TextError::Forbidden { position: i + 1, code: u32::from(c) }),
        None => Ok(()),
    }
}

/// A one-line free text as it enters (form, JSON, import): [`clean`]ed, then at most `max`
/// characters and none that a document could not hold. Empty stays empty; the caller
/// decides whether it is required.
pub fn line(input: &str, max: usize) -> Result<String, TextError> {
    let s = clean(input);
    check_chars(&s, false)?;
    let len = s.chars().count();
    if len > max {
        return Err(TextError::TooLong { len, max });
    }
    Ok(s)
}

/// A multi-line free text (nội dung báo cáo, nhận xét): NFC, trimmed, line breaks as `\n`,
/// paragraphs kept; at most `max` characters and none that a document could not hold.
pub fn narrative(input: &str, max: usize) -> Result<String, TextError> {
    let nfc: String = input.nfc().collect();
    let s = nfc.replace("\r\n", "\n").replace('\r', "\n").trim().to_string();
    check_chars(&s, true)?;
    let len = s.chars().count();
    if len > max {
        return Err(TextError::TooLong { len, max });
    }
    Ok(s)
}

/// What a document writer puts into XML or a PDF whatever it was given: every character
/// XML cannot hold and every other control character but tab and line breaks dropped.
/// Borrows when there is nothing to drop (nearly always).
pub fn xml_safe(input: &str) -> std::borrow::Cow<'_, str> {
    let keep = |c: char| xml_char(c) && (!c.is_control() || matches!(c, '\t' | '\n' | '\r'));
    if input.chars().all(keep) {
        std::borrow::Cow::Borrowed(input)
    } else {
        std::borrow::Cow::Owned(input.chars().filter(|c| keep(*c)).collect())
    }
}

/// Groups digits by three with dots, as Vietnamese write numbers and money: `-1.250.000`.
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// The characters that separate words in a search, besides white space, on both sides: in the
/// words typed and in a record's search key ("TK-A1" is "tk a1", "Xóm Đồi, đường 12" is "xom
/// doi duong 12"). The store repeats them in SQL (`translate` on PostgreSQL, `replace` on
/// SQLite) over the stored key, so a key stored before this rule needs no rewrite.
pub const SEARCH_SEPARATORS: &str = "-,./()';:";

/// The words of a registry search as typed, folded and split at white space and
/// [`SEARCH_SEPARATORS`], at most eight, each once: a record matches when every word but the
/// last is a whole word of its search key (name, code, CCCD, address) and the last begins one,
/// in any order ([`matches_search`]). "nguyen van a" finds "Nguyễn Văn An" and "Nguyễn Văn
/// Anh"; "van an" finds "Lê Văn Anh" but "an van" does not. Whole words and a beginning, not
/// any substring, so that a province's search runs on a word index (PostgreSQL) and reads each
/// word's postings instead of millions of rows; the LIKE wildcards `%`, `_` and `\` are dropped.
pub fn search_words(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in search_text(&fold(query)).split(' ') {
        let w: String = w.chars().filter(|c| !matches!(c, '%' | '_' | '\\')).collect();
        if !w.is_empty() && !out.contains(&w) && out.len() < 8 {
            out.push(w);
        }
    }
    out
}

/// A folded key with [`SEARCH_SEPARATORS`] turned to spaces and white space collapsed: the words
/// a search compares with.
pub fn search_text(folded: &str) -> String {
    let spaced: String = folded.chars().map(|c| if SEARCH_SEPARATORS.contains(c) { ' ' } else { c }).collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a folded search key matches the words of [`search_words`]: each but the last is one of
/// its words, the last begins one. The rule the stores' SQL states on both engines.
pub fn matches_search(folded_key: &str, words: &[String]) -> bool {
    let key = search_text(folded_key);
    let key_words: Vec<&str> = key.split(' ').collect();
    words.iter().enumerate().all(|(i, w)| {
        if i + 1 == words.len() { key_words.iter().any(|k| k.starts_with(w.as_str())) } else { key_words.contains(&w.as_str()) }
    })
}

/// The search key: lower case, without diacritics, `đ` → `d`, whitespace collapsed.
/// Stored beside every searchable name and indexed, so search is an indexed prefix/substring
/// match on both engines without collation tricks.
pub fn fold(input: &str) -> String {
    if input.is_ascii() && !input.as_bytes().windows(2).any(|w| w == b"  ") && input.trim() == input {
        return input.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(input.len());
    for c in input.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            c => out.extend(c.to_lowercase()),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folding_removes_diacritics_and_case() {
        assert_eq!(fold("Thái Bình"), "thai binh");
        assert_eq!(fold("Lạng  Sơn "), "lang son");
        assert_eq!(fold("ĐẮK LẮK"), "dak lak");
        assert_eq!(fold("Phường Đống Đa"), "phuong dong da");
    }

    #[test]
    fn search_words_are_folded_distinct_and_free_of_wildcards() {
        assert_eq!(search_words("  Văn   AN "), vec!["van", "an"]);
        assert_eq!(search_words("an an An"), vec!["an"]);
        assert_eq!(search_words("50% _ \\"), vec!["50"]);
        assert!(search_words("   ").is_empty());
        assert_eq!(search_words("a b c d e f g h i j").len(), 8);
        assert_eq!(search_words("TK-A1, (thôn 2)/xã"), vec!["tk", "a1", "thon", "2", "xa"]);
    }

    #[test]
    fn all_words_but_the_last_are_whole_and_the_last_begins_a_word() {
        let m = |key: &str, q: &str| matches_search(&fold(key), &search_words(q));
        assert!(m("Nguyễn Văn An", "nguyen van a"));
        assert!(m("Lê Văn Anh", "van an"));
        assert!(m("Lê Văn Anh", "VĂN  ANH"));
        assert!(!m("Lê Văn Anh", "an van"), "\"an\" is not a whole word of it");
        assert!(m("Nguyễn Văn An", "an van"));
        assert!(!m("Hoàng Xuân Lan", "uan"), "inside a word is not a beginning");
        assert!(m("TK-A1 Xóm Đồi, đường 12", "tk a1 doi 1"));
        assert!(m("TK-A1 Xóm Đồi, đường 12", "doi, 12"));
        assert!(!m("TK-A1", "t a1"));
        assert!(m("anything", ""), "no words: everything");
    }

    #[test]
    fn cleaning_composes_decomposed_text() {
        let nfd: String = "Nguyễn Thị".nfd().collect();
        assert_ne!(nfd, "Nguyễn Thị");
        assert_eq!(clean(&format!("  {nfd}  ")), "Nguyễn Thị");
    }

    #[test]
    fn free_text_refuses_what_xml_cannot_hold_and_names_the_place() {
        assert_eq!(line("  Nguyễn  Văn A ", 20), Ok("Nguyễn Văn A".into()));
        assert_eq!(line("Ab\u{1}c", 20), Err(TextError::Forbidden { position: 3, code: 1 }));
        assert_eq!(line("x\u{FFFE}", 20), Err(TextError::Forbidden { position: 2, code: 0xFFFE }));
        assert_eq!(line("x\u{FFFF}", 20), Err(TextError::Forbidden { position: 2, code: 0xFFFF }));
        assert_eq!(line("abc", 2), Err(TextError::TooLong { len: 3, max: 2 }));
        assert_eq!(narrative("Đoạn 1\r\n\r\nĐoạn 2\t(tab)\n", 100), Ok("Đoạn 1\n\nĐoạn 2\t(tab)".into()));
        assert!(narrative("a\u{0B}b", 100).is_err());
        assert!(narrative("a\u{85}b", 100).is_err(), "C1 control");
        assert!(TextError::Forbidden { position: 3, code: 1 }.to_string().contains("U+0001"));
        assert_eq!(xml_safe("a\u{0}b\u{FFFF}c\nd"), "abc\nd");
        assert!(matches!(xml_safe("Thái Bình"), std::borrow::Cow::Borrowed(_)));
    }

    proptest! {
        #[test]
        fn folding_is_idempotent(s in "\\PC{0,30}") {
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once.clone());
        }

        /// Whatever arrives, the text rule either refuses it or returns text every character
        /// of which XML can hold, within the limit; and the writers' filter always does.
        #[test]
        fn accepted_free_text_is_xml_text(s in any::<String>(), max in 0usize..40) {
            for multiline in [false, true] {
                let r = if multiline { narrative(&s, max) } else { line(&s, max) };
                if let Ok(t) = r {
                    prop_assert!(t.chars().all(xml_char));
                    prop_assert!(t.chars().count() <= max);
                    prop_assert!(multiline || !t.contains('\n'));
                }
            }
            prop_assert!(xml_safe(&s).chars().all(|c| xml_char(c) && (!c.is_control() || "\t\n\r".contains(c))));
        }

        /// A record is found by its own words typed in any order, the last cut anywhere.
        #[test]
        fn a_key_is_found_by_its_words_in_any_order(
            words in proptest::collection::vec("[a-zà-ỹđ0-9]{1,8}", 1..5),
            seps in proptest::collection::vec("[ ,./()-]{1,2}", 5),
            order in any::<proptest::sample::Index>(),
            cut in 1usize..8,
        ) {
            let key: String = words.iter().zip(&seps).map(|(w, s)| format!("{w}{s}")).collect();
            let mut typed: Vec<String> = words.iter().map(|w| fold(w)).collect();
            let n = typed.len();
            typed.rotate_left(order.index(n));
            if let Some(last) = typed.pop() {
                typed.push(last.chars().take(cut).collect());
            }
            let q = search_words(&typed.join(" "));
            prop_assert!(q.len() <= 8);
            prop_assert!(matches_search(&fold(&key), &q), "{:?} in {:?}", q, key);
        }

        #[test]
        fn folding_ignores_normal_form(s in "[a-zA-ZàáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđĐ ]{0,30}") {
            let nfd: String = s.nfd().collect();
            prop_assert_eq!(fold(&nfd), fold(&s));
        }
    }
}
