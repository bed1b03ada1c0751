//! Telling clients when the user answers, end to end. Availability replies as a user sets them
//! up: Dovecot as the mailbox, aiosmtpd as the mail server (STARTTLS, a login), a real `lull
//! serve` watching the mailbox over IMAP, and the `lull` commands that turn replies on, preview
//! and explain them, and change what they say. The client charter as text, page and calendar.

mod common;

use common::{Server, deliver, fails, find, lull_with_stdin, messages, ok, ok_json, until};
use lull_testkit::{Dovecot, SmtpServer};

/// A mail to alice, as Acme's people write it.
fn mail(id: &str, from: &str, subject: &str, extra_headers: &str) -> String {
    let date = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now()).to_rfc2822();
    format!(
        "Message-ID: <{id}@acme.example>\r\nDate: {date}\r\nFrom: {from}\r\nTo: Alice <alice@lull.example>\r\nSubject: {subject}\r\n{extra_headers}\r\nHello Alice,\r\n\r\nCould you look at this?\r\n"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_held_mail_is_answered_once_through_the_users_mail_server() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    let imap = Dovecot::start(&[("alice", "mail-pw")]).expect("dovecot");
    let (cert, key) = imap.certificate();
    let smtp = SmtpServer::start("alice", "mail-pw", Some((&cert, &key))).expect("SMTP server");
    // Mail that was there before Lull watched the mailbox: stored, never answered.
    deliver(&imap, &mail("old", "Jane Doe <jane@acme.example>", "Last week's notes", "")).await;

    ok(dir, &["schedule", "set", "--tz", "Europe/Paris"]);
    ok(dir, &["client", "add", "Acme", "--match", "domain:acme.example", "--tz", "America/New_York", "--tier", "vip"]);
    // Replies need a channel that can send them: the command says so.
    let client = ok(dir, &["client", "edit", "Acme", "--auto-reply", "--lang", "fr"]);
    assert!(client.contains("availability replies to held email, in fr"), "{client}");
    let preview = ok(dir, &["auto-reply", "preview", "Acme", "--at", "2026-12-01T10:15:00+01:00"]);
    assert!(preview.contains("no mail channel sends them"), "{preview}");

    let ca = imap.ca_file().display().to_string();
    let (imap_port, smtp_port) = (imap.imaps_port.to_string(), smtp.port.to_string());
    let add = [
        "channel",
        "add",
        "imap",
        "mail",
        "--host",
        "127.0.0.1",
        "--port",
        &imap_port,
        "--user",
        "alice",
        "--password-stdin",
        "--ca-file",
        &ca,
        "--secret-store",
        "file",
        "--smtp-host",
        "localhost",
        "--smtp-port",
        &smtp_port,
        "--address",
        "Alice@Lull.example",
    ];
    let out = lull_with_stdin(dir, &add, &[], "mail-pw\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // `channel test` logs in to the outgoing server too, sending nothing.
    let tested = ok(dir, &["channel", "test", "mail"]);
    assert!(
        tested.contains(&format!(
            "logged in to the outgoing server localhost:{smtp_port}: availability replies go out from alice@lull.example"
        )),
        "{tested}"
    );
    ok(dir, &["channel", "edit", "mail", "--smtp-user", "bob"]);
    let refused = fails(dir, &["channel", "test", "mail"]);
    assert!(refused.contains("refused the login"), "{refused}");
    ok(dir, &["channel", "edit", "mail", "--smtp-user", "alice"]);
    assert!(smtp.received().is_empty(), "a test sends nothing");
    let replies = ok_json(dir, &["auto-reply", "show"]);
    assert_eq!(replies["senders"][0]["address"], "alice@lull.example", "{replies:#}");
    assert_eq!(replies["clients"][0], "Acme");
    assert_eq!(replies["settings"]["interval_hours"], 24);

    // The preview: in French, both clocks, the urgent word a VIP may use.
    let preview = ok(dir, &["auto-reply", "preview", "Acme", "--at", "2026-12-01T10:15:00+01:00"]);
    assert!(preview.contains("an availability reply goes to someone@acme.example (fr)"), "{preview}");
    assert!(preview.contains("Je travaille sans interruption jusqu’à 12:00 (06:00 chez vous)"), "{preview}");
    assert!(preview.contains("écrivez URGENT dans l’objet"), "{preview}");
    // Between focus blocks the message reaches the user: no reply.
    let open = ok(dir, &["explain", "--from", "jane@acme.example", "--at", "2026-12-01T12:30:00+01:00"]);
    assert!(open.contains("no availability reply: the message reaches you now"), "{open}");

    // A template of the user's own, checked before it is kept.
    let bad = std::fs::write(dir.join("typo.txt"), "Bonjour {nom}")
        .map(|()| fails(dir, &["auto-reply", "set", "--lang", "fr", "--template-file", &dir.join("typo.txt").display().to_string()]));
    assert!(bad.expect("file").contains("uses {nom}, which Lull does not know"), "a typo is refused");
    let own = "{hello}\n\n{away} {reading}\n\n{urgent}\n\nAlice (réponse automatique)";
    let out = lull_with_stdin(dir, &["auto-reply", "set", "--lang", "fr", "--template-stdin"], &[], own);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // Lull serves; the user is in a focus session, so Acme's mail is held.
    let run = dir.join("run");
    let _serve = Server::start(dir, &[], &[("XDG_RUNTIME_DIR", run.as_os_str())]);
    ok(dir, &["focus", "start", "--for", "90m"]);
    until(dir, &["inbox"], "the mail found by the first sync", |v| messages(v).len() == 1).await;

    deliver(&imap, &mail("new1", "Jane Doe <jane@acme.example>", "Logo v3", "References: <thread@acme.example>\r\n")).await;
    deliver(&imap, &mail("list", "Acme news <news@acme.example>", "This week", "List-Id: <news.acme.example>\r\n")).await;
    deliver(&imap, &mail("auto", "Bot <bot@acme.example>", "Build passed", "Auto-Submitted: auto-generated\r\n")).await;
    deliver(&imap, &mail("bulk", "Sales <sales@acme.example>", "Offer", "Precedence: bulk\r\n")).await;
    deliver(&imap, &mail("noreply", "Acme <no-reply@acme.example>", "Your invoice", "")).await;
    let inbox = until(dir, &["inbox"], "the new mail", |v| messages(v).len() == 6).await;
    let jane = until(dir, &["inbox"], "the reply sent", |v| {
        messages(v).iter().any(|m| m["title"] == "Logo v3" && m["auto_reply"]["state"] == "sent")
    })
    .await;
    for m in messages(&inbox).iter().filter(|m| m["title"] != "Logo v3") {
        assert!(m["auto_reply"].is_null(), "no reply for {}: {m:#}", m["title"]);
        assert!(m["decision"] == "held" || m["decision"] == "muted", "{m:#}");
    }
    let answered = messages(&jane).into_iter().find(|m| m["title"] == "Logo v3").expect("the answered mail");
    assert_eq!(answered["decision"], "held", "the message itself stays held");
    assert_eq!(answered["auto_reply"]["to"], "jane@acme.example");

    let got = smtp.received();
    assert_eq!(got.len(), 1, "one reply, to Jane only");
    let reply = &got[0];
    assert!(reply.tls, "sent after STARTTLS");
    assert_eq!(reply.rcpt_tos, ["jane@acme.example"]);
    let parsed = mail_parser::MessageParser::default().parse(reply.raw.as_bytes()).expect("a readable reply");
    assert_eq!(parsed.header_raw("Auto-Submitted").map(str::trim), Some("auto-replied"));
    assert_eq!(parsed.in_reply_to().as_text(), Some("new1@acme.example"));
    assert_eq!(parsed.subject(), Some("Re: Logo v3"));
    assert_eq!(parsed.from().and_then(|f| f.first()).and_then(|a| a.address()), Some("alice@lull.example"));
    let text = parsed.body_text(0).expect("text").replace("\r\n", "\n").trim_end().to_owned();
    assert!(text.starts_with("Bonjour Jane Doe,"), "{text}");
    assert!(text.ends_with("Alice (réponse automatique)"), "the user's template: {text}");
    assert!(text.contains("chez vous"), "both clocks: {text}");

    // Jane again, in the same hold: no second reply; `explain` says why.
    deliver(&imap, &mail("new2", "Jane Doe <jane@acme.example>", "Logo v3, again", "")).await;
    until(dir, &["inbox"], "the second mail", |v| messages(v).len() == 7).await;
    let again = ok(dir, &["explain", "--from", "jane@acme.example", "--channel", "mail"]);
    assert!(again.contains("this sender was told on"), "{again}");
    assert_eq!(smtp.received().len(), 1);

    // The channel reports its replies.
    let list = ok_json(dir, &["channel", "list"]);
    let channel = find(list.as_array().expect("list"), "mail");
    assert_eq!(channel["replies"]["sent"], 1, "{channel:#}");
    assert_eq!(channel["replies"]["from"], "alice@lull.example");
    // A client's message relayed by Malt is the client's: attributed by its platform identity,
    // held as a direct message; Malt's no-reply address gets no availability reply.
    ok(dir, &["client", "edit", "Acme", "--match", "platform:Malt:Jane Doe"]);
    let malt = "From: Malt <noreply@malt.fr>\r\nTo: alice@lull.example\r\nSubject: Nouveau message de Jane Doe\r\nMessage-ID: <malt1@malt.fr>\r\n\r\nJane Doe vous a écrit sur Malt.\r\n";
    deliver(&imap, malt).await;
    let inbox =
        until(dir, &["inbox"], "the relayed message", |v| messages(v).iter().any(|m| m["title"] == "Nouveau message de Jane Doe")).await;
    let relayed = messages(&inbox).into_iter().find(|m| m["title"] == "Nouveau message de Jane Doe").expect("the relayed message");
    assert_eq!(
        (relayed["client"].as_str(), relayed["category"].as_str(), relayed["decision"].as_str()),
        (Some("Acme"), Some("direct"), Some("held")),
        "{relayed:#}"
    );
    assert!(relayed["auto_reply"].is_null(), "{relayed:#}");

    // Turning replies off for the client is one flag.
    let off = ok(dir, &["client", "edit", "Acme", "--no-auto-reply"]);
    assert!(off.contains("no availability replies"), "{off}");
}

/// The client charter: "how to reach me" in the client's clock, as text, a page and a
/// calendar; sharing it is recorded, and a schedule change makes the one shared out of date.
#[test]
fn a_client_charter_is_shared_and_known_out_of_date_when_the_schedule_changes() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    ok(dir, &["schedule", "set", "--tz", "Europe/Paris"]);
    ok(dir, &["client", "add", "Initech", "--tz", "Asia/Tokyo", "--match", "domain:initech.example", "--live", "tue 09:00-10:00@client"]);
    let listed = ok_json(dir, &["client", "list"]);
    assert!(listed[0]["charter_shared_at"].is_null() && listed[0]["charter_out_of_date"] == false, "{listed:#}");

    let text = ok(dir, &["client", "charter", "Initech"]);
    assert!(text.starts_with("How to reach me, for Initech\nTimes in your time zone, Asia/Tokyo."), "{text}");
    assert!(text.contains("Live: Tue 09:00–10:00: your messages reach me at once."), "{text}");
    assert!(text.contains("A real emergency: write again"), "{text}");
    let fr = ok(dir, &["client", "charter", "Initech", "--lang", "fr"]);
    assert!(fr.contains("Jours de repos : samedi et dimanche"), "{fr}");
    let html = ok(dir, &["client", "charter", "Initech", "--format", "html"]);
    assert!(html.starts_with("<!doctype html>") && html.contains("<h1>How to reach me, for Initech</h1>"), "{html}");
    let ics = ok(dir, &["client", "charter", "Initech", "--format", "ics"]);
    assert!(ics.starts_with("BEGIN:VCALENDAR") && ics.contains("RRULE:FREQ=WEEKLY;BYDAY=TU") && ics.contains("TZID=Asia/Tokyo"), "{ics}");
    assert!(fails(dir, &["client", "charter", "Initech", "--format", "pdf"]).contains("use text, html or ics"));

    let listed = ok_json(dir, &["client", "list"]);
    assert!(listed[0]["charter_shared_at"].is_string(), "{listed:#}");
    assert_eq!(listed[0]["charter_out_of_date"], false);
    // New digest times: what the client was given no longer says when messages are read.
    ok(dir, &["schedule", "set", "--digest", "10:00,16:00"]);
    let listed = ok_json(dir, &["client", "list"]);
    assert_eq!(listed[0]["charter_out_of_date"], true, "{listed:#}");
    let view = ok_json(dir, &["client", "charter", "Initech"]);
    assert_eq!(view["out_of_date"], false, "sharing the new one brings it up to date: {view:#}");
}
