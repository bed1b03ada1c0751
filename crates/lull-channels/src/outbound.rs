//! Where a connector's HTTP requests may go. A feed on the internet must not become a way into
//! this machine or its network: a hostile or hijacked feed that redirects to
//! `http://127.0.0.1:7707/…` or `http://192.168.1.1/…`, or whose name starts resolving to such
//! an address (DNS rebinding), would make Lull fetch from services only reachable from here and
//! file what they answer in the inbox. So the reach of a feed is fixed by the address the user
//! gave: a feed that is itself on this machine or a private network may go anywhere (the user
//! chose it); any other may only reach public addresses, checked at every connection by the
//! resolver (names) and at every redirect (literal addresses).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Whether `ip` is on this machine or a network that is not the internet: loopback,
/// unspecified, private (RFC 1918, unique local), link-local, shared (carrier-grade NAT),
/// broadcast and multicast.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_private_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private_v4(v4);
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local, fc00::/7
                || (first & 0xffc0) == 0xfe80 // link-local, fe80::/10
                || (first & 0xffc0) == 0xfec0 // site-local (deprecated), fec0::/10
                || is_ipv4_compatible_private(v6)
        }
    }
}

fn is_private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0 // "this network", 0.0.0.0/8
        || (a == 100 && (b & 0xc0) == 64) // shared address space, 100.64.0.0/10
}

/// `::a.b.c.d` (deprecated IPv4-compatible form): some stacks still route it to the IPv4 address.
fn is_ipv4_compatible_private(v6: Ipv6Addr) -> bool {
    let s = v6.segments();
    s[..6].iter().all(|&x| x == 0) && !v6.is_unspecified() && !v6.is_loopback() && {
        let [a, b] = s[6].to_be_bytes();
        let [c, d] = s[7].to_be_bytes();
        is_private_v4(Ipv4Addr::new(a, b, c, d))
    }
}

/// How far a connector's requests may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The address the user gave is on this machine or a private network: anywhere.
    Anywhere,
    /// Public addresses only.
    PublicOnly,
}

impl Reach {
    /// The reach of a request to `url`: `Anywhere` when its host is a private address, or a
    /// name any of whose addresses is one (`localhost`, `nas.home.arpa`), `PublicOnly`
    /// otherwise, including when the name does not resolve yet (the resolver then says why).
    pub async fn of(url: &str) -> Reach {
        let Ok(url) = Url::parse(url) else { return Reach::PublicOnly };
        let private = match literal(&url) {
            Some(Some(ip)) => is_private(ip),
            Some(None) => false,
            None => {
                let (Some(name), port) = (url.host_str(), url.port_or_known_default().unwrap_or(80)) else { return Reach::PublicOnly };
                match tokio::net::lookup_host((name, port)).await {
                    Ok(mut addrs) => addrs.any(|a| is_private(a.ip())),
                    Err(_) => false,
                }
            }
        };
        if private { Reach::Anywhere } else { Reach::PublicOnly }
    }

    /// Whether a redirect may lead to `url`: a literal private address is refused to a public
    /// feed (names are checked when they resolve, by [`PublicResolver`]).
    pub fn allows(self, url: &Url) -> bool {
        self == Reach::Anywhere
            || match literal(url) {
                Some(Some(ip)) => !is_private(ip),
                Some(None) => false,
                None => true,
            }
    }
}

/// The URL's host as a literal address: `Some(Some(ip))`, `None` for a name, `Some(None)` for
/// no host at all.
fn literal(url: &Url) -> Option<Option<IpAddr>> {
    let Some(host) = url.host_str() else { return Some(None) };
    host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().ok().map(Some)
}

/// Why a name was not resolved for a public feed.
#[derive(Debug)]
pub struct PrivateName {
    pub name: String,
}

impl std::fmt::Display for PrivateName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} resolves only to addresses on this machine or a private network", self.name)
    }
}

impl std::error::Error for PrivateName {}

/// A resolver that keeps only public addresses. Names of the configured HTTP proxies are
/// resolved as they are: with a proxy, the proxy resolves the feed's name, not Lull.
#[derive(Debug, Clone, Default)]
pub struct PublicResolver {
    proxies: Arc<Vec<String>>,
}

impl PublicResolver {
    pub fn new() -> PublicResolver {
        let proxies = ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
            .iter()
            .filter_map(|var| std::env::var(var).ok())
            .filter_map(|v| {
                let v = if v.contains("://") { v } else { format!("http://{v}") };
                Url::parse(&v).ok()?.host_str().map(str::to_ascii_lowercase)
            })
            .collect();
        PublicResolver { proxies: Arc::new(proxies) }
    }
}

impl Resolve for PublicResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let name = name.as_str().to_owned();
        let proxy = self.proxies.iter().any(|p| p.eq_ignore_ascii_case(&name));
        Box::pin(async move {
            let all: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = all.iter().copied().filter(|a| proxy || !is_private(a.ip())).collect();
            if public.is_empty() && !all.is_empty() {
                return Err(Box::new(PrivateName { name }) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// The [`PrivateName`] somewhere in an error's chain, if that is what stopped a request.
pub fn private_name<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a PrivateName> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(p) = err.downcast_ref::<PrivateName>() {
            return Some(p);
        }
        cur = err.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("a URL")
    }

    #[test]
    fn private_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:192.168.0.1",
            "::10.0.0.1",
        ] {
            assert!(is_private(ip.parse().expect("an address")), "{ip} is private");
        }
        for ip in ["1.1.1.1", "8.8.8.8", "172.32.0.1", "100.128.0.1", "203.0.113.7", "2606:4700::1111", "::ffff:8.8.8.8", "2001:db8::1"] {
            assert!(!is_private(ip.parse().expect("an address")), "{ip} is public");
        }
    }

    #[tokio::test]
    async fn the_reach_follows_the_address_the_user_gave() {
        assert_eq!(Reach::of("http://127.0.0.1:8080/feed").await, Reach::Anywhere);
        assert_eq!(Reach::of("http://[::1]/feed").await, Reach::Anywhere);
        assert_eq!(Reach::of("http://localhost/feed").await, Reach::Anywhere);
        assert_eq!(Reach::of("https://192.168.1.20/feed").await, Reach::Anywhere);
        assert_eq!(Reach::of("https://203.0.113.7/feed").await, Reach::PublicOnly);
        // A name that does not resolve (no network here) is held to public addresses.
        assert_eq!(Reach::of("https://status.example.invalid/feed").await, Reach::PublicOnly);

        let public = Reach::PublicOnly;
        assert!(!public.allows(&url("http://127.0.0.1:7707/api/messages")));
        assert!(!public.allows(&url("http://[::ffff:10.0.0.1]/")));
        assert!(!public.allows(&url("http://169.254.169.254/latest/meta-data/")));
        assert!(public.allows(&url("https://203.0.113.8/feed")));
        assert!(public.allows(&url("https://feeds.example.com/feed")));
        assert!(Reach::Anywhere.allows(&url("http://127.0.0.1:7707/")));
    }

    #[tokio::test]
    async fn the_resolver_refuses_names_with_only_private_addresses() {
        let resolver = PublicResolver { proxies: Arc::new(vec![]) };
        let e = resolver.resolve("localhost".parse().expect("a name")).await.err().expect("localhost refused");
        assert!(private_name(e.as_ref()).is_some(), "{e}");
        assert!(e.to_string().contains("localhost resolves only to addresses on this machine"), "{e}");
        let proxied = PublicResolver { proxies: Arc::new(vec!["localhost".into()]) };
        assert!(proxied.resolve("localhost".parse().expect("a name")).await.is_ok(), "a proxy on this machine is reached");
    }
}
