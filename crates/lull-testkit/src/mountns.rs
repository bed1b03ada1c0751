//! A private mount namespace for tests that need a small disk (a tmpfs of a few hundred KiB, to
//! fill) without root on the machine: the test re-runs itself under `unshare -rm`, where it is
//! root of its own user namespace and may mount a tmpfs that nobody else sees.

use std::path::Path;
use std::process::Command;

/// Whether this process was re-run by [`enter_private_mounts`].
pub fn in_private_mounts() -> bool {
    std::env::var_os("LULL_TEST_MOUNTNS").is_some()
}

/// Makes sure the test `name` runs in a private mount namespace. Outside one, it runs the same
/// test binary again, only that test, under `unshare -rm`, and checks it passed: the caller
/// then returns at once (`false`). Inside one, it returns `true`.
pub fn enter_private_mounts(name: &str) -> bool {
    if in_private_mounts() {
        return true;
    }
    crate::rerun_under_unshare(name, "-rm", "mount", &[("LULL_TEST_MOUNTNS", "1")]);
    false
}

/// Mounts a tmpfs of `size` (e.g. `1200k`) at `dir`, or resizes the one there. Only inside a
/// private mount namespace.
pub fn tmpfs(dir: &Path, size: &str) {
    assert!(in_private_mounts(), "tmpfs is only mounted inside a private mount namespace");
    let mounted = std::fs::read_to_string("/proc/self/mounts").is_ok_and(|m| m.lines().any(|l| l.split(' ').nth(1) == dir.to_str()));
    let options = if mounted { format!("remount,size={size}") } else { format!("size={size}") };
    let status = Command::new("mount").args(["-t", "tmpfs", "-o", &options, "tmpfs"]).arg(dir).status();
    assert!(status.is_ok_and(|s| s.success()), "cannot mount a tmpfs at {}", dir.display());
}

/// Makes `dir` read-only (a read-only bind mount over itself), as a disk mounted read-only
/// would be. Only inside a private mount namespace.
pub fn read_only(dir: &Path) {
    assert!(in_private_mounts(), "read-only mounts are only made inside a private mount namespace");
    for args in [&["--bind"][..], &["-o", "remount,ro,bind"][..]] {
        let status = Command::new("mount").args(args).arg(dir).arg(dir).status();
        assert!(status.is_ok_and(|s| s.success()), "cannot make {} read-only", dir.display());
    }
}
