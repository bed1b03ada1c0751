//! Secrets Lull generates: the API token and webhook channel tokens. Tokens are 256 random bits;
//! webhook tokens are stored only as their SHA-256 and compared in constant time.

/// A new random token with a recognisable prefix (`lull_api_`, `lull_wh_`), so a leaked one is
/// easy to spot and revoke.
pub fn generate(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    // The OS random source failing is not something Lull can work around; a predictable token
    // would be worse than stopping.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut bytes).expect("the operating system's random source is unavailable");
    let mut s = String::with_capacity(prefix.len() + 64);
    s.push_str(prefix);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// The stored form of a token: hex SHA-256.
pub fn hash(token: &str) -> String {
    lull_channels::hex_sha256(token.as_bytes())
}

/// Whether `presented` hashes to `stored_hash`, in time independent of where they differ.
pub fn verify(presented: &str, stored_hash: &str) -> bool {
    constant_time_eq(hash(presented).as_bytes(), stored_hash.as_bytes())
}

/// Compares two byte strings without an early exit.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_verify_by_hash() {
        let (a, b) = (generate("lull_wh_"), generate("lull_wh_"));
        assert_ne!(a, b);
        assert_eq!(a.len(), "lull_wh_".len() + 64);
        assert!(verify(&a, &hash(&a)));
        assert!(!verify(&b, &hash(&a)));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
