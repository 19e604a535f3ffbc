//! Reading ahead: the next item of a stream (a store's scan batch, a batch
//! of archived rooms) is read on another thread while the current one is
//! worked on, so that reading and what is done with it overlap.

/// Runs `f` over `items`, whose next item is read on another thread while
/// `f` works on the current one. One item waits at most; when `f` returns
/// early, the reader stops at its next item.
pub fn with_read_ahead<I, R>(items: I, f: impl FnOnce(&mut dyn Iterator<Item = I::Item>) -> R) -> R
where
    I: Iterator + Send,
    I::Item: Send,
{
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        s.spawn(move || {
            for item in items {
                if tx.send(item).is_err() {
                    break;
                }
            }
        });
        let mut items = rx.into_iter();
        f(&mut items)
    })
}
