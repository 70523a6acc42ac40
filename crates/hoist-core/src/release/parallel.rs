//! The one bounded pool of a release: run a step over a list, at most
//! `jobs` at a time, taking no new item once the caller says stop (a
//! failure, or Ctrl-C). Every step that fans out — storing versions,
//! staging and activating deploys — goes through it. The steps are futures
//! polled together on the caller's task; what they do on the CPU or the
//! disk goes to the runtime's blocking threads, so one step's file work
//! never holds up another's requests.

use std::future::Future;

use futures_util::stream::{self, StreamExt};

/// `f(index, item)` for each item, at most `jobs` at once; items not yet
/// started when `stop()` turns true are skipped. Returns the results of
/// the items that ran, in the items' order.
pub async fn bounded<'a, T, R, Fut>(
    items: &'a [T],
    jobs: usize,
    stop: impl Fn() -> bool,
    f: impl Fn(usize, &'a T) -> Fut,
) -> Vec<(usize, R)>
where
    Fut: Future<Output = R>,
{
    let started = stream::iter(items.iter().enumerate())
        .take_while(|_| std::future::ready(!stop()))
        .map(|(i, item)| {
            let step = f(i, item);
            async move { (i, step.await) }
        });
    let mut out: Vec<(usize, R)> = started
        .buffer_unordered(jobs.clamp(1, items.len().max(1)))
        .collect()
        .await;
    out.sort_by_key(|(i, _)| *i);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    #[tokio::test]
    async fn every_item_runs_once_in_order_and_stop_skips_the_rest() {
        let items: Vec<u32> = (0..50).collect();
        let out = bounded(
            &items,
            4,
            || false,
            |i, x| async move { (i as u32) * 100 + x },
        )
        .await;
        assert_eq!(out.len(), 50);
        assert!(out.iter().all(|(i, r)| *r == (*i as u32) * 101));
        let stop = AtomicBool::new(false);
        let stop_ref = &stop;
        let out = bounded(
            &items,
            1,
            || stop.load(Ordering::SeqCst),
            |i, _| async move {
                if i == 9 {
                    stop_ref.store(true, Ordering::SeqCst);
                }
            },
        )
        .await;
        assert_eq!(out.len(), 10, "items after the stop were skipped");
    }

    #[tokio::test]
    async fn at_most_jobs_run_at_once() {
        let items: Vec<u32> = (0..12).collect();
        let (now, peak) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let (now, peak) = (&now, &peak);
        bounded(
            &items,
            3,
            || false,
            |_, _| async move {
                let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(n, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                now.fetch_sub(1, Ordering::SeqCst);
            },
        )
        .await;
        assert_eq!(peak.load(Ordering::SeqCst), 3);
    }
}
