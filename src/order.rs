//! One sort for the whole crate.
//!
//! Every `sort_by`/`sort_by_cached_key` call site monomorphizes its own quicksort, small-sort
//! and pivot routines (2 to 9 KB of wasm each; `sort_by_cached_key` alone makes four, one per
//! index width). The wasm's size budget (issue 4: 150 KB gzip) can't carry them, so callers
//! sort indices here, through one comparator type, and permute their items afterwards. The
//! lists sorted this way are short (platforms of an index, OS features, a repository's tags).

use std::cmp::Ordering;

/// The positions `0..len` in stable sorted order under `cmp`: ties keep their original order,
/// exactly as `slice::sort_by` orders them.
pub(crate) fn sorted_order(
    len: usize,
    cmp: &mut dyn FnMut(usize, usize) -> Ordering,
) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    // Breaking ties by position makes the order total, so the unstable sort is stable here.
    order.sort_unstable_by(|&a, &b| cmp(a, b).then(a.cmp(&b)));
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
