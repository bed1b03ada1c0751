//! The TypeScript declarations of every type the API sends or receives, for the web UI
//! (`ui/src/lib/api/types.ts`), and the map from each request's method to its answer's type, so
//! the UI's client is paired the same way as [`crate::call::Call`]. A test fails when the
//! committed file drifts from this.

use std::collections::BTreeMap;

use lull_core::glance::StatusLine;
use lull_core::stats::{SuggestionCode, TrendMetric};
use ts_rs::{Config, TS, TypeVisitor};

use crate::call::{CALLS, Request, Response, snake_case};
use crate::error::ApiError;
use crate::events::EngineEvent;

/// Every declared type `T` reaches, itself included, each once, by name (the order the derive
/// visits dependencies in can change from one build to the next; names sort the same always).
struct Declarations<'c> {
    cfg: &'c Config,
    decls: BTreeMap<String, String>,
}

impl TypeVisitor for Declarations<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Wrappers (`Option`, `Vec`, `Box`) are not declared; what they wrap is, through their
        // generics. A `Box<T>` declares as `T`, hence the names, not the types, are counted.
        if T::output_path().is_some() && !self.decls.contains_key(&T::ident(self.cfg)) {
            self.decls.insert(T::ident(self.cfg), T::decl(self.cfg));
            T::visit_dependencies(self);
        }
        T::visit_generics(self);
    }
}

/// The file's text: the declarations of everything the API's requests, answers, errors and
/// events reach, so a new type (a channel kind's settings) is in it without being listed.
pub fn typescript() -> String {
    let cfg = Config::new().with_large_int("number").with_array_tuple_limit(0);
    let mut walk = Declarations { cfg: &cfg, decls: BTreeMap::new() };
    walk.visit::<Request>();
    walk.visit::<Response>();
    walk.visit::<ApiError>();
    walk.visit::<EngineEvent>();
    // Flattened into the values that carry them (a channel's spec, a suggestion's view), so
    // not reached by name; the UI names them.
    walk.visit::<lull_core::channel::ChannelSettings>();
    walk.visit::<lull_core::stats::Suggestion>();
    let decls = walk.decls.into_values();
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
    out.push_str("} as const satisfies Record<Request['method'], Response['type']>;\n\n");
    // What the UI's tests word in every language, so that a code without words fails there.
    let codes = |all: Vec<&str>| all.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(", ");
    out.push_str("/** Every suggestion code, every trend metric, one of each status line. */\n");
    out.push_str(&format!(
        "export const SUGGESTION_CODES: readonly SuggestionCode[] = [{}];\n",
        codes(SuggestionCode::ALL.iter().map(|c| c.as_str()).collect())
    ));
    out.push_str(&format!(
        "export const TREND_METRICS: readonly TrendMetric[] = [{}];\n",
        codes(TrendMetric::ALL.iter().map(|c| c.as_str()).collect())
    ));
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z").map(|t| t.to_utc()).unwrap_or_default();
    let samples = serde_json::to_string(&StatusLine::samples(at)).unwrap_or_default();
    out.push_str(&format!("export const STATUS_LINE_SAMPLES: readonly StatusLine[] = {samples};\n"));
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
