//! Secrets: validation tokens and codes, temporary passwords and their hashes.
//! Everything random comes from the operating system's generator.

use crate::error::{Error, Result};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::Rng;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// Letters and digits that cannot be mistaken for one another when read from an email
/// or dictated at the desk: no 0/O/o, 1/l/I/i, 5/S/s, 2/Z/z, 8/B, u/v.
const PASSWORD_ALPHABET: &[u8] = b"ACDEFGHJKLMNPQRTWXYabcdefghjkmnpqrtwxy34679";
pub const TEMPORARY_PASSWORD_LEN: usize = 14;
/// Crockford's base32 without I, L, O, U: folios are read aloud and typed back.
const FOLIO_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A validation token for the link: 256 random bits, hex. Only its SHA-256 is stored.
pub fn new_link_token() -> String {
    let bytes: [u8; 32] = OsRng.r#gen();
    hex::encode(bytes)
}

pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The 6-digit code printed in the validation email.
pub fn new_code() -> String {
    format!("{:06}", OsRng.gen_range(0..1_000_000u32))
}

/// Hash of a code, salted with its token's id so equal codes hash differently. A 6-digit
/// code cannot resist an offline search of its hash; what protects it is that it dies
/// after a few wrong tries and within hours.
pub fn code_hash(token_id: &str, code: &str) -> String {
    sha256_hex(&format!("{token_id}:{code}"))
}

/// Compares two equal-length hex digests without an early exit.
pub fn digests_equal(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A temporary password of unambiguous characters with at least one upper-case letter,
/// one lower-case letter and one digit (what most password policies ask).
pub fn new_temporary_password() -> String {
    loop {
        let candidate: String = (0..TEMPORARY_PASSWORD_LEN)
            .map(|_| PASSWORD_ALPHABET[OsRng.gen_range(0..PASSWORD_ALPHABET.len())] as char)
            .collect();
        if candidate.chars().any(|c| c.is_ascii_uppercase())
            && candidate.chars().any(|c| c.is_ascii_lowercase())
            && candidate.chars().any(|c| c.is_ascii_digit())
        {
            return candidate;
        }
    }
}

/// argon2id with OWASP's recommended minimum: 19 MiB of memory, 2 passes, 1 lane.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password (PHC string). Slow on purpose: call it off the async threads.
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("argon2: {e}")))
}

/// [`hash_password`] on a blocking thread, so the async threads keep serving.
pub(crate) async fn hash_off_thread(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| Error::Internal(format!("hashing task: {e}")))?
}

/// The most a stored hash may ask of this machine before it is checked. A hash is data
/// (pulled from the central database, read from disk): a forged `m=4194304` would take
/// 4 GiB at sign-in and stop the station, so its cost is bounded first.
const MAX_HASH_MEMORY_KIB: u32 = 64 * 1024;
const MAX_HASH_PASSES: u32 = 10;
const MAX_HASH_LANES: u32 = 4;

/// Whether `phc` is an argon2id hash whose cost stays within what this system would choose
/// itself (up to 64 MiB, 10 passes, 4 lanes), with no parameter argon2 does not know.
pub fn stored_hash_is_acceptable(phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| cost_is_bounded(&parsed))
}

fn cost_is_bounded(parsed: &PasswordHash) -> bool {
    parsed.algorithm == Algorithm::Argon2id.ident()
        && Params::try_from(parsed).is_ok_and(|p| {
            p.m_cost() <= MAX_HASH_MEMORY_KIB
                && p.t_cost() <= MAX_HASH_PASSES
                && p.p_cost() <= MAX_HASH_LANES
        })
}

/// Whether `password` matches the stored `phc`; a hash of unbounded cost never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    if !cost_is_bounded(&parsed) {
        tracing::warn!("a stored password hash has unexpected argon2 parameters; refused");
        return false;
    }
    hasher()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// `RSL-251125-7K3Q-X9AB`: service, local date, eight random base32 characters in two
/// groups of four (read aloud in pairs). Stations make folios without asking anyone, so
/// the random part must keep the institute-wide `UNIQUE(folio)` safe: 40 bits a day keep
/// a collision among 5,000 registrations a day near one in 90,000 days (six characters,
/// 30 bits, gave one in 90). A collision is still set aside by the sync, never a stall.
pub fn new_folio(local_date: chrono::NaiveDate) -> String {
    let random = || FOLIO_ALPHABET[OsRng.gen_range(0..FOLIO_ALPHABET.len())] as char;
    let first: String = (0..4).map(|_| random()).collect();
    let second: String = (0..4).map(|_| random()).collect();
    format!("RSL-{}-{first}-{second}", local_date.format("%y%m%d"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_passwords_are_long_unambiguous_and_mixed() {
        for _ in 0..200 {
            let p = new_temporary_password();
            assert_eq!(p.len(), TEMPORARY_PASSWORD_LEN);
            assert!(p.len() >= 12);
            assert!(!p.chars().any(|c| "0Oo1lIi5Ss2Zz8Buv".contains(c)), "{p}");
            assert!(p.chars().any(|c| c.is_ascii_digit()));
        }
        assert_ne!(new_temporary_password(), new_temporary_password());
    }

    #[test]
    fn password_hash_is_argon2id_with_owasp_parameters_and_verifies() {
        let phc = hash_password("Temporal4Prueba").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_password("Temporal4Prueba", &phc));
        assert!(!verify_password("temporal4prueba", &phc));
    }

    #[test]
    fn a_forged_hash_of_huge_cost_is_refused_without_being_computed() {
        // 4 GiB of memory: computing it would take the station down; refusing is instant.
        let forged = "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g";
        assert!(!stored_hash_is_acceptable(forged));
        assert!(!verify_password("cualquiera", forged));
        for bad in [
            "$argon2id$v=19$m=19456,t=1000,p=1$c2FsdA$aGFzaA",
            "$argon2id$v=19$m=19456,t=2,p=64$c2FsdA$aGFzaA",
            "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
            "$argon2id$v=19$m=19456,t=2,p=1,x=1$c2FsdA$aGFzaA",
            "texto plano",
            "",
        ] {
            assert!(!stored_hash_is_acceptable(bad), "{bad}");
        }
        assert!(stored_hash_is_acceptable(
            &hash_password("Temporal4Prueba").unwrap()
        ));
    }

    #[test]
    fn tokens_and_codes_have_the_promised_shape() {
        let token = new_link_token();
        assert_eq!(token.len(), 64);
        assert_ne!(token, new_link_token());
        let code = new_code();
        assert_eq!(code.len(), 6);
        assert!(code.chars().all(|c| c.is_ascii_digit()));
        assert_ne!(code_hash("a", "123456"), code_hash("b", "123456"));
        assert!(digests_equal(&sha256_hex("x"), &sha256_hex("x")));
        assert!(!digests_equal(&sha256_hex("x"), &sha256_hex("y")));
    }

    #[test]
    fn folios_carry_the_date_and_no_ambiguous_letters() {
        let f = new_folio(chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap());
        assert!(f.starts_with("RSL-261125-"), "{f}");
        assert_eq!(f.len(), "RSL-261125-".len() + 9);
        assert_eq!(f.as_bytes()["RSL-261125-".len() + 4], b'-');
        assert!(!f[11..].chars().any(|c| "ILOU".contains(c)));
    }
}
