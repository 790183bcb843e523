//! One sort for the whole crate.
//!
//! Every `sort_by`/`sort_by_cached_key` call site monomorphizes its own quicksort, small-sort
//! and pivot routines (2 to 9 KB of wasm each; `sort_by_cached_key` alone makes four, one per
//! index width). The wasm's size budget (issue 4: 150 KB gzip) can't carry them, so callers
//! sort indices here, through one comparator type, and permute their items afterwards. The
//! lists sorted this way are short (platforms of an index, OS features, a repository's tags).

use std::cmp::Ordering;

/// The positions `0..len` in stable sorted order under `cmp`: ties keep their original order,
/// exactly as `slice::sort_by` orders them. A bottom-up merge sort (O(n log n) comparisons, n
/// extra words): a few hundred bytes of wasm where core's sort is 8 KB.
pub(crate) fn sorted_order(
    len: usize,
    cmp: &mut dyn FnMut(usize, usize) -> Ordering,
) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    let mut merged: Vec<usize> = vec![0; len];
    let mut width = 1;
    while width < len {
        let mut start = 0;
        while start < len {
            let mid = len.min(start + width);
            let end = len.min(start + 2 * width);
            let (mut left, mut right) = (start, mid);
            for slot in merged.iter_mut().take(end).skip(start) {
                // Take from the left run unless the right one's head is strictly smaller:
                // that is what keeps equal items in their original order.
                let take_left = match (order.get(left), order.get(right)) {
                    (Some(&a), Some(&b)) if left < mid && right < end => {
                        cmp(a, b) != Ordering::Greater
                    }
                    _ => left < mid,
                };
                let from = if take_left { &mut left } else { &mut right };
                *slot = order.get(*from).copied().unwrap_or(0);
                *from += 1;
            }
            start = end;
        }
        std::mem::swap(&mut order, &mut merged);
        width *= 2;
    }
    order
}

/// Reorders `items` so that `items[i]` becomes the old `items[order[i]]`; `order` is a
/// permutation of `0..items.len()` (from [`sorted_order`]). Follows the cycles of the
/// permutation by swaps, as `slice::sort_by_cached_key` does, so nothing is cloned.
pub(crate) fn permute<T>(items: &mut [T], order: &[usize]) {
    let mut order = order.to_vec();
    for i in 0..order.len() {
        let mut from = order.get(i).copied().unwrap_or(i);
        // Items before `i` were moved already: follow where the wanted one went.
        while from < i {
            from = order.get(from).copied().unwrap_or(i);
        }
        if let Some(slot) = order.get_mut(i) {
            *slot = from;
        }
        items.swap(i, from);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_stably_like_sort_by() {
        let words = [
            "pear", "fig", "apple", "kiwi", "date", "plum", "lime", "fig", "a",
        ];
        for len in 0..=words.len() {
            let mut want: Vec<(usize, &str)> =
                words.iter().take(len).copied().enumerate().collect();
            want.sort_by_key(|(_, w)| w.len());
            let mut got: Vec<(usize, &str)> = words.iter().take(len).copied().enumerate().collect();
            let keys: Vec<usize> = got.iter().map(|(_, w)| w.len()).collect();
            let order = sorted_order(len, &mut |a, b| keys[a].cmp(&keys[b]));
            permute(&mut got, &order);
            assert_eq!(got, want);
        }
    }
}
