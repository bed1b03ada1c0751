//! Tokens Lull generates: the per-install API token (written by [`crate::paths::DataDir`]) and
//! webhook channel tokens. Each is 256 random bits with a recognisable prefix.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_prefixed() {
        let (a, b) = (generate("lull_wh_"), generate("lull_wh_"));
        assert_ne!(a, b);
        assert_eq!(a.len(), "lull_wh_".len() + 64);
        assert!(a.starts_with("lull_wh_"));
    }
}
