//! How Lull says things to people outside the web UI, in English or French: the `lull` command,
//! the desktop notifications, the tray, and the English texts the API carries for scripts.
//!
//! Lull's libraries hand out data (phrases, rules, status lines, suggestions, settings); this
//! crate words them from the dictionaries in `locales/` (`en.json`, `fr.json`), the same files
//! the web UI words the same data from, so the command line and the window say the same thing.
//! A template is text with `{name}` placeholders; a key ending in `.one` and `.other` is chosen
//! by a `count`.
//!
//! The language follows the system's (`LC_ALL`, `LC_MESSAGES`, `LANG`): French when it starts
//! with `fr`, English otherwise.

mod charter;
mod clock;
mod render;
mod reply;

use std::collections::HashMap;
use std::sync::OnceLock;

use lull_core::phrase::{Param, Phrase};

pub use charter::escape;
pub use render::Dates;
pub use reply::{default_template, reply_words};

/// A language Lull speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Fr,
}

impl Lang {
    pub const ALL: &'static [Lang] = &[Lang::En, Lang::Fr];

    /// The system's language, from `LC_ALL`, `LC_MESSAGES` and `LANG` (the first one set).
    pub fn from_env() -> Lang {
        let vars = ["LC_ALL", "LC_MESSAGES", "LANG"];
        let value = vars.iter().filter_map(|v| std::env::var(v).ok()).find(|v| !v.is_empty()).unwrap_or_default();
        Lang::from_tag(&value)
    }

    /// `fr`, `fr_FR.UTF-8`, `fr-CA`: French; anything else: English.
    pub fn from_tag(tag: &str) -> Lang {
        if tag.to_ascii_lowercase().starts_with("fr") { Lang::Fr } else { Lang::En }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }
}

type Dictionary = HashMap<String, String>;

/// The dictionary of `lang`, read once from the file compiled in.
fn dictionary(lang: Lang) -> &'static Dictionary {
    static EN: OnceLock<Dictionary> = OnceLock::new();
    static FR: OnceLock<Dictionary> = OnceLock::new();
    let (cell, text) = match lang {
        Lang::En => (&EN, include_str!("../../../locales/en.json")),
        Lang::Fr => (&FR, include_str!("../../../locales/fr.json")),
    };
    // The files are checked by this crate's tests; a broken one reads as empty, and every key
    // then says itself rather than taking the program down.
    cell.get_or_init(|| serde_json::from_str(text).unwrap_or_default())
}

/// Words in one language.
#[derive(Debug, Clone, Copy)]
pub struct Words {
    lang: Lang,
}

/// Words in `lang`.
pub fn words(lang: Lang) -> Words {
    Words { lang }
}

/// Words in English: the texts the API carries for scripts, and logs.
pub fn english() -> Words {
    words(Lang::En)
}

impl Words {
    pub fn lang(self) -> Lang {
        self.lang
    }

    /// Whether the dictionary has `key` (in English, which has them all).
    pub fn has(self, key: &str) -> bool {
        dictionary(Lang::En).contains_key(key)
    }

    /// The template of `key` with its placeholders filled from `params`; English when this
    /// language lacks it, the key itself when no language has it.
    pub fn t(self, key: &str, params: &[(&str, &str)]) -> String {
        let template = dictionary(self.lang).get(key).or_else(|| dictionary(Lang::En).get(key));
        match template {
            Some(t) => fill(t, params),
            None => key.to_owned(),
        }
    }

    /// The plural form of `base` for `count` (`base.one` or `base.other`), with `{count}`.
    pub fn tn(self, base: &str, count: u64, params: &[(&str, &str)]) -> String {
        let count_text = count.to_string();
        let mut all: Vec<(&str, &str)> = params.to_vec();
        all.push(("count", &count_text));
        self.t(&format!("{base}.{}", self.plural(count)), &all)
    }

    fn plural(self, count: u64) -> &'static str {
        match (self.lang, count) {
            (Lang::En, 1) | (Lang::Fr, 0 | 1) => "one",
            _ => "other",
        }
    }

    /// A phrase, worded: its code is the key; a `count` parameter chooses the plural form, and a
    /// parameter `@key` is itself worded (`@json.boolean`: "a boolean").
    pub fn phrase(self, phrase: &Phrase) -> String {
        let worded: Vec<(&str, String)> = phrase
            .params
            .iter()
            .map(|(k, v)| match v {
                Param::Phrase(p) => (k.as_str(), self.phrase(p)),
                Param::Text(t) => match t.strip_prefix('@').filter(|key| self.has(key)) {
                    Some(key) => (k.as_str(), self.t(key, &[])),
                    None => (k.as_str(), t.clone()),
                },
            })
            .collect();
        let params: Vec<(&str, &str)> = worded.iter().map(|(k, v)| (*k, v.as_str())).collect();
        if self.has(&phrase.code) {
            return self.t(&phrase.code, &params);
        }
        if let Ok(count) = phrase.param("count").parse::<u64>()
            && self.has(&format!("{}.one", phrase.code))
        {
            return self.tn(&phrase.code, count, &params);
        }
        // A phrase of a newer Lull: said as data rather than not at all.
        phrase.to_string()
    }
}

impl Words {
    /// A problem with an input, named by `label` (`--focus` on the command line, `focus` in
    /// the API's English): `--focus "mon-fry 09:00": unknown day "fry"`, or
    /// `--digest: invalid time "9h"` when the problem does not quote the value itself.
    pub fn labelled(self, label: &str, problem: &Phrase) -> String {
        let key = if problem.code == "input.value" { "input.labelled_value" } else { "input.labelled" };
        self.t(key, &[("field", label), ("problem", &self.phrase(problem))])
    }
}

/// Fills `{name}` placeholders; unknown ones stay as they are.
fn fill(template: &str, params: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if after[..close].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
                let name = &after[..close];
                match params.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;

/// Implements `Display` (the phrase in English) and `Error` for error types that are phrases
/// ([`lull_core::phrase::Said`]), for logs and for callers that want one text; people get the
/// phrase worded in their language.
#[macro_export]
macro_rules! english_error {
    ($($t:ty),+ $(,)?) => {$(
        impl ::std::fmt::Display for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&$crate::english().phrase(&::lull_core::phrase::Said::phrase(self)))
            }
        }
        impl ::std::error::Error for $t {}
    )+};
}
