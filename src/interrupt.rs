//! Ctrl-C and SIGTERM as a value: the runner selects on it at every await that can take long, so an
//! interrupted run still deletes what it created and exits 130.

use tokio::sync::watch;

/// A cloneable "has the user asked us to stop?" handle.
#[derive(Clone)]
pub struct Interrupt {
    rx: watch::Receiver<bool>,
    _tx: Option<std::sync::Arc<watch::Sender<bool>>>,
}

impl Interrupt {
    /// Listens for SIGINT and SIGTERM (must be called inside a tokio runtime).
    pub fn install() -> Self {
        let (tx, rx) = watch::channel(false);
        tokio::spawn(async move {
            wait_for_signal().await;
            let _ = tx.send(true);
        });
        Interrupt { rx, _tx: None }
    }

    /// An interrupt that never fires (library callers that handle signals themselves, tests).
    pub fn never() -> Self {
        let (tx, rx) = watch::channel(false);
        Interrupt { rx, _tx: Some(std::sync::Arc::new(tx)) }
    }

    pub fn is_set(&self) -> bool {
        *self.rx.borrow()
    }

    /// Resolves when the interrupt fires (never, for [`Interrupt::never`]).
    pub async fn wait(&self) {
        let mut rx = self.rx.clone();
        loop {
            if *rx.borrow_and_update() {
                return;
            }
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
