//! A fault-injecting TCP proxy for tests, usable in front of any server (S3,
//! an OCI registry, ...): it forwards loopback connections to an upstream
//! address, counts the bytes each way, and on request cuts a connection once
//! it has carried N client bytes (for the next k connections that get that
//! far, or for all of them), or slows the client side to a byte rate. Plain
//! std threads, no runtime, so it works with any client under test.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(Default)]
struct State {
    /// Cut a connection when its client→upstream byte count reaches this
    /// (0 = never).
    cut_after: AtomicU64,
    /// Cuts still to make; negative = unlimited.
    cuts_left: AtomicI64,
    /// Client→upstream bytes per second (0 = unlimited).
    throttle: AtomicU64,
    cuts_done: AtomicU64,
    connections: AtomicU64,
    up_bytes: AtomicU64,
    down_bytes: AtomicU64,
    stop: AtomicBool,
}

/// A running proxy; stops accepting when dropped.
pub struct FaultProxy {
    pub addr: SocketAddr,
    state: Arc<State>,
}

impl FaultProxy {
    /// Listen on a free loopback port and forward to `upstream`.
    pub fn start(upstream: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address");
        let state = Arc::new(State::default());
        let st = Arc::clone(&state);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = conn else { continue };
                let Ok(server) = TcpStream::connect(upstream) else {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                };
                st.connections.fetch_add(1, Ordering::SeqCst);
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (c2, s2) = match (client.try_clone(), server.try_clone()) {
                    (Ok(c), Ok(s)) => (c, s),
                    _ => continue,
                };
                let up = Arc::clone(&st);
                let down = Arc::clone(&st);
                std::thread::spawn(move || pump_up(client, server, up));
                std::thread::spawn(move || pump_down(s2, c2, down));
            }
        });
        FaultProxy { addr, state }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Cut the next `times` connections that carry `after_bytes` client
    /// bytes, at that point (both directions shut down).
    pub fn cut_after(&self, after_bytes: u64, times: u32) {
        self.state.cuts_left.store(times as i64, Ordering::SeqCst);
        self.state.cut_after.store(after_bytes, Ordering::SeqCst);
    }

    /// Cut every connection that carries `after_bytes` client bytes.
    pub fn cut_every_after(&self, after_bytes: u64) {
        self.state.cuts_left.store(-1, Ordering::SeqCst);
        self.state.cut_after.store(after_bytes, Ordering::SeqCst);
    }

    /// Limit client→upstream traffic to `bytes_per_sec` per connection
    /// (0 = unlimited).
    pub fn throttle(&self, bytes_per_sec: u64) {
        self.state.throttle.store(bytes_per_sec, Ordering::SeqCst);
    }

    /// Stop cutting and throttling.
    pub fn heal(&self) {
        self.state.cut_after.store(0, Ordering::SeqCst);
        self.state.throttle.store(0, Ordering::SeqCst);
    }

    pub fn cuts_done(&self) -> u64 {
        self.state.cuts_done.load(Ordering::SeqCst)
    }

    pub fn connections(&self) -> u64 {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// Bytes clients sent through the proxy so far.
    pub fn up_bytes(&self) -> u64 {
        self.state.up_bytes.load(Ordering::SeqCst)
    }

    /// Bytes the upstream sent back so far.
    pub fn down_bytes(&self) -> u64 {
        self.state.down_bytes.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

/// Whether this connection, having carried `seen` bytes, must be cut now.
fn should_cut(st: &State, seen: u64) -> bool {
    let limit = st.cut_after.load(Ordering::SeqCst);
    if limit == 0 || seen < limit {
        return false;
    }
    let took = st
        .cuts_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |l| match l {
            0 => None,
            l if l < 0 => Some(l),
            l => Some(l - 1),
        })
        .is_ok();
    if took {
        st.cuts_done.fetch_add(1, Ordering::SeqCst);
    }
    took
}

fn pump_up(mut from: TcpStream, mut to: TcpStream, st: Arc<State>) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut seen = 0u64;
    loop {
        let rate = st.throttle.load(Ordering::SeqCst);
        let want = if rate > 0 {
            buf.len().min((rate / 20).max(1) as usize)
        } else {
            buf.len()
        };
        let n = match from.read(&mut buf[..want]) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let limit = st.cut_after.load(Ordering::SeqCst);
        // Forward up to the cut point, then cut.
        let forward = if limit > 0 && seen + n as u64 >= limit && should_cut(&st, seen + n as u64) {
            let part = limit.saturating_sub(seen).min(n as u64) as usize;
            let _ = to.write_all(&buf[..part]);
            st.up_bytes.fetch_add(part as u64, Ordering::SeqCst);
            let _ = from.shutdown(Shutdown::Both);
            let _ = to.shutdown(Shutdown::Both);
            return;
        } else {
            n
        };
        if to.write_all(&buf[..forward]).is_err() {
            break;
        }
        seen += forward as u64;
        st.up_bytes.fetch_add(forward as u64, Ordering::SeqCst);
        if rate > 0 {
            std::thread::sleep(Duration::from_secs_f64(forward as f64 / rate as f64));
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

fn pump_down(mut from: TcpStream, mut to: TcpStream, st: Arc<State>) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
        st.down_bytes.fetch_add(n as u64, Ordering::SeqCst);
    }
    let _ = to.shutdown(Shutdown::Both);
}
