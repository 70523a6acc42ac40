//! The one bounded worker pool of a release: run a step over a list, at
//! most `jobs` at a time, on scoped threads, taking no new item once the
//! caller says stop (a failure, or Ctrl-C). Every step that fans out —
//! storing versions, staging and activating deploys — goes through it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// `f(index, item)` for each item, at most `jobs` at once; items not yet
/// started when `stop()` turns true are skipped. Returns the results of
/// the items that ran, in the items' order.
pub fn bounded<T, R>(
    items: &[T],
    jobs: usize,
    stop: impl Fn() -> bool + Sync,
    f: impl Fn(usize, &T) -> R + Sync,
) -> Vec<(usize, R)>
where
    T: Sync,
    R: Send,
{
    let next = AtomicUsize::new(0);
    let out = Mutex::new(Vec::with_capacity(items.len()));
    std::thread::scope(|s| {
        for _ in 0..jobs.clamp(1, items.len().max(1)) {
            s.spawn(|| loop {
                if stop() {
                    return;
                }
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(item) = items.get(i) else { return };
                let r = f(i, item);
                out.lock().unwrap_or_else(|p| p.into_inner()).push((i, r));
            });
        }
    });
    let mut out = out.into_inner().unwrap_or_else(|p| p.into_inner());
    out.sort_by_key(|(i, _)| *i);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    #[test]
    fn every_item_runs_once_in_order_and_stop_skips_the_rest() {
        let items: Vec<u32> = (0..50).collect();
        let out = bounded(&items, 4, || false, |i, x| (i as u32) * 100 + x);
        assert_eq!(out.len(), 50);
        assert!(out.iter().all(|(i, r)| *r == (*i as u32) * 101));
        let stop = AtomicBool::new(false);
        let out = bounded(
            &items,
            1,
            || stop.load(Ordering::SeqCst),
            |i, _| {
                if i == 9 {
                    stop.store(true, Ordering::SeqCst);
                }
            },
        );
        assert_eq!(out.len(), 10, "items after the stop were skipped");
    }
}
