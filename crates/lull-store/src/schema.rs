//! The schema and its migrations.
//!
//! Migrations are append-only: a released entry is never edited, a change is a new entry. They
//! run in one `BEGIN IMMEDIATE` transaction together with the `user_version` bump, so a crash
//! mid-migration leaves the previous version intact. A database whose `user_version` is beyond
//! the last migration was written by a newer Lull and is refused rather than misread.

use rusqlite::{Connection, TransactionBehavior};

use crate::StoreError;

/// `PRAGMA application_id` of a Lull database: "LULL" in ASCII.
pub const APPLICATION_ID: i32 = 0x4C55_4C4C;

/// Each entry moves the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r#"
-- Settings that are not a table of their own. `config_generation` counts changes to what
-- decisions depend on (clients, identities, live windows, channel names, the schedule, focus
-- sessions), bumped by the triggers at the end, so the ingest writer can cache them safely.
CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
) STRICT;
INSERT INTO meta (key, value) VALUES ('config_generation', 0);
-- The highest message id in the full-text index. The index is derived data, filled in batches
-- after ingest rather than inside each acknowledged commit (see `Tx::index_pending`).
INSERT INTO meta (key, value) VALUES ('fts_indexed', 0);

CREATE TABLE clients (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL COLLATE NOCASE UNIQUE,
    tz            TEXT NOT NULL,
    tier          TEXT NOT NULL CHECK (tier IN ('vip', 'normal', 'low')),
    mode          TEXT NOT NULL DEFAULT 'normal' CHECK (mode IN ('normal', 'digest_only', 'muted')),
    bypass_quota  INTEGER NOT NULL DEFAULT 3 CHECK (bypass_quota >= 0),
    created_at    INTEGER NOT NULL
) STRICT;

-- The matchers that attribute a message to a client; one identity belongs to one client.
CREATE TABLE client_identities (
    id         INTEGER PRIMARY KEY,
    client_id  INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    UNIQUE (kind, value)
) STRICT;
CREATE INDEX client_identities_client ON client_identities(client_id);

-- Live windows as written by the user ("tue,thu 14:00-16:00@client"): wall-clock rules, never
-- precomputed UTC ranges, so they survive DST changes.
CREATE TABLE client_live_windows (
    id         INTEGER PRIMARY KEY,
    client_id  INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    spec       TEXT NOT NULL
) STRICT;
CREATE INDEX client_live_windows_client ON client_live_windows(client_id);

CREATE TABLE channels (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL CHECK (kind IN ('webhook', 'imap', 'desktop', 'feed')),
    settings       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings)),
    -- Webhooks: SHA-256 of the bearer token. The token itself is shown once and never stored.
    token_hash     TEXT,
    -- Connectors with passwords: the keyring entry holding the secret.
    secret_ref     TEXT,
    -- Connector watermark (e.g. IMAP UIDVALIDITY + UID), written with the messages it covers.
    sync_state     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(sync_state)),
    health         TEXT NOT NULL DEFAULT 'ok',
    last_sync_at   INTEGER,
    last_error     TEXT,
    last_error_at  INTEGER,
    created_at     INTEGER NOT NULL
) STRICT;

CREATE TABLE digests (
    id             INTEGER PRIMARY KEY,
    slot_at        INTEGER NOT NULL,
    released_at    INTEGER NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('scheduled', 'manual')),
    merged_slots   INTEGER NOT NULL DEFAULT 1,
    message_count  INTEGER NOT NULL,
    client_count   INTEGER NOT NULL,
    summary        TEXT NOT NULL,
    notified_at    INTEGER,
    notify_error   TEXT
) STRICT;
CREATE INDEX digests_released ON digests(released_at);
CREATE INDEX digests_unnotified ON digests(id) WHERE notified_at IS NULL;

CREATE TABLE messages (
    id           INTEGER PRIMARY KEY,
    channel_id   INTEGER NOT NULL REFERENCES channels(id),
    source_key   TEXT NOT NULL,
    client_id    INTEGER REFERENCES clients(id) ON DELETE SET NULL,
    sender       TEXT NOT NULL,
    sender_key   TEXT NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    url          TEXT,
    category     TEXT NOT NULL,
    sent_at      INTEGER,
    received_at  INTEGER NOT NULL,
    -- The current decision; its history is in `decisions`.
    decision     TEXT NOT NULL CHECK (decision IN ('live', 'held', 'bypass', 'muted')),
    release_at   INTEGER,
    rule         TEXT NOT NULL CHECK (json_valid(rule)),
    reason       TEXT NOT NULL,
    digest_id    INTEGER REFERENCES digests(id),
    read_at      INTEGER,
    archived_at  INTEGER,
    UNIQUE (channel_id, source_key)
) STRICT;
-- Every index is written by each acknowledged commit, so there are few: this one covers the
-- weekly statistics without touching the table, and serves the time-range lookups (a client's
-- recent volume, the inbox by date); the partial ones stay small. (A sender index follows in
-- migration 3.)
CREATE INDEX messages_week ON messages(received_at, client_id, channel_id, category, decision);
CREATE INDEX messages_pending ON messages(release_at) WHERE decision = 'held' AND digest_id IS NULL;
CREATE INDEX messages_bypass ON messages(client_id, received_at) WHERE decision = 'bypass';
CREATE INDEX messages_digest ON messages(digest_id) WHERE digest_id IS NOT NULL;

CREATE VIRTUAL TABLE messages_fts USING fts5(
    sender, title, body,
    content = 'messages', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
-- Messages enter the index in batches (`Tx::index_pending`); these keep indexed rows in step.
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
WHEN old.id <= (SELECT value FROM meta WHERE key = 'fts_indexed') BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, sender, title, body) VALUES ('delete', old.id, old.sender, old.title, old.body);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF sender, title, body ON messages
WHEN old.id <= (SELECT value FROM meta WHERE key = 'fts_indexed') BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, sender, title, body) VALUES ('delete', old.id, old.sender, old.title, old.body);
    INSERT INTO messages_fts(rowid, sender, title, body) VALUES (new.id, new.sender, new.title, new.body);
END;

-- The history of a message's decision after ingest: re-plans after a schedule change, and the
-- release into a digest. The decision taken at ingest (bypasses included, with the attempts or
-- the urgent word that caused them) is on the message row itself, written in the same commit.
CREATE TABLE decisions (
    id          INTEGER PRIMARY KEY,
    message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    decided_at  INTEGER NOT NULL,
    cause       TEXT NOT NULL CHECK (cause IN ('replan', 'release')),
    decision    TEXT NOT NULL,
    release_at  INTEGER,
    rule        TEXT NOT NULL,
    reason      TEXT NOT NULL
) STRICT;
CREATE INDEX decisions_message ON decisions(message_id);

-- The user's week, as one validated document (lull_core::Schedule).
CREATE TABLE schedule (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    spec        TEXT NOT NULL CHECK (json_valid(spec)),
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE focus_sessions (
    id          INTEGER PRIMARY KEY,
    started_at  INTEGER NOT NULL,
    -- When the session ends; set to the stop time when stopped early.
    ends_at     INTEGER NOT NULL,
    stopped_at  INTEGER,
    CHECK (ends_at >= started_at)
) STRICT;
CREATE INDEX focus_sessions_end ON focus_sessions(ends_at);

-- Notifications Lull issued: the interruptions of the weekly statistics.
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    shown_at    INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('live', 'bypass', 'digest')),
    message_id  INTEGER REFERENCES messages(id) ON DELETE SET NULL,
    digest_id   INTEGER REFERENCES digests(id) ON DELETE SET NULL,
    client_id   INTEGER REFERENCES clients(id) ON DELETE SET NULL,
    delivered   INTEGER NOT NULL CHECK (delivered IN (0, 1)),
    error       TEXT
) STRICT;
CREATE INDEX notifications_shown ON notifications(shown_at);

-- Each time the user opened Lull (the UI, or `lull inbox`): "checks during focus".
CREATE TABLE ui_opens (
    id         INTEGER PRIMARY KEY,
    opened_at  INTEGER NOT NULL,
    source     TEXT NOT NULL
) STRICT;
CREATE INDEX ui_opens_at ON ui_opens(opened_at);

CREATE TRIGGER clients_insert_generation AFTER INSERT ON clients BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER clients_update_generation AFTER UPDATE ON clients BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER clients_delete_generation AFTER DELETE ON clients BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER client_identities_insert_generation AFTER INSERT ON client_identities BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER client_identities_update_generation AFTER UPDATE ON client_identities BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER client_identities_delete_generation AFTER DELETE ON client_identities BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER client_live_windows_insert_generation AFTER INSERT ON client_live_windows BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER client_live_windows_update_generation AFTER UPDATE ON client_live_windows BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER client_live_windows_delete_generation AFTER DELETE ON client_live_windows BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER schedule_insert_generation AFTER INSERT ON schedule BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER schedule_update_generation AFTER UPDATE ON schedule BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER schedule_delete_generation AFTER DELETE ON schedule BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER focus_sessions_insert_generation AFTER INSERT ON focus_sessions BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER focus_sessions_update_generation AFTER UPDATE ON focus_sessions BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER focus_sessions_delete_generation AFTER DELETE ON focus_sessions BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER channels_insert_generation AFTER INSERT ON channels BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER channels_update_generation AFTER UPDATE OF name ON channels BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER channels_delete_generation AFTER DELETE ON channels BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
"#,
    // 2: snoozing from the inbox: a snoozed message is out of sight until the next digest.
    r#"
ALTER TABLE messages ADD COLUMN snoozed_until INTEGER;
"#,
    // 3: a sender's recent messages by index. Without it, deciding a message read every message
    // of the last minutes: fine at a freelancer's pace, quadratic during a burst (a first mail
    // sync, a webhook replay).
    r#"
CREATE INDEX messages_sender ON messages(sender_key, received_at);
"#,
    // 4: a channel's settings are its kind's typed settings, stored as their JSON tagged with
    // the kind (lull_core::channel::ChannelSettings); the list of kinds leaves the schema, so a
    // new kind needs no table rebuild. IMAP's `security` is now `tls`; a webhook's mapping is
    // its `preset` and its `map` lines, as the API takes them.
    r#"
CREATE TABLE channels_new (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    settings       TEXT NOT NULL CHECK (json_valid(settings) AND json_type(settings, '$.kind') IS 'text'),
    -- Webhooks: SHA-256 of the bearer token. The token itself is shown once and never stored.
    token_hash     TEXT,
    -- Connectors with passwords: the keyring entry holding the secret.
    secret_ref     TEXT,
    -- Connector watermark (e.g. IMAP UIDVALIDITY + UID), written with the messages it covers.
    sync_state     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(sync_state)),
    health         TEXT NOT NULL DEFAULT 'ok',
    last_sync_at   INTEGER,
    last_error     TEXT,
    last_error_at  INTEGER,
    created_at     INTEGER NOT NULL
) STRICT;
INSERT INTO channels_new (id, name, settings, token_hash, secret_ref, sync_state, health, last_sync_at, last_error,
                          last_error_at, created_at)
SELECT id, name,
       CASE kind
           WHEN 'webhook' THEN json_object(
               'kind', 'webhook',
               'preset', json_extract(settings, '$.mapping.preset'),
               'map', json((SELECT json_group_array(key || '=' || value) FROM json_each(settings, '$.mapping.fields'))))
           WHEN 'imap' THEN json_set(json_remove(settings, '$.security'), '$.kind', 'imap', '$.tls', json_extract(settings, '$.security'))
           ELSE json_set(settings, '$.kind', kind)
       END,
       token_hash, secret_ref, sync_state, health, last_sync_at, last_error, last_error_at, created_at
FROM channels;
DROP TABLE channels;
ALTER TABLE channels_new RENAME TO channels;
CREATE TRIGGER channels_insert_generation AFTER INSERT ON channels BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER channels_update_generation AFTER UPDATE OF name ON channels BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER channels_delete_generation AFTER DELETE ON channels BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
"#,
    // 5: the database keeps data, not sentences: a decision's reason is worded from its rule,
    // and a digest's summary from its counts, in the reader's language when they are shown.
    // (A channel's last error is now kept as a phrase's JSON; older texts read as they are.)
    r#"
ALTER TABLE messages DROP COLUMN reason;
ALTER TABLE decisions DROP COLUMN reason;
ALTER TABLE digests DROP COLUMN summary;
"#,
    // 6: one durable outbox for everything that rings the user. What is to be shown on the
    // desktop or pushed to the phone is written in the same transaction as the decision (or the
    // digest), and marked once shown or accepted; after a crash, what is still due is delivered
    // once. Push targets (ntfy topics, programs) are where the phone is rung from. Digests
    // released but not notified before this version are queued, as the next start would have
    // notified them.
    r#"
CREATE TABLE push_targets (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE COLLATE NOCASE,
    settings         TEXT NOT NULL CHECK (json_valid(settings) AND json_type(settings, '$.kind') IS 'text'),
    -- Push every digest too, not only what interrupts.
    digests          INTEGER NOT NULL CHECK (digests IN (0, 1)),
    -- Say only the client and the decision, never the message's text.
    private          INTEGER NOT NULL CHECK (private IN (0, 1)),
    -- Where an access token is kept (never the token).
    secret_ref       TEXT,
    last_success_at  INTEGER,
    last_error       TEXT,
    last_error_at    INTEGER,
    created_at       INTEGER NOT NULL
) STRICT;

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    created_at       INTEGER NOT NULL,
    -- NULL: this desktop's notifications; else a push target.
    target_id        INTEGER REFERENCES push_targets(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('live', 'bypass', 'digest')),
    message_id       INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    digest_id        INTEGER REFERENCES digests(id) ON DELETE CASCADE,
    -- The interruption this ring is counted as, for a desktop ring.
    notification_id  INTEGER REFERENCES notifications(id) ON DELETE SET NULL,
    -- Past it, the ring is dropped instead of delivered late; NULL for digests.
    expires_at       INTEGER,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    last_error       TEXT,
    done_at          INTEGER,
    outcome          TEXT CHECK (outcome IN ('sent', 'failed', 'dropped')),
    CHECK ((message_id IS NULL) <> (digest_id IS NULL)),
    CHECK ((done_at IS NULL) = (outcome IS NULL))
) STRICT;
CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE done_at IS NULL;
CREATE INDEX outbox_target ON outbox(target_id, outcome);

INSERT INTO outbox (created_at, target_id, kind, digest_id, next_attempt_at)
SELECT released_at, NULL, 'digest', id, released_at FROM digests WHERE notified_at IS NULL;
"#,
    // 7: what phone notifications bring: the app that posted a message (for `app:` statistics),
    // how to answer it from Lull (a quick reply), whether it rings at all (silent), and when a
    // held one was dismissed on the phone.
    r#"
ALTER TABLE messages ADD COLUMN app TEXT;
ALTER TABLE messages ADD COLUMN reply TEXT;
ALTER TABLE messages ADD COLUMN silent INTEGER NOT NULL DEFAULT 0 CHECK (silent IN (0, 1));
ALTER TABLE messages ADD COLUMN dismissed_at INTEGER;
-- The weekly statistics read every column they need from this index alone.
DROP INDEX messages_week;
CREATE INDEX messages_week ON messages(received_at, client_id, channel_id, category, decision, app, silent, dismissed_at);
"#,
    // 8: availability replies. A client opts in with a language; an email keeps what its
    // headers say about answering it; each reply owed is a row, written in the transaction that
    // held the message and marked once the mail server took it (or it was given up).
    r#"
ALTER TABLE clients ADD COLUMN auto_reply TEXT CHECK (auto_reply IN ('en', 'fr'));
ALTER TABLE messages ADD COLUMN mail TEXT CHECK (mail IS NULL OR json_valid(mail));
CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL CHECK (json_valid(value))
) STRICT;
CREATE TRIGGER settings_insert_generation AFTER INSERT ON settings BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER settings_update_generation AFTER UPDATE ON settings BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
-- Whether a channel sends replies is in its settings, which ingest now depends on.
CREATE TRIGGER channels_settings_generation AFTER UPDATE OF settings ON channels BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TABLE replies (
    id               INTEGER PRIMARY KEY,
    message_id       INTEGER NOT NULL UNIQUE REFERENCES messages(id) ON DELETE CASCADE,
    channel_id       INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    client_id        INTEGER REFERENCES clients(id) ON DELETE SET NULL,
    recipient        TEXT NOT NULL,
    plan             TEXT NOT NULL CHECK (json_valid(plan)),
    created_at       INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    done_at          INTEGER,
    outcome          TEXT CHECK (outcome IN ('sent', 'failed')),
    text             TEXT,
    last_error       TEXT
) STRICT;
CREATE INDEX replies_recipient ON replies(recipient, created_at);
CREATE INDEX replies_due ON replies(next_attempt_at) WHERE done_at IS NULL;
CREATE INDEX replies_done ON replies(done_at) WHERE outcome = 'sent';
-- The client charter last shared (its fingerprint and when), to tell when it is out of date.
ALTER TABLE clients ADD COLUMN charter_fingerprint TEXT;
ALTER TABLE clients ADD COLUMN charter_shared_at INTEGER;
"#,
    // 9: response clocks. A message relayed by a platform that rates response times keeps its
    // clock (which platform, how long, when it runs out); a held one breaks through once, at
    // `clock_ring_at`, and `clock_rung_at` records that it did (or that it was past needing to).
    r#"
ALTER TABLE messages ADD COLUMN clock TEXT CHECK (clock IS NULL OR json_valid(clock));
ALTER TABLE messages ADD COLUMN clock_ring_at INTEGER;
ALTER TABLE messages ADD COLUMN clock_rung_at INTEGER;
CREATE INDEX messages_clock_ring ON messages(clock_ring_at) WHERE clock_ring_at IS NOT NULL AND clock_rung_at IS NULL;
CREATE INDEX messages_clock ON messages(received_at) WHERE clock IS NOT NULL;
"#,
];

/// The schema version this build writes.
pub fn latest_version() -> u32 {
    MIGRATIONS.len() as u32
}

/// Brings the database to [`latest_version`], or refuses a database it cannot read.
pub(crate) fn migrate(conn: &mut Connection, path: &std::path::Path) -> Result<u32, StoreError> {
    let app_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let has_tables: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table')", [], |r| r.get(0))?;
    if app_id != APPLICATION_ID && (app_id != 0 || has_tables) {
        return Err(StoreError::NotLull { path: path.to_owned() });
    }
    if version > latest_version() {
        return Err(StoreError::NewerSchema { path: path.to_owned(), found: version, supported: latest_version() });
    }
    if version == latest_version() {
        return Ok(version);
    }
    // A database with data is copied aside first, so an upgrade that goes wrong (or a Lull
    // that turns out worse) costs nothing: the copy is the database as the older Lull left it.
    let backup = if has_tables { Some(backup_before(conn, path, latest_version())?) } else { None };
    // A migration may rebuild a table other tables refer to (SQLite's way to change a column's
    // constraints), which needs foreign keys off; they are checked before the commit instead,
    // and turned back on after it.
    conn.pragma_update(None, "foreign_keys", false)?;
    let migrated = (|| {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(sql).map_err(|e| StoreError::Migration { to: i as u32 + 1, source: e })?;
        }
        let dangling: i64 = tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0))?;
        if dangling > 0 {
            return Err(StoreError::Migration {
                to: latest_version(),
                source: rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY),
                    Some(format!("{dangling} rows would refer to nothing")),
                ),
            });
        }
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.pragma_update(None, "user_version", latest_version())?;
        if let Some(backup) = &backup {
            let notice = UpgradeNotice {
                from: version,
                to: latest_version(),
                at: chrono::DateTime::from(std::time::SystemTime::now()),
                backup: backup.clone(),
            };
            let text = serde_json::to_string(&notice).map_err(|e| StoreError::Decode(e.to_string()))?;
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [UPGRADE_KEY, text.as_str()],
            )?;
        }
        tx.commit()?;
        Ok(())
    })();
    conn.pragma_update(None, "foreign_keys", true)?;
    migrated?;
    match &backup {
        Some(b) => {
            tracing::warn!(from = version, to = latest_version(), backup = %b.display(), "database upgraded; the copy from before is kept")
        }
        None => tracing::info!(to = latest_version(), "database created"),
    }
    Ok(latest_version())
}

/// Where the settings keep the last upgrade's notice.
pub(crate) const UPGRADE_KEY: &str = "upgrade";

/// How many copies from before an upgrade are kept, the newest.
pub const BACKUPS_KEPT: usize = 2;

/// The last upgrade: from which schema to which, when, and where the copy from before it is.
/// Shown (in `lull status`) until the next successful start of the engine.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UpgradeNotice {
    pub from: u32,
    pub to: u32,
    pub at: chrono::DateTime<chrono::Utc>,
    pub backup: std::path::PathBuf,
}

/// Copies the database aside as `lull.db.before-vN` (N: the version it is about to become) with
/// `VACUUM INTO`, a consistent copy that includes what the WAL holds, then keeps only the
/// [`BACKUPS_KEPT`] newest such copies. A copy that cannot be made stops the upgrade: the
/// database is left as it was.
fn backup_before(conn: &Connection, path: &std::path::Path, to: u32) -> Result<std::path::PathBuf, StoreError> {
    let name = path.file_name().map_or_else(|| "lull.db".to_owned(), |n| n.to_string_lossy().into_owned());
    let dir = path.parent().unwrap_or_else(|| std::path::Path::new("."));
    let backup = dir.join(format!("{name}.before-v{to}"));
    let failed = |detail: String| StoreError::Backup { path: backup.clone(), detail };
    // An earlier attempt at this same upgrade may have left its copy: the database has not
    // changed since (the upgrade did not commit), so a fresh copy replaces it.
    if backup.exists() {
        std::fs::remove_file(&backup).map_err(|e| failed(e.to_string()))?;
    }
    conn.execute("VACUUM INTO ?1", [backup.to_string_lossy()]).map_err(|e| failed(e.to_string()))?;
    let prefix = format!("{name}.before-v");
    let mut copies: Vec<(u32, std::path::PathBuf)> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| {
                    let file = e.file_name().to_string_lossy().into_owned();
                    file.strip_prefix(&prefix).and_then(|v| v.parse().ok()).map(|v| (v, e.path()))
                })
                .collect()
        })
        .unwrap_or_default();
    copies.sort_by_key(|c| std::cmp::Reverse(c.0));
    for (_, old) in copies.into_iter().skip(BACKUPS_KEPT) {
        if let Err(e) = std::fs::remove_file(&old) {
            tracing::warn!(path = %old.display(), error = %e, "cannot remove an old copy from before an upgrade");
        }
    }
    Ok(backup)
}
