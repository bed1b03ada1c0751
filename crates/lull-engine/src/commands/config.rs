//! The configuration as one document: export and import.

use lull_api::ApiError;
use lull_api::clients::{ClientEdit, ClientSpec};
use lull_api::config::{CONFIG_FORMAT, ConfigDocument, ImportReport, InfoView};
use lull_api::events::EngineEvent;
use lull_core::model::{Identity, LiveWindow};
use lull_core::phrase::{Phrase, Said};

use super::Failure;
use super::channels::spec_from_row;
use crate::engine::{Engine, load_schedule};

impl Engine {
    pub(crate) async fn info(&self) -> Result<InfoView, Failure> {
        let dir = self.data_dir().clone();
        let (messages, demo) = self.store().read(|db| Ok((db.message_count()?, db.has_demo()?))).await?;
        Ok(InfoView {
            version: lull_api::about::VERSION.to_owned(),
            commit: lull_api::about::COMMIT.map(str::to_owned),
            data_dir: dir.root().display().to_string(),
            database: dir.db_path().display().to_string(),
            schema: lull_store::schema::latest_version(),
            messages,
            server_url: self.server_url(),
            demo,
        })
    }

    pub(crate) async fn config_export(&self) -> Result<ConfigDocument, Failure> {
        let (schedule, clients, channels, replies, clocks) = self
            .store()
            .read(|db| Ok((load_schedule(db)?, db.clients()?, db.channels()?, db.reply_settings()?, db.clock_settings()?)))
            .await?;
        Ok(ConfigDocument {
            format: CONFIG_FORMAT.to_owned(),
            version: 1,
            schedule,
            clients: clients
                .into_iter()
                .map(|c| ClientSpec {
                    name: c.name,
                    tz: Some(c.tz.name().to_owned()),
                    tier: Some(c.tier),
                    mode: Some(c.mode),
                    bypass_quota: Some(c.bypass_quota),
                    matches: c.identities.iter().map(Identity::to_string).collect(),
                    live: c.live_windows.iter().map(LiveWindow::to_string).collect(),
                    auto_reply: Some(c.auto_reply.into()),
                })
                .collect(),
            channels: channels.iter().map(spec_from_row).collect(),
            replies: Some(replies),
            response_clocks: Some(clocks),
        })
    }

    pub(crate) async fn config_import(&self, doc: ConfigDocument) -> Result<ImportReport, Failure> {
        if doc.format != CONFIG_FORMAT || doc.version != 1 {
            let problem = Phrase::new("config.unreadable").with("format", format!("{:?}", doc.format)).with("version", doc.version);
            return Err(ApiError::invalid(problem).into());
        }
        let schedule = doc.schedule.clone().validated().map_err(|e| ApiError::invalid(e.phrase()).on("schedule"))?;
        let replies = doc.replies.clone().map(|r| r.validated().map_err(|e| ApiError::invalid(e.phrase()).on("replies"))).transpose()?;
        let clocks = doc
            .response_clocks
            .clone()
            .map(|c| c.validated().map_err(|e| ApiError::invalid(e.phrase()).on("response_clocks")))
            .transpose()?;
        let now = self.now();
        self.store()
            .write(move |tx| {
                tx.put_schedule(&schedule, now)?;
                if let Some(c) = &clocks {
                    tx.set_clock_settings(c)?;
                }
                match &replies {
                    Some(r) => tx.set_reply_settings(r),
                    None => Ok(()),
                }
            })
            .await?;
        let existing: Vec<String> = self.store().read(|db| Ok(db.clients()?.into_iter().map(|c| c.name).collect())).await?;
        let mut report = ImportReport { clients_added: 0, clients_updated: 0, channels_added: Vec::new() };
        for spec in doc.clients {
            if existing.iter().any(|n| n.eq_ignore_ascii_case(&spec.name)) {
                let current = self.client_named(&spec.name, now).await?;
                let edit = ClientEdit {
                    name: spec.name.clone(),
                    rename: None,
                    tz: spec.tz,
                    tier: spec.tier,
                    mode: spec.mode,
                    bypass_quota: spec.bypass_quota,
                    add_matches: spec.matches.clone(),
                    remove_matches: current.matches.iter().filter(|m| !spec.matches.contains(m)).cloned().collect(),
                    live: Some(spec.live),
                    auto_reply: spec.auto_reply,
                };
                self.client_edit(edit).await?;
                report.clients_updated += 1;
            } else {
                self.client_add(spec).await?;
                report.clients_added += 1;
            }
        }
        let channels: Vec<String> = self.store().read(|db| Ok(db.channel_names()?.into_iter().map(|(_, n)| n).collect())).await?;
        // Channels whose kind keeps a password need it typed again; they are left out.
        for spec in doc.channels.into_iter().filter(|c| !channels.contains(&c.name) && !lull_channels::kind::of(c.kind()).secret()) {
            report.channels_added.push(self.channel_add(spec).await?);
        }
        self.emit(EngineEvent::ScheduleChanged);
        self.replan();
        Ok(report)
    }
}
