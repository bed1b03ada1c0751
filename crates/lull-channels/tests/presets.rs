//! The webhook presets and a custom mapping against payloads in their senders' documented
//! formats (fixtures under `tests/fixtures/webhooks`, trimmed from the documentation's examples).

use chrono::{DateTime, Utc};
use lull_channels::mapping::Mapping;
use lull_core::channel::WebhookPreset;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/webhooks/{name}", env!("CARGO_MANIFEST_DIR"))).expect("fixture")
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("instant").with_timezone(&Utc)
}

fn now() -> DateTime<Utc> {
    at("2026-11-26T10:00:00Z")
}

#[test]
fn github_issue_comments_and_reviews() {
    let github = Mapping::new(Some(WebhookPreset::Github), &[]).expect("preset");
    let headers = |h: &str| (h == "x-github-delivery").then(|| "72d3162e-cc78-11e3-81ab-4c9367dc0958".to_owned());
    let m = github.read(&fixture("github-issue-comment.json"), &headers, now()).expect("comment").incoming;
    assert_eq!(m.source_key, "72d3162e-cc78-11e3-81ab-4c9367dc0958");
    assert_eq!(m.sender, "jdoe");
    assert_eq!(m.title, "Checkout button misaligned on mobile");
    assert_eq!(m.body, "Could you look at this before the demo on Friday?");
    assert_eq!(m.url.as_deref(), Some("https://github.com/acme/site/issues/42#issuecomment-1830000001"));
    assert_eq!(m.sent_at, Some(at("2026-11-26T09:15:00Z")));

    let review = github.read(&fixture("github-pull-request-review.json"), &headers, now()).expect("review").incoming;
    assert_eq!((review.sender.as_str(), review.title.as_str()), ("asmith", "Fix checkout layout"));
    assert_eq!(review.body, "Two small changes, then good to merge.");
    assert_eq!(review.sent_at, Some(at("2026-11-26T09:40:00Z")));
    // Relayed without GitHub's delivery header, a comment is keyed by its content instead.
    let relayed = github.read(&fixture("github-issue-comment.json"), &|_| None, now()).expect("relayed").incoming;
    assert!(relayed.source_key.starts_with("sha256:"), "{}", relayed.source_key);
}

#[test]
fn gitlab_notes() {
    let gitlab = Mapping::new(Some(WebhookPreset::Gitlab), &[]).expect("preset");
    let headers = |h: &str| (h == "x-gitlab-event-uuid").then(|| "13792a34-cac6-4fda-95a8-c58e00a3954e".to_owned());
    let m = gitlab.read(&fixture("gitlab-note.json"), &headers, now()).expect("note").incoming;
    assert_eq!(m.sender, "jane@globex.example", "an address, so domain identities attribute it");
    assert_eq!(m.title, "Staging deploy fails");
    assert_eq!(m.body, "The staging deploy is failing again, can you check?");
    assert_eq!(m.url.as_deref(), Some("https://gitlab.example/globex/portal/-/issues/17#note_1244"));
    assert_eq!(m.sent_at, Some(at("2026-11-26T09:15:00Z")));
}

#[test]
fn jira_comments_without_an_id_are_keyed_by_their_content() {
    let jira = Mapping::new(Some(WebhookPreset::Jira), &[]).expect("preset");
    let m = jira.read(&fixture("jira-comment-created.json"), &|_| None, now()).expect("comment").incoming;
    assert_eq!(m.sender, "peter@initech.example");
    assert_eq!(m.title, "TPS report cover sheet");
    assert_eq!(m.body, "The TPS report export still shows the old cover sheet.");
    assert_eq!(m.sent_at, Some(at("2026-11-26T09:15:00Z")), "Jira's timestamp is in milliseconds");
    assert!(m.source_key.starts_with("sha256:"));
    // An explicit field overrides the preset.
    let keyed = Mapping::new(Some(WebhookPreset::Jira), &["id=/comment/id".into()]).expect("override");
    assert_eq!(keyed.read(&fixture("jira-comment-created.json"), &|_| None, now()).expect("comment").incoming.source_key, "10020");
}

#[test]
fn an_n8n_or_zapier_payload_through_a_custom_mapping() {
    let pairs: Vec<String> =
        ["id=/data/submission_id", "from=/data/email|/data/name", "title=/event", "body=/data/message", "time=/submitted_at"]
            .map(String::from)
            .to_vec();
    let m = Mapping::new(None, &pairs).expect("mapping").read(&fixture("n8n-custom.json"), &|_| None, now()).expect("read").incoming;
    assert_eq!(m.source_key, "sub_8841");
    assert_eq!(m.sender, "carla@umbrella.example");
    assert_eq!(m.body, "Quote for the spring campaign?");
}
