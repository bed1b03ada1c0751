//! Sending availability replies through the user's own mail server (SMTP submission, with
//! lettre): one message per call, one attempt; retries and "once" belong to the engine.
//!
//! A reply carries what RFC 3834 asks of an automatic response: `Auto-Submitted:
//! auto-replied`, `In-Reply-To` and `References` pointing at the message it answers, and the
//! user's own address as `From`. `X-Auto-Response-Suppress: All` also keeps Exchange's
//! out-of-office from answering it. The envelope sender is the user's address, not RFC 3834's
//! suggested null sender: submission servers refuse or rewrite a null sender from an
//! authenticated user.

use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::header::{ContentTransferEncoding, HeaderName, HeaderValue};
use lettre::message::{Mailbox, SinglePart, header};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use lull_core::autoreply::ReplyLang;
use lull_core::channel::{ImapSettings, TlsMode, is_loopback, smtp_default_port};
use lull_core::phrase::Phrase;

/// How long one exchange with the server may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A reply to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub lang: ReplyLang,
    /// Without angle brackets.
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub date: DateTime<Utc>,
}

/// Why a reply was not sent.
#[derive(Debug, Clone, PartialEq)]
pub struct SendError {
    pub problem: Phrase,
    /// Trying again cannot help (the server refused the message or the login for good).
    pub permanent: bool,
}

impl SendError {
    fn new(problem: Phrase, permanent: bool) -> SendError {
        SendError { problem, permanent }
    }
}

/// Builds the message as it goes on the wire (also what tests and `explain` show).
pub fn build(mail: &OutgoingMail) -> Result<Message, SendError> {
    let mailbox = |a: &str, field: &str| {
        a.parse::<Mailbox>().map_err(|e| {
            SendError::new(Phrase::new("smtp.bad_address").with("address", format!("{a:?}")).with("field", field).with("detail", e), true)
        })
    };
    let domain = mail.from.rsplit_once('@').map_or("lull.invalid", |(_, d)| d);
    let id = format!(
        "<lull.{}.{}@{domain}>",
        mail.date.timestamp_millis(),
        crate::hex_sha256(format!("{}{}", mail.to, mail.subject).as_bytes()).get(..12).unwrap_or("0")
    );
    let mut builder = Message::builder()
        .from(mailbox(&mail.from, "from")?)
        .to(mailbox(&mail.to, "to")?)
        .subject(mail.subject.clone())
        .date(mail.date.into())
        .message_id(Some(id))
        .raw_header(raw_header("Auto-Submitted", "auto-replied"))
        .raw_header(raw_header("X-Auto-Response-Suppress", "All"))
        .raw_header(raw_header("Content-Language", mail.lang.as_str()));
    if let Some(parent) = &mail.in_reply_to {
        builder = builder.in_reply_to(format!("<{parent}>"));
    }
    if !mail.references.is_empty() {
        builder = builder.references(mail.references.iter().map(|r| format!("<{r}>")).collect::<Vec<_>>().join(" "));
    }
    let part = SinglePart::builder()
        .header(header::ContentType::TEXT_PLAIN)
        .header(ContentTransferEncoding::QuotedPrintable)
        .body(mail.body.clone());
    builder.singlepart(part).map_err(|e| SendError::new(Phrase::new("smtp.cannot_build").with("detail", e), true))
}

fn raw_header(name: &'static str, value: &str) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value.to_owned())
}

/// Sends one reply through the channel's SMTP server with the channel's password.
pub async fn send(settings: &ImapSettings, password: &str, mail: &OutgoingMail) -> Result<(), SendError> {
    let message = build(mail)?;
    let (transport, target) = transport(settings, password).await?;
    match transport.send(message).await {
        Ok(_) => Ok(()),
        Err(e) => Err(classify(&e, &target)),
    }
}

/// `channel test`: connects, secures the connection and logs in, sending nothing; returns
/// where it logged in.
pub async fn check(settings: &ImapSettings, password: &str) -> Result<String, SendError> {
    let (transport, target) = transport(settings, password).await?;
    match transport.test_connection().await {
        Ok(true) => Ok(target),
        Ok(false) => Err(SendError::new(Phrase::new("smtp.cannot_connect").with("target", &target).with("detail", "no answer"), false)),
        Err(e) => Err(classify(&e, &target)),
    }
}

/// The transport to the channel's SMTP server, and the server as `host:port`.
async fn transport(settings: &ImapSettings, password: &str) -> Result<(AsyncSmtpTransport<Tokio1Executor>, String), SendError> {
    let Some(host) = settings.smtp_host.as_deref() else {
        return Err(SendError::new(Phrase::new("smtp.not_set"), true));
    };
    let tls_mode = settings.smtp_tls.unwrap_or(TlsMode::Starttls);
    let port = settings.smtp_port.unwrap_or(smtp_default_port(tls_mode));
    let bare = host.trim_matches(['[', ']']);
    let target = format!("{host}:{port}");
    if tls_mode == TlsMode::None {
        // In clear text the password may only go to this machine, wherever the name resolves.
        let addresses: Vec<std::net::SocketAddr> = tokio::net::lookup_host((bare, port))
            .await
            .map_err(|e| SendError::new(Phrase::new("smtp.cannot_connect").with("target", &target).with("detail", e), false))?
            .collect();
        if !is_loopback(host) || addresses.iter().any(|a| !a.ip().is_loopback()) {
            return Err(SendError::new(Phrase::new("imap.smtp_clear_text").with("host", host), true));
        }
    }
    let tls = match tls_mode {
        TlsMode::None => Tls::None,
        TlsMode::Starttls => Tls::Required(tls_parameters(settings, bare)?),
        TlsMode::Tls => Tls::Wrapper(tls_parameters(settings, bare)?),
    };
    let user = settings.smtp_user.clone().unwrap_or_else(|| settings.user.clone());
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(bare)
        .port(port)
        .tls(tls)
        .credentials(Credentials::new(user, password.to_owned()))
        .timeout(Some(TIMEOUT))
        .build();
    Ok((transport, target))
}

fn tls_parameters(settings: &ImapSettings, host: &str) -> Result<TlsParameters, SendError> {
    crate::tls::install_provider();
    let mut params = TlsParameters::builder(host.to_owned());
    if let Some(path) = &settings.ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| SendError::new(Phrase::new("imap.ca_unreadable").with("path", path).with("detail", e), true))?;
        let cert = Certificate::from_pem(&pem)
            .map_err(|e| SendError::new(Phrase::new("imap.ca_not_pem").with("path", path).with("detail", e), true))?;
        params = params.certificate_store(CertificateStore::None).add_root_certificate(cert);
    }
    params.build_rustls().map_err(|e| SendError::new(Phrase::new("smtp.tls_setup").with("detail", e), true))
}

/// Says what went wrong, and whether trying again could help.
fn classify(e: &lettre::transport::smtp::Error, target: &str) -> SendError {
    let detail = std::error::Error::source(e).map_or_else(|| e.to_string(), |s| format!("{e}: {s}"));
    if let Some(code) = e.status() {
        let code_text = code.to_string();
        // 535: authentication refused; 530: authentication required.
        if code_text == "535" || code_text == "530" || code_text == "534" {
            return SendError::new(Phrase::new("smtp.login_refused").with("target", target).with("detail", &detail), true);
        }
        return SendError::new(Phrase::new("smtp.refused").with("target", target).with("detail", &detail), e.is_permanent());
    }
    if e.is_timeout() {
        return SendError::new(Phrase::new("smtp.timeout").with("target", target), false);
    }
    if e.is_tls() {
        return SendError::new(Phrase::new("smtp.tls_failed").with("target", target).with("detail", &detail), false);
    }
    SendError::new(Phrase::new("smtp.cannot_connect").with("target", target).with("detail", &detail), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail() -> OutgoingMail {
        OutgoingMail {
            from: "me@example.org".into(),
            to: "jane@acme.com".into(),
            subject: "Re: Facture de mars".into(),
            body: "Bonjour Jane,\n\nJe lis mes messages à 13:00 (07:00 chez vous).".into(),
            lang: ReplyLang::Fr,
            in_reply_to: Some("m1@acme.com".into()),
            references: vec!["m0@acme.com".into(), "m1@acme.com".into()],
            date: DateTime::from_timestamp(1_764_580_000, 0).expect("instant"),
        }
    }

    #[test]
    fn a_reply_carries_rfc_3834_headers_and_threads_under_the_original() {
        let wire = String::from_utf8(build(&mail()).expect("message").formatted()).expect("text");
        let parsed = mail_parser::MessageParser::default().parse(wire.as_bytes()).expect("parses");
        assert_eq!(parsed.header_raw("Auto-Submitted").map(str::trim), Some("auto-replied"));
        assert_eq!(parsed.in_reply_to().as_text(), Some("m1@acme.com"));
        assert_eq!(parsed.references().as_text_list().map(<[_]>::len), Some(2));
        assert_eq!(parsed.subject(), Some("Re: Facture de mars"));
        assert!(parsed.body_text(0).is_some_and(|t| t.contains("à 13:00")), "{wire}");
        assert!(parsed.message_id().is_some_and(|id| id.ends_with("@example.org")));
    }

    #[test]
    fn a_bad_address_is_refused_for_good() {
        let e = build(&OutgoingMail { to: "not an address".into(), ..mail() }).expect_err("bad");
        assert!(e.permanent);
        assert_eq!(e.problem.code, "smtp.bad_address");
    }
}
