//! Digests: their history and contents.

use lull_api::ApiError;
use lull_api::digests::{DigestDetail, DigestGroup, DigestView};
use lull_core::phrase::Phrase;

use super::{Failure, message_view};
use crate::engine::{Engine, digest_view, load_schedule};

impl Engine {
    pub(crate) async fn digest_list(&self, limit: u32) -> Result<Vec<DigestView>, Failure> {
        let (rows, tz) = self.store().read(move |db| Ok((db.digests(limit.clamp(1, 500))?, load_schedule(db)?.tz))).await?;
        Ok(rows.into_iter().map(|d| digest_view(d, tz)).collect())
    }

    pub(crate) async fn digest_show(&self, id: i64) -> Result<DigestDetail, Failure> {
        let now = self.now();
        let (digest, messages, tz) =
            self.store().read(move |db| Ok((db.digest(id)?, db.digest_messages(id)?, load_schedule(db)?.tz))).await?;
        let digest = digest.ok_or_else(|| ApiError::not_found(Phrase::new("digest.no_such").with("id", id)))?;
        let mut groups: Vec<DigestGroup> = Vec::new();
        for m in messages.into_iter().map(|m| message_view(m, tz, now)) {
            match groups.last_mut() {
                Some(g) if g.client == m.client => g.messages.push(m),
                _ => groups.push(DigestGroup { client: m.client.clone(), messages: vec![m] }),
            }
        }
        Ok(DigestDetail { digest: digest_view(digest, tz), groups })
    }
}
