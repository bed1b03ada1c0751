//! A TCP proxy that cuts connections: it forwards between a client and a server, and while
//! cutting is on, drops each connection once the server has sent a chosen number of bytes, the
//! way a flaky Wi-Fi, a NAT timeout or a laptop going to sleep ends a connection mid-response.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A proxy on 127.0.0.1 in front of `target`, stopped when dropped.
#[derive(Debug)]
pub struct CuttingProxy {
    pub port: u16,
    state: Arc<State>,
    accept: JoinHandle<()>,
}

#[derive(Debug)]
struct State {
    target: SocketAddr,
    cutting: AtomicBool,
    /// Connections cut so far.
    cuts: AtomicU64,
    /// Connections accepted so far.
    connections: AtomicU64,
    /// Seeds each connection's cut point, so a run can be repeated.
    seed: u64,
    /// The cut point is drawn from this range of server bytes.
    min: u64,
    max: u64,
}

impl CuttingProxy {
    /// Starts a proxy that cuts each connection after `min..max` bytes from the server (drawn
    /// from `seed` and the connection's number), until [`CuttingProxy::stop_cutting`].
    pub async fn start(target: SocketAddr, min: u64, max: u64, seed: u64) -> std::io::Result<CuttingProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let state = Arc::new(State {
            target,
            cutting: AtomicBool::new(true),
            cuts: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            seed,
            min,
            max: max.max(min + 1),
        });
        let st = state.clone();
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let n = st.connections.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(forward(client, st.clone(), n));
            }
        });
        Ok(CuttingProxy { port, state, accept })
    }

    /// From now on, connections are forwarded whole (the ones already open included).
    pub fn stop_cutting(&self) {
        self.state.cutting.store(false, Ordering::SeqCst);
    }

    /// How many connections were cut.
    pub fn cuts(&self) -> u64 {
        self.state.cuts.load(Ordering::SeqCst)
    }

    /// How many connections were made through the proxy.
    pub fn connections(&self) -> u64 {
        self.state.connections.load(Ordering::SeqCst)
    }
}

impl Drop for CuttingProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// splitmix64: a small, good mixer, so cut points spread over the range.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

async fn forward(mut client: TcpStream, st: Arc<State>, n: u64) {
    let Ok(mut server) = TcpStream::connect(st.target).await else { return };
    let cut_at = st.min + mix(st.seed ^ n) % (st.max - st.min);
    let (mut client_read, mut client_write) = client.split();
    let (mut server_read, mut server_write) = server.split();
    let up = tokio::io::copy(&mut client_read, &mut server_write);
    let down = async {
        let mut sent = 0u64;
        let mut buf = vec![0u8; 8192];
        loop {
            let cutting = st.cutting.load(Ordering::SeqCst);
            let room = if cutting { cut_at.saturating_sub(sent) } else { buf.len() as u64 };
            if room == 0 {
                st.cuts.fetch_add(1, Ordering::SeqCst);
                return;
            }
            let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
            let Ok(read) = server_read.read(&mut buf[..want]).await else { return };
            if read == 0 || client_write.write_all(&buf[..read]).await.is_err() {
                return;
            }
            sent += read as u64;
        }
    };
    // Whichever side ends first ends the connection: a cut closes both sockets at once.
    tokio::select! {
        _ = up => {}
        () = down => {}
    }
}
