//! Opaque list cursors (`sau=…`, `next.sau`): the internal id of the last row shown and the
//! list it belongs to, sealed with HMAC-SHA-256 under a key that never leaves the process.
//! A cursor carries no value of the row (a CCCD sort key once let a reviewer who sees CCCDs
//! masked binary-search any number through `sau=`), and one that was altered, belongs to
//! another list, or outlived a restart answers 422.

use crate::AppError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

const TAG_BYTES: usize = 16;

fn key() -> &'static [u8; 32] {
    static KEY: OnceLock<[u8; 32]> = OnceLock::new();
    KEY.get_or_init(|| {
        let mut k = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut k);
        k
    })
}

/// HMAC-SHA-256 (RFC 2104) with a key of at most one block.
fn mac(key: &[u8; 32], message: &[u8]) -> [u8; 32] {
    let mut ipad = [0x36u8; 64];
    let mut opad = [0x5cu8; 64];
    for ((i, o), k) in ipad.iter_mut().zip(opad.iter_mut()).zip(key) {
        *i ^= k;
        *o ^= k;
    }
    let inner = Sha256::new().chain_update(ipad).chain_update(message).finalize();
    Sha256::new().chain_update(opad).chain_update(inner).finalize().into()
}

/// The sealed message: the list's name, length-prefixed so no two lists share a message,
/// then the id.
fn message(list: &str, id: &[u8]) -> Vec<u8> {
    let mut m = (list.len() as u64).to_be_bytes().to_vec();
    m.extend_from_slice(list.as_bytes());
    m.extend_from_slice(id);
    m
}

/// The cursor after the row `id` of the list named `list` (registry and sort order).
pub fn seal(list: &str, id: i64) -> String {
    let id = id.to_be_bytes();
    let tag = mac(key(), &message(list, &id));
    let mut bytes = id.to_vec();
    bytes.extend_from_slice(tag.get(..TAG_BYTES).unwrap_or_default());
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The row id a cursor of the list `list` stands for; 422 on the field `sau` otherwise.
pub fn open(list: &str, cursor: &str) -> Result<i64, AppError> {
    let refused = || AppError::invalid("sau", "Liên kết \"Trang sau\" không hợp lệ hoặc đã hết hạn; hãy mở lại danh sách từ đầu");
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).map_err(|_| refused())?;
    if bytes.len() != 8 + TAG_BYTES {
        return Err(refused());
    }
    let (id, tag) = bytes.split_at(8);
    let expected = mac(key(), &message(list, id));
    if !crate::secret::constant_time_eq(tag, expected.get(..TAG_BYTES).unwrap_or_default()) {
        return Err(refused());
    }
    let id: [u8; 8] = id.try_into().map_err(|_| refused())?;
    Ok(i64::from_be_bytes(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        // A short key is zero-padded to the block, so "Jefe" padded to 32 bytes is the same key.
        let mut k = [0u8; 32];
        for (slot, b) in k.iter_mut().zip(b"Jefe") {
            *slot = *b;
        }
        assert_eq!(
            hex::encode(mac(&k, b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_cursor_opens_only_in_its_own_list() {
        let c = seal("cong-dan:cccd", 42);
        assert_eq!(open("cong-dan:cccd", &c).ok(), Some(42));
        assert!(open("cong-dan:full_name", &c).is_err());
        assert!(open("hoi-vien:branch", &c).is_err());
        assert!(open("cong-dan:cccd", "").is_err());
        let e = open("cong-dan:cccd", "001203004567").unwrap_err();
        assert!(matches!(e, AppError::Invalid { ref field, .. } if field == "sau"), "{e:?}");
    }

    proptest! {
        /// Whatever is sent as a cursor (a CCCD, a date, anything), the refusal repeats none
        /// of it: an error is no oracle.
        #[test]
        fn a_refusal_repeats_nothing_of_what_was_sent(sent in "\\PC{3,40}") {
            if let Err(e) = open("cong-dan:cccd", &sent) {
                let message = e.to_string();
                prop_assert!(!message.contains(sent.trim()) || sent.trim().len() < 3, "{}", message);
            }
        }

        /// No cursor shows the id in the clear or survives any change of one character.
        #[test]
        fn tampered_cursors_are_refused(id in any::<i64>(), pos in 0usize..32, by in 1u8..64) {
            let c = seal("cong-dan:cccd", id);
            prop_assert!(!c.contains(&id.to_string()) || id.to_string().len() < 3);
            let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let mut bytes = c.clone().into_bytes();
            let i = pos % bytes.len();
            let old = alphabet.iter().position(|b| Some(b) == bytes.get(i)).unwrap_or(0);
            if let (Some(slot), Some(new)) = (bytes.get_mut(i), alphabet.get((old + usize::from(by)) % 64)) {
                *slot = *new;
            }
            let tampered = String::from_utf8(bytes).unwrap_or_default();
            // The last character holds 4 padding bits base64 ignores only if unchanged; any
            // real change to the decoded bytes must fail.
            if URL_SAFE_NO_PAD.decode(&tampered).ok() != URL_SAFE_NO_PAD.decode(&c).ok() {
                prop_assert!(open("cong-dan:cccd", &tampered).is_err());
            }
            prop_assert_eq!(open("cong-dan:cccd", &c).ok(), Some(id));
        }
    }
}
