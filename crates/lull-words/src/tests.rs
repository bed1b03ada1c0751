//! The dictionaries are complete and consistent, every code Lull can hand out is worded in both
//! languages, and the wording of decisions, statuses and suggestions is what Lull has always
//! said (these assertions moved here from the core with the words).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Europe::Paris;
use lull_core::glance::StatusLine;
use lull_core::model::{Category, Client, ClientMode, Identity, Tier};
use lull_core::policy::{FocusSession, MessageFacts, decide};
use lull_core::schedule::Schedule;
use lull_core::stats::{Suggestion, SuggestionCode, TrendMetric};

use super::*;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("valid test instant").with_timezone(&Utc)
}

fn placeholders(template: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if !after[..close].is_empty() && after[..close].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
                out.insert(after[..close].to_owned());
                rest = &after[close + 1..];
            }
            _ => rest = after,
        }
    }
    out
}

/// Whether a worded text still shows a placeholder or a code: a missing parameter or key.
fn unworded(text: &str) -> bool {
    !placeholders(text).is_empty() || text.contains('(') && text.contains("=\"")
}

#[test]
fn both_dictionaries_have_every_key_with_the_same_placeholders() {
    let (en, fr) = (dictionary(Lang::En), dictionary(Lang::Fr));
    assert!(en.len() > 300, "the English dictionary did not load");
    let missing: Vec<&String> = en.keys().filter(|k| !fr.contains_key(*k)).collect();
    assert!(missing.is_empty(), "missing in French: {missing:?}");
    let extra: Vec<&String> = fr.keys().filter(|k| !en.contains_key(*k)).collect();
    assert!(extra.is_empty(), "only in French: {extra:?}");
    for (key, english) in en {
        let french = &fr[key];
        assert_eq!(placeholders(english), placeholders(french), "{key}: {english:?} / {french:?}");
    }
}

/// Lull's sources, for the codes they hand out.
fn sources() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).expect("read a source directory").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") && path.file_name().is_some_and(|n| n != "tests.rs") {
                let text = std::fs::read_to_string(&path).expect("read a source file");
                // Tests make up phrases of their own.
                let code = text.split("#[cfg(test)]").next().unwrap_or_default().to_owned();
                out.push((path.clone(), code));
            }
        }
    }
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = Vec::new();
    let roots = std::fs::read_dir(&crates).expect("crates").flatten().map(|k| k.path()).chain([crates.join("../src-tauri")]);
    for root in roots {
        let src = root.join("src");
        if src.is_dir() {
            walk(&src, &mut out);
        }
    }
    out
}

/// Every phrase Lull hands out is worded in both languages: each `Phrase::new("…")` in the
/// sources of every crate and of the desktop window (outside tests; write codes as literals,
/// so this test sees them), each key worded with `.t("…")` or `.tn("…")`, and each
/// vocabulary's "unknown value".
#[test]
fn every_phrase_in_the_sources_has_its_words() {
    let mut codes = BTreeSet::new();
    for (path, text) in sources() {
        for (call, suffix) in [("Phrase::new(\"", ""), (".t(\"", ""), (".tn(\"", ".one")] {
            let mut rest = text.as_str();
            while let Some(at) = rest.find(call) {
                let after = &rest[at + call.len()..];
                let end = after.find('"').expect("a closed string");
                codes.insert((format!("{}{suffix}", &after[..end]), path.display().to_string()));
                rest = &after[end..];
            }
        }
        let mut rest = text.as_str();
        while let Some(at) = rest.find("vocabulary!(") {
            let after = &rest[at..];
            if let Some(what) = after.split('"').nth(1).filter(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == ' ')) {
                codes.insert((format!("value.unknown_{}", what.replace(' ', "_")), path.display().to_string()));
            }
            rest = &after[1..];
        }
    }
    assert!(codes.len() > 40, "the scan found too few phrases: {codes:?}");
    for lang in Lang::ALL {
        for (code, path) in &codes {
            let dict = dictionary(*lang);
            let worded =
                dict.contains_key(code) || (dict.contains_key(&format!("{code}.one")) && dict.contains_key(&format!("{code}.other")));
            assert!(worded, "{code} (from {path}) has no words in {}", lang.code());
        }
    }
}

#[test]
fn every_suggestion_status_line_and_trend_is_worded_in_both_languages() {
    let params = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let at = utc("2026-11-24T12:00:00Z");
    for code in SuggestionCode::ALL {
        for offset in [None, Some("0"), Some("3"), Some("-9")] {
            let mut p: Vec<(&str, &str)> = vec![
                ("client", "Acme"),
                ("app", "WhatsApp"),
                ("count", "4"),
                ("quota", "3"),
                ("lower", "2"),
                ("share", "42"),
                ("outside", "12"),
                ("previous", "10"),
            ];
            if let Some(o) = offset {
                p.push(("offset", o));
            }
            let s = Suggestion { code: *code, params: params(&p) };
            let (en, fr) = (words(Lang::En).suggestion(&s), words(Lang::Fr).suggestion(&s));
            assert!(!unworded(&en) && !unworded(&fr), "{code}: {en:?} / {fr:?}");
            assert_ne!(en, fr, "{code} is not translated");
        }
    }
    for line in StatusLine::samples(at) {
        let (en, fr) = (words(Lang::En).status_line(&line, at - Duration::hours(1), Paris), words(Lang::Fr).status_line(&line, at, Paris));
        assert!(!unworded(&en) && !unworded(&fr) && en != fr, "{line:?}: {en:?} / {fr:?}");
    }
    for metric in TrendMetric::ALL {
        let (en, fr) = (words(Lang::En).trend(*metric), words(Lang::Fr).trend(*metric));
        assert!(!en.starts_with("trend.") && !fr.starts_with("trend."), "{metric}");
    }
}

fn client(name: &str, tier: Tier) -> Client {
    Client {
        id: 1,
        name: name.into(),
        tz: Paris,
        tier,
        mode: ClientMode::Normal,
        bypass_quota: 3,
        identities: vec![Identity::Domain("acme.com".into())],
        live_windows: vec![],
        auto_reply: None,
    }
}

fn facts<'a>(at: &str, client: Option<&'a Client>, history: &'a [DateTime<Utc>]) -> MessageFacts<'a> {
    MessageFacts {
        received_at: utc(at),
        client,
        category: Category::Direct,
        sender: "jane@acme.com",
        title: "Quick question",
        body: "Can you look at the mockups?",
        sender_history: history,
        bypasses_today: 0,
    }
}

fn reason_of(s: &Schedule, sessions: &[FocusSession], f: &MessageFacts<'_>) -> String {
    let d = decide(s, sessions, f);
    english().reason(&d.rule, f.received_at, d.release_at, s.tz)
}

/// The policy's decisions read as Lull has always written them.
#[test]
fn reasons_read_like_the_policy_decides() {
    let s = Schedule::default_in(Paris);
    let acme = client("Acme", Tier::Normal);
    assert_eq!(
        reason_of(&s, &[], &facts("2026-11-24T10:15:00+01:00", Some(&acme), &[])),
        "During focus (mon-fri 09:00-12:00, until 12:00): held until the 13:00 digest."
    );
    let mut globex = client("Globex", Tier::Normal);
    globex.tz = chrono_tz::America::New_York;
    globex.live_windows = vec!["tue,thu 09:00-10:00@client".parse().expect("window")];
    assert_eq!(
        reason_of(&s, &[], &facts("2026-11-24T15:30:00+01:00", Some(&globex), &[])),
        "Inside Globex's live window (tue,thu 09:00-10:00, Globex's time): notify now."
    );
    let mut f = facts("2026-11-24T12:30:00+01:00", None, &[]);
    f.category = Category::Rating;
    let rating = reason_of(&s, &[], &f);
    assert!(rating.contains("Fri 17:00"), "{rating}");
    let vip = client("Acme", Tier::Vip);
    let mut f = facts("2026-11-24T10:15:00+01:00", Some(&vip), &[]);
    f.body = "Production is DOWN, need help ASAP";
    assert_eq!(reason_of(&s, &[], &f), "Urgent from VIP Acme (\u{201c}asap\u{201d}): breaks through focus (bypass 1 of 3 today).");
    f.bypasses_today = 3;
    let exhausted = reason_of(&s, &[], &f);
    assert!(
        exhausted.starts_with("Would break through (urgent, \u{201c}asap\u{201d}), but Acme has used all 3 bypasses today. During focus"),
        "{exhausted}"
    );
    let h = [utc("2026-11-24T10:02:00+01:00"), utc("2026-11-24T10:07:00+01:00")];
    assert_eq!(
        reason_of(&s, &[], &facts("2026-11-24T10:12:00+01:00", Some(&acme), &h)),
        "jane@acme.com is trying again (3 attempts since 10:02): breaks through focus (bypass 1 of 3 today)."
    );
    let session = FocusSession { started_at: utc("2026-11-24T12:10:00+01:00"), ends_at: utc("2026-11-24T13:40:00+01:00") };
    assert_eq!(
        reason_of(&s, &[session], &facts("2026-11-24T12:30:00+01:00", None, &[])),
        "During your focus session (until 13:40): held until the 13:00 digest."
    );
    // And in French.
    let d = decide(&s, &[], &facts("2026-11-24T10:15:00+01:00", Some(&acme), &[]));
    assert_eq!(
        words(Lang::Fr).reason(&d.rule, utc("2026-11-24T10:15:00+01:00"), d.release_at, Paris),
        "Pendant un créneau de concentration (mon-fri 09:00-12:00, jusqu\u{2019}à 12:00) : en attente du récapitulatif de 13:00."
    );
}

/// Across DST changes, the times in a reason are the local times of that day.
#[test]
fn reasons_read_right_across_dst_changes() {
    let mut s = Schedule::default_in(Paris);
    s.work = vec!["daily 00:00-24:00".parse().expect("range")];
    s.focus = vec!["sun 01:00-04:00".parse().expect("range")];
    s.digests = vec!["02:30".parse().expect("t"), "09:00".parse().expect("t")];
    let s = s.validated().expect("valid");
    let mut f = facts("2026-03-29T01:10:00Z", None, &[]);
    (f.sender, f.title, f.body) = ("a@b.io", "", "");
    assert_eq!(reason_of(&s, &[], &f), "During focus (sun 01:00-04:00, until 04:00): held until the 09:00 digest.");

    let s = Schedule::default_in(Paris);
    let mut la = client("Acme", Tier::Normal);
    la.tz = chrono_tz::America::Los_Angeles;
    la.live_windows = vec!["mon-fri 08:30-09:30@client".parse().expect("window")];
    let at = |when: &str| MessageFacts { sender: "amy@acme.com", title: "", body: "", ..facts(when, Some(&la), &[]) };
    assert_eq!(
        reason_of(&s, &[], &at("2026-03-31T17:45:00+02:00")),
        "Inside Acme's live window (mon-fri 08:30-09:30, Acme's time): notify now."
    );
    assert_eq!(
        reason_of(&s, &[], &at("2026-04-04T18:00:00+02:00")),
        "Outside working hours: held until the Mon 09:00 digest, the first of your next working day."
    );
}

#[test]
fn digests_read_like_a_sentence() {
    let slot = utc("2026-11-24T12:00:00Z");
    assert_eq!(english().digest_summary(slot, Paris, 14, 4, 1), "13:00 digest: 14 messages from 4 clients");
    assert_eq!(
        english().digest_summary(slot, Paris, 1, 1, 3),
        "13:00 digest: 1 message from 1 client (includes 2 earlier digests missed while away)"
    );
    assert_eq!(english().digest_title(slot, Paris), "13:00 digest");
    assert_eq!(words(Lang::Fr).digest_summary(slot, Paris, 1, 1, 1), "Récapitulatif de 13:00 : 1 message de 1 client");
}

#[test]
fn suggestions_name_the_client_and_the_change() {
    let s =
        |code, pairs: &[(&str, &str)]| Suggestion { code, params: pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect() };
    let after_hours = english().suggestion(&s(SuggestionCode::AfterHours, &[("client", "Globex"), ("count", "6"), ("offset", "-9")]));
    assert!(after_hours.contains("Globex sent 6 messages outside your working hours; they are 9 h behind you"), "{after_hours}");
    let checks = english().suggestion(&s(SuggestionCode::ChecksDuringFocus, &[("count", "3")]));
    assert!(checks.starts_with("You opened Lull 3 times during focus"), "{checks}");
    let window = english().suggestion(&s(SuggestionCode::MoveLiveWindow, &[("client", "Globex"), ("count", "3"), ("share", "42")]));
    assert!(window.starts_with("Globex's live window interrupted your focus 3 times (42% of"), "{window}");
}

#[test]
fn phrases_fill_their_parameters_and_choose_the_plural() {
    let p = Phrase::new("week.unknown_day").with("value", "\"fry\"");
    assert!(english().phrase(&p).starts_with("unknown day \"fry\": use mon"));
    assert!(words(Lang::Fr).phrase(&p).starts_with("jour inconnu \"fry\""));
    assert_eq!(english().tn("count.messages", 1, &[]), "1 message");
    assert_eq!(words(Lang::Fr).tn("count.messages", 0, &[]), "0 message");
    // A phrase of a newer Lull is said as its data, not dropped.
    assert_eq!(english().phrase(&Phrase::new("future.thing").with("x", 1)), "future.thing(x=\"1\")");
    assert_eq!(fill("{a} and {b} {not a placeholder}", &[("a", "1")]), "1 and {b} {not a placeholder}");
    assert_eq!(Lang::from_tag("fr_FR.UTF-8"), Lang::Fr);
    assert_eq!(Lang::from_tag("C.UTF-8"), Lang::En);
}
