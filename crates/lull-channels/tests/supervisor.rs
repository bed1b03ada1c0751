//! Supervision: a connector that fails or panics is restarted with back-off and never stops
//! another; a configuration error stops only its own channel.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use common::{MemoryHost, said};
use lull_channels::{Backoff, ConnectorError, Health, IngestSink, supervise};

fn quick() -> Backoff {
    Backoff { first: Duration::from_millis(20), max: Duration::from_millis(80), healthy_after: Duration::from_secs(60) }
}

#[tokio::test]
async fn failing_and_panicking_connectors_restart_without_stopping_the_others() {
    let host = MemoryHost::new();
    let sink: Arc<dyn IngestSink> = host.clone();
    let panics = Arc::new(AtomicU32::new(0));
    let p = panics.clone();
    let crashing = tokio::spawn(supervise(1, "crashing".into(), sink.clone(), quick(), move || {
        let p = p.clone();
        async move {
            // Panics twice, then runs for good.
            if p.fetch_add(1, Ordering::SeqCst) < 2 {
                panic!("boom");
            }
            std::future::pending::<()>().await;
            Ok(())
        }
    }));
    let failures = Arc::new(AtomicU32::new(0));
    let f = failures.clone();
    let flaky = tokio::spawn(supervise(2, "flaky".into(), sink.clone(), quick(), move || {
        let f = f.clone();
        async move {
            f.fetch_add(1, Ordering::SeqCst);
            Err(ConnectorError::transient("connection refused"))
        }
    }));
    let broken = tokio::spawn(supervise(3, "broken".into(), sink.clone(), quick(), || async {
        Err(ConnectorError::Config(lull_core::Phrase::text("authentication failed: check the password")))
    }));

    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(panics.load(Ordering::SeqCst), 3, "restarted after each panic, then kept running");
    let tries = failures.load(Ordering::SeqCst);
    assert!((4..=40).contains(&tries), "retried with back-off, not in a busy loop: {tries}");
    assert!(broken.is_finished(), "a configuration error is not retried");
    assert!(!crashing.is_finished() && !flaky.is_finished());

    let health = host.health.lock().expect("lock").clone();
    let crash = health.iter().find_map(|(c, h)| match h {
        Health::Retrying { error, .. } if *c == 1 => Some(error.clone()),
        _ => None,
    });
    assert!(crash.is_some_and(|e| said(&e).contains("crashed (boom)")), "{health:?}");
    assert!(health.iter().any(|(c, h)| *c == 3 && matches!(h, Health::Failed { error } if said(error).contains("password"))));
    assert!(health.iter().any(|(c, h)| *c == 2 && matches!(h, Health::Retrying { retry_at, .. } if *retry_at > host.now())));

    // Dropping a supervisor stops its connector.
    crashing.abort();
    flaky.abort();
    let before = failures.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(failures.load(Ordering::SeqCst), before);
}
