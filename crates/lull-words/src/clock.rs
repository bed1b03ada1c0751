//! Response clocks in words: how long a platform gives ("24 h", "1 h 30", "45 min"), how long is
//! left, and the reason a held message breaks through for its clock ("Fiverr rates replies
//! within 24 h; 2 h left"). The UI words the same keys (`ui/src/lib/clock.ts`).

use chrono::Duration;
use lull_core::response::ResponseClock;

use crate::Words;

impl Words {
    /// A length of time as a clock is read: `24 h`, `1 h 30`, `45 min`; under a minute is
    /// `0 min`. Rounded down, so "2 h left" never promises more than is left.
    pub fn length(self, d: Duration) -> String {
        let minutes = d.num_minutes().max(0);
        let (h, m) = ((minutes / 60).to_string(), format!("{:02}", minutes % 60));
        match (minutes / 60, minutes % 60) {
            (0, _) => self.t("clock.span.minutes", &[("minutes", &(minutes % 60).to_string())]),
            (_, 0) => self.t("clock.span.hours", &[("hours", &h)]),
            _ => self.t("clock.span.hours_minutes", &[("hours", &h), ("minutes", &m)]),
        }
    }

    /// Why a held message breaks through for its clock, `left` before it runs out.
    pub fn clock_reason(self, clock: &ResponseClock, left: Duration) -> String {
        self.t("clock.reason", &[("platform", &clock.platform), ("within", &self.length(clock.within())), ("left", &self.length(left))])
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use lull_core::response::ResponseClock;

    use crate::{Lang, words};

    #[test]
    fn a_clock_reads_as_the_platform_counts_it() {
        let clock = ResponseClock { platform: "Fiverr".into(), within_secs: 24 * 3600, reply_by: DateTime::<Utc>::UNIX_EPOCH };
        let (en, fr) = (words(Lang::En), words(Lang::Fr));
        assert_eq!(en.clock_reason(&clock, chrono::Duration::minutes(150)), "Fiverr rates replies within 24 h; 2 h 30 left");
        assert_eq!(fr.clock_reason(&clock, chrono::Duration::hours(2)), "Fiverr note les réponses sous 24 h ; il reste 2 h");
        assert_eq!(en.length(chrono::Duration::seconds(59 * 60 + 59)), "59 min");
        assert_eq!(en.length(chrono::Duration::seconds(-5)), "0 min");
    }
}
