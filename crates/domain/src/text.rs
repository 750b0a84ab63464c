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
    fn cleaning_composes_decomposed_text() {
        let nfd: String = "Nguyễn Thị".nfd().collect();
        assert_ne!(nfd, "Nguyễn Thị");
        assert_eq!(clean(&format!("  {nfd}  ")), "Nguyễn Thị");
    }

    proptest! {
        #[test]
        fn folding_is_idempotent(s in "\\PC{0,30}") {
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once.clone());
        }

        #[test]
        fn folding_ignores_normal_form(s in "[a-zA-ZàáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđĐ ]{0,30}") {
            let nfd: String = s.nfd().collect();
            prop_assert_eq!(fold(&nfd), fold(&s));
        }
    }
}
