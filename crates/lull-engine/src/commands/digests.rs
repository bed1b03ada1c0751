//! Digests: their history and contents.

use lull_api::ApiError;
use lull_api::digests::{DigestDetail, DigestGroup, DigestView};

use super::{Failure, message_view};
use crate::engine::{Engine, digest_view};

impl Engine {
    pub(crate) async fn digest_list(&self, limit: u32) -> Result<Vec<DigestView>, Failure> {
        let rows = self.store().read(move |db| db.digests(limit.clamp(1, 500))).await?;
        Ok(rows.into_iter().map(digest_view).collect())
    }

    pub(crate) async fn digest_show(&self, id: i64) -> Result<DigestDetail, Failure> {
        let (digest, messages) = self.store().read(move |db| Ok((db.digest(id)?, db.digest_messages(id)?))).await?;
        let digest = digest.ok_or_else(|| ApiError::not_found(format!("no digest {id}; `lull digest list` shows them")))?;
        let mut groups: Vec<DigestGroup> = Vec::new();
        for m in messages.into_iter().map(message_view) {
            match groups.last_mut() {
                Some(g) if g.client == m.client => g.messages.push(m),
                _ => groups.push(DigestGroup { client: m.client.clone(), messages: vec![m] }),
            }
        }
        Ok(DigestDetail { digest: digest_view(digest), groups })
    }
}
