//! A webhook post: Lull's own payload format, each preset (GitHub, GitLab, Jira), and mappings
//! written by the user. The first line of the input is the mapping (`FIELD=SOURCES` pairs
//! separated by `;`, or a preset's name), the rest is the body. Reading never panics, and what
//! it accepts respects the field limits.
#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use lull_channels::mapping::Mapping;
use lull_channels::webhook::{self, MAX_FROM_LEN, MAX_ID_LEN, MAX_TITLE_LEN, MAX_URL_LEN};
use lull_core::channel::WebhookPreset;

fuzz_target!(|data: &[u8]| {
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0).single().expect("instant");
    let (head, body) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&[][..], data),
    };
    let head = String::from_utf8_lossy(head);
    let header = |name: &str| (name == "x-github-event").then(|| "issue_comment".to_owned());
    let read = if head.is_empty() {
        webhook::parse(body, now)
    } else {
        let preset = ["github", "gitlab", "jira"].iter().find(|p| head.starts_with(**p)).and_then(|p| p.parse::<WebhookPreset>().ok());
        let pairs: Vec<String> = head.split(';').filter(|p| p.contains('=')).map(str::to_owned).collect();
        match Mapping::new(preset, &pairs) {
            Ok(mapping) => {
                let _ = mapping.describe();
                mapping.read(body, &header, now)
            }
            Err(_) => return,
        }
    };
    if let Ok(read) = read {
        let m = &read.incoming;
        assert!(m.source_key.chars().count() <= MAX_ID_LEN + 64, "key {:?}", m.source_key);
        assert!(m.sender.chars().count() <= MAX_FROM_LEN * 2, "sender of {} chars", m.sender.chars().count());
        assert!(m.title.chars().count() <= MAX_TITLE_LEN, "title of {} chars", m.title.chars().count());
        assert!(m.url.as_ref().is_none_or(|u| u.chars().count() <= MAX_URL_LEN));
    }
});
