//! The accept loop: hyper serving the application on each connection.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::layers::{self, faults::DropConnection};
use crate::shared::Shared;

/// Why a connection is closed without an answer.
#[derive(Debug, thiserror::Error)]
#[error("fault injection: connection dropped")]
struct Dropped;

/// How connections are spoken to: plain HTTP/1.1, or TLS with HTTP/2 or HTTP/1.1.
#[derive(Clone)]
pub(crate) enum Transport {
    Plain,
    #[cfg(feature = "tls")]
    Tls(tokio_rustls::TlsAcceptor),
}

/// Accepts connections until the task is aborted; aborting it also ends every connection.
async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    header_read_timeout: Duration,
    transport: Transport,
) {
    let mut connections = JoinSet::new();
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of descriptors and the like: pause instead of spinning on the error.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        shared.connections.fetch_add(1, Ordering::Relaxed);
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        let transport = transport.clone();
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                let shared = Arc::clone(&shared);
                async move {
                    if crate::admin::is_admin(&shared, req.uri().path()) {
                        return Ok(crate::admin::answer(&shared, req.map(Body::new)).await);
                    }
                    let response = layers::request_wide(&shared, req.map(Body::new)).await;
                    // An error from the service makes hyper close the socket unanswered.
                    if response.extensions().get::<DropConnection>().is_some() {
                        return Err(Dropped);
                    }
                    Ok(response)
                }
            });
            match transport {
                Transport::Plain => {
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .timer(hyper_util::rt::TokioTimer::new())
                        .header_read_timeout(header_read_timeout)
                        .serve_connection(io, service)
                        .await;
                }
                #[cfg(feature = "tls")]
                Transport::Tls(acceptor) => {
                    // A handshake gets as long as a request head would.
                    let handshake =
                        tokio::time::timeout(header_read_timeout, acceptor.accept(stream));
                    let Ok(Ok(tls)) = handshake.await else { return };
                    let mut builder = hyper_util::server::conn::auto::Builder::new(
                        hyper_util::rt::TokioExecutor::new(),
                    );
                    builder
                        .http1()
                        .timer(hyper_util::rt::TokioTimer::new())
                        .header_read_timeout(header_read_timeout);
                    builder.http2().timer(hyper_util::rt::TokioTimer::new());
                    let _ =
                        builder.serve_connection(hyper_util::rt::TokioIo::new(tls), service).await;
                }
            }
        });
        // Reap finished connections so the set does not grow without bound.
        while connections.try_join_next().is_some() {}
    }
}

/// Binds `addr` and serves in a background task; returns the bound address and the task.
pub(crate) async fn start(
    addr: SocketAddr,
    shared: Arc<Shared>,
    header_read_timeout: Duration,
    transport: Transport,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    Ok((bound, tokio::spawn(serve(listener, shared, header_read_timeout, transport))))
}
