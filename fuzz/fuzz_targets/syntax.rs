//! What users type: days, times, weekly ranges and digest slots, live windows, identities and
//! ISO weeks. Never a panic, and whatever parses prints back to text that parses to the same
//! value.
#![no_main]

use std::fmt::Display;
use std::str::FromStr;

use libfuzzer_sys::fuzz_target;
use lull_core::model::{Identity, LiveWindow};
use lull_core::stats::IsoWeek;
use lull_core::week::{Days, TimeOfDay, WeeklyRange, WeeklySlot};

fn round_trip<T: FromStr + Display + PartialEq + std::fmt::Debug>(s: &str) {
    if let Ok(v) = s.parse::<T>() {
        let printed = v.to_string();
        match printed.parse::<T>() {
            Ok(again) => assert_eq!(again, v, "{s:?} printed as {printed:?}"),
            Err(_) => panic!("{s:?} parsed, but its printed form {printed:?} does not"),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    round_trip::<Days>(s);
    round_trip::<TimeOfDay>(s);
    round_trip::<WeeklyRange>(s);
    round_trip::<WeeklySlot>(s);
    round_trip::<LiveWindow>(s);
    round_trip::<Identity>(s);
    round_trip::<IsoWeek>(s);
    let _ = lull_core::week::parse_tz(s);
    let _ = lull_core::model::Sender::parse(s);
    let _ = lull_core::simulate::parse_trace(s);
});
