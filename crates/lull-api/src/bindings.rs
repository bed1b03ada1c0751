//! The TypeScript declarations of every type the API sends or receives, for the web UI
//! (`ui/src/lib/api/types.ts`), and the map from each request's method to its answer's type, so
//! the UI's client is paired the same way as [`crate::call::Call`]. A test fails when the
//! committed file drifts from this.

use lull_core::channel::ChannelKind;
use lull_core::model::{Category, ClientMode, DecisionKind, Tier};
use lull_core::simulate::{Simulation, TraceEntry};
use lull_core::stats::WeekStats;
use lull_core::{Rule, Schedule};
use ts_rs::{Config, TS};

use crate::call::{CALLS, Request, Response, snake_case};
use crate::channels::*;
use crate::clients::*;
use crate::config::*;
use crate::digests::*;
use crate::error::*;
use crate::events::*;
use crate::messages::*;
use crate::schedule::*;
use crate::stats::*;
use crate::status::*;

/// The file's text.
pub fn typescript() -> String {
    use lull_core::channel as ch;
    use lull_core::model as m;
    use lull_core::{policy as p, simulate as sim, stats as st, week as w};

    let cfg = Config::new().with_large_int("number").with_array_tuple_limit(0);
    let decls = [
        Category::decl(&cfg),
        Tier::decl(&cfg),
        ClientMode::decl(&cfg),
        DecisionKind::decl(&cfg),
        ChannelKind::decl(&cfg),
        ch::ChannelSettings::decl(&cfg),
        ch::WebhookSettings::decl(&cfg),
        ch::WebhookPreset::decl(&cfg),
        ch::FeedSettings::decl(&cfg),
        ch::DesktopSettings::decl(&cfg),
        ch::ImapSettings::decl(&cfg),
        ch::TlsMode::decl(&cfg),
        m::LiveWindow::decl(&cfg),
        w::TimeOfDay::decl(&cfg),
        w::WeeklyRange::decl(&cfg),
        w::WeeklySlot::decl(&cfg),
        st::IsoWeek::decl(&cfg),
        Schedule::decl(&cfg),
        Rule::decl(&cfg),
        p::Trigger::decl(&cfg),
        WeekStats::decl(&cfg),
        st::WeekFigures::decl(&cfg),
        st::Count::decl(&cfg),
        st::DailyCounts::decl(&cfg),
        st::DecisionCounts::decl(&cfg),
        st::InterruptionCounts::decl(&cfg),
        st::Stretch::decl(&cfg),
        st::Trend::decl(&cfg),
        st::Suggestion::decl(&cfg),
        Simulation::decl(&cfg),
        sim::SimulatedDecision::decl(&cfg),
        sim::SimulatedDigest::decl(&cfg),
        TraceEntry::decl(&cfg),
        Request::decl(&cfg),
        Response::decl(&cfg),
        ApiError::decl(&cfg),
        ErrorCode::decl(&cfg),
        ScheduleUpdate::decl(&cfg),
        ScheduleView::decl(&cfg),
        ClientSpec::decl(&cfg),
        ClientEdit::decl(&cfg),
        ClientRemove::decl(&cfg),
        Removed::decl(&cfg),
        ClientView::decl(&cfg),
        ChannelSpec::decl(&cfg),
        ChannelKindView::decl(&cfg),
        ChannelTest::decl(&cfg),
        ChannelState::decl(&cfg),
        SyncProgress::decl(&cfg),
        ChannelTestReport::decl(&cfg),
        SecretStore::decl(&cfg),
        ChannelView::decl(&cfg),
        ChannelCreated::decl(&cfg),
        ExplainQuery::decl(&cfg),
        Explanation::decl(&cfg),
        FocusStart::decl(&cfg),
        FocusView::decl(&cfg),
        StatusView::decl(&cfg),
        InboxQuery::decl(&cfg),
        Cursor::decl(&cfg),
        MessageView::decl(&cfg),
        InboxPage::decl(&cfg),
        RecordOpen::decl(&cfg),
        MarkRead::decl(&cfg),
        Archive::decl(&cfg),
        Snooze::decl(&cfg),
        Updated::decl(&cfg),
        DigestList::decl(&cfg),
        DigestShow::decl(&cfg),
        DigestView::decl(&cfg),
        DigestGroup::decl(&cfg),
        DigestDetail::decl(&cfg),
        StatsWeek::decl(&cfg),
        Simulate::decl(&cfg),
        EngineEvent::decl(&cfg),
        InfoView::decl(&cfg),
        ConfigDocument::decl(&cfg),
        ImportReport::decl(&cfg),
        DemoReport::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the Rust API types by `lull_api::bindings::typescript`; do not edit.\n\
         // Regenerate: LULL_UPDATE_BINDINGS=1 cargo test -p lull-api bindings\n\n",
    );
    for decl in decls {
        out.push_str("export ");
        out.push_str(&decl);
        out.push_str("\n\n");
    }
    out.push_str("/** The type of the answer each request gets, by method. */\nexport const ANSWERS = {\n");
    for (method, answer) in CALLS {
        out.push_str(&format!("  {}: '{}',\n", snake_case(method), snake_case(answer)));
    }
    out.push_str("} as const satisfies Record<Request['method'], Response['type']>;\n");
    out
}

#[cfg(test)]
mod tests {
    /// The web UI's types are generated from the API's Rust types and committed; this fails
    /// when they drift. `LULL_UPDATE_BINDINGS=1` rewrites the file instead.
    #[test]
    fn typescript_bindings_are_up_to_date() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/api/types.ts");
        let generated = super::typescript();
        if std::env::var_os("LULL_UPDATE_BINDINGS").is_some() {
            std::fs::create_dir_all(path.parent().expect("parent")).expect("create the bindings directory");
            std::fs::write(&path, &generated).expect("write the bindings");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{} is out of date with the Rust API types; regenerate it with LULL_UPDATE_BINDINGS=1 cargo test -p lull-api bindings",
            path.display()
        );
    }
}
