//! The store against real SQLite files: migrations and their guards, clients and conflicts,
//! idempotent messages, full-text search, paging, digests released exactly once.

use chrono::{DateTime, Duration, Utc};
use lull_core::channel::{ChannelKind, ChannelSettings, FeedSettings, ImapSettings, TlsMode, WebhookPreset, WebhookSettings};
use lull_core::model::{Category, ClientMode, DecisionKind, Tier};
use lull_core::policy::{Decision, Rule};
use lull_store::{ClientDraft, DigestRecord, InboxFilter, NewChannel, NewMessage, Store, StoreError};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("valid test instant").with_timezone(&Utc)
}

fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("lull.db")).expect("open store");
    (dir, store)
}

fn draft(name: &str, identities: &[&str]) -> ClientDraft {
    ClientDraft {
        name: name.into(),
        tz: chrono_tz::Europe::Paris,
        tier: Tier::Normal,
        mode: ClientMode::Normal,
        bypass_quota: 3,
        identities: identities.iter().map(|i| i.parse().expect("identity")).collect(),
        live_windows: vec!["tue,thu 14:00-16:00@client".parse().expect("window")],
        auto_reply: None,
    }
}

fn held(release: &str) -> Decision {
    Decision { kind: DecisionKind::Held, release_at: Some(utc(release)), rule: Rule::AfterHours }
}

fn message(channel_id: i64, key: &str, title: &str, at: &str, decision: Decision) -> NewMessage {
    NewMessage {
        channel_id,
        source_key: key.into(),
        client_id: None,
        sender: "Jane <jane@acme.com>".into(),
        sender_key: "jane@acme.com".into(),
        title: title.into(),
        body: "Pouvez-vous régler la facture de mars ?".into(),
        url: None,
        category: Category::Direct,
        sent_at: None,
        received_at: utc(at),
        decision,
        app: None,
        reply: None,
        silent: false,
        mail: None,
        clock: None,
        clock_ring_at: None,
    }
}

async fn add_channel(store: &Store, name: &str) -> i64 {
    let channel = NewChannel {
        name: name.into(),
        settings: ChannelSettings::Webhook(WebhookSettings::default()),
        token_hash: Some("00".into()),
        secret_ref: None,
    };
    store.write(move |tx| tx.insert_channel(&channel, utc("2026-11-24T09:00:00Z"))).await.expect("channel")
}

#[tokio::test]
async fn reopening_keeps_data_and_schema() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("lull.db");
    let store = Store::open(&path).expect("open");
    add_channel(&store, "hooks").await;
    store.close();
    let store = Store::open(&path).expect("reopen");
    let channels = store.read(|db| db.channels()).await.expect("channels");
    assert_eq!(channels.len(), 1);
    assert_eq!(channels[0].name, "hooks");
}

/// A database of schema 3 (channel kinds in a CHECK, settings per kind without a tag) with a
/// channel of each kind and their messages is migrated: settings are read back typed, nothing
/// is lost, every message still has its channel, and a kind the schema never heard of fits.
/// Schema 5 keeps data, not sentences: a database of schema 4 with stored reasons, a digest's
/// summary and a channel's last error in words opens with every row kept, read back as data.
#[tokio::test]
async fn sentences_of_schema_4_give_way_to_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("lull.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        for sql in &lull_store::schema::MIGRATIONS[..4] {
            conn.execute_batch(sql).expect("schema 4");
        }
        conn.pragma_update(None, "application_id", lull_store::schema::APPLICATION_ID).expect("id");
        conn.pragma_update(None, "user_version", 4).expect("version");
        conn.execute_batch(
            r#"PRAGMA foreign_keys = ON;
            INSERT INTO channels (id, name, settings, token_hash, health, last_error, last_error_at, created_at) VALUES
              (1, 'hooks', '{"kind": "webhook", "preset": null, "map": []}', 'aa', 'error', '"from" is missing', 5, 1);
            INSERT INTO digests (id, slot_at, released_at, kind, merged_slots, message_count, client_count, summary)
              VALUES (1, 3600000, 3600001, 'scheduled', 1, 1, 1, '13:00 digest: 1 message from 1 client');
            INSERT INTO messages (id, channel_id, source_key, sender, sender_key, title, body, category, received_at,
                                  decision, release_at, rule, reason, digest_id)
              VALUES (1, 1, 'm1', 'a@b.io', 'a@b.io', 'Hello', 'body', 'direct', 1000, 'held', 3600000,
                      '{"rule": "after_hours"}', 'Outside your working hours: held until 13:00.', 1);
            INSERT INTO decisions (message_id, decided_at, cause, decision, release_at, rule, reason)
              VALUES (1, 2000, 'replan', 'held', 3600000, '{"rule": "after_hours"}', 'Outside your working hours.');"#,
        )
        .expect("old rows");
    }
    let store = Store::open(&path).expect("migrate");
    let filter = InboxFilter { limit: 10, ..InboxFilter::default() };
    let inbox = store.read(move |db| db.inbox(&filter)).await.expect("inbox");
    assert_eq!(inbox.len(), 1);
    assert_eq!((inbox[0].decision.rule.clone(), inbox[0].digest_id), (Rule::AfterHours, Some(1)));
    let digests = store.read(|db| db.digests(10)).await.expect("digests");
    assert_eq!((digests.len(), digests[0].record.message_count, digests[0].record.client_count), (1, 1, 1));
    let channels = store.read(|db| db.channels()).await.expect("channels");
    // An error stored in words by an older Lull is said as it was.
    assert_eq!(channels[0].last_error, Some(lull_core::phrase::Phrase::text("\"from\" is missing")));
    assert_eq!(channels[0].health, lull_core::channel::ChannelHealth::Error);
    store.close();
    let conn = rusqlite::Connection::open(&path).expect("reopen");
    let columns = |table: &str| -> Vec<String> {
        let mut stmt = conn.prepare(&format!("SELECT name FROM pragma_table_info('{table}')")).expect("columns");
        stmt.query_map([], |r| r.get(0)).expect("query").collect::<Result<_, _>>().expect("names")
    };
    assert!(!columns("messages").contains(&"reason".to_owned()) && !columns("decisions").contains(&"reason".to_owned()));
    assert!(!columns("digests").contains(&"summary".to_owned()));
    let history: i64 = conn.query_row("SELECT count(*) FROM decisions", [], |r| r.get(0)).expect("history");
    assert_eq!(history, 1, "the decision history is kept");
}

#[tokio::test]
async fn channels_of_schema_3_become_typed_settings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("lull.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        for sql in &lull_store::schema::MIGRATIONS[..3] {
            conn.execute_batch(sql).expect("schema 3");
        }
        conn.pragma_update(None, "application_id", lull_store::schema::APPLICATION_ID).expect("id");
        conn.pragma_update(None, "user_version", 3).expect("version");
        conn.execute_batch(
            r#"PRAGMA foreign_keys = ON;
            INSERT INTO channels (id, name, kind, settings, token_hash, sync_state, created_at) VALUES
              (1, 'hooks', 'webhook', '{}', 'aa', '{}', 1),
              (2, 'gh', 'webhook', '{"mapping": {"preset": "github", "fields": {"from": "/sender/login|/comment/user/login"}}}', 'bb', '{}', 2),
              (3, 'status', 'feed', '{"url": "https://status.acme.example/history.rss", "every_secs": 1800}', NULL, '{"etag": "W/1", "synced": true}', 3),
              (4, 'desk', 'desktop', '{"ignore_apps": ["Power"], "gatekeeper": true}', NULL, '{}', 4),
              (5, 'mail', 'imap', '{"host": "imap.example.com", "port": 993, "user": "me@example.com", "security": "starttls", "folders": ["INBOX", "Clients"], "first_sync_days": 14, "poll_secs": 120}', NULL, '{"folders": {"INBOX": {"uidvalidity": 1, "last_uid": 9}}}', 5);
            INSERT INTO messages (channel_id, source_key, sender, sender_key, title, body, category, received_at, decision, rule, reason)
            SELECT id, 'm' || id, 'a@b.io', 'a@b.io', 'Hello', 'body', 'direct', 1000 + id, 'live', '{"rule": "open"}', 'open'
            FROM channels;"#,
        )
        .expect("old rows");
    }
    let store = Store::open(&path).expect("migrate");
    let channels = store.read(|db| db.channels()).await.expect("channels");
    let settings: Vec<(String, ChannelSettings)> = channels.iter().map(|c| (c.name.clone(), c.settings.clone())).collect();
    let imap = ImapSettings {
        host: "imap.example.com".into(),
        port: Some(993),
        user: "me@example.com".into(),
        tls: TlsMode::Starttls,
        folders: vec!["INBOX".into(), "Clients".into()],
        ca_file: None,
        ..ImapSettings::default()
    };
    assert_eq!(
        settings,
        [
            (
                "desk".to_owned(),
                ChannelSettings::Desktop(lull_core::channel::DesktopSettings { ignore_apps: vec!["Power".into()], gatekeeper: true })
            ),
            (
                "gh".to_owned(),
                ChannelSettings::Webhook(WebhookSettings {
                    preset: Some(WebhookPreset::Github),
                    map: vec!["from=/sender/login|/comment/user/login".into()]
                })
            ),
            ("hooks".to_owned(), ChannelSettings::Webhook(WebhookSettings::default())),
            ("mail".to_owned(), ChannelSettings::Imap(imap)),
            (
                "status".to_owned(),
                ChannelSettings::Feed(FeedSettings { url: "https://status.acme.example/history.rss".into(), every_secs: 1800 })
            ),
        ]
    );
    assert!(channels.iter().all(|c| c.message_count == 1), "every message kept its channel");
    assert_eq!(channels.iter().find(|c| c.name == "hooks").and_then(|c| c.token_hash.clone()).as_deref(), Some("aa"));
    assert_eq!(store.read(|db| db.sync_state(5)).await.expect("watermark")["folders"]["INBOX"]["last_uid"], 9);
    assert_eq!(channels.iter().find(|c| c.name == "status").map(|c| c.kind()), Some(ChannelKind::Feed));
    store.close();
    let conn = rusqlite::Connection::open(&path).expect("reopen");
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity");
    assert_eq!(check, "ok");
    let dangling: i64 = conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).expect("fk");
    assert_eq!(dangling, 0);
    // The kinds are no longer listed in the schema: a new kind is stored as it is.
    conn.execute("INSERT INTO channels (name, settings, created_at) VALUES ('phone', '{\"kind\": \"phone\"}', 6)", []).expect("a new kind");
    assert!(
        conn.execute("INSERT INTO channels (name, settings, created_at) VALUES ('x', '{}', 7)", []).is_err(),
        "settings name their kind"
    );
}

#[tokio::test]
async fn refuses_databases_it_cannot_read() {
    let dir = tempfile::tempdir().expect("temp dir");

    // A database from a newer Lull.
    let newer = dir.path().join("newer.db");
    Store::open(&newer).expect("create").close();
    {
        let conn = rusqlite::Connection::open(&newer).expect("raw open");
        conn.pragma_update(None, "user_version", 99).expect("bump");
    }
    let err = Store::open(&newer).expect_err("newer schema refused");
    assert!(matches!(err, StoreError::NewerSchema { found: 99, .. }), "{err}");
    assert!(err.to_string().contains("newer version of Lull"), "{err}");

    // Some other application's database.
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other).expect("raw").execute_batch("CREATE TABLE notes (x)").expect("table");
    let err = Store::open(&other).expect_err("foreign database refused");
    assert!(matches!(err, StoreError::NotLull { .. }), "{err}");

    // A file that is not SQLite at all.
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, vec![0x42u8; 8192]).expect("write");
    let err = Store::open(&garbage).expect_err("garbage refused");
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("was not changed"), "{err}");
    assert_eq!(std::fs::read(&garbage).expect("read"), vec![0x42u8; 8192], "the file is left untouched");
}

#[tokio::test]
async fn clients_round_trip_and_conflicts_name_the_owner() {
    let (_dir, store) = temp_store();
    let now = utc("2026-11-24T09:00:00Z");
    let acme = draft("Acme", &["domain:acme.com", "email:boss@acme.com"]);
    let id = store.write(move |tx| tx.insert_client(&acme, now)).await.expect("insert");
    let clients = store.read(|db| db.clients()).await.expect("list");
    assert_eq!(clients.len(), 1);
    assert_eq!(clients[0].id, id);
    assert_eq!(clients[0].identities.len(), 2);
    assert_eq!(clients[0].live_windows[0].to_string(), "tue,thu 14:00-16:00@client");

    let dup = draft("ACME", &[]);
    let err = store.write(move |tx| tx.insert_client(&dup, now)).await.expect_err("same name");
    assert!(matches!(&err, StoreError::Conflict(_)) && err.to_string().contains("already exists"), "{err}");

    let thief = draft("Globex", &["domain:acme.com"]);
    let err = store.write(move |tx| tx.insert_client(&thief, now)).await.expect_err("taken identity");
    assert_eq!(err.to_string(), "domain:acme.com already belongs to client \"Acme\"; remove it there first");
    // The failed insert left nothing behind.
    assert_eq!(store.read(|db| db.clients()).await.expect("list").len(), 1);

    let by_name = store.read(|db| db.client_by_name("acme")).await.expect("lookup");
    assert_eq!(by_name.map(|c| c.name), Some("Acme".to_owned()));
    store.write(move |tx| tx.delete_client(id)).await.expect("delete");
    assert!(store.read(|db| db.clients()).await.expect("list").is_empty());
}

#[tokio::test]
async fn messages_are_unique_per_channel_searchable_and_paged() {
    let (_dir, store) = temp_store();
    let ch = add_channel(&store, "hooks").await;
    store
        .write(move |tx| {
            for i in 0..25 {
                let at = utc("2026-11-24T10:00:00Z") + Duration::minutes(i);
                let m = message(ch, &format!("m{i}"), &format!("Invoice {i}"), &at.to_rfc3339(), held("2026-11-24T12:00:00Z"));
                tx.insert_message(&m)?;
            }
            Ok(())
        })
        .await
        .expect("insert");
    // Stored messages are searchable once indexed, which ingest does in batches.
    let hits =
        store.read(|db| db.inbox(&InboxFilter { search: Some("invoice".into()), limit: 100, ..Default::default() })).await.expect("search");
    assert!(hits.is_empty());
    assert_eq!(store.write(|tx| tx.index_pending()).await.expect("index"), 25);
    assert_eq!(store.write(|tx| tx.index_pending()).await.expect("index"), 0);

    let again = message(ch, "m3", "dup", "2026-11-24T11:00:00Z", held("2026-11-24T12:00:00Z"));
    let err = store.write(move |tx| tx.insert_message(&again)).await.expect_err("duplicate");
    assert!(matches!(err, StoreError::Conflict(_)));
    let found = store.read(move |db| db.message_by_source(ch, "m3")).await.expect("lookup").expect("stored");
    assert_eq!(found.title, "Invoice 3");
    assert_eq!(found.channel, "hooks");
    assert_eq!(found.client, None);

    // Accents are ignored: "regler" finds "régler"; the last word matches as a prefix.
    let hits = store
        .read(|db| db.inbox(&InboxFilter { search: Some("regler fact".into()), limit: 100, ..Default::default() }))
        .await
        .expect("search");
    assert_eq!(hits.len(), 25);
    let hits = store
        .read(|db| db.inbox(&InboxFilter { search: Some("\"invoice 7".into()), limit: 100, ..Default::default() }))
        .await
        .expect("search");
    assert_eq!(hits.iter().map(|m| m.title.as_str()).collect::<Vec<_>>(), ["Invoice 7"]);

    // Keyset paging visits every message once, newest first.
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = store.read(move |db| db.inbox(&InboxFilter { before, limit: 10, ..Default::default() })).await.expect("page");
        let Some(last) = page.last() else { break };
        before = Some((last.received_at, last.id));
        seen.extend(page.iter().map(|m| m.title.clone()));
    }
    assert_eq!(seen.len(), 25);
    assert_eq!(seen.first().map(String::as_str), Some("Invoice 24"));

    // A search pages the same way, in time order even where ids are not (mail found by a first
    // sync arrives after newer mail): the last one stored here is the oldest.
    let backdated = message(ch, "old", "Invoice from before", "2026-11-24T09:00:00Z", held("2026-11-24T12:00:00Z"));
    store.write(move |tx| tx.insert_message(&backdated)).await.expect("insert");
    assert_eq!(store.write(|tx| tx.index_pending()).await.expect("index"), 1);
    let mut found = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .read(move |db| db.inbox(&InboxFilter { search: Some("invoice".into()), before, limit: 10, ..Default::default() }))
            .await
            .expect("search page");
        let Some(last) = page.last() else { break };
        before = Some((last.received_at, last.id));
        found.extend(page.iter().map(|m| (m.received_at, m.title.clone())));
    }
    assert_eq!(found.len(), 26);
    assert!(found.windows(2).all(|w| w[0].0 >= w[1].0), "newest first: {found:?}");
    assert_eq!(found.first().map(|f| f.1.as_str()), Some("Invoice 24"));
    assert_eq!(found.last().map(|f| f.1.as_str()), Some("Invoice from before"));
}

#[tokio::test]
async fn a_search_pages_like_a_sort_of_every_match_whatever_the_arrival_order() {
    // Search reads the newest matches by id and then looks for late arrivals by time; this
    // checks it against the plain answer (every match, sorted) on ids out of time order in every
    // way the engine can produce: concurrent senders (jitter), mail from a first sync (a day
    // old), a clock set back (an hour ahead of the rest), and equal times.
    let (_dir, store) = temp_store();
    let ch = add_channel(&store, "hooks").await;
    let now = utc("2026-11-24T09:00:00Z");
    let acme = store.write(move |tx| tx.insert_client(&draft("Acme", &["domain:acme.com"]), now)).await.expect("client");
    let mut seed: u32 = 7;
    let mut rnd = move |n: u32| {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        (seed >> 16) % n
    };
    let words = ["alpha beta", "alpha", "beta gamma réunion", "gamma alpha"];
    let base = utc("2026-11-24T10:00:00Z");
    let mut stored = Vec::new();
    for i in 0..400_i64 {
        let mut at = base + Duration::seconds(i * 30) + Duration::seconds(i64::from(rnd(180)) - 90);
        if i % 37 == 5 {
            at -= Duration::days(1);
        }
        if i % 53 == 7 {
            at += Duration::hours(1);
        }
        if i % 10 == 3 {
            at = stored.last().map_or(at, |(at, ..): &(DateTime<Utc>, String, bool)| *at);
        }
        let title = format!("{} item{i}", words[rnd(4) as usize]);
        stored.push((at, title, rnd(3) == 0));
    }
    let rows = stored.clone();
    store
        .write(move |tx| {
            for (i, (at, title, acme_client)) in rows.iter().enumerate() {
                let mut m = message(ch, &format!("m{i}"), title, &at.to_rfc3339(), held("2026-11-25T12:00:00Z"));
                m.client_id = acme_client.then_some(acme);
                tx.insert_message(&m)?;
            }
            tx.index_pending()?;
            Ok(())
        })
        .await
        .expect("insert");
    // Ids are 1..=400 in the order stored; archive a few so a row filter drops matches.
    store
        .write(|tx| tx.set_archived(&(1..=400).filter(|id| id % 11 == 0).collect::<Vec<_>>(), Some(utc("2026-11-25T00:00:00Z"))))
        .await
        .expect("archive");

    // Words spelled out from the index's vocabulary, and prefixes left to FTS5: short ones,
    // accented ones, and those with too many longer words (item1: item1, item10, item100, …).
    let searches = [
        ("alpha", None),
        ("beta", None),
        ("gamma", Some(Some(acme))),
        ("alp", Some(Some(acme))),
        ("alpha", Some(None)),
        ("al", None),
        ("reu", None),
        ("réu", Some(Some(acme))),
        ("item12", None),
        ("item1", None),
        ("item", Some(None)),
    ];
    for (word, client) in searches {
        let unaccented = word.replace('é', "e");
        let mut expected: Vec<(DateTime<Utc>, i64)> = stored
            .iter()
            .enumerate()
            .map(|(i, s)| (i as i64 + 1, s))
            .filter(|(id, (_, title, acme_client))| {
                title.replace('é', "e").split(' ').any(|w| w.starts_with(&unaccented))
                    && id % 11 != 0
                    && match client {
                        Some(Some(_)) => *acme_client,
                        Some(None) => !*acme_client,
                        None => true,
                    }
            })
            .map(|(id, (at, ..))| (*at, id))
            .collect();
        expected.sort_unstable_by(|a, b| b.cmp(a));
        for limit in [1, 7, 50] {
            let mut found = Vec::new();
            let mut before = None;
            loop {
                let filter = InboxFilter { search: Some(word.into()), client, before, limit, ..Default::default() };
                let page = store.read(move |db| db.inbox(&filter)).await.expect("search page");
                assert!(page.len() <= limit as usize);
                let Some(last) = page.last() else { break };
                before = Some((last.received_at, last.id));
                found.extend(page.iter().map(|m| (m.received_at, m.id)));
            }
            assert_eq!(found, expected, "{word} for {client:?}, {limit} a page");
        }
    }
}

#[tokio::test]
async fn a_held_message_is_released_exactly_once() {
    let (_dir, store) = temp_store();
    let ch = add_channel(&store, "hooks").await;
    store
        .write(move |tx| {
            tx.insert_message(&message(ch, "a", "a", "2026-11-24T10:00:00Z", held("2026-11-24T12:00:00Z")))?;
            tx.insert_message(&message(ch, "b", "b", "2026-11-24T10:05:00Z", held("2026-11-24T16:00:00Z")))?;
            Ok(())
        })
        .await
        .expect("insert");
    assert_eq!(store.read(|db| db.pending(utc("2026-11-24T10:00:00Z"))).await.expect("pending"), (2, Some(utc("2026-11-24T12:00:00Z"))));
    assert_eq!(store.read(|db| db.next_release()).await.expect("next release"), Some(utc("2026-11-24T12:00:00Z")));
    let due = store.read(|db| db.due_messages(Some(utc("2026-11-24T12:00:00Z")))).await.expect("due");
    assert_eq!(due.len(), 1);

    let release = |ids: Vec<i64>| {
        let store = store.clone();
        async move {
            store
                .write(move |tx| {
                    let record = DigestRecord {
                        slot_at: utc("2026-11-24T12:00:00Z"),
                        released_at: utc("2026-11-24T12:00:01Z"),
                        manual: false,
                        merged_slots: 1,
                        message_count: ids.len() as u32,
                        client_count: 1,
                    };
                    let id = tx.insert_digest(&record)?;
                    tx.assign_digest(id, &ids, utc("2026-11-24T12:00:01Z"))
                })
                .await
                .expect("release")
        }
    };
    let ids: Vec<i64> = due.iter().map(|d| d.id).collect();
    assert_eq!(release(ids.clone()).await, 1);
    assert_eq!(release(ids).await, 0, "a released message is not released again");
    assert_eq!(store.read(|db| db.pending(utc("2026-11-24T10:00:00Z"))).await.expect("pending"), (1, Some(utc("2026-11-24T16:00:00Z"))));
    assert_eq!(store.read(|db| db.next_release()).await.expect("next release"), Some(utc("2026-11-24T16:00:00Z")));
    let digests = store.read(|db| db.digests(10)).await.expect("digests");
    let first = digests.iter().min_by_key(|d| d.id).expect("first digest");
    let msgs = store.read({
        let id = first.id;
        move |db| db.digest_messages(id)
    });
    assert_eq!(msgs.await.expect("digest messages").len(), 1);
    assert_eq!(digests.iter().filter(|d| d.notified_at.is_none()).count(), 2);
}

#[tokio::test]
async fn a_failed_item_in_a_batch_rolls_back_alone() {
    let (_dir, store) = temp_store();
    let ch = add_channel(&store, "hooks").await;
    let results = store
        .write(move |tx| {
            let a = tx.savepoint(|tx| tx.insert_message(&message(ch, "x", "x", "2026-11-24T10:00:00Z", held("2026-11-24T12:00:00Z"))));
            let b = tx.savepoint(|tx| tx.insert_message(&message(ch, "x", "x", "2026-11-24T10:00:00Z", held("2026-11-24T12:00:00Z"))));
            let c = tx.savepoint(|tx| tx.insert_message(&message(ch, "y", "y", "2026-11-24T10:00:00Z", held("2026-11-24T12:00:00Z"))));
            Ok((a.is_ok(), b.is_ok(), c.is_ok()))
        })
        .await
        .expect("batch");
    assert_eq!(results, (true, false, true));
    assert_eq!(store.read(|db| db.message_count()).await.expect("count"), 2);
}

#[tokio::test]
async fn concurrent_writers_are_serialised() {
    let (_dir, store) = temp_store();
    let ch = add_channel(&store, "hooks").await;
    let mut tasks = Vec::new();
    for t in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..25 {
                let m = message(ch, &format!("{t}-{i}"), "t", "2026-11-24T10:00:00Z", held("2026-11-24T12:00:00Z"));
                store.write(move |tx| tx.insert_message(&m)).await.expect("insert");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    assert_eq!(store.read(|db| db.message_count()).await.expect("count"), 200);
}

#[tokio::test]
async fn a_database_locked_by_another_process_is_reported_not_corrupted() {
    let (dir, store) = temp_store();
    let other = rusqlite::Connection::open(dir.path().join("lull.db")).expect("second connection");
    other.execute_batch("BEGIN EXCLUSIVE").expect("take the write lock");
    let err = store.write(|tx| tx.record_open(utc("2026-11-24T09:00:00Z"), "test")).await.expect_err("locked");
    assert!(matches!(err, StoreError::Busy), "{err}");
    assert!(err.to_string().contains("try again"), "{err}");
    other.execute_batch("ROLLBACK").expect("release");
    store.write(|tx| tx.record_open(utc("2026-11-24T09:00:00Z"), "test")).await.expect("works again");
}

/// Schema 6 brings the outbox: a digest a schema-5 Lull released but never notified (it
/// stopped in between) is queued, so the next start notifies it as the old one would have;
/// notified digests are not.
#[tokio::test]
async fn digests_never_notified_before_schema_6_are_queued_in_the_outbox() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("lull.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        for sql in &lull_store::schema::MIGRATIONS[..5] {
            conn.execute_batch(sql).expect("schema 5");
        }
        conn.pragma_update(None, "application_id", lull_store::schema::APPLICATION_ID).expect("id");
        conn.pragma_update(None, "user_version", 5).expect("version");
        conn.execute_batch(
            "INSERT INTO digests (id, slot_at, released_at, kind, merged_slots, message_count, client_count, notified_at)
               VALUES (1, 3600000, 3600001, 'scheduled', 1, 1, 1, 3600002),
                      (2, 7200000, 7200001, 'scheduled', 1, 2, 1, NULL);",
        )
        .expect("old rows");
    }
    let store = Store::open(&path).expect("migrate");
    let due = store.read(|db| db.outbox_due(utc("2030-01-01T00:00:00Z"), 10)).await.expect("due");
    assert_eq!(due.len(), 1);
    assert_eq!((due[0].subject, due[0].target, due[0].attempts), (lull_store::Subject::Digest(2), None, 0));
    // Marking it records the digest as notified, once.
    let item = due[0].clone();
    store.write(move |tx| tx.outbox_done(&item, utc("2026-11-24T12:00:00Z"), lull_store::Outcome::Sent, None)).await.expect("mark");
    assert!(store.read(|db| db.outbox_due(utc("2030-01-01T00:00:00Z"), 10)).await.expect("due").is_empty());
    let digest = store.read(|db| db.digest(2)).await.expect("digest").expect("there");
    assert_eq!(digest.notified_at, Some(utc("2026-11-24T12:00:00Z")));
    store.close();
    let conn = rusqlite::Connection::open(&path).expect("reopen");
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity");
    assert_eq!(check, "ok");
    let dangling: i64 = conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).expect("fk");
    assert_eq!(dangling, 0);
}

/// Audit defect 9: one panicking write job stopped the writer thread, and every later write
/// failed with "the database writer has stopped". Now it fails alone, rolled back.
#[tokio::test]
async fn a_panicking_write_fails_alone_and_is_rolled_back() {
    let (_dir, store) = temp_store();
    let ch = add_channel(&store, "hooks").await;
    let err = store
        .write(move |tx| {
            tx.insert_message(&message(ch, "lost", "half-written", "2026-11-24T10:00:00Z", held("2026-11-24T12:00:00Z")))?;
            if ch > 0 {
                panic!("a bug in a query");
            }
            Ok(())
        })
        .await
        .expect_err("the job failed");
    assert!(matches!(&err, StoreError::Panicked(d) if d.contains("a bug in a query")), "{err:?}");
    // The writer lives on; the panicking job's row was rolled back.
    store
        .write(move |tx| tx.insert_message(&message(ch, "kept", "saved", "2026-11-24T10:00:00Z", held("2026-11-24T12:00:00Z"))))
        .await
        .expect("a later write works");
    let filter = InboxFilter { limit: 10, ..InboxFilter::default() };
    let titles: Vec<String> = store.read(move |db| db.inbox(&filter)).await.expect("inbox").into_iter().map(|m| m.title).collect();
    assert_eq!(titles, ["saved"]);
    // A panicking read says so too, instead of blaming the writer.
    let err = store.read(|_| -> lull_store::Result<()> { panic!("a bug in a read") }).await.expect_err("the read failed");
    assert!(matches!(err, StoreError::Panicked(_)), "{err:?}");
}

/// Before an upgrade the database is copied aside (`lull.db.before-vN`, a consistent copy with
/// what the WAL held), the two newest copies are kept, and the upgrade is noted until the
/// engine has started once after it. A database too new is refused and not copied.
#[tokio::test]
async fn an_upgrade_keeps_a_copy_from_before_it_and_says_where() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("lull.db");
    let latest = lull_store::schema::latest_version();
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.pragma_update(None, "journal_mode", "WAL").expect("wal");
        for sql in &lull_store::schema::MIGRATIONS[..latest as usize - 1] {
            conn.execute_batch(sql).expect("the schema before");
        }
        conn.pragma_update(None, "application_id", lull_store::schema::APPLICATION_ID).expect("id");
        conn.pragma_update(None, "user_version", latest - 1).expect("version");
        conn.execute_batch(
            "INSERT INTO clients (name, tz, tier, mode, bypass_quota, created_at) VALUES ('Acme', 'Europe/Paris', 'vip', 'normal', 3, 1);",
        )
        .expect("a client");
    }
    // Copies left by earlier upgrades: only the two newest stay.
    for old in [latest - 2, latest - 3] {
        std::fs::write(dir.path().join(format!("lull.db.before-v{old}")), b"an older copy").expect("old copy");
    }
    let store = Store::open(&path).expect("upgrade");
    let notice = store.read(|db| db.upgrade_notice()).await.expect("read").expect("a notice");
    let backup = dir.path().join(format!("lull.db.before-v{latest}"));
    assert_eq!((notice.from, notice.to, notice.backup.clone()), (latest - 1, latest, backup.clone()));
    let copy = rusqlite::Connection::open_with_flags(&backup, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("the copy opens");
    let version: u32 = copy.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("version");
    let client: String = copy.query_row("SELECT name FROM clients", [], |r| r.get(0)).expect("its client");
    assert_eq!((version, client.as_str()), (latest - 1, "Acme"), "the copy is the database as it was");
    let mut kept: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.contains(".before-v"))
        .collect();
    kept.sort();
    assert_eq!(kept, [format!("lull.db.before-v{}", latest - 2), format!("lull.db.before-v{latest}")]);
    // Seen by a start before the upgrade: kept; by the next start: gone.
    let earlier = notice.at - Duration::seconds(1);
    assert!(!store.write(move |tx| tx.upgrade_seen(earlier)).await.expect("write"));
    let later = notice.at + Duration::seconds(1);
    assert!(store.write(move |tx| tx.upgrade_seen(later)).await.expect("write"));
    assert_eq!(store.read(|db| db.upgrade_notice()).await.expect("read"), None);
    store.close();
    // Opening again at the latest version copies nothing more.
    let store = Store::open(&path).expect("open");
    store.close();
    assert_eq!(
        std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().contains(".before-v"))
            .count(),
        2
    );
}
