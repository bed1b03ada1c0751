//! The popups of gatekeeper mode, as the engine and the process that draws them
//! (`lull-desktop --popups`) speak about them: one JSON object per line, [`PopupCommand`]s to
//! the drawing process on its stdin and [`PopupEvent`]s back on its stdout. Both programs link
//! this module, so the two ends cannot disagree on the format.

use serde::{Deserialize, Serialize};

/// A notification to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Popup {
    pub id: u32,
    pub app: String,
    /// Plain text: shown as text, never as markup.
    pub summary: String,
    pub body: String,
    /// `(key, label)` pairs; `default` is the action of a click on the popup itself.
    pub actions: Vec<(String, String)>,
    /// 0 low, 1 normal, 2 critical.
    pub urgency: u8,
    /// How long it stays; 0 until the user closes it.
    pub expire_ms: u32,
}

/// Why a popup went away, as the specification numbers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    Expired = 1,
    Dismissed = 2,
    Closed = 3,
}

/// What happened to a popup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PopupEvent {
    /// It is on screen.
    Shown {
        id: u32,
    },
    /// An action was chosen (`default` for a click on the popup); the popup is then dismissed.
    Action {
        id: u32,
        key: String,
    },
    Closed {
        id: u32,
        reason: CloseReason,
    },
}

/// What a process that draws popups is asked to do (one JSON object per line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PopupCommand {
    /// Shows it, replacing a popup with the same id.
    Show(Popup),
    /// Takes it away without an event (the app closed it).
    Close(u32),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_events_are_one_json_object_a_line() {
        let show = PopupCommand::Show(Popup {
            id: 7,
            app: "Slack".into(),
            summary: "Jane".into(),
            body: "line one\nline two".into(),
            actions: vec![("default".into(), "Open".into())],
            urgency: 1,
            expire_ms: 6_000,
        });
        let line = serde_json::to_string(&show).expect("json");
        assert!(!line.contains('\n'), "{line}");
        assert_eq!(serde_json::from_str::<PopupCommand>(&line).expect("back"), show);
        let closed = serde_json::to_string(&PopupEvent::Closed { id: 7, reason: CloseReason::Dismissed }).expect("json");
        assert_eq!(closed, r#"{"closed":{"id":7,"reason":"dismissed"}}"#);
    }
}
