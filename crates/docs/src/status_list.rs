//! Bitstring Status List (W3C): one bit per recognition, set when revoked; GZIP-compressed and
//! base64url-encoded with the multibase prefix `u`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::io::{Read, Write};

/// Smallest list size the specification asks for (16 KB of bits), for group privacy.
pub const MIN_BITS: usize = 131_072;

/// Encodes the list with the given bits set (bit 0 is the most significant of byte 0).
pub fn encode(revoked: &[u64]) -> Result<String, String> {
    let max = revoked.iter().max().map(|m| usize::try_from(*m).unwrap_or(usize::MAX) + 1).unwrap_or(0);
    let bits = max.max(MIN_BITS).div_ceil(8) * 8;
    let mut bytes = vec![0u8; bits / 8];
    for i in revoked {
        let i = usize::try_from(*i).map_err(|e| e.to_string())?;
        if let Some(b) = bytes.get_mut(i / 8) {
            *b |= 0x80 >> (i % 8);
        }
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&bytes).map_err(|e| e.to_string())?;
    Ok(format!("u{}", URL_SAFE_NO_PAD.encode(gz.finish().map_err(|e| e.to_string())?)))
}

/// Whether bit `index` is set in an encoded list.
pub fn is_set(encoded: &str, index: u64) -> Result<bool, String> {
    let data = URL_SAFE_NO_PAD.decode(encoded.strip_prefix('u').ok_or("thiếu tiền tố multibase u")?).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    // A list is at most a few megabytes expanded; refuse anything bigger.
    flate2::read::GzDecoder::new(data.as_slice()).take(16 * 1024 * 1024).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    let i = usize::try_from(index).map_err(|e| e.to_string())?;
    Ok(bytes.get(i / 8).is_some_and(|b| b & (0x80 >> (i % 8)) != 0))
}

#[cfg(test)]
mod tests {
    #[test]
    fn revoked_bits_read_back() {
        let list = super::encode(&[3, 200_000]).unwrap_or_default();
        assert!(list.starts_with('u'));
        assert_eq!(super::is_set(&list, 3), Ok(true));
        assert_eq!(super::is_set(&list, 4), Ok(false));
        assert_eq!(super::is_set(&list, 200_000), Ok(true));
    }
}
