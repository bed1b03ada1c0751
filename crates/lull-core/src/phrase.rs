//! Something to tell a person, as data: a stable code and its parameters. Lull's libraries never
//! word what they say; they hand out phrases, and the edges word them in the user's language
//! from one set of dictionaries (`locales/`): the `lull` command, the desktop notifications and
//! the tray through `lull-words`, the web UI through its i18n.
//!
//! Codes are dotted and stable (`week.unknown_day`, `feed.works`); parameters are plain text
//! (names, values, numbers as written). A parameter called `count` chooses the plural form, and
//! `detail` carries what another program said (an operating system or server error), as it
//! said it. A parameter may itself be a phrase ("storing the messages failed: {detail}", where
//! the detail is the store's own phrase): it is worded in the same language.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
pub struct Phrase {
    pub code: String,
    #[serde(default)]
    pub params: BTreeMap<String, Param>,
}

/// A phrase's parameter: text as it is, or a phrase worded with the one it is part of.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(untagged)]
pub enum Param {
    Text(String),
    Phrase(Phrase),
}

impl Phrase {
    pub fn new(code: &str) -> Phrase {
        Phrase { code: code.to_owned(), params: BTreeMap::new() }
    }

    /// The phrase with one more parameter.
    #[must_use]
    pub fn with(mut self, name: &str, value: impl fmt::Display) -> Phrase {
        self.params.insert(name.to_owned(), Param::Text(value.to_string()));
        self
    }

    /// The phrase with one more parameter that is itself a phrase.
    #[must_use]
    pub fn with_phrase(mut self, name: &str, value: Phrase) -> Phrase {
        self.params.insert(name.to_owned(), Param::Phrase(value));
        self
    }

    /// A text parameter's value, or `""`.
    pub fn param(&self, name: &str) -> &str {
        match self.params.get(name) {
            Some(Param::Text(t)) => t,
            _ => "",
        }
    }

    /// Text from before phrases existed (a stored error of an older Lull): said as it is.
    pub fn text(text: impl Into<String>) -> Phrase {
        Phrase::new("text").with("text", text.into())
    }
}

/// `week.unknown_day(value="fry")`: for logs and debugging; people get the worded phrase.
impl fmt::Display for Phrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)?;
        if !self.params.is_empty() {
            f.write_str("(")?;
            for (i, (k, v)) in self.params.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                match v {
                    Param::Text(t) => write!(f, "{k}={t:?}")?,
                    Param::Phrase(p) => write!(f, "{k}={p}")?,
                }
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// Errors that are phrases: their `Display` is the phrase's code and parameters.
pub trait Said {
    fn phrase(&self) -> Phrase;
}

/// Implements `Display` and `Error` for an error type through its phrase.
#[macro_export]
macro_rules! said_error {
    ($($t:ty),+ $(,)?) => {$(
        impl ::std::fmt::Display for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&$crate::phrase::Said::phrase(self), f)
            }
        }
        impl ::std::error::Error for $t {}
    )+};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_are_codes_and_parameters() {
        let p = Phrase::new("week.unknown_day").with("value", "fry");
        assert_eq!(p.to_string(), "week.unknown_day(value=\"fry\")");
        assert_eq!(serde_json::to_value(&p).expect("json"), serde_json::json!({"code": "week.unknown_day", "params": {"value": "fry"}}));
        assert_eq!(serde_json::to_value(Phrase::new("feed.works")).expect("json"), serde_json::json!({"code": "feed.works", "params": {}}));
        assert_eq!(p.param("value"), "fry");
        assert_eq!(p.param("nothing"), "");
        let nested = Phrase::new("connector.cannot_store").with_phrase("detail", Phrase::new("store.busy"));
        assert_eq!(nested.to_string(), "connector.cannot_store(detail=store.busy)");
        let json = serde_json::to_value(&nested).expect("json");
        assert_eq!(json, serde_json::json!({"code": "connector.cannot_store", "params": {"detail": {"code": "store.busy", "params": {}}}}));
        assert_eq!(serde_json::from_value::<Phrase>(json).expect("back"), nested);
    }
}
