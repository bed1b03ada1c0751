//! TLS set-up shared by the connectors: rustls with the aws-lc-rs provider (reqwest's), made
//! the process default once so the IMAP client and reqwest agree.

use std::sync::Once;

static INSTALL: Once = Once::new();

/// Makes aws-lc-rs the process's rustls provider (idempotent; a provider installed first by
/// the host application is kept).
pub fn install_provider() {
    INSTALL.call_once(|| {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    });
}
