//! Embedded storage: one SQLite database (`talks.sqlite3`) plus one file per audio under
//! `<data-dir>/audio/`. A talk row is written only after its audio is complete and hashed, so
//! a failed or cut upload never leaves a stored talk behind.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

/// One message of a chat talk.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StoredMessage {
    /// Sender id, as sent.
    pub user_id: String,
    /// RFC 3339 UTC rendering of the protobuf Timestamp.
    pub timestamp: String,
    /// The text payload.
    pub text: String,
}

/// A user entry of `TalkMetadata.users`.
#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq)]
pub struct StoredUser {
    /// User id.
    pub id: String,
    /// Role name, e.g. `USER_ROLE_OPERATOR`.
    pub role: String,
    /// Per-user fields.
    pub fields: std::collections::BTreeMap<String, String>,
}

/// The stored audio of a talk.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct StoredAudio {
    /// `wav`, `mp3`, `ogg-opus` or `raw`.
    pub container: String,
    /// Number of bytes received.
    pub bytes: u64,
    /// Lower-case hex sha256 of the bytes.
    pub sha256: String,
}

/// A talk as the HTTP API shows it.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Talk {
    /// Talk id, as returned to the client.
    pub id: String,
    /// The RPC that created it: `UploadText`, `Upload`, `UploadAsStream`, `UploadBadge`, or
    /// `VelaChat` for the Vela chat endpoint.
    pub method: String,
    /// Connection id.
    pub connection_id: String,
    /// `TalkMetadata.fields`.
    pub fields: std::collections::BTreeMap<String, String>,
    /// `TalkMetadata.users`.
    pub users: Vec<StoredUser>,
    /// Chat messages (empty for audio).
    pub messages: Vec<StoredMessage>,
    /// Audio facts, or `null` for chats.
    pub audio: Option<StoredAudio>,
    /// Milliseconds since the Unix epoch.
    pub created_at_ms: u64,
}

/// What [`Store::update_metadata`] did.
#[derive(Debug)]
pub enum MetadataUpdate<E> {
    /// Updated.
    Updated,
    /// The check refused the update; nothing changed.
    Refused(E),
    /// No talk has this id.
    NotFound,
    /// The talk belongs to this other connection; nothing changed.
    OtherConnection(String),
}

/// Storage failures; they become `INTERNAL` / HTTP 500 without details for the client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    /// The file system said no.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// A stored JSON column did not parse (a bug or a hand-edited database).
    #[error("corrupt row: {0}")]
    Json(#[from] serde_json::Error),
}

/// Thread-safe handle to the database. Calls block: use them from `spawn_blocking`.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    audio_dir: PathBuf,
    tmp_dir: PathBuf,
}

impl Store {
    /// Opens (or creates) the database under `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir.join("audio"))?;
        std::fs::create_dir_all(data_dir.join("tmp"))?;
        // Parts left by a server that was killed mid-upload belong to no talk.
        for entry in std::fs::read_dir(data_dir.join("tmp"))?.flatten() {
            if entry.path().extension().is_some_and(|e| e == "part") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        let conn = Connection::open(data_dir.join("talks.sqlite3"))?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             PRAGMA synchronous=NORMAL;
             CREATE TABLE IF NOT EXISTS talks (
               seq INTEGER PRIMARY KEY AUTOINCREMENT,
               id TEXT NOT NULL UNIQUE,
               method TEXT NOT NULL,
               connection_id TEXT NOT NULL,
               fields TEXT NOT NULL,
               users TEXT NOT NULL,
               messages TEXT NOT NULL,
               audio_container TEXT,
               audio_bytes INTEGER,
               audio_sha256 TEXT,
               audio_path TEXT,
               created_at_ms INTEGER NOT NULL
             );",
        )?;
        Ok(Self { conn: Arc::new(Mutex::new(conn)), audio_dir: data_dir.join("audio"), tmp_dir: data_dir.join("tmp") })
    }

    /// Directory of uploads in progress (`<id>.part` files).
    pub fn tmp_dir(&self) -> &Path {
        &self.tmp_dir
    }

    /// Directory for audio files; uploads write to `tmp/` first and are renamed in on success.
    pub fn audio_dir(&self) -> &Path {
        &self.audio_dir
    }

    /// Replaces the metadata (`fields`, `users`) of talk `id`, which must belong to
    /// `connection_id` and pass `check` (run on the stored talk under the same lock, so the check
    /// and the update are one step).
    pub fn update_metadata<E>(
        &self,
        id: &str,
        connection_id: &str,
        fields: &std::collections::BTreeMap<String, String>,
        users: &[StoredUser],
        check: impl FnOnce(&Talk) -> Result<(), E>,
    ) -> Result<MetadataUpdate<E>, StoreError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let parts = conn.query_row(&format!("{SELECT} WHERE id = ?1"), params![id], row_to_parts).optional()?;
        let Some(before) = parts.map(parts_to_talk).transpose()? else { return Ok(MetadataUpdate::NotFound) };
        if before.connection_id != connection_id {
            return Ok(MetadataUpdate::OtherConnection(before.connection_id));
        }
        if let Err(e) = check(&before) {
            return Ok(MetadataUpdate::Refused(e));
        }
        conn.execute(
            "UPDATE talks SET fields = ?2, users = ?3 WHERE id = ?1",
            params![id, serde_json::to_string(fields)?, serde_json::to_string(users)?],
        )?;
        Ok(MetadataUpdate::Updated)
    }

    /// Inserts a complete talk. `audio_path` is the final file of the audio, if any.
    pub fn insert(&self, talk: &Talk, audio_path: Option<&Path>) -> Result<(), StoreError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        conn.execute(
            "INSERT INTO talks (id, method, connection_id, fields, users, messages,
               audio_container, audio_bytes, audio_sha256, audio_path, created_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                talk.id,
                talk.method,
                talk.connection_id,
                serde_json::to_string(&talk.fields)?,
                serde_json::to_string(&talk.users)?,
                serde_json::to_string(&talk.messages)?,
                talk.audio.as_ref().map(|a| a.container.clone()),
                talk.audio.as_ref().map(|a| a.bytes as i64),
                talk.audio.as_ref().map(|a| a.sha256.clone()),
                audio_path.map(|p| p.to_string_lossy().into_owned()),
                talk.created_at_ms as i64,
            ],
        )?;
        Ok(())
    }

    /// All talks, oldest first, without their messages (the list stays small).
    pub fn list(&self) -> Result<Vec<Talk>, StoreError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let mut stmt = conn.prepare(&format!("{SELECT} ORDER BY seq"))?;
        let rows = stmt.query_map([], row_to_parts)?;
        let mut out = Vec::new();
        for r in rows {
            let mut t = parts_to_talk(r?)?;
            t.messages.clear();
            out.push(t);
        }
        Ok(out)
    }

    /// One talk, or `None`.
    pub fn get(&self, id: &str) -> Result<Option<Talk>, StoreError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let parts = conn
            .query_row(&format!("{SELECT} WHERE id = ?1"), params![id], row_to_parts)
            .optional()?;
        parts.map(parts_to_talk).transpose()
    }

    /// The stored audio file of a talk, if it has one.
    pub fn audio_path(&self, id: &str) -> Result<Option<PathBuf>, StoreError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let p: Option<Option<String>> = conn
            .query_row("SELECT audio_path FROM talks WHERE id = ?1", params![id], |r| r.get(0))
            .optional()?;
        Ok(p.flatten().map(PathBuf::from))
    }

    /// Number of stored talks.
    pub fn count(&self) -> Result<u64, StoreError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let n: i64 = conn.query_row("SELECT COUNT(*) FROM talks", [], |r| r.get(0))?;
        Ok(n as u64)
    }
}

const SELECT: &str = "SELECT id, method, connection_id, fields, users, messages, audio_container,
    audio_bytes, audio_sha256, created_at_ms FROM talks";

type Parts = (String, String, String, String, String, String, Option<String>, Option<i64>, Option<String>, i64);

fn row_to_parts(r: &rusqlite::Row<'_>) -> rusqlite::Result<Parts> {
    Ok((
        r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?,
        r.get(8)?, r.get(9)?,
    ))
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct MessageRow {
    user_id: String,
    timestamp: String,
    text: String,
}

fn parts_to_talk(p: Parts) -> Result<Talk, StoreError> {
    let (id, method, connection_id, fields, users, messages, container, bytes, sha, created) = p;
    let messages: Vec<MessageRow> = serde_json::from_str(&messages)?;
    Ok(Talk {
        id,
        method,
        connection_id,
        fields: serde_json::from_str(&fields)?,
        users: serde_json::from_str(&users)?,
        messages: messages
            .into_iter()
            .map(|m| StoredMessage { user_id: m.user_id, timestamp: m.timestamp, text: m.text })
            .collect(),
        audio: match (container, bytes, sha) {
            (Some(container), Some(bytes), Some(sha256)) => {
                Some(StoredAudio { container, bytes: bytes.max(0) as u64, sha256 })
            }
            _ => None,
        },
        created_at_ms: created.max(0) as u64,
    })
}

/// A new talk id: 20 lower-case hex digits, time-ordered, unique within the process.
pub fn new_talk_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let ms = now_ms();
    let pid = u64::from(std::process::id());
    format!("{:011x}{:05x}{:04x}", ms & 0x7ff_ffff_ffff, pid & 0xfffff, n & 0xffff)
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_get_list_round_trip() {
        let dir = std::env::temp_dir().join(format!("devserver-store-{}", new_talk_id()));
        let store = Store::open(&dir).unwrap();
        let talk = Talk {
            id: new_talk_id(),
            method: "UploadText".into(),
            connection_id: "c".into(),
            fields: [("operator_id".to_string(), "1".to_string())].into(),
            users: vec![],
            messages: vec![StoredMessage { user_id: "1".into(), timestamp: "2024-01-01T00:00:00Z".into(), text: "hi".into() }],
            audio: None,
            created_at_ms: 5,
        };
        store.insert(&talk, None).unwrap();
        assert_eq!(store.get(&talk.id).unwrap(), Some(talk.clone()));
        assert_eq!(store.list().unwrap().len(), 1);
        assert_eq!(store.get("nope").unwrap(), None);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn ids_are_unique() {
        let a: std::collections::HashSet<_> = (0..1000).map(|_| new_talk_id()).collect();
        assert_eq!(a.len(), 1000);
    }
}
