//! What this build of Lull is: its version and, when the build scripts said so, the commit it
//! was built from (`LULL_COMMIT`, set by `scripts/run.sh`, `scripts/test.sh` and the packaging
//! from `git describe`; a plain `cargo build` leaves it out).

use std::sync::LazyLock;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The commit this build was made from (`git describe --always --dirty`), if the build said.
pub const COMMIT: Option<&str> = option_env!("LULL_COMMIT");

static LINE: LazyLock<String> = LazyLock::new(|| match COMMIT.filter(|c| !c.trim().is_empty()) {
    Some(commit) => format!("{VERSION} (commit {commit})"),
    None => VERSION.to_owned(),
});

/// `0.1.0 (commit 4a890ca1b2c3)`, or `0.1.0` for a build that did not say.
pub fn version() -> &'static str {
    LINE.as_str()
}
