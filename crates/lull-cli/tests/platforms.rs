//! Freelance platforms, end to end through the mailbox: Dovecot holds realistic Upwork and
//! Fiverr mail (written from the forms their notifications take), a real `lull serve` reads it
//! over IMAP, and aiosmtpd takes the availability reply Upwork's per-room address allows. A
//! client's words relayed by a platform are the client's, with the platform's response clock;
//! the platform's own mail stays platform noise; a clock with no reading time before it runs
//! out rings at once.

mod common;

use common::{Server, deliver, lull_with_stdin, messages, ok, ok_json, until};
use lull_testkit::{Dovecot, SmtpServer};
use serde_json::Value;

/// A mail to alice written `minutes_ago`, with its headers as the platform sends them.
fn mail(minutes_ago: i64, headers: &str, body: &str) -> (String, chrono::DateTime<chrono::Utc>) {
    let now = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
    let date = (now - chrono::Duration::minutes(minutes_ago)).with_timezone(&chrono::FixedOffset::east_opt(0).expect("UTC"));
    // The Date header has whole seconds.
    let date = chrono::DateTime::parse_from_rfc2822(&date.to_rfc2822()).expect("date");
    (format!("Date: {}\r\nTo: Alice <alice@lull.example>\r\n{headers}\r\n{body}\r\n", date.to_rfc2822()), date.with_timezone(&chrono::Utc))
}

fn titled<'a>(inbox: &'a [Value], title: &str) -> &'a Value {
    inbox.iter().find(|m| m["title"] == title).unwrap_or_else(|| panic!("no message {title:?} in {inbox:#?}"))
}

fn instant(v: &Value) -> chrono::DateTime<chrono::Utc> {
    v.as_str().and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok()).expect("an instant").with_timezone(&chrono::Utc)
}

#[tokio::test(flavor = "multi_thread")]
async fn relayed_mail_is_the_clients_with_its_platforms_clock_and_the_rest_stays_noise() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    let imap = Dovecot::start(&[("alice", "mail-pw")]).expect("dovecot");
    let smtp = SmtpServer::start("alice", "mail-pw", None).expect("SMTP server");

    ok(dir, &["schedule", "set", "--tz", "Europe/Paris"]);
    ok(dir, &["client", "add", "Acme", "--match", "platform:Upwork:Jane Doe", "--auto-reply", "--lang", "en"]);
    // Fiverr's clock made short enough that nothing is read before it runs out.
    let set = ok(dir, &["platform", "set", "fiverr", "--respond-within", "15m"]);
    assert!(set.contains("Fiverr  replies within 15 min"), "{set}");
    let (imap_port, smtp_port) = (imap.imap_port.to_string(), smtp.port.to_string());
    let add = [
        "channel",
        "add",
        "imap",
        "mail",
        "--host",
        "127.0.0.1",
        "--port",
        &imap_port,
        "--tls",
        "none",
        "--user",
        "alice",
        "--password-stdin",
        "--secret-store",
        "file",
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        &smtp_port,
        "--smtp-tls",
        "none",
        "--address",
        "alice@lull.example",
    ];
    let out = lull_with_stdin(dir, &add, &[], "mail-pw\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let run = dir.join("run");
    let _serve = Server::start(dir, &[], &[("XDG_RUNTIME_DIR", run.as_os_str())]);
    ok(dir, &["focus", "start", "--for", "90m"]);
    until(dir, &["channel", "list"], "the first sync", |v| v[0]["last_sync_at"].is_string()).await;

    // Upwork: a message notification from the room's own address, which takes replies; and
    // Upwork's own summary. Fiverr: a buyer Lull does not know, written ten minutes ago.
    let (upwork, upwork_sent) = mail(
        1,
        "From: \"Jane Doe via Upwork\" <room_0a1b2c3d4e5f@upwork.com>\r\nReply-To: room_0a1b2c3d4e5f@upwork.com\r\nMessage-ID: <msg-8812@upwork.com>\r\nSubject: New message in Logo redesign\r\n",
        "Jane Doe sent you a message:\r\n\r\nCould you send the SVG files today?\r\n",
    );
    let (summary, _) = mail(
        1,
        "From: Upwork <donotreply@upwork.com>\r\nMessage-ID: <weekly-77@upwork.com>\r\nSubject: Your weekly summary\r\n",
        "You earned $1,250 this week.\r\n",
    );
    let (fiverr, fiverr_sent) = mail(
        10,
        "From: Fiverr <noreply@e.fiverr.com>\r\nMessage-ID: <inbox-3391@e.fiverr.com>\r\nSubject: You've received a message from jordan_k\r\n",
        "jordan_k: Is the logo package still available this week?\r\n",
    );
    for raw in [&upwork, &summary, &fiverr] {
        deliver(&imap, raw).await;
    }
    let inbox = until(dir, &["inbox"], "the platforms' mail", |v| messages(v).len() == 3).await;
    let inbox = messages(&inbox);

    // Jane's words through Upwork: Acme's direct message, held, with Upwork's 24 h clock and the
    // breakthrough planned before it runs out.
    let jane = titled(&inbox, "New message in Logo redesign");
    assert_eq!(
        (jane["client"].as_str(), jane["category"].as_str(), jane["decision"].as_str()),
        (Some("Acme"), Some("direct"), Some("held"))
    );
    assert_eq!(jane["clock"]["platform"], "Upwork", "{jane:#}");
    assert_eq!(jane["clock"]["within_secs"], 86_400);
    assert_eq!(instant(&jane["clock"]["reply_by"]), upwork_sent + chrono::Duration::hours(24));
    let ring = instant(&jane["clock"]["ring_at"]);
    assert!(ring > upwork_sent && ring < upwork_sent + chrono::Duration::hours(24), "{jane:#}");
    // Upwork's summary is the platform's own: no client, no clock.
    let noise = titled(&inbox, "Your weekly summary");
    assert_eq!((noise["category"].as_str(), noise["client"].as_str()), (Some("platform"), None));
    assert!(noise["clock"].is_null(), "{noise:#}");
    // The Fiverr buyer: nothing is read in the 5 minutes left, so it rang at once.
    let jordan = titled(&inbox, "You've received a message from jordan_k");
    assert_eq!(jordan["category"], "direct");
    assert_eq!(instant(&jordan["clock"]["reply_by"]), fiverr_sent + chrono::Duration::minutes(15));
    let rung = until(dir, &["inbox"], "the Fiverr clock's breakthrough", |v| {
        messages(v).iter().any(|m| m["title"] == "You've received a message from jordan_k" && m["clock"]["rung_at"].is_string())
    })
    .await;
    assert!(titled(&messages(&rung), "You've received a message from jordan_k")["clock"]["state"] == "running");

    // Upwork takes replies by email: Acme is told, at the room's address.
    until(dir, &["inbox"], "the reply to Upwork", |v| {
        messages(v).iter().any(|m| m["title"] == "New message in Logo redesign" && m["auto_reply"]["state"] == "sent")
    })
    .await;
    let got = smtp.received();
    assert_eq!(got.len(), 1, "one reply, through Upwork's room");
    assert!(got[0].rcpt_tos.iter().any(|r| r == "room_0a1b2c3d4e5f@upwork.com"), "{:?}", got[0].rcpt_tos);

    // The inbox says by when; the week counts the clocks running.
    let text = ok(dir, &["inbox"]);
    assert!(text.contains("reply by") && text.contains("(Upwork rates replies within 24 h)"), "{text}");
    let stats = ok_json(dir, &["stats", "week", "--week", "this"]);
    assert_eq!(stats["clocks"]["running"], 2, "{:#}", stats["clocks"]);
}
