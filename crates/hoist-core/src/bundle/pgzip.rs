//! A pigz-style parallel gzip writer producing one gzip member: the input is
//! cut into fixed-size blocks, each carrying a copy of the 32 KiB before it as
//! dictionary, worker threads encode blocks independently
//! ([`super::deflate::BlockEncoder`]), and a collector thread writes them in
//! order with a fixed header (MTIME 0, OS 255) and a trailer whose CRC32 is
//! combined from per-block CRCs. Blocks are cut by byte count only, so the
//! output never depends on the thread count or on scheduling.
//!
//! Memory is bounded: a fixed pool of `2 × threads + 2` buffers circulates
//! between the writer, the workers and the collector; the writer blocks when
//! all of them are in flight. The collector stops the pipeline as soon as the
//! output passes the size limit.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use anyhow::Context;

use super::deflate::{BlockEncoder, FINAL_BLOCK, WINDOW};

/// The gzip header: magic, CM=8 (deflate), no flags, MTIME=0, XFL=0,
/// OS=255 (unknown), so the bytes are the same on every machine.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];

/// How the stream is cut and compressed.
#[derive(Debug, Clone)]
pub(crate) struct GzConfig {
    /// Worker threads (at least 1).
    pub(crate) threads: usize,
    /// zlib level for compressible data.
    pub(crate) level: u32,
    /// Uncompressed bytes per block (at least [`WINDOW`]).
    pub(crate) block_size: usize,
    /// Fail once the compressed output is larger than this.
    pub(crate) limit: Option<u64>,
}

/// The compressed output went past [`GzConfig::limit`].
#[derive(Debug)]
pub(crate) struct LimitExceeded {
    pub(crate) limit: u64,
}

impl std::fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "compressed output is larger than {} bytes", self.limit)
    }
}

impl std::error::Error for LimitExceeded {}

/// Sizes of a finished stream.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GzSummary {
    pub(crate) compressed: u64,
    #[cfg_attr(not(test), allow(dead_code))] // read by the tests
    pub(crate) uncompressed: u64,
}

/// A buffer travelling through the pipeline: `data` holds up to [`WINDOW`]
/// bytes of context followed by the block; `out` receives its encoding.
struct Bufs {
    data: Vec<u8>,
    out: Vec<u8>,
}

struct Job {
    seq: u64,
    bufs: Bufs,
    start: usize,
    end: usize,
}

struct Done {
    seq: u64,
    bufs: Bufs,
    crc: crc32fast::Hasher,
}

/// The parallel gzip writer. Call [`GzWriter::finish`] to complete the
/// stream, or [`GzWriter::abort`] to stop it and learn why it failed.
pub(crate) struct GzWriter<W: Write + Send + 'static> {
    /// The buffer being filled and how much of it is used.
    cur: Option<Bufs>,
    start: usize,
    filled: usize,
    buf_len: usize,
    seq: u64,
    allocated: usize,
    max_buffers: usize,
    pool: Receiver<Bufs>,
    jobs: Option<SyncSender<Job>>,
    abort: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
    collector: Option<JoinHandle<anyhow::Result<(W, GzSummary)>>>,
}

fn stopped() -> io::Error {
    io::Error::other("the compressor stopped")
}

impl<W: Write + Send + 'static> GzWriter<W> {
    pub(crate) fn new(sink: W, cfg: &GzConfig) -> anyhow::Result<Self> {
        let threads = cfg.threads.max(1);
        let block_size = cfg.block_size.max(WINDOW);
        let max_buffers = 2 * threads + 2;
        let (job_tx, job_rx) = mpsc::sync_channel::<Job>(max_buffers);
        let (done_tx, done_rx) = mpsc::channel::<io::Result<Done>>();
        let (pool_tx, pool_rx) = mpsc::channel::<Bufs>();
        let abort = Arc::new(AtomicBool::new(false));
        let job_rx = Arc::new(Mutex::new(job_rx));
        let mut workers = Vec::with_capacity(threads);
        for i in 0..threads {
            let job_rx = Arc::clone(&job_rx);
            let done_tx = done_tx.clone();
            let abort = Arc::clone(&abort);
            let level = cfg.level;
            let handle = std::thread::Builder::new()
                .name(format!("hoist-gzip-{i}"))
                .spawn(move || worker(&job_rx, &done_tx, &abort, level))
                .context("cannot start a compression thread")?;
            workers.push(handle);
        }
        drop(done_tx);
        let limit = cfg.limit;
        let collector = std::thread::Builder::new()
            .name("hoist-gzip-out".into())
            .spawn(move || collect(sink, &done_rx, &pool_tx, limit))
            .context("cannot start the compression output thread")?;
        Ok(GzWriter {
            cur: None,
            start: 0,
            filled: 0,
            buf_len: WINDOW + block_size,
            seq: 0,
            allocated: 0,
            max_buffers,
            pool: pool_rx,
            jobs: Some(job_tx),
            abort,
            workers,
            collector: Some(collector),
        })
    }

    /// A free buffer: recycled if one is back, new while under the cap,
    /// otherwise wait for the collector to return one.
    fn take_buffer(&mut self) -> io::Result<Bufs> {
        if let Ok(b) = self.pool.try_recv() {
            return Ok(b);
        }
        if self.allocated < self.max_buffers {
            self.allocated += 1;
            return Ok(Bufs {
                data: vec![0; self.buf_len],
                out: Vec::new(),
            });
        }
        self.pool.recv().map_err(|_| stopped())
    }

    fn current(&mut self) -> io::Result<&mut Bufs> {
        if self.cur.is_none() {
            // Only the very first buffer starts without context.
            self.cur = Some(self.take_buffer()?);
            self.start = 0;
            self.filled = 0;
        }
        self.cur.as_mut().ok_or_else(stopped)
    }

    /// Writable space in the current block, to read data straight into;
    /// follow with [`GzWriter::commit`].
    pub(crate) fn spare(&mut self) -> io::Result<&mut [u8]> {
        let filled = self.filled;
        let cur = self.current()?;
        Ok(&mut cur.data[filled..])
    }

    /// Mark `n` bytes of [`GzWriter::spare`] as written.
    pub(crate) fn commit(&mut self, n: usize) -> io::Result<()> {
        self.filled = (self.filled + n).min(self.buf_len);
        if self.filled == self.buf_len {
            self.submit()?;
        }
        Ok(())
    }

    /// Send the current block to the workers, carrying its last
    /// [`WINDOW`] bytes over as the next block's context.
    fn submit(&mut self) -> io::Result<()> {
        let Some(cur) = self.cur.take() else {
            return Ok(());
        };
        if self.filled == self.start {
            self.cur = Some(cur);
            return Ok(());
        }
        let mut next = match self.take_buffer() {
            Ok(b) => b,
            Err(e) => {
                self.cur = Some(cur);
                return Err(e);
            }
        };
        let ctx = self.filled.saturating_sub(WINDOW);
        let ctx_len = self.filled - ctx;
        next.data[..ctx_len].copy_from_slice(&cur.data[ctx..self.filled]);
        let job = Job {
            seq: self.seq,
            bufs: cur,
            start: self.start,
            end: self.filled,
        };
        self.seq += 1;
        self.cur = Some(next);
        self.start = ctx_len;
        self.filled = ctx_len;
        let jobs = self.jobs.as_ref().ok_or_else(stopped)?;
        jobs.send(job).map_err(|_| stopped())
    }

    /// Flush the last block, write the trailer and return the sink.
    pub(crate) fn finish(mut self) -> anyhow::Result<(W, GzSummary)> {
        let submitted = self.submit();
        let result = self.shutdown();
        match (submitted, result) {
            (_, Err(e)) => Err(e),
            (Err(e), Ok(_)) => Err(e.into()),
            (Ok(()), Ok(done)) => Ok(done),
        }
    }

    /// Stop the pipeline without finishing the stream; returns the error
    /// that stopped it from inside (e.g. [`LimitExceeded`]), if any.
    pub(crate) fn abort(mut self) -> Option<anyhow::Error> {
        self.abort.store(true, Ordering::SeqCst);
        self.shutdown().err()
    }

    fn shutdown(&mut self) -> anyhow::Result<(W, GzSummary)> {
        self.jobs = None;
        self.cur = None;
        let mut panicked = false;
        for w in self.workers.drain(..) {
            panicked |= w.join().is_err();
        }
        let collected = match self.collector.take() {
            Some(c) => c
                .join()
                .map_err(|_| anyhow::anyhow!("the compression output thread panicked"))?,
            None => Err(anyhow::anyhow!("the compressor was already shut down")),
        };
        if panicked {
            anyhow::bail!("a compression thread panicked");
        }
        collected
    }
}

impl<W: Write + Send + 'static> Write for GzWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let spare = self.spare()?;
        let n = spare.len().min(data.len());
        spare[..n].copy_from_slice(&data[..n]);
        self.commit(n)?;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<W: Write + Send + 'static> Drop for GzWriter<W> {
    fn drop(&mut self) {
        if self.collector.is_some() {
            self.abort.store(true, Ordering::SeqCst);
            if self.shutdown().is_err() {
                // Dropped unfinished: the caller is already returning the
                // error that stopped it, and the threads are joined either way.
            }
        }
    }
}

fn worker(
    jobs: &Mutex<Receiver<Job>>,
    done: &Sender<io::Result<Done>>,
    abort: &AtomicBool,
    level: u32,
) {
    let mut enc = BlockEncoder::new(level);
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        let Ok(mut job) = job else { return };
        let mut crc = crc32fast::Hasher::new();
        job.bufs.out.clear();
        let result = if abort.load(Ordering::Relaxed) {
            Ok(())
        } else {
            crc.update(&job.bufs.data[job.start..job.end]);
            enc.encode(&job.bufs.data[..job.end], job.start, &mut job.bufs.out)
        };
        let msg = result.map(|()| Done {
            seq: job.seq,
            bufs: job.bufs,
            crc,
        });
        if done.send(msg).is_err() {
            return;
        }
    }
}

fn collect<W: Write>(
    mut sink: W,
    done: &Receiver<io::Result<Done>>,
    pool: &Sender<Bufs>,
    limit: Option<u64>,
) -> anyhow::Result<(W, GzSummary)> {
    let mut written: u64 = 0;
    let mut put = |sink: &mut W, bytes: &[u8]| -> anyhow::Result<()> {
        written += bytes.len() as u64;
        if let Some(limit) = limit {
            if written > limit {
                return Err(LimitExceeded { limit }.into());
            }
        }
        sink.write_all(bytes).context("cannot write the archive")
    };
    put(&mut sink, &GZIP_HEADER)?;
    let mut crc = crc32fast::Hasher::new();
    let mut next = 0u64;
    let mut pending: BTreeMap<u64, Done> = BTreeMap::new();
    while let Ok(msg) = done.recv() {
        let d = msg.context("compression failed")?;
        pending.insert(d.seq, d);
        while let Some(d) = pending.remove(&next) {
            put(&mut sink, &d.bufs.out)?;
            crc.combine(&d.crc);
            next += 1;
            if pool.send(d.bufs).is_err() {
                // The writer has finished already: the buffer is freed.
            }
        }
    }
    if !pending.is_empty() {
        anyhow::bail!("a compressed block went missing");
    }
    let uncompressed = crc.total_len();
    put(&mut sink, &FINAL_BLOCK)?;
    let mut trailer = [0u8; 8];
    trailer[..4].copy_from_slice(&crc.finalize().to_le_bytes());
    // ISIZE is the length modulo 2^32 by definition.
    trailer[4..].copy_from_slice(&(uncompressed as u32).to_le_bytes());
    put(&mut sink, &trailer)?;
    sink.flush().context("cannot write the archive")?;
    Ok((
        sink,
        GzSummary {
            compressed: written,
            uncompressed,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn sample(n: usize) -> Vec<u8> {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if (out.len() / 50_000) % 2 == 0 {
                out.extend_from_slice(format!("line {} of text\n", x % 97).as_bytes());
            } else {
                out.extend_from_slice(&x.to_le_bytes());
            }
        }
        out.truncate(n);
        out
    }

    fn gzip(data: &[u8], threads: usize, block_size: usize) -> Vec<u8> {
        let cfg = GzConfig {
            threads,
            level: 6,
            block_size,
            limit: None,
        };
        let mut w = GzWriter::new(Vec::new(), &cfg).unwrap();
        // Uneven writes, to exercise block boundaries.
        for piece in data.chunks(7_777) {
            w.write_all(piece).unwrap();
        }
        let (out, sum) = w.finish().unwrap();
        assert_eq!(sum.uncompressed, data.len() as u64);
        assert_eq!(sum.compressed, out.len() as u64);
        out
    }

    fn gunzip(gz: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(gz)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn round_trips_and_ignores_thread_count() {
        let data = sample(1_500_000);
        let one = gzip(&data, 1, 64 * 1024);
        let four = gzip(&data, 4, 64 * 1024);
        assert_eq!(one, four);
        assert_eq!(gunzip(&one), data);
        assert!(one.len() < data.len());
    }

    #[test]
    fn empty_and_tiny_inputs() {
        assert_eq!(gunzip(&gzip(b"", 2, 64 * 1024)), b"");
        assert_eq!(gunzip(&gzip(b"x", 2, 64 * 1024)), b"x");
        let exact = sample(2 * 64 * 1024 + 2 * WINDOW);
        assert_eq!(gunzip(&gzip(&exact, 3, 64 * 1024)), exact);
    }

    #[test]
    fn stops_at_the_limit() {
        let data = sample(3_000_000);
        let cfg = GzConfig {
            threads: 2,
            level: 6,
            block_size: 64 * 1024,
            limit: Some(100_000),
        };
        let mut w = GzWriter::new(Vec::new(), &cfg).unwrap();
        let mut failed = false;
        for piece in data.chunks(10_000) {
            if w.write_all(piece).is_err() {
                failed = true;
                break;
            }
        }
        let err = if failed {
            w.abort().unwrap()
        } else {
            w.finish().unwrap_err()
        };
        assert!(err.downcast_ref::<LimitExceeded>().is_some(), "{err:#}");
    }
}
