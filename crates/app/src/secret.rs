//! Password hashes (argon2id) and random tokens: what `user add`, the demo seed and the login
//! share, without linking the web server.

use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use hoctap_domain::access::NewPassword;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// `bytes` random bytes in hex (session ids, CSRF tokens, operation ids).
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// The PHC string of an argon2id hash with a fresh salt (tens of milliseconds of one core).
pub fn hash_password(p: &NewPassword) -> Result<String, crate::AppError> {
    Argon2::default().hash_password(p.expose().as_bytes()).map(|h| h.to_string()).map_err(crate::AppError::internal)
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash that never verifies, used to spend the same time on unknown usernames.
pub fn dummy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2a4kDkS5iu+gStXq6tO63o+4fdQ4hT2E4hxeGQnQSzM"
}

/// Compares secrets in time that does not depend on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
