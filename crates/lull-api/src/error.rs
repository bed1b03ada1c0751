//! How a request fails: a stable code for programs and a sentence for people.

use serde::{Deserialize, Serialize};

/// A failed request: a stable code for programs and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error, ts_rs::TS)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request is wrong; the message says what to change.
    InvalidInput,
    NotFound,
    Conflict,
    Unauthorized,
    /// Lull cannot do it right now (database busy, engine stopping); try again.
    Unavailable,
    Internal,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into() }
    }
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::InvalidInput, message)
    }
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::NotFound, message)
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
