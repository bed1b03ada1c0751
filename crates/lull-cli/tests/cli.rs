//! `lull` as a user runs it: real processes, a real `lull serve` on loopback, desktop
//! notifications through a private `dbus-daemon` to a recording notification server, and a
//! `kill -9` to check that an acknowledged message survives.

use std::time::Duration;

mod common;

use common::{Server, fails, lull_in, ok, ok_json};
use lull_testkit::{PrivateBus, RecordingServer};
use serde_json::{Value, json};

async fn post(url: &str, channel: &str, token: &str, body: Value) -> (u16, Value) {
    let resp = reqwest::Client::new().post(format!("{url}hooks/{channel}")).bearer_auth(token).json(&body).send().await.expect("post");
    (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_ingests_notifies_through_dbus_and_keeps_acknowledged_messages() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    let bus = PrivateBus::start().expect("private dbus-daemon");
    let recorder = RecordingServer::start(bus.address()).await.expect("recording notification server");

    // Focus all day, every day: every message is held unless urgent, whatever the time now.
    ok(
        dir,
        &[
            "schedule",
            "set",
            "--tz",
            "Europe/Paris",
            "--focus",
            "daily 00:00-24:00",
            "--work",
            "daily 00:00-24:00",
            "--digest",
            "09:00,13:00,17:00",
        ],
    );
    ok(dir, &["client", "add", "Acme", "--tz", "America/New_York", "--tier", "vip", "--match", "domain:acme.com"]);
    let created = ok_json(dir, &["channel", "add", "webhook", "acme"]);
    let token = created["token"].as_str().expect("token").to_owned();
    assert_eq!(created["channel"]["path"], "/hooks/acme");

    let server = Server::start(dir, &[], &[("DBUS_SESSION_BUS_ADDRESS", bus.address().as_ref())]);
    // The API token is readable by the user only.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.join("api-token")).expect("api-token").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    // One engine per data directory: a second serve is refused and says who holds it.
    let err = fails(dir, &["serve", "--listen", "127.0.0.1:0"]);
    assert!(err.contains("another Lull engine is already running") && err.contains(&format!("pid {}", server.child.id())), "{err}");
    assert!(err.contains(&server.url), "{err}");

    // CLI commands go through the running server, which sees the change at once.
    ok(dir, &["client", "add", "Globex", "--match", "domain:globex.io"]);
    let (status, body) =
        post(&server.url, "acme", &token, json!({"id": "g1", "from": "Bob <bob@globex.io>", "title": "Invoice", "body": "Attached."}))
            .await;
    assert_eq!((status, body["client"].as_str(), body["decision"].as_str()), (200, Some("Globex"), Some("held")));

    // A VIP's urgent message breaks through, shown at once; its text is escaped for markup.
    let (_, body) = post(
        &server.url,
        "acme",
        &token,
        json!({"id": "a1", "from": "jane@acme.com", "title": "Prod is down <b>ASAP</b>", "body": "call me"}),
    )
    .await;
    assert_eq!(body["decision"], "bypass", "{body}");
    let shown = recorder.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(shown[0].app_name, "Lull");
    assert_eq!(shown[0].summary, "Urgent \u{b7} Acme \u{b7} jane@acme.com");
    assert_eq!(shown[0].body, "Prod is down &lt;b&gt;ASAP&lt;/b&gt;\ncall me");
    assert_eq!(shown[0].urgency, Some(2));

    let (_, body) =
        post(&server.url, "acme", &token, json!({"id": "a2", "from": "jane@acme.com", "title": "Mockups", "body": "When you can."})).await;
    assert_eq!(body["decision"], "held");
    let status = ok_json(dir, &["status"]);
    assert_eq!(status["held"], 2);
    assert_eq!(status["focus"]["in_focus"], true);
    assert!(status["summary"].as_str().expect("summary").contains("1 urgent message broke through today"), "{status}");

    // A digest on demand reaches the notification server as one notification.
    let released = ok_json(dir, &["digest", "now"]);
    assert_eq!(released["messages"], 2);
    let shown = recorder.wait_for(2, Duration::from_secs(10)).await;
    assert!(shown[1].summary.ends_with(" digest: 2 messages from 2 clients"), "{:?}", shown[1]);
    assert_eq!(shown[1].body, "Acme 1 \u{b7} Globex 1");

    // Acknowledged means on disk: kill -9 right after a 2xx, start again, the message is there.
    let (status, body) = post(&server.url, "acme", &token, json!({"id": "k1", "from": "jane@acme.com", "title": "Before the crash"})).await;
    assert_eq!(status, 200);
    let id = body["message_id"].clone();
    server.kill_hard();
    let server = Server::start(dir, &[], &[("DBUS_SESSION_BUS_ADDRESS", bus.address().as_ref())]);
    let inbox = ok_json(dir, &["inbox", "--search", "crash"]);
    assert_eq!(inbox["messages"][0]["id"], id);
    assert_eq!(inbox["messages"][0]["title"], "Before the crash");

    // The week's statistics count what happened.
    let stats = ok_json(dir, &["stats", "week", "--week", "this"]);
    assert_eq!(stats["interruptions"]["bypass"], 1);
    assert_eq!(stats["interruptions"]["digest"], 1);
    assert_eq!(stats["messages"], 4);
    assert_eq!(stats["checks"], 1, "`lull inbox` counts as opening Lull");
    drop(server);
}

#[test]
fn explain_and_status_speak_stable_json() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    ok(dir, &["schedule", "set", "--tz", "Europe/Paris"]);
    ok(dir, &["client", "add", "Acme", "--match", "domain:acme.com", "--live", "tue,thu 14:00-16:00"]);
    let e = ok_json(dir, &["explain", "--from", "jane@acme.com", "--at", "2026-11-24T10:15:00+01:00", "--title", "Hi"]);
    assert_eq!(e["decision"], "held");
    assert_eq!(e["release_at"], "2026-11-24T12:00:00Z");
    assert_eq!(e["client"], "Acme");
    assert_eq!(e["reason"], "During focus (mon-fri 09:00-12:00, until 12:00): held until the 13:00 digest.");
    assert_eq!(e["rule"]["rule"], "focus_block");
    let e = ok_json(dir, &["explain", "--from", "jane@acme.com", "--at", "2026-11-24T14:30:00+01:00"]);
    assert_eq!(e["decision"], "live");
    assert_eq!(e["reason"], "Inside Acme's live window (tue,thu 14:00-16:00, your time): notify now.");
    let text = ok(dir, &["explain", "--from", "jane@acme.com", "--at", "2026-11-24T10:15:00+01:00"]);
    assert!(text.starts_with("held until Tue 24 Nov 13:00\n"), "{text}");

    let s = ok_json(dir, &["status"]);
    for field in ["now", "tz", "focus", "held", "next_digest", "next_digest_messages", "next_digest_clients", "bypasses_today", "summary"] {
        assert!(s.get(field).is_some(), "status has {field}: {s}");
    }
    let schedule = ok_json(dir, &["schedule", "show"]);
    assert_eq!(schedule["tz"], "Europe/Paris");
    assert_eq!(schedule["digests"], json!(["09:00", "13:00", "17:00"]));
    let clients = ok_json(dir, &["client", "list"]);
    assert_eq!(clients[0]["name"], "Acme");
    assert_eq!(clients[0]["matches"], json!(["domain:acme.com"]));
}

#[test]
fn the_command_speaks_french_when_lang_says_so() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    let text =
        |out: std::process::Output| (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
    let (status, _) = text(lull_in("fr_FR.UTF-8", dir, &["status"]));
    assert!(status.contains("Prochain récapitulatif") && status.contains("concentration"), "{status}");
    let (schedule, _) = text(lull_in("fr_FR.UTF-8", dir, &["schedule", "show"]));
    assert!(schedule.contains("Fuseau") && schedule.contains("mon-fri 09:00-12:00"), "values stay as typed: {schedule}");
    let (_, err) = text(lull_in("fr_FR.UTF-8", dir, &["schedule", "set", "--focus", "mon-fry 09:00-12:00"]));
    assert!(err.contains("--focus \"mon-fry 09:00-12:00\"") && err.contains("jour inconnu \"fry\""), "{err}");
    let (_, err) = text(lull_in("fr", dir, &["client", "edit", "Personne", "--tier", "vip"]));
    assert!(err.contains("aucun client nommé \"Personne\"") && err.contains("`lull client list`"), "with its hint: {err}");
    // English otherwise, whatever else LANG says.
    let (status, _) = text(lull_in("de_DE.UTF-8", dir, &["status"]));
    assert!(status.contains("Next digest"), "{status}");
}

#[test]
fn bad_input_is_refused_with_what_to_do_and_changes_nothing() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    assert!(fails(dir, &["schedule", "set", "--focus", "mon-fry 09:00-12:00"]).contains("unknown day \"fry\""));
    // The engine names the field; the command line names its flag.
    let err = fails(dir, &["schedule", "set", "--focus", "mon-fry 09:00-12:00"]);
    assert!(err.starts_with("lull: --focus \"mon-fry 09:00-12:00\": unknown day \"fry\""), "{err}");
    assert!(fails(dir, &["schedule", "set", "--digest", "9h"]).contains("use HH:MM"));
    assert!(fails(dir, &["schedule", "set"]).contains("nothing to change"));
    assert!(fails(dir, &["client", "add", "Acme", "--tz", "Mars/Olympus"]).contains("IANA name"));
    assert!(fails(dir, &["client", "add", "Acme", "--tier", "gold"]).contains("use one of vip normal low"));
    assert!(fails(dir, &["client", "add", "Acme", "--match", "phone:123"]).contains("email:ADDRESS"));
    ok(dir, &["client", "add", "Acme", "--match", "domain:acme.com"]);
    assert!(fails(dir, &["client", "add", "Other", "--match", "domain:acme.com"]).contains("already belongs to client \"Acme\""));
    assert!(fails(dir, &["client", "edit", "Nobody", "--tier", "vip"]).contains("no client named \"Nobody\""));
    assert!(fails(dir, &["channel", "add", "webhook", "Bad Name"]).contains("invalid channel name"));
    assert!(fails(dir, &["channel", "add", "pigeon", "x"]).contains("unrecognized subcommand 'pigeon'"));
    assert!(fails(dir, &["channel", "add", "feed", "news", "status.acme.com/rss"]).contains("give its full URL"));
    assert!(fails(dir, &["channel", "add", "feed", "news", "https://status.acme.com/rss", "--every", "soon"]).contains("e.g. 15m"));
    assert!(fails(dir, &["channel", "add", "webhook", "gh", "--map", "title=issue.title"]).contains("is not a JSON pointer"));
    assert!(fails(dir, &["channel", "add", "webhook", "gh", "--preset", "bitbucket"]).contains("the presets are github, gitlab, jira"));
    assert!(fails(dir, &["channel", "test", "nowhere"]).contains("no channel named \"nowhere\""));
    assert!(fails(dir, &["client", "add", "Chat", "--match", "app:"]).contains("app:Slack"));
    assert!(fails(dir, &["explain", "--from", "a@b.io", "--at", "tuesday"]).contains("RFC 3339"));
    assert!(fails(dir, &["focus", "start", "--for", "forever"]).contains("invalid duration"));
    assert!(fails(dir, &["focus", "stop"]).contains("no focus session is running"));
    assert!(fails(dir, &["stats", "week", "--week", "2026-W60"]).contains("ISO week"));
    // Nothing above changed the data.
    assert_eq!(ok_json(dir, &["client", "list"]).as_array().map(Vec::len), Some(1));
    assert_eq!(ok_json(dir, &["channel", "list"]).as_array().map(Vec::len), Some(0));
    assert_eq!(ok_json(dir, &["schedule", "show"])["focus"], json!(["mon-fri 09:00-12:00", "mon-fri 14:00-17:00"]));

    // A database from a newer Lull is refused, and left as it was.
    let newer = tempfile::tempdir().expect("temp dir");
    ok(newer.path(), &["status"]);
    let db = newer.path().join("lull.db");
    rusqlite::Connection::open(&db).expect("open").pragma_update(None, "user_version", 99).expect("bump the schema version");
    let before = std::fs::read(&db).expect("read");
    let err = fails(newer.path(), &["status"]);
    assert!(err.contains("written by a newer version of Lull"), "{err}");
    assert_eq!(std::fs::read(&db).expect("read"), before);
}

#[test]
fn simulate_replays_a_trace_without_touching_the_inbox() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    ok(dir, &["schedule", "set", "--tz", "Europe/Paris"]);
    ok(dir, &["client", "add", "Acme", "--match", "domain:acme.com"]);
    let trace = dir.join("week.jsonl");
    std::fs::write(
        &trace,
        [
            r#"{"received_at": "2026-11-23T10:02:00+01:00", "from": "jane@acme.com", "title": "Call?"}"#,
            r#"{"received_at": "2026-11-23T10:07:00+01:00", "from": "jane@acme.com", "title": "Call??"}"#,
            r#"{"received_at": "2026-11-23T10:12:00+01:00", "from": "jane@acme.com", "title": "Please call"}"#,
            r#"{"received_at": "2026-11-23T12:30:00+01:00", "from": "bob@globex.io", "title": "Lunch"}"#,
            r#"{"received_at": "2026-11-23T21:00:00+01:00", "from": "jane@acme.com", "title": "Late one"}"#,
            r#"{"received_at": "2026-11-24T11:00:00+01:00", "from": "no-reply@malt.fr", "title": "New review", "category": "rating"}"#,
        ]
        .join("\n"),
    )
    .expect("write trace");
    let sim = ok_json(dir, &["simulate", "--trace", trace.to_str().expect("path")]);
    let decisions: Vec<&str> =
        sim["decisions"].as_array().expect("decisions").iter().map(|d| d["decision"].as_str().expect("decision")).collect();
    assert_eq!(decisions, ["held", "held", "bypass", "live", "held", "held"]);
    assert_eq!(sim["decisions"][0]["client"], "Acme");
    assert_eq!(sim["decisions"][4]["release_at"], "2026-11-24T08:00:00Z");
    assert_eq!(sim["stats"]["week"], "2026-W48");
    assert_eq!(sim["stats"]["ratings_contained"], 1);
    assert_eq!(sim["stats"]["after_hours"], 1);
    // Nothing was stored.
    assert_eq!(ok_json(dir, &["inbox"])["messages"], json!([]));

    std::fs::write(&trace, "{\"from\": \"x\"}\nnot json\n").expect("write");
    let err = fails(dir, &["simulate", "--trace", trace.to_str().expect("path")]);
    assert!(err.contains("2 bad line(s)") && err.contains("week.jsonl: line 1") && err.contains("line 2"), "{err}");
}

/// `lull serve` started while a command uses the data directory on its own (it holds the engine
/// lock for a moment, without serving) waits for it instead of refusing to start.
#[test]
// The lock holder is a plain thread standing in for that command: blocking is what is wanted.
#[allow(clippy::disallowed_methods)]
fn serve_waits_for_a_command_using_the_data_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    ok(dir.path(), &["schedule", "set", "--tz", "Europe/Paris"]);
    let lock = lull_api::lock::EngineLock::acquire(dir.path(), chrono::Utc::now()).expect("lock");
    let command = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(800));
        drop(lock);
    });
    let started = std::time::Instant::now();
    let server = Server::start(dir.path(), &[], &[]);
    assert!(started.elapsed() >= Duration::from_millis(700), "served while the command held the directory");
    command.join().expect("command");
    assert!(server.url.starts_with("http://127.0.0.1:"));
}

/// Audit defect 4: with `http_proxy` set, the command line must never send the API token (or a
/// password) through the proxy: loopback requests go straight to the engine.
#[tokio::test(flavor = "multi_thread")]
async fn commands_never_go_through_a_proxy() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    // A "proxy" that counts who connects to it.
    let proxy = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let proxy_url = format!("http://{}", proxy.local_addr().expect("addr"));
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = seen.clone();
    tokio::spawn(async move {
        while let Ok((_socket, _)) = proxy.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    let server = Server::start(dir, &[], &[]);
    for var in ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"] {
        let out = common::lull_command()
            .env(var, &proxy_url)
            .env_remove("no_proxy")
            .env_remove("NO_PROXY")
            .arg("--data-dir")
            .arg(dir)
            .args(["status", "--json"])
            .output()
            .expect("run lull");
        assert!(out.status.success(), "{var}: {}", String::from_utf8_lossy(&out.stderr));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 0, "nothing went through the proxy");
    drop(server);
}

/// Audit defect 5: a data directory that already existed with mode 0755 gave a 0644 database
/// (and WAL) every user could read, and a directory owned by someone else was used as it was.
#[test]
fn the_data_directory_is_the_users_alone() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path().join("open");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let server = Server::start(&dir, &[], &[]);
    ok(&dir, &["schedule", "set", "--tz", "Europe/Paris"]);
    let mode = |p: &std::path::Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    for name in ["lull.db", "lull.db-wal", "api-token", "engine.lock"] {
        assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
    }
    drop(server);

    // Another user's directory (a pre-created /tmp/lull-demo) is refused, untouched.
    if std::fs::metadata("/proc/self").expect("proc").uid() != 0 {
        #[allow(clippy::print_stderr)]
        let () = eprintln!("not root: cannot give a directory to another user here; the owner check is not exercised");
        return;
    }
    let theirs = data.path().join("theirs");
    std::fs::create_dir(&theirs).expect("mkdir");
    std::fs::write(theirs.join("api-token"), "lull_api_planted").expect("plant");
    let chown = std::process::Command::new("chown").args(["-R", "65534:65534"]).arg(&theirs).status().expect("chown");
    assert!(chown.success());
    let err = fails(&theirs, &["status"]);
    assert!(err.contains("belongs to another user (uid 65534)") && err.contains("--data-dir"), "{err}");
    assert!(!theirs.join("lull.db").exists(), "nothing was written there");
}

/// Audit defect 3: `lull open` passed the URL with `#token=` to `xdg-open`, where every process
/// can read it (`/proc/*/cmdline`), and the banner printed the token into the journal. Now the
/// link carries a one-time code, good once, and the banner shows the token only on a terminal.
#[tokio::test(flavor = "multi_thread")]
async fn the_browser_signs_in_with_a_one_time_code_never_the_token() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    let mut child = common::lull_command()
        .arg("--data-dir")
        .arg(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("serve");
    let mut banner = String::new();
    let mut out = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    for _ in 0..2 {
        std::io::BufRead::read_line(&mut out, &mut banner).expect("banner");
    }
    let token = std::fs::read_to_string(dir.join("api-token")).expect("token");
    assert!(!banner.contains(token.trim()), "the banner, not on a terminal, shows no token: {banner}");
    assert!(banner.contains("lull open"), "{banner}");
    let link = ok(dir, &["open", "--no-browser"]).trim().to_owned();
    assert!(link.contains("#code=lull_code_") && !link.contains(token.trim()), "{link}");
    let (base, code) = link.split_once("#code=").expect("a code");
    let exchange =
        || async { reqwest::Client::new().post(format!("{base}session")).json(&json!({ "code": code })).send().await.expect("session") };
    let first = exchange().await;
    assert_eq!(first.status().as_u16(), 200);
    let answer: Value = first.json().await.expect("json");
    assert_eq!(answer["token"].as_str(), Some(token.trim()));
    let again = exchange().await;
    assert_eq!(again.status().as_u16(), 401, "a code is good once");
    let _ = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
}

/// Audit defect 10: `lull inbox --limit N` stopped at 500 while its hint said to raise the
/// limit; it pages through the engine's answers up to N.
#[test]
fn the_inbox_honours_a_limit_beyond_one_page() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    ok(dir, &["schedule", "set", "--tz", "Europe/Paris"]);
    ok(dir, &["demo"]);
    let total = ok_json(dir, &["inbox", "--limit", "5000"])["messages"].as_array().map_or(0, Vec::len);
    assert!(total > 520, "the demo has more than a page: {total}");
    let page = ok_json(dir, &["inbox", "--limit", "510"]);
    assert_eq!(page["messages"].as_array().map(Vec::len), Some(510));
    assert!(!page["next"].is_null(), "more are left");
    let ids: std::collections::HashSet<i64> = page["messages"].as_array().expect("list").iter().filter_map(|m| m["id"].as_i64()).collect();
    assert_eq!(ids.len(), 510, "no message twice across pages");
}

/// A command run while `lull serve` stops (here held up for seconds by a push left hanging,
/// which the courier waits for) waits for the directory and does its work there: it neither
/// fails with "did not answer" nor loses the change.
#[tokio::test(flavor = "multi_thread")]
async fn a_command_while_the_engine_stops_waits_and_does_its_work() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    let bus = PrivateBus::start().expect("private dbus-daemon");
    let _recorder = RecordingServer::start(bus.address()).await.expect("notification server");
    let ntfy = lull_testkit::NtfyServer::start().await.expect("ntfy stand-in");
    ok(dir, &["schedule", "set", "--tz", "Europe/Paris", "--focus", "daily 00:00-24:00", "--work", "daily 00:00-24:00"]);
    ok(dir, &["client", "add", "Acme", "--tier", "vip", "--match", "domain:acme.com"]);
    let token = ok_json(dir, &["channel", "add", "webhook", "acme"])["token"].as_str().expect("token").to_owned();
    ok(dir, &["push", "add", "ntfy", "phone", "--server", &ntfy.url(), "--topic", "lull-test-stop"]);
    let mut server = Server::start(dir, &[], &[("DBUS_SESSION_BUS_ADDRESS", bus.address().as_ref())]);
    ntfy.fail_next([lull_testkit::ntfy::Fault::Hang(Duration::from_secs(60))]);
    let (code, _) = post(&server.url, "acme", &token, json!({"id": "u1", "from": "jane@acme.com", "title": "URGENT prod is down"})).await;
    assert_eq!(code, 200);
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while ntfy.requests() == 0 {
        assert!(std::time::Instant::now() < deadline, "the ring never reached the ntfy stand-in");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Stop it; its listener closes at once, the ring in hand keeps it alive a few seconds more.
    let _ = std::process::Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(server.child.try_wait().expect("status").is_none(), "the engine should still be stopping");
    let added = ok(dir, &["client", "add", "Beta", "--match", "domain:beta.example"]);
    assert!(added.contains("Beta"), "{added}");
    assert!(server.child.try_wait().expect("status").is_some(), "the command ran only once the engine had let go");
    let clients = ok_json(dir, &["client", "list"]);
    assert!(clients.as_array().expect("list").iter().any(|c| c["name"] == "Beta"), "{clients}");
}

/// The race that is left: a command reads the engine's address just before it withdraws it,
/// and finds nothing listening. Here a process holds the directory under an address where
/// nothing listens, then lets go: the command waits for it and works on the directory.
#[tokio::test]
async fn a_command_that_finds_the_engine_gone_waits_for_the_directory() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    ok(dir, &["client", "list"]);
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/", dead.local_addr().expect("addr"));
    drop(dead);
    let mut lock = lull_api::lock::EngineLock::acquire(dir, chrono::DateTime::UNIX_EPOCH).expect("lock");
    lock.publish_url(&url).expect("publish");
    let command = common::lull_command()
        .arg("--data-dir")
        .arg(dir)
        .args(["client", "add", "Gamma", "--match", "domain:gamma.example"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run lull");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    drop(lock);
    let out = command.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let clients = ok_json(dir, &["client", "list"]);
    assert!(clients.as_array().expect("list").iter().any(|c| c["name"] == "Gamma"), "{clients}");
}

/// When another program holds Lull's port, `lull serve` says so and names a free port to move
/// to; `--remember` records the move, which later starts (and `channel add`'s webhook URL)
/// follow, with a plain note that the address is not the usual one.
#[tokio::test(flavor = "multi_thread")]
async fn a_taken_port_is_explained_and_lull_can_be_moved_for_good() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    let squatter = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let taken = squatter.local_addr().expect("addr");
    let e = fails(dir, &["serve", "--listen", &taken.to_string()]);
    assert!(e.contains(&format!("{taken} is already in use (another program, or Lull on another data directory)")), "{e}");
    let free = e.split("--listen ").nth(1).and_then(|s| s.split(' ').next()).expect("a suggested address").to_owned();
    let free_addr: std::net::SocketAddr = free.parse().expect("an address");
    assert!(free_addr.port() > taken.port() && lull_api::listen::is_free(free_addr), "{e}");
    assert!(e.contains(&format!("--listen {free} --remember")), "{e}");
    assert!(!e.contains("panicked"), "{e}");

    let e = fails(dir, &["serve", "--remember"]);
    assert!(e.contains("--listen"), "--remember needs the address: {e}");

    let mut moved = common::lull_command()
        .arg("--data-dir")
        .arg(dir)
        .args(["serve", "--listen", &free, "--remember"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("serve");
    let mut banner = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(moved.stdout.take().expect("stdout")), &mut banner).expect("banner");
    assert!(banner.contains(&format!("http://{free}/")), "{banner}");
    let _ = std::process::Command::new("kill").args(["-TERM", &moved.id().to_string()]).status();
    let _ = moved.wait();
    assert_eq!(std::fs::read_to_string(dir.join("listen")).expect("recorded").trim(), free);

    // No engine running: the webhook URL shown is the recorded address.
    let created = ok(dir, &["channel", "add", "webhook", "acme"]);
    assert!(created.contains(&format!("http://{free}/hooks/acme")), "{created}");
    // A plain `lull serve` listens there, and says it is not the usual address.
    let mut server =
        common::lull_command().arg("--data-dir").arg(dir).arg("serve").stdout(std::process::Stdio::piped()).spawn().expect("serve");
    let out = server.stdout.take().expect("stdout");
    let lines: Vec<String> = std::io::BufRead::lines(std::io::BufReader::new(out)).take(5).map(|l| l.expect("line")).collect();
    let text = lines.join("\n");
    assert!(text.starts_with(&format!("Lull is running at http://{free}/")), "{text}");
    assert!(text.contains("not the usual 127.0.0.1:7707 (moved with --remember): webhook senders must post to this address"), "{text}");
    let holder = lull_api::lock::current_holder(dir).expect("lock").expect("held");
    assert_eq!(holder.url.as_deref(), Some(format!("http://{free}/").as_str()));
    let _ = std::process::Command::new("kill").args(["-TERM", &server.id().to_string()]).status();
    let _ = server.wait();
    drop(squatter);
}

/// `lull --version` says the version and, for a build by the project's scripts (which set
/// `LULL_COMMIT` from `git describe`, as `scripts/test.sh` does for this test), the commit.
#[test]
fn the_version_names_the_commit_it_was_built_from() {
    let out = common::lull_command().arg("--version").output().expect("lull --version");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success() && text.starts_with(&format!("lull {}", env!("CARGO_PKG_VERSION"))), "{text}");
    match std::env::var("LULL_COMMIT").ok().filter(|c| !c.is_empty()) {
        Some(commit) => assert_eq!(text.trim(), format!("lull {} (commit {commit})", env!("CARGO_PKG_VERSION"))),
        None => assert_eq!(text.trim(), format!("lull {}", env!("CARGO_PKG_VERSION"))),
    }
}
