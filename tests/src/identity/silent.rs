//! An endpoint that accepts connections and never answers: a stalled token or managed-identity
//! endpoint.

use std::net::SocketAddr;
use std::sync::{Mutex, PoisonError};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Plain TCP on 127.0.0.1 that accepts every connection, reads nothing, writes nothing and
/// keeps it open for as long as the endpoint lives: a request sent to it is never answered.
/// Stops accepting (and closes what it holds) when dropped.
pub struct SilentEndpoint {
    addr: SocketAddr,
    /// The peer address of every connection accepted so far, in order.
    accepted: watch::Receiver<Vec<SocketAddr>>,
    /// The local addresses of the endpoint's own settling connections ([`Self::connections`]).
    own: Mutex<Vec<SocketAddr>>,
    task: JoinHandle<()>,
}

impl Drop for SilentEndpoint {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SilentEndpoint {
    /// Starts listening on 127.0.0.1 (a free port).
    pub async fn start() -> SilentEndpoint {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let (seen, accepted) = watch::channel(Vec::new());
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, peer)) = listener.accept().await {
                held.push(stream);
                seen.send_modify(|peers| peers.push(peer));
            }
        });
        SilentEndpoint { addr, accepted, own: Mutex::new(Vec::new()), task }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many connections others have made to it so far. It first connects to itself and
    /// waits until that connection is accepted: connections are accepted in the order they
    /// were made, so every connection made before this call is counted, whether or not the
    /// endpoint had got round to accepting it.
    ///
    /// # Panics
    ///
    /// If it cannot connect to itself.
    pub async fn connections(&self) -> usize {
        let mine = TcpStream::connect(self.addr).await.expect("connect to the silent endpoint");
        let local = mine.local_addr().expect("local addr");
        self.own.lock().unwrap_or_else(PoisonError::into_inner).push(local);
        let mut accepted = self.accepted.clone();
        let peers = accepted
            .wait_for(|peers| peers.contains(&local))
            .await
            .expect("the endpoint is accepting")
            .clone();
        let own = self.own.lock().unwrap_or_else(PoisonError::into_inner).clone();
        peers.iter().filter(|peer| !own.contains(peer)).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    #[tokio::test]
    async fn it_accepts_holds_and_never_answers() {
        let silent = SilentEndpoint::start().await;
        assert_eq!(silent.connections().await, 0);
        let mut stream = TcpStream::connect(silent.addr).await.expect("connect");
        stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("write");
        assert_eq!(silent.connections().await, 1);
        // Nothing is written back and the connection stays open: a read is still pending
        // after the endpoint has accepted another connection since.
        let mut byte = [0u8; 1];
        let read = stream.read(&mut byte);
        tokio::pin!(read);
        assert!(poll_once(read.as_mut()).await.is_none(), "no answer, no close");
        assert_eq!(silent.connections().await, 1);
        assert!(poll_once(read).await.is_none(), "still nothing");
    }

    /// Polls `future` once: its output if it was ready.
    async fn poll_once<F: std::future::Future + Unpin>(mut future: F) -> Option<F::Output> {
        std::future::poll_fn(|cx| {
            std::task::Poll::Ready(match std::pin::Pin::new(&mut future).poll(cx) {
                std::task::Poll::Ready(out) => Some(out),
                std::task::Poll::Pending => None,
            })
        })
        .await
    }
}
