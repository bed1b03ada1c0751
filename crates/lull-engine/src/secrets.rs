//! Channel secrets (IMAP passwords): in the OS keyring by default (the Secret Service on Linux:
//! GNOME Keyring, KeePassXC, KWallet), or, only when the user asks for it, in a file readable
//! by the user alone. Lull never picks the file silently: when no keyring answers, adding the
//! channel fails and says what to do.
//!
//! The database keeps a reference (`keyring:<user>` or `file:<name>`), never the secret. Secrets
//! never appear in logs or in the API's answers.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lull_core::phrase::{Phrase, Said};

pub use lull_api::channels::SecretStore;

/// The keyring's service name for Lull's entries.
const SERVICE: &str = "lull";

/// Why a password could not be kept or read.
#[derive(Debug)]
pub enum SecretError {
    /// No Secret Service answered (the detail says why).
    NoKeyring(String),
    /// The channel's password is gone from where it was kept.
    Missing(String),
    File {
        path: String,
        error: String,
    },
    /// The keyring answered but refused.
    Keyring(String),
}

impl Said for SecretError {
    fn phrase(&self) -> Phrase {
        match self {
            SecretError::NoKeyring(detail) => Phrase::new("secret.no_keyring").with("detail", detail),
            SecretError::Missing(channel) => Phrase::new("secret.missing").with("name", channel),
            SecretError::File { path, error } => Phrase::new("secret.file").with("path", path).with("detail", error),
            SecretError::Keyring(detail) => Phrase::new("secret.refused").with("detail", detail),
        }
    }
}
lull_words::english_error!(SecretError);

/// Where a data directory's secrets go.
#[derive(Debug, Clone)]
pub struct Secrets {
    dir: PathBuf,
}

impl Secrets {
    pub fn new(data_dir: &Path) -> Secrets {
        Secrets { dir: data_dir.to_owned() }
    }

    /// The keyring user of a channel: the data directory is part of it, so two Lulls with
    /// different data directories never share entries.
    fn keyring_user(&self, channel: &str) -> String {
        let hash = lull_channels::hex_sha256(self.dir.to_string_lossy().as_bytes());
        format!("channel:{channel}@{}", &hash[..12])
    }

    fn file(&self, channel: &str) -> PathBuf {
        self.dir.join("secrets").join(format!("{channel}.secret"))
    }

    fn keyring() -> Result<Arc<keyring_core::CredentialStore>, SecretError> {
        let store = dbus_secret_service_keyring_store::Store::new().map_err(|e| SecretError::NoKeyring(e.to_string()))?;
        Ok(store)
    }

    /// Keeps `secret` for `channel` and returns the reference to store in the database.
    pub fn put(&self, store: SecretStore, channel: &str, secret: &str) -> Result<String, SecretError> {
        match store {
            SecretStore::Keyring => {
                let entry = keyring_core::Entry::new_in_store(&Self::keyring()?, SERVICE, &self.keyring_user(channel))
                    .map_err(|e| SecretError::Keyring(e.to_string()))?;
                entry.set_password(secret).map_err(|e| match e {
                    keyring_core::Error::NoStorageAccess(e) | keyring_core::Error::PlatformFailure(e) => {
                        SecretError::NoKeyring(e.to_string())
                    }
                    e => SecretError::Keyring(e.to_string()),
                })?;
                Ok(format!("keyring:{}", self.keyring_user(channel)))
            }
            SecretStore::File => {
                let path = self.file(channel);
                write_private(&path, secret).map_err(|e| SecretError::File { path: path.display().to_string(), error: e.to_string() })?;
                tracing::warn!(channel, path = %path.display(), "channel password kept in a file readable only by you, as asked; a keyring is safer");
                Ok(format!("file:{channel}"))
            }
        }
    }

    /// The secret a reference points to.
    pub fn get(&self, reference: &str, channel: &str) -> Result<String, SecretError> {
        if let Some(user) = reference.strip_prefix("keyring:") {
            let entry =
                keyring_core::Entry::new_in_store(&Self::keyring()?, SERVICE, user).map_err(|e| SecretError::Keyring(e.to_string()))?;
            return entry.get_password().map_err(|e| match e {
                keyring_core::Error::NoEntry => SecretError::Missing(channel.to_owned()),
                keyring_core::Error::NoStorageAccess(e) | keyring_core::Error::PlatformFailure(e) => SecretError::NoKeyring(e.to_string()),
                e => SecretError::Keyring(e.to_string()),
            });
        }
        if let Some(name) = reference.strip_prefix("file:") {
            let path = self.file(name);
            return match std::fs::read_to_string(&path) {
                Ok(s) => Ok(s),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(SecretError::Missing(channel.to_owned())),
                Err(e) => Err(SecretError::File { path: path.display().to_string(), error: e.to_string() }),
            };
        }
        Err(SecretError::Missing(channel.to_owned()))
    }
}

/// Writes a file only its owner can read, atomically.
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let parent = path.parent().ok_or_else(|| std::io::Error::other("no parent directory"))?;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(parent)?;
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
    f.write_all(content.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_secrets_are_private_and_round_trip() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("dir");
        let secrets = Secrets::new(dir.path());
        let reference = secrets.put(SecretStore::File, "mail", "s3cret").expect("put");
        assert_eq!(reference, "file:mail");
        assert_eq!(secrets.get(&reference, "mail").expect("get"), "s3cret");
        let mode = std::fs::metadata(dir.path().join("secrets/mail.secret")).expect("file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(matches!(secrets.get("file:other", "other"), Err(SecretError::Missing(_))));
    }
}
