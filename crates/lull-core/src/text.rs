//! Text as messages carry it: accent- and case-insensitive word search (urgent words), and
//! plain text from HTML (mail, feeds, notification markup).

/// Lower-cases and strips the accents of Latin letters, so "Urgence" matches "urgence" and
/// "bloqué" matches "bloque".
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => out.push('a'),
            'ç' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' => out.push('i'),
            'ñ' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => out.push('o'),
            'ù' | 'ú' | 'û' | 'ü' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            '\u{2019}' => out.push('\''),
            c => out.push(c),
        }
    }
    out
}

/// Whether `word` (or phrase) occurs in `text` as whole words, ignoring case and accents.
pub fn find_word(text: &str, word: &str) -> bool {
    let (text, word) = (fold(text), fold(word));
    if word.is_empty() {
        return false;
    }
    let is_word_char = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    text.match_indices(word.as_str())
        .any(|(i, m)| !is_word_char(text[..i].chars().next_back()) && !is_word_char(text[i + m.len()..].chars().next()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_match_whole_ignoring_case_and_accents() {
        assert!(find_word("Prod is DOWN, ASAP please", "asap"));
        assert!(find_word("C'est une URGENCE !", "urgence"));
        assert!(find_word("le site est en panne", "en panne"));
        assert!(find_word("Problème bloquant", "bloquant"));
        assert!(!find_word("not urgently needed", "urgent"));
        assert!(!find_word("wasap", "asap"));
        assert!(!find_word("anything", ""));
    }
}

/// Plain text from HTML, for previews and search: tags go, block elements and `<br>` become
/// line breaks, `script` and `style` contents are dropped, entities are decoded, and runs of
/// spaces collapse. Never fails; malformed markup gives its best reading.
pub fn html_to_text(html: &str) -> String {
    const BLOCKS: &[&str] = &[
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "tr",
        "table",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "hr",
        "section",
        "article",
        "header",
        "footer",
    ];
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let mut skipping: Option<&str> = None;
    while let Some(lt) = rest.find('<') {
        if skipping.is_none() {
            out.push_str(&decode_entities(&rest[..lt]));
        }
        let after = &rest[lt + 1..];
        if let Some(comment) = after.strip_prefix("!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let Some(gt) = after.find('>') else {
            // A lone '<' is text.
            if skipping.is_none() {
                out.push_str(&decode_entities(&rest[lt..]));
            }
            rest = "";
            break;
        };
        let tag = &after[..gt];
        let closing = tag.starts_with('/');
        let name: String =
            tag.trim_start_matches('/').chars().take_while(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
        match skipping {
            Some(s) if closing && name == s => skipping = None,
            Some(_) => {}
            None if !closing && (name == "script" || name == "style" || name == "head") => {
                skipping = Some(if name == "script" {
                    "script"
                } else if name == "style" {
                    "style"
                } else {
                    "head"
                });
            }
            None if BLOCKS.contains(&name.as_str()) => out.push('\n'),
            None if name == "td" || name == "th" => out.push(' '),
            None => {}
        }
        rest = &after[gt + 1..];
    }
    if skipping.is_none() {
        out.push_str(&decode_entities(rest));
    }
    // Collapse spaces within lines and blank lines between them.
    let lines: Vec<String> = out.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|l| !l.is_empty()).collect();
    lines.join("\n")
}

/// Decodes HTML character references: the common named ones and all numeric ones.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &after[..e];
            let c = match name {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" | "#39" => '\'',
                "nbsp" => ' ',
                "rsquo" => '\u{2019}',
                "lsquo" => '\u{2018}',
                "rdquo" => '\u{201d}',
                "ldquo" => '\u{201c}',
                "hellip" => '…',
                "mdash" => '—',
                "ndash" => '–',
                "eacute" => 'é',
                "egrave" => 'è',
                "agrave" => 'à',
                "ccedil" => 'ç',
                "euro" => '€',
                _ => {
                    let n = name
                        .strip_prefix("#x")
                        .or_else(|| name.strip_prefix("#X"))
                        .map_or_else(|| name.strip_prefix('#').and_then(|d| d.parse::<u32>().ok()), |h| u32::from_str_radix(h, 16).ok())?;
                    char::from_u32(n)?
                }
            };
            Some((c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod html_tests {
    use super::*;

    #[test]
    fn html_becomes_readable_text() {
        assert_eq!(
            html_to_text("<p><strong>Resolved</strong> - done.<br/>Latency is back &amp; fine.</p>"),
            "Resolved - done.\nLatency is back & fine."
        );
        assert_eq!(
            html_to_text("<h2>What&#39;s changed</h2><ul><li>New export</li><li>Fixes</li></ul>"),
            "What's changed\nNew export\nFixes"
        );
        assert_eq!(html_to_text("<style>p{color:red}</style><script>alert(1)</script>Hi <!-- note --> there"), "Hi there");
        assert_eq!(html_to_text("a < b &unknown; &#x263A; &#9731;"), "a < b &unknown; ☺ ☃");
        assert_eq!(html_to_text("<table><tr><td>Total</td><td>42 &euro;</td></tr></table>"), "Total 42 €");
        assert_eq!(html_to_text("unclosed <b"), "unclosed <b");
        assert_eq!(html_to_text(""), "");
    }
}

/// A link from a message that may be opened: an https address as it is, or a `mailto:` with only
/// its address, subject and body (an `attach=`, `cc=` or header could make the mail client
/// attach a local file or copy someone in). `None` for anything else.
pub fn openable_link(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") {
        return Some(url.to_owned());
    }
    let rest = url.get(..7).filter(|s| s.eq_ignore_ascii_case("mailto:")).and(url.get(7..))?;
    let (address, query) = rest.split_once('?').unwrap_or((rest, ""));
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| {
            let name = p.split_once('=').map_or(*p, |(n, _)| n).to_ascii_lowercase();
            name == "subject" || name == "body"
        })
        .collect();
    Some(if kept.is_empty() { format!("mailto:{address}") } else { format!("mailto:{address}?{}", kept.join("&")) })
}

/// What stands for a secret part of an address.
pub const REDACTED: &str = "•••";

/// An address as it may be shown, exported or logged: a password in it (`user:pass@`) and the
/// values of query parameters that carry secrets (`token`, `key`, `secret`, `password`,
/// `auth`, `sig`…) replaced by [`REDACTED`]. The rest stays readable.
pub fn redact_url(url: &str) -> String {
    let (head, fragment) = match url.split_once('#') {
        Some((h, f)) => (h, Some(f)),
        None => (url, None),
    };
    let (base, query) = match head.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (head, None),
    };
    let mut out = String::with_capacity(url.len());
    // user:password@host: the password goes.
    match base.split_once("://") {
        Some((scheme, rest)) => {
            out.push_str(scheme);
            out.push_str("://");
            let (authority, path) = rest.split_once('/').map_or((rest, None), |(a, p)| (a, Some(p)));
            match authority.rsplit_once('@') {
                Some((userinfo, host)) => {
                    match userinfo.split_once(':') {
                        Some((user, _)) => out.push_str(&format!("{user}:{REDACTED}")),
                        None => out.push_str(REDACTED),
                    }
                    out.push('@');
                    out.push_str(host);
                }
                None => out.push_str(authority),
            }
            if let Some(p) = path {
                out.push('/');
                out.push_str(p);
            }
        }
        None => out.push_str(base),
    }
    if let Some(q) = query {
        out.push('?');
        let parts: Vec<String> = q
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if secret_name(name) => format!("{name}={REDACTED}"),
                _ => pair.to_owned(),
            })
            .collect();
        out.push_str(&parts.join("&"));
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

fn secret_name(name: &str) -> bool {
    const SECRETS: &[&str] =
        &["token", "key", "secret", "password", "passwd", "pass", "pwd", "auth", "sig", "signature", "credential", "session", "code"];
    let name = name.to_ascii_lowercase();
    // Words that give a secret away anywhere in a name, then names that are a secret word or
    // end (or start) with one as a part (`private_token`, `x-sig`, `key_id`).
    ["token", "secret", "apikey", "api_key"].iter().any(|w| name.contains(w))
        || SECRETS.iter().any(|s| {
            name == *s || name.ends_with(&format!("_{s}")) || name.ends_with(&format!("-{s}")) || name.starts_with(&format!("{s}_"))
        })
}

#[cfg(test)]
mod redact_tests {
    use super::*;

    #[test]
    fn only_https_and_plain_mailto_links_open() {
        assert_eq!(openable_link(" https://acme.example/a?b=1 ").as_deref(), Some("https://acme.example/a?b=1"));
        assert_eq!(
            openable_link("MAILTO:jane@acme.example?subject=Brief&attach=/etc/passwd&Body=Hi").as_deref(),
            Some("mailto:jane@acme.example?subject=Brief&Body=Hi")
        );
        assert_eq!(openable_link("mailto:jane@acme.example?cc=x@y.example").as_deref(), Some("mailto:jane@acme.example"));
        assert_eq!(openable_link("http://acme.example"), None);
        assert_eq!(openable_link("file:///etc/passwd"), None);
        assert_eq!(openable_link("mailtox:"), None);
    }

    /// Audit defect 8: secrets in feed addresses leaked into the export, the channel list and
    /// the logs.
    #[test]
    fn secrets_in_addresses_are_redacted_and_the_rest_stays() {
        assert_eq!(redact_url("https://status.acme.com/feed.rss"), "https://status.acme.com/feed.rss");
        assert_eq!(redact_url("https://me:hunter2@feeds.example/rss?x=1"), "https://me:•••@feeds.example/rss?x=1");
        assert_eq!(
            redact_url("https://a.example/f?token=abc&lang=fr&api_key=k#top"),
            "https://a.example/f?token=•••&lang=fr&api_key=•••#top"
        );
        assert_eq!(redact_url("https://a.example/f?private_token=x&auth=y"), "https://a.example/f?private_token=•••&auth=•••");
        assert_eq!(redact_url("not a url ?key=v"), "not a url ?key=•••");
    }
}
