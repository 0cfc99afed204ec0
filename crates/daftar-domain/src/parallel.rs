//! Work over many items split across the machine's cores, the results kept in the items'
//! order: an import's rows checked, its persons' keys built. No I/O; a worker that panics
//! re-raises its panic here (no item is dropped silently).

/// `f(index, item)` for every item, on one thread per core, in the items' order.
pub fn map_in_order<T: Sync, R: Send>(items: &[T], f: impl Fn(usize, &T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = items.len().div_ceil(threads).max(1);
    let f = &f;
    std::thread::scope(|s| {
        let parts: Vec<_> = items
            .chunks(per)
            .enumerate()
            .map(|(c, chunk)| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .enumerate()
                        .map(|(j, item)| f(c * per + j, item))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_the_items_order_with_their_index() {
        let items: Vec<u64> = (0..10_007).collect();
        let out = map_in_order(&items, |i, x| (i as u64, x * 2));
        assert_eq!(out.len(), items.len());
        assert!(
            out.iter()
                .enumerate()
                .all(|(i, &(j, y))| j == i as u64 && y == 2 * i as u64)
        );
        assert!(map_in_order(&[] as &[u8], |_, x| *x).is_empty());
    }

    #[test]
    fn a_worker_panic_is_raised_not_swallowed() {
        let items: Vec<u32> = (0..100).collect();
        let caught = std::panic::catch_unwind(|| {
            map_in_order(&items, |_, &x| if x == 77 { panic!("row 77") } else { x })
        });
        assert!(caught.is_err());
    }
}
