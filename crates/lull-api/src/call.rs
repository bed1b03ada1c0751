//! Every request the engine answers, each paired with the answer it gets.
//!
//! On the wire a request is `{"method": "…", "params": …}` and an answer
//! `{"type": "…", "data": …}` ([`Request`], [`Response`]); the web UI sends exactly that. In
//! Rust, each request also has a type of its own implementing [`Call`], which names its answer:
//! a caller writes `client.call(Status).await?` and gets a [`StatusView`], never a
//! [`Response`] to match, and the engine answers through [`Call::answer`], so neither side can
//! pair a request with the wrong kind of answer.
//!
//! To add a request: its parameters and its answer go in the module of their area, its variant
//! in [`Request`] (and in [`Response`] if its answer is a new kind), its line in `calls!` below,
//! and its arm in the engine's `commands::handle`.

use lull_core::autoreply::ReplySettings;
use serde::{Deserialize, Serialize};

use crate::channels::{ChannelCreated, ChannelKindView, ChannelSpec, ChannelTest, ChannelTestReport, ChannelView};
use crate::clients::{self, ClientRemove, ClientSpec, ClientView, Removed};
use crate::config::{ConfigDocument, DemoReport, ImportReport, InfoView};
use crate::digests::{DigestDetail, DigestList, DigestShow, DigestView};
use crate::messages::{Archive, ExplainQuery, Explanation, InboxPage, InboxQuery, MarkRead, RecordOpen, Reply, Snooze, Updated};
use crate::platforms::{PlatformSet, PlatformView};
use crate::push::{PushRemove, PushSpec, PushTargetView, PushTest, PushTestReport};
use crate::replies::RepliesView;
use crate::schedule::{ScheduleUpdate, ScheduleView};
use crate::stats::{Simulate, SimulationView, StatsView, StatsWeek};
use crate::status::{FocusStart, FocusView, StatusView};

/// Everything one can ask the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "method", content = "params", rename_all = "snake_case")]
pub enum Request {
    Status,
    ScheduleShow,
    ScheduleSet(ScheduleUpdate),
    ClientList,
    ClientAdd(ClientSpec),
    ClientEdit(clients::ClientEdit),
    ClientRemove(ClientRemove),
    ChannelList,
    /// The kinds of channel this engine has, with what the UI needs to offer them.
    ChannelKinds,
    ChannelAdd(ChannelSpec),
    /// Replaces a channel's settings (its kind and name stay); its connector restarts.
    ChannelEdit(ChannelSpec),
    /// Checks that a channel works now (fetches a feed, reaches the bus, …) without storing
    /// anything.
    ChannelTest(ChannelTest),
    PushList,
    PushAdd(PushSpec),
    /// Sends a test push now and says what the target answered.
    PushTest(PushTest),
    PushRemove(PushRemove),
    Explain(ExplainQuery),
    FocusStart(FocusStart),
    FocusStop,
    Inbox(InboxQuery),
    DigestList(DigestList),
    DigestShow(DigestShow),
    DigestNow,
    StatsWeek(StatsWeek),
    Simulate(Simulate),
    /// The user opened Lull (the UI, or `lull inbox`): feeds "checks during focus".
    RecordOpen(RecordOpen),
    /// Marks messages read or unread.
    MarkRead(MarkRead),
    /// Archives messages, or brings them back to the inbox.
    Archive(Archive),
    /// Answers a message through its channel (a phone notification's quick reply).
    Reply(Reply),
    /// A one-time code for signing a browser in (`/#code=…`), good for a minute.
    SignInCode,
    /// Puts messages out of sight until the next digest; they come back unread.
    Snooze(Snooze),
    /// Version and where the data is.
    Info,
    /// The whole configuration (schedule, clients, channels) as one document.
    ConfigExport,
    /// Applies a configuration document: adds what is new, updates what exists by name.
    ConfigImport(ConfigDocument),
    /// Seeds a realistic week of messages into an empty data directory, to see every screen.
    Demo,
    /// Removes what the demo made (its clients, channels and their messages), nothing else.
    DemoRemove,
    /// A client's charter ("how to reach me") as text, a page and a calendar.
    ClientCharter(clients::ClientCharter),
    /// The settings of availability replies and Lull's own templates.
    RepliesShow,
    /// Replaces the settings of availability replies (templates, how often).
    RepliesSet(ReplySettings),
    /// The freelance platforms Lull reads, with their response clocks.
    PlatformsShow,
    /// Changes one platform's response clock.
    PlatformSet(PlatformSet),
}

/// The answer to a [`Request`], one variant per kind of result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum Response {
    Status(StatusView),
    Schedule(ScheduleView),
    Clients(Vec<ClientView>),
    Client(ClientView),
    Removed(Removed),
    Channels(Vec<ChannelView>),
    ChannelKinds(Vec<ChannelKindView>),
    ChannelCreated(ChannelCreated),
    Channel(ChannelView),
    ChannelTested(ChannelTestReport),
    PushTargets(Vec<PushTargetView>),
    SignInCode(String),
    PushTarget(PushTargetView),
    PushTested(PushTestReport),
    PushRemoved(PushTargetView),
    Explanation(Explanation),
    Focus(FocusView),
    Inbox(InboxPage),
    Digests(Vec<DigestView>),
    Digest(DigestDetail),
    /// `None` when nothing was waiting.
    DigestReleased(Option<DigestView>),
    Stats(Box<StatsView>),
    Simulation(Box<SimulationView>),
    /// How many messages a triage action changed.
    Updated(Updated),
    Info(InfoView),
    Config(ConfigDocument),
    Imported(ImportReport),
    Demo(DemoReport),
    DemoRemoved(DemoReport),
    Replies(RepliesView),
    Platforms(Vec<PlatformView>),
    Charter(Box<clients::CharterView>),
    Ok,
}

/// A request paired with its answer.
pub trait Call: Into<Request> {
    /// What the engine answers.
    type Answer;
    /// The request's method and the answer's type, as named on the wire.
    const METHOD: &'static str;
    const ANSWER: &'static str;
    /// The answer as sent: the engine's side.
    fn answer(answer: Self::Answer) -> Response;
    /// The answer as received: the caller's side. Any other kind of answer is given back.
    fn take(response: Response) -> Result<Self::Answer, Box<Response>>;
}

/// Declares the calls. Each line is one of:
/// - `unit Name => Answer(Type);` a request without parameters (a unit struct);
/// - `wrap Name(Params) => Answer(Type);` a request whose parameters are a type of their own,
///   shared with other requests (a tuple struct around it);
/// - `own Name => Answer(Type);` a request whose parameters are the struct `Name` itself;
///
/// and `=> Answer;` for the answer without data ([`Response::Ok`]).
macro_rules! calls {
    (@list [$($done:tt)*]) => {
        /// Every call: its method and its answer, as the Rust variants name them.
        pub const CALLS: &[(&str, &str)] = &[$($done)*];
    };
    (@list [$($done:tt)*] $(#[$m:meta])* unit $call:ident => $variant:ident $(($answer:ty))?; $($rest:tt)*) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct $call;
        impl From<$call> for Request {
            fn from(_: $call) -> Request {
                Request::$call
            }
        }
        calls!(@answer $call => $variant $(($answer))?);
        calls!(@list [$($done)* (stringify!($call), stringify!($variant)),] $($rest)*);
    };
    (@list [$($done:tt)*] $(#[$m:meta])* wrap $call:ident($params:ty) => $variant:ident $(($answer:ty))?; $($rest:tt)*) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $call(pub $params);
        impl From<$call> for Request {
            fn from(call: $call) -> Request {
                Request::$call(call.0)
            }
        }
        calls!(@answer $call => $variant $(($answer))?);
        calls!(@list [$($done)* (stringify!($call), stringify!($variant)),] $($rest)*);
    };
    (@list [$($done:tt)*] own $call:ident => $variant:ident $(($answer:ty))?; $($rest:tt)*) => {
        impl From<$call> for Request {
            fn from(call: $call) -> Request {
                Request::$call(call)
            }
        }
        calls!(@answer $call => $variant $(($answer))?);
        calls!(@list [$($done)* (stringify!($call), stringify!($variant)),] $($rest)*);
    };
    (@answer $call:ident => $variant:ident) => {
        impl Call for $call {
            type Answer = ();
            const METHOD: &'static str = stringify!($call);
            const ANSWER: &'static str = stringify!($variant);
            fn answer((): ()) -> Response {
                Response::$variant
            }
            fn take(response: Response) -> Result<(), Box<Response>> {
                match response {
                    Response::$variant => Ok(()),
                    other => Err(Box::new(other)),
                }
            }
        }
    };
    (@answer $call:ident => $variant:ident($answer:ty)) => {
        impl Call for $call {
            type Answer = $answer;
            const METHOD: &'static str = stringify!($call);
            const ANSWER: &'static str = stringify!($variant);
            fn answer(answer: $answer) -> Response {
                Response::$variant(answer)
            }
            fn take(response: Response) -> Result<$answer, Box<Response>> {
                match response {
                    Response::$variant(answer) => Ok(answer),
                    other => Err(Box::new(other)),
                }
            }
        }
    };
    ($($input:tt)*) => {
        calls!(@list [] $($input)*);
    };
}

calls! {
    /// Focus in force, what waits, the next digest.
    unit Status => Status(StatusView);
    unit ScheduleShow => Schedule(ScheduleView);
    /// Changes the schedule; fields left out keep their value.
    wrap ScheduleSet(ScheduleUpdate) => Schedule(ScheduleView);
    unit ClientList => Clients(Vec<ClientView>);
    wrap ClientAdd(ClientSpec) => Client(ClientView);
    wrap ClientEdit(clients::ClientEdit) => Client(ClientView);
    own ClientRemove => Removed(Removed);
    unit ChannelList => Channels(Vec<ChannelView>);
    unit ChannelKinds => ChannelKinds(Vec<ChannelKindView>);
    wrap ChannelAdd(ChannelSpec) => ChannelCreated(ChannelCreated);
    wrap ChannelEdit(ChannelSpec) => Channel(ChannelView);
    own ChannelTest => ChannelTested(ChannelTestReport);
    unit PushList => PushTargets(Vec<PushTargetView>);
    wrap PushAdd(PushSpec) => PushTarget(PushTargetView);
    own PushTest => PushTested(PushTestReport);
    own PushRemove => PushRemoved(PushTargetView);
    wrap Explain(ExplainQuery) => Explanation(Explanation);
    own FocusStart => Focus(FocusView);
    unit FocusStop => Focus(FocusView);
    wrap Inbox(InboxQuery) => Inbox(InboxPage);
    own DigestList => Digests(Vec<DigestView>);
    own DigestShow => Digest(DigestDetail);
    unit DigestNow => DigestReleased(Option<DigestView>);
    own StatsWeek => Stats(Box<StatsView>);
    own Simulate => Simulation(Box<SimulationView>);
    own RecordOpen => Ok;
    own MarkRead => Updated(Updated);
    own Archive => Updated(Updated);
    own Snooze => Updated(Updated);
    own Reply => Ok;
    unit SignInCode => SignInCode(String);
    unit Info => Info(InfoView);
    unit ConfigExport => Config(ConfigDocument);
    wrap ConfigImport(ConfigDocument) => Imported(ImportReport);
    unit Demo => Demo(DemoReport);
    unit DemoRemove => DemoRemoved(DemoReport);
    wrap ClientCharter(clients::ClientCharter) => Charter(Box<clients::CharterView>);
    unit RepliesShow => Replies(RepliesView);
    wrap RepliesSet(ReplySettings) => Replies(RepliesView);
    unit PlatformsShow => Platforms(Vec<PlatformView>);
    own PlatformSet => Platforms(Vec<PlatformView>);
}

/// `ClientRemove` as serde names it: `client_remove`.
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_request_has_its_call_and_names_match_the_wire() {
        // One call per request variant: the TypeScript `Request` lists them all.
        let ts = <Request as ts_rs::TS>::decl(&ts_rs::Config::new().with_large_int("number"));
        assert_eq!(ts.matches("\"method\":").count(), CALLS.len(), "{ts}");
        for (method, answer) in CALLS {
            assert!(ts.contains(&format!("\"method\": \"{}\"", snake_case(method))), "{method} in {ts}");
            let answers = <Response as ts_rs::TS>::decl(&ts_rs::Config::new().with_large_int("number"));
            assert!(answers.contains(&format!("\"type\": \"{}\"", snake_case(answer))), "{answer}");
        }
        let json = serde_json::to_value(Request::from(DigestNow)).expect("json");
        assert_eq!(json["method"], snake_case(DigestNow::METHOD));
    }

    #[test]
    fn a_call_takes_only_its_own_answer() {
        assert_eq!(FocusStop::take(Response::Ok), Err(Box::new(Response::Ok)));
        assert_eq!(RecordOpen::take(RecordOpen::answer(())), Ok(()));
        let updated = Updated { count: 2 };
        assert_eq!(Snooze::take(Snooze::answer(updated)), Ok(updated));
    }
}
