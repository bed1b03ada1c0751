//! How a request fails: a stable code for programs, a phrase for the edges to word (with the
//! input field at fault, if one is), and the same in English for scripts.

use lull_core::phrase::{Phrase, Said};
use serde::{Deserialize, Deserializer, Serialize};

/// A failed request.
///
/// `problem` says what happened as a phrase; the `lull` command and the window word it in the
/// user's language. `field` names the input at fault (`from`, `tz`, `url`): the command line
/// turns it into its flag, the window into its form field. `message` is the phrase in English,
/// for scripts that read the API's JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<String>,
    pub problem: Phrase,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request is wrong; the problem says what to change.
    InvalidInput,
    NotFound,
    Conflict,
    Unauthorized,
    /// Lull cannot do it right now (database busy, engine stopping); try again.
    Unavailable,
    Internal,
}

impl ApiError {
    pub fn new(code: ErrorCode, problem: Phrase) -> ApiError {
        ApiError { code, message: lull_words::english().phrase(&problem), field: None, problem }
    }
    pub fn invalid(problem: Phrase) -> ApiError {
        ApiError::new(ErrorCode::InvalidInput, problem)
    }
    pub fn not_found(problem: Phrase) -> ApiError {
        ApiError::new(ErrorCode::NotFound, problem)
    }
    /// The same error, blamed on the input `field`; the English names it.
    #[must_use]
    pub fn on(mut self, field: &str) -> ApiError {
        self.message = lull_words::english().labelled(field, &self.problem);
        self.field = Some(field.to_owned());
        self
    }
    /// The HTTP status this error is sent with.
    pub fn http_status(&self) -> u16 {
        match self.code {
            ErrorCode::InvalidInput => 400,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal => 500,
        }
    }
    /// The code an HTTP status stands for, for answers that are not the API's own.
    pub fn code_of_status(status: u16) -> ErrorCode {
        match status {
            400 | 413 | 415 => ErrorCode::InvalidInput,
            401 | 403 => ErrorCode::Unauthorized,
            404 => ErrorCode::NotFound,
            409 => ErrorCode::Conflict,
            502..=504 => ErrorCode::Unavailable,
            _ => ErrorCode::Internal,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

impl Said for ApiError {
    fn phrase(&self) -> Phrase {
        self.problem.clone()
    }
}

/// An error of an engine that sends no phrase (an older Lull) is its message, said as it is.
impl<'de> Deserialize<'de> for ApiError {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            code: ErrorCode,
            message: String,
            #[serde(default)]
            field: Option<String>,
            #[serde(default)]
            problem: Option<Phrase>,
        }
        let w = Wire::deserialize(d)?;
        let problem = w.problem.unwrap_or_else(|| Phrase::text(w.message.clone()));
        Ok(ApiError { code: w.code, message: w.message, field: w.field, problem })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_a_phrase_its_field_and_the_english() {
        let err = ApiError::invalid(Phrase::new("week.bad_time").with("value", "25:00")).on("from");
        assert!(err.message.starts_with("from: invalid time"), "{}", err.message);
        let json = serde_json::to_value(&err).expect("json");
        assert_eq!(json["code"], "invalid_input");
        assert_eq!(json["field"], "from");
        assert_eq!(json["problem"]["code"], "week.bad_time");
        assert!(json["message"].as_str().is_some_and(|m| m.contains("25:00")), "{json}");
        assert_eq!(serde_json::from_value::<ApiError>(json).expect("back"), err);
        let old: ApiError = serde_json::from_str(r#"{"code": "not_found", "message": "no client named \"X\""}"#).expect("old");
        assert_eq!(old.problem, Phrase::text("no client named \"X\""));
        assert_eq!(lull_words::english().phrase(&old.problem), "no client named \"X\"");
    }
}
