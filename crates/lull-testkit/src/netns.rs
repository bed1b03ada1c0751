//! Private network namespaces for tests whose peers must never reach a real network (KDE
//! Connect binds every address and broadcasts) or that need addresses of their own (a
//! "public" feed server on 203.0.113.7): the test re-runs itself under `unshare -rn`, where
//! only loopback exists and the test, as root of its user namespace, may add addresses to it.

use std::process::Command;

/// Whether this process is in a network namespace with loopback only.
pub fn in_private_network() -> bool {
    // /proc/self/net follows the process's network namespace (/sys/class/net follows sysfs's).
    let Ok(dev) = std::fs::read_to_string("/proc/self/net/dev") else { return false };
    let names: Vec<&str> = dev.lines().skip(2).filter_map(|l| l.split(':').next()).map(str::trim).collect();
    names == ["lo"]
}

/// Makes sure the test `name` runs inside a private network namespace (loopback only, brought
/// up). Outside one, it runs the same test binary again, only that test, under
/// `unshare -rn`, and checks it passed: the caller then returns at once (`false`). Inside one,
/// it returns `true` and the caller runs the test's body.
pub fn enter_private_network(name: &str) -> bool {
    if in_private_network() {
        let up = Command::new("ip").args(["link", "set", "lo", "up"]).status();
        assert!(up.is_ok_and(|s| s.success()), "cannot bring loopback up in the private network namespace (is iproute2 installed?)");
        return true;
    }
    crate::rerun_under_unshare(name, "-rn", "network", &[]);
    false
}

/// Adds `ip` (e.g. `203.0.113.7`) to loopback, so a server can listen on an address that is
/// neither loopback nor private. Only inside a private network namespace.
pub fn add_address(ip: std::net::IpAddr) {
    assert!(in_private_network(), "addresses are only added inside a private network namespace");
    let prefix = if ip.is_ipv4() { 32 } else { 128 };
    let added = Command::new("ip").args(["addr", "add", &format!("{ip}/{prefix}"), "dev", "lo"]).status();
    assert!(added.is_ok_and(|s| s.success()), "cannot add {ip} to loopback in the private network namespace");
}
