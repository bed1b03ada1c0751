//! A raw mail as an IMAP server hands it over, read into a message: never a panic, whatever
//! the MIME structure, encodings or headers.
#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0).single().expect("instant");
    let m = lull_channels::mail::parse(data, data.len().is_multiple_of(2), now);
    assert!(!m.source_key.is_empty());
});
