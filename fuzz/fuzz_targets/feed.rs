//! A feed body (RSS 0.9–2.0, Atom, JSON Feed) read into messages: never a panic, and each
//! message's text within its limit.
#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0).single().expect("instant");
    if let Ok(feed) = lull_channels::feed::parse(data) {
        for m in lull_channels::feed::entries(&feed, now, None) {
            assert!(m.body.chars().count() <= 4_000);
            assert!(!m.source_key.is_empty());
        }
    }
});
