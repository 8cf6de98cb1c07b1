//! Ordered parallel processing of a stream in chunks, with memory bounded whatever the input
//! size.
//!
//! ```text
//!  reader thread ──chunks──► [bounded queue] ──► worker 1..N (own state each) ──► [bounded queue] ──► caller's thread
//!        ▲                                                                                            (reorders by chunk
//!        └──────────────────────────── one token back per chunk consumed ◄──────────────────────────── number, consumes in order)
//! ```
//!
//! The reader may only start a chunk when it holds a token, and a token comes back only when the
//! caller has consumed a chunk, so at most `in_flight` chunks exist at any time (queued, being
//! processed, or waiting to be reordered). Memory is therefore about
//! `in_flight × chunk size`, flat in the length of the input. Output order is input order
//! whatever the number of workers, and the per-item work is deterministic, so the result is the
//! same byte for byte with 1 or N threads.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};

use crate::error::Result;

/// Most worker threads a stream starts (more are clamped to this; `--threads` refuses them).
pub const MAX_THREADS: usize = 1024;

/// Sizes of the stream.
#[derive(Debug, Clone, Copy)]
pub struct StreamOptions {
    /// Worker threads (at least 1).
    pub threads: usize,
    /// A chunk closes after this many items...
    pub chunk_items: usize,
    /// ...or once its items weigh this many bytes, whichever comes first.
    pub chunk_bytes: usize,
    /// Most chunks alive at once; at least `threads + 1` keeps every worker busy.
    pub in_flight: usize,
}

impl StreamOptions {
    pub fn new(threads: usize) -> Self {
        let threads = threads.max(1);
        StreamOptions { threads, chunk_items: 256, chunk_bytes: 1 << 20, in_flight: threads.saturating_mul(2).saturating_add(2) }
    }
}

/// What the consumer wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// Stop reading; chunks not yet consumed are dropped.
    Stop,
}

/// Runs `work` over the items produced by `next`, `threads` at a time, and hands the results to
/// `consume` in input order, one chunk at a time.
///
/// * `next` runs on its own thread and returns the next item with its weight in bytes, `None`
///   at the end, or `Err` when the input fails (the stream then ends after the chunks already
///   read, and the error is returned).
/// * `make_state` builds one state per worker (buffers reused across chunks).
/// * `work` turns a chunk of items into one result; `consume` sees each chunk's result in order
///   with the chunk's number and may stop the stream.
pub fn run_ordered<T, S, R, N, M, W, C>(options: StreamOptions, mut next: N, make_state: M, work: W, mut consume: C) -> Result<()>
where
    T: Send,
    R: Send,
    N: FnMut() -> Result<Option<(T, usize)>> + Send,
    M: Fn() -> S + Sync,
    W: Fn(&mut S, Vec<T>) -> R + Sync,
    C: FnMut(u64, R) -> Result<Flow>,
{
    let threads = options.threads.clamp(1, MAX_THREADS);
    let in_flight = options.in_flight.clamp(threads + 1, 4 * MAX_THREADS);
    let chunk_items = options.chunk_items.max(1);
    let stop = AtomicBool::new(false);

    std::thread::scope(|scope| -> Result<()> {
        let (token_tx, token_rx) = sync_channel::<()>(in_flight);
        for _ in 0..in_flight {
            token_tx.send(()).expect("token queue has room");
        }
        let (work_tx, work_rx) = sync_channel::<(u64, Vec<T>)>(in_flight);
        let (done_tx, done_rx) = sync_channel::<(u64, R)>(in_flight);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let stop = &stop;

        // Workers first: if the system cannot start one, nothing has read the input yet, and the
        // workers already started end as the work queue closes.
        for i in 0..threads {
            let work_rx = Arc::clone(&work_rx);
            let done_tx = done_tx.clone();
            let (make_state, work) = (&make_state, &work);
            let spawned = std::thread::Builder::new().name(format!("score-{i}")).spawn_scoped(scope, move || {
                let mut state = make_state();
                loop {
                    let received = work_rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok((seq, chunk)) = received else { return };
                    let result = work(&mut state, chunk);
                    if done_tx.send((seq, result)).is_err() {
                        return;
                    }
                }
            });
            if let Err(e) = spawned {
                return Err(thread_error(threads, e));
            }
        }
        // Reader: one chunk per token.
        let spawned = std::thread::Builder::new().name("score-reader".into()).spawn_scoped(scope, move || -> Result<()> {
            let mut seq = 0u64;
            loop {
                if token_rx.recv().is_err() || stop.load(Ordering::Relaxed) {
                    return Ok(());
                }
                let mut chunk = Vec::with_capacity(chunk_items.min(1024));
                let mut bytes = 0usize;
                let mut failure = None;
                while chunk.len() < chunk_items && bytes < options.chunk_bytes {
                    match next() {
                        Ok(Some((item, weight))) => {
                            bytes += weight;
                            chunk.push(item);
                        }
                        Ok(None) => break,
                        Err(e) => {
                            failure = Some(e);
                            break;
                        }
                    }
                }
                let last = chunk.len() < chunk_items && bytes < options.chunk_bytes;
                if !chunk.is_empty() && work_tx.send((seq, chunk)).is_err() {
                    return Ok(());
                }
                seq += 1;
                if let Some(e) = failure {
                    return Err(e);
                }
                if last {
                    return Ok(());
                }
            }
        });
        let reader = spawned.map_err(|e| thread_error(threads, e))?;

        drop(done_tx);
        drop(work_rx);

        let outcome = consume_in_order(&done_rx, &token_tx, &mut consume);
        // Whatever happened, let every thread finish: stop the reader, close the queues.
        stop.store(true, Ordering::Relaxed);
        drop(token_tx);
        drop(done_rx);
        let read = reader.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        outcome?;
        read
    })
}

fn thread_error(threads: usize, e: std::io::Error) -> crate::error::StanceError {
    crate::error::StanceError::config("threads", format!("cannot start the threads to score with {threads} workers: {e}; give fewer --threads"))
}

fn consume_in_order<R, C>(done_rx: &Receiver<(u64, R)>, token_tx: &std::sync::mpsc::SyncSender<()>, consume: &mut C) -> Result<()>
where
    C: FnMut(u64, R) -> Result<Flow>,
{
    let mut pending: BTreeMap<u64, R> = BTreeMap::new();
    let mut expected = 0u64;
    for (seq, result) in done_rx.iter() {
        pending.insert(seq, result);
        while let Some(result) = pending.remove(&expected) {
            let flow = consume(expected, result)?;
            expected += 1;
            if flow == Flow::Stop {
                return Ok(());
            }
            let _ = token_tx.send(());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(threads: usize, n: u64, chunk: usize) -> Vec<u64> {
        let mut i = 0u64;
        let mut out = Vec::new();
        let options = StreamOptions { threads, chunk_items: chunk, chunk_bytes: usize::MAX, in_flight: 3 };
        run_ordered(
            options,
            || {
                i += 1;
                Ok((i <= n).then_some((i, 1)))
            },
            || (),
            |_, items: Vec<u64>| {
                // Uneven work so chunks finish out of order.
                if items[0] % 3 == 1 {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                items.into_iter().map(|x| x * x).collect::<Vec<_>>()
            },
            |_, r| {
                out.extend(r);
                Ok(Flow::Continue)
            },
        )
        .unwrap();
        out
    }

    #[test]
    fn keeps_input_order_with_many_threads() {
        let expected: Vec<u64> = (1..=1000).map(|x| x * x).collect();
        assert_eq!(run(1, 1000, 7), expected);
        assert_eq!(run(4, 1000, 7), expected);
        assert_eq!(run(3, 0, 7), Vec::<u64>::new());
        assert_eq!(run(2, 14, 7), expected[..14].to_vec());
    }

    #[test]
    fn stop_ends_the_stream_early() {
        let mut i = 0u64;
        let mut seen = Vec::new();
        run_ordered(
            StreamOptions { threads: 2, chunk_items: 2, chunk_bytes: usize::MAX, in_flight: 4 },
            || {
                i += 1;
                Ok(Some((i, 1))) // endless input
            },
            || (),
            |_, items: Vec<u64>| items,
            |seq, r| {
                seen.extend(r);
                Ok(if seq == 4 { Flow::Stop } else { Flow::Continue })
            },
        )
        .unwrap();
        assert_eq!(seen, (1..=10).collect::<Vec<_>>());
    }

    #[test]
    fn input_failure_is_returned_after_the_chunks_before_it() {
        let mut i = 0u64;
        let mut seen = Vec::new();
        let result = run_ordered(
            StreamOptions { threads: 2, chunk_items: 4, chunk_bytes: usize::MAX, in_flight: 3 },
            || {
                i += 1;
                if i == 7 {
                    return Err(crate::error::StanceError::config("input", "broken"));
                }
                Ok(Some((i, 1)))
            },
            || (),
            |_, items: Vec<u64>| items,
            |_, r| {
                seen.extend(r);
                Ok(Flow::Continue)
            },
        );
        assert!(result.is_err());
        assert_eq!(seen, (1..=6).collect::<Vec<_>>());
    }
}
