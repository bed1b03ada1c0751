//! Small text helpers shared by the policy and the reports: accent- and case-insensitive word
//! search, and short human forms of release times.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// Lower-cases and strips the accents of Latin letters, so "Urgence" matches "urgence" and
/// "bloqué" matches "bloque".
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => out.push('a'),
            'ç' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' => out.push('i'),
            'ñ' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => out.push('o'),
            'ù' | 'ú' | 'û' | 'ü' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            '\u{2019}' => out.push('\''),
            c => out.push(c),
        }
    }
    out
}

/// Whether `word` (or phrase) occurs in `text` as whole words, ignoring case and accents.
pub fn find_word(text: &str, word: &str) -> bool {
    let (text, word) = (fold(text), fold(word));
    if word.is_empty() {
        return false;
    }
    let is_word_char = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    text.match_indices(word.as_str())
        .any(|(i, m)| !is_word_char(text[..i].chars().next_back()) && !is_word_char(text[i + m.len()..].chars().next()))
}

/// A release time as short as is clear from the arrival: `13:00` the same day, `Mon 09:00`
/// within a week, `Mon 7 Dec 09:00` beyond.
pub fn format_release(received_at: DateTime<Utc>, release_at: DateTime<Utc>, tz: Tz) -> String {
    let (from, to) = (received_at.with_timezone(&tz), release_at.with_timezone(&tz));
    if from.date_naive() == to.date_naive() {
        to.format("%H:%M").to_string()
    } else if (to.date_naive() - from.date_naive()).num_days() < 7 {
        to.format("%a %H:%M").to_string()
    } else {
        to.format("%a %-d %b %H:%M").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_match_whole_ignoring_case_and_accents() {
        assert!(find_word("Prod is DOWN, ASAP please", "asap"));
        assert!(find_word("C'est une URGENCE !", "urgence"));
        assert!(find_word("le site est en panne", "en panne"));
        assert!(find_word("Problème bloquant", "bloquant"));
        assert!(!find_word("not urgently needed", "urgent"));
        assert!(!find_word("wasap", "asap"));
        assert!(!find_word("anything", ""));
    }
}
