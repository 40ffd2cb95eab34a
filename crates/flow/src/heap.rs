//! A 4-ary min-heap: the pricing buckets' priority queue.
//!
//! The buckets push and pop millions of entries in a large solve, most of them on heaps too big
//! for the cache. With four children per node the heap is half as deep as a binary one, and the
//! four children of a node sit side by side in memory, so a pop touches about half as many cache
//! lines. The order of equal elements is irrelevant: the heap holds a total order's elements and
//! only its least one is ever read.

/// Children per node.
const D: usize = 4;

/// A min-heap with `D` children per node (`children of i: D*i+1 ..= D*i+D`).
pub(crate) struct MinHeap<T> {
    v: Vec<T>,
}

impl<T: Ord + Copy> MinHeap<T> {
    pub(crate) const fn new() -> Self {
        MinHeap { v: Vec::new() }
    }

    /// The heap of `v`'s elements, built in linear time.
    pub(crate) fn from_vec(v: Vec<T>) -> Self {
        let mut h = MinHeap { v };
        h.heapify();
        h
    }

    pub(crate) fn len(&self) -> usize {
        self.v.len()
    }

    /// The least element.
    #[inline(always)]
    pub(crate) fn peek(&self) -> Option<&T> {
        self.v.first()
    }

    #[inline]
    pub(crate) fn push(&mut self, x: T) {
        let mut i = self.v.len();
        self.v.push(x);
        // Move the hole up while the parent is greater.
        while i > 0 {
            let p = (i - 1) / D;
            let y = self.v[p];
            if y <= x {
                break;
            }
            self.v[i] = y;
            i = p;
        }
        self.v[i] = x;
    }

    /// Removes the least element.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<T> {
        let last = self.v.pop()?;
        if self.v.is_empty() {
            return Some(last);
        }
        let top = self.v[0];
        self.sift_down(0, last);
        Some(top)
    }

    /// Keeps only the elements `keep` accepts, then restores the heap order.
    pub(crate) fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.v.retain(keep);
        self.heapify();
    }

    pub(crate) fn shrink_to_fit(&mut self) {
        self.v.shrink_to_fit();
    }

    fn heapify(&mut self) {
        let n = self.v.len();
        if n < 2 {
            return;
        }
        for i in (0..=(n - 2) / D).rev() {
            let x = self.v[i];
            self.sift_down(i, x);
        }
    }

    /// Places `x` in the hole at `i`, moving it down past smaller children.
    #[inline(always)]
    fn sift_down(&mut self, mut i: usize, x: T) {
        let n = self.v.len();
        loop {
            let c = D * i + 1;
            if c >= n {
                break;
            }
            // The least of the (up to four) children.
            let end = (c + D).min(n);
            let mut m = c;
            let mut mv = self.v[c];
            for j in c + 1..end {
                let w = self.v[j];
                if w < mv {
                    m = j;
                    mv = w;
                }
            }
            if x <= mv {
                break;
            }
            self.v[i] = mv;
            i = m;
        }
        self.v[i] = x;
    }
}

#[cfg(test)]
mod tests {
    use super::MinHeap;
    use proptest::prelude::*;

    proptest! {
        /// Any mix of pushes, pops and purges gives what a sorted list gives.
        #[test]
        fn behaves_like_a_sorted_list(
            start in proptest::collection::vec(-50i64..50, 0..40),
            ops in proptest::collection::vec((0u8..4, -50i64..50), 0..300),
        ) {
            let mut h = MinHeap::from_vec(start.clone());
            let mut model = start;
            for (op, x) in ops {
                match op {
                    0 | 1 => {
                        h.push(x);
                        model.push(x);
                    }
                    2 => {
                        model.sort_unstable();
                        let want = if model.is_empty() { None } else { Some(model.remove(0)) };
                        prop_assert_eq!(h.pop(), want);
                    }
                    _ => {
                        // Drops the elements in `x`'s residue class modulo 3.
                        h.retain(|&y| y.rem_euclid(3) != x.rem_euclid(3));
                        model.retain(|&y| y.rem_euclid(3) != x.rem_euclid(3));
                    }
                }
                prop_assert_eq!(h.len(), model.len());
                prop_assert_eq!(h.peek().copied(), model.iter().copied().min());
            }
            model.sort_unstable();
            let mut drained = Vec::new();
            while let Some(x) = h.pop() {
                drained.push(x);
            }
            prop_assert_eq!(drained, model);
        }
    }
}
