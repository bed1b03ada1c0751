//! Desktop notifications: the [`Notifier`] trait, the notify-rust implementation, and an
//! in-memory one for tests and headless runs that want a record instead of popups.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use lull_core::model::{DigestId, MessageId};
use lull_words::{Lang, Words, words};
use tokio::sync::{Notify, OnceCell};

/// What Lull shows the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A live or bypass message, one by one.
    /// `note`: why it rings now when that is not the message itself (a platform's response
    /// clock about to run out), shown first.
    Message {
        message_id: MessageId,
        client: Option<String>,
        sender: String,
        title: String,
        body: String,
        urgent: bool,
        note: Option<String>,
    },
    /// A digest: one notification for all the messages it releases.
    Digest { digest_id: DigestId, summary: String, body: String },
}

impl Notice {
    /// The notification's summary line (plain text by the specification), in `words`.
    pub fn summary(&self, words: Words) -> String {
        match self {
            Notice::Message { client, sender, urgent, .. } => {
                let who = match client {
                    Some(c) => format!("{c} \u{b7} {sender}"),
                    None => sender.clone(),
                };
                if *urgent { words.t("notice.urgent", &[("who", &who)]) } else { who }
            }
            Notice::Digest { summary, .. } => summary.clone(),
        }
    }

    /// The notification's body: the title and the start of the text.
    pub fn body(&self) -> String {
        match self {
            Notice::Message { title, body, note, .. } => {
                let text: String = body.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(200).collect();
                let lines = [note.as_deref().unwrap_or_default(), title.trim(), &text];
                lines.iter().filter(|l| !l.is_empty()).copied().collect::<Vec<_>>().join("\n")
            }
            Notice::Digest { body, .. } => body.clone(),
        }
    }
}

/// Why a notification was not shown: the notification service's own words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotifyError(pub String);

pub type NotifyFuture<'a> = Pin<Box<dyn Future<Output = Result<(), NotifyError>> + Send + 'a>>;

/// Shows notices to the user.
pub trait Notifier: Send + Sync + fmt::Debug + 'static {
    fn notify<'a>(&'a self, notice: &'a Notice) -> NotifyFuture<'a>;
}

/// What a clicked notification asks to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenTarget {
    Digest(DigestId),
    Message(MessageId),
}

/// Called when the user clicks a notification (the desktop app opens its window there).
pub type OpenHandler = std::sync::Arc<dyn Fn(OpenTarget) + Send + Sync>;

/// How long a shown notification is watched for a click before Lull stops listening.
const CLICK_WATCH: std::time::Duration = std::time::Duration::from_secs(12 * 3600);

/// Freedesktop notifications over the session D-Bus, through notify-rust.
pub struct DesktopNotifier {
    /// What the server supports (markup in bodies, actions); asked once.
    capabilities: OnceCell<Vec<String>>,
    on_open: Option<OpenHandler>,
    /// The language of the notifications' own words ("Urgent", "Open").
    words: Words,
}

impl fmt::Debug for DesktopNotifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DesktopNotifier").field("clickable", &self.on_open.is_some()).finish()
    }
}

impl DesktopNotifier {
    /// Notifications worded in `lang`.
    pub fn new(lang: Lang) -> DesktopNotifier {
        DesktopNotifier { capabilities: OnceCell::new(), on_open: None, words: words(lang) }
    }

    /// Notifications that open what they are about when clicked, where the desktop supports
    /// actions.
    #[must_use]
    pub fn with_open_handler(self, on_open: OpenHandler) -> DesktopNotifier {
        DesktopNotifier { on_open: Some(on_open), ..self }
    }
}

/// Escapes the characters the notification markup subset gives meaning to, so message text is
/// shown as text (the same escaping as HTML's).
pub fn escape_markup(s: &str) -> String {
    lull_words::escape(s)
}

impl Notifier for DesktopNotifier {
    fn notify<'a>(&'a self, notice: &'a Notice) -> NotifyFuture<'a> {
        Box::pin(async move {
            // Unknown capabilities count as markup (escaping is then the safe choice) and no
            // actions.
            let caps = self
                .capabilities
                .get_or_init(|| async { server_capabilities().await.unwrap_or_else(|_| vec!["body-markup".to_owned()]) })
                .await;
            let markup = caps.iter().any(|c| c == "body-markup");
            let clickable = self.on_open.is_some() && caps.iter().any(|c| c == "actions");
            // Message text is untrusted: where the server renders markup, escape it.
            let body = if markup { escape_markup(&notice.body()) } else { notice.body() };
            let mut n = notify_rust::Notification::new();
            n.appname("Lull").summary(&notice.summary(self.words)).body(&body).icon("appointment-soon");
            match notice {
                Notice::Message { urgent: true, .. } => {
                    n.urgency(notify_rust::Urgency::Critical).hint(notify_rust::Hint::Category("im.received".into()));
                }
                Notice::Message { .. } => {
                    n.urgency(notify_rust::Urgency::Normal).hint(notify_rust::Hint::Category("im.received".into()));
                }
                Notice::Digest { .. } => {
                    n.urgency(notify_rust::Urgency::Normal).hint(notify_rust::Hint::Category("im".into()));
                }
            }
            if clickable {
                n.action("default", &self.words.t("notice.open", &[]));
            }
            let handle =
                n.show_async().await.map_err(|e| NotifyError(self.words.t("notice.unavailable", &[("detail", &e.to_string())])))?;
            if let (true, Some(on_open)) = (clickable, self.on_open.clone()) {
                let target = match notice {
                    Notice::Digest { digest_id, .. } => OpenTarget::Digest(*digest_id),
                    Notice::Message { message_id, .. } => OpenTarget::Message(*message_id),
                };
                tokio::spawn(async move {
                    let clicked = std::sync::atomic::AtomicBool::new(false);
                    let watch = handle.wait_for_action_async(|response| {
                        if matches!(response, notify_rust::NotificationResponse::Default)
                            || matches!(response, notify_rust::NotificationResponse::Action(a) if a == "default")
                        {
                            clicked.store(true, std::sync::atomic::Ordering::Relaxed);
                        }
                    });
                    let _ = tokio::time::timeout(CLICK_WATCH, watch).await;
                    if clicked.load(std::sync::atomic::Ordering::Relaxed) {
                        on_open(target);
                    }
                });
            }
            Ok(())
        })
    }
}

/// What the notification server supports (`GetCapabilities`).
async fn server_capabilities() -> zbus::Result<Vec<String>> {
    let conn = zbus::Connection::session().await?;
    let reply = conn
        .call_method(
            Some("org.freedesktop.Notifications"),
            "/org/freedesktop/Notifications",
            Some("org.freedesktop.Notifications"),
            "GetCapabilities",
            &(),
        )
        .await?;
    reply.body().deserialize()
}

/// Keeps every notice in memory instead of showing it.
#[derive(Debug, Default)]
pub struct MemoryNotifier {
    notices: Mutex<Vec<Notice>>,
    added: Notify,
}

impl MemoryNotifier {
    pub fn new() -> MemoryNotifier {
        MemoryNotifier::default()
    }

    pub fn notices(&self) -> Vec<Notice> {
        self.notices.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// Waits until at least `n` notices were shown, for at most `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: std::time::Duration) -> Vec<Notice> {
        let _ = tokio::time::timeout(timeout, async {
            loop {
                let waiting = self.added.notified();
                if self.notices().len() >= n {
                    return;
                }
                waiting.await;
            }
        })
        .await;
        self.notices()
    }
}

impl Notifier for MemoryNotifier {
    fn notify<'a>(&'a self, notice: &'a Notice) -> NotifyFuture<'a> {
        Box::pin(async move {
            if let Ok(mut v) = self.notices.lock() {
                v.push(notice.clone());
            }
            self.added.notify_waiters();
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_notices_read_well_and_escape_markup() {
        let n = Notice::Message {
            message_id: 1,
            client: Some("Acme".into()),
            sender: "Jane".into(),
            title: "Mockups".into(),
            body: "Look   at\nthis <b>now</b>".into(),
            urgent: true,
            note: None,
        };
        assert_eq!(n.summary(lull_words::english()), "Urgent \u{b7} Acme \u{b7} Jane");
        assert_eq!(n.body(), "Mockups\nLook at this <b>now</b>");
        assert_eq!(escape_markup(&n.body()), "Mockups\nLook at this &lt;b&gt;now&lt;/b&gt;");
    }
}
