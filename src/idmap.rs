//! The waiters, keyed by ids the host allocates in increasing order.

use alloc::collections::VecDeque;

/// Most ids an insertion may skip past the previous one while entries remain: the
/// skipped ids cost a slot each until the older entries settle.
pub(crate) const MAX_GAP: u64 = 1 << 16;

/// A map from `u64` ids to values, for ids inserted in strictly increasing order.
///
/// Slot `i` of a `VecDeque` holds id `base + i`; settled entries at the front are
/// popped. Every operation is O(1) (amortised), with little code in wasm (`BTreeMap`
/// and `HashMap` with SipHash cost kilobytes per key/value type). Memory is the span
/// from the oldest live id to the newest, which the host keeps small by allocating ids
/// one by one.
#[derive(Debug, Clone)]
pub(crate) struct IdMap<V> {
    base: u64,
    slots: VecDeque<Option<V>>,
    last: Option<u64>,
    len: usize,
}

impl<V> IdMap<V> {
    pub(crate) fn new() -> IdMap<V> {
        IdMap {
            base: 0,
            slots: VecDeque::new(),
            last: None,
            len: 0,
        }
    }

    fn index(&self, id: u64) -> Option<usize> {
        usize::try_from(id.checked_sub(self.base)?).ok()
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn get(&self, id: u64) -> Option<&V> {
        self.slots.get(self.index(id)?)?.as_ref()
    }

    pub(crate) fn get_mut(&mut self, id: u64) -> Option<&mut V> {
        let i = self.index(id)?;
        self.slots.get_mut(i)?.as_mut()
    }

    /// Inserts `v` under `id`; refused (`Err(v)`) unless `id` is above every id inserted
    /// before and, while entries remain, at most [`MAX_GAP`] past the previous one.
    pub(crate) fn insert(&mut self, id: u64, v: V) -> Result<(), V> {
        if self.last.is_some_and(|l| id <= l) {
            return Err(v);
        }
        if self.slots.is_empty() {
            self.base = id;
        } else {
            let next = self.base + self.slots.len() as u64;
            if id - next > MAX_GAP {
                return Err(v);
            }
            for _ in next..id {
                self.slots.push_back(None);
            }
        }
        self.slots.push_back(Some(v));
        self.last = Some(id);
        self.len += 1;
        Ok(())
    }

    pub(crate) fn remove(&mut self, id: u64) -> Option<V> {
        let i = self.index(id)?;
        let v = self.slots.get_mut(i)?.take()?;
        self.len -= 1;
        while let Some(None) = self.slots.front() {
            self.slots.pop_front();
            self.base = self.base.wrapping_add(1); // only read while slots remain
        }
        Some(v)
    }

    /// Slots held, live or skipped (for tests of the memory bound).
    #[cfg(test)]
    fn span(&self) -> usize {
        self.slots.len()
    }
}

#[cfg(test)]
mod tests {
    use super::{IdMap, MAX_GAP};

    #[test]
    fn behaves_as_a_map_for_increasing_ids() {
        let mut m = IdMap::new();
        for id in [1, 5, 9] {
            m.insert(id, id * 10).unwrap();
        }
        assert_eq!(m.insert(9, 0), Err(0), "a duplicate is refused");
        assert_eq!(m.insert(7, 0), Err(0), "a smaller id is refused");
        assert_eq!(m.len(), 3);
        assert_eq!(m.get(5), Some(&50));
        assert_eq!(m.remove(5), Some(50));
        assert_eq!(m.remove(5), None);
        assert_eq!(m.get(0), None);
        assert_eq!(m.get(u64::MAX), None);
        *m.get_mut(9).unwrap() += 1;
        assert_eq!(m.remove(1), Some(10));
        assert_eq!(m.remove(9), Some(91));
        assert_eq!(m.len(), 0);
        assert_eq!(m.insert(9, 0), Err(0), "still refused once empty");
        assert!(
            m.insert(u64::MAX, 1).is_ok(),
            "an empty map takes any larger id"
        );
        assert!(m.insert(u64::MAX, 1).is_err());
    }

    #[test]
    fn gaps_are_bounded_while_entries_remain() {
        let mut m = IdMap::new();
        m.insert(1, ()).unwrap();
        assert!(m.insert(2 + MAX_GAP + 1, ()).is_err());
        m.insert(2 + MAX_GAP, ()).unwrap();
        assert_eq!(m.span(), MAX_GAP as usize + 2);
        m.remove(1);
        assert_eq!(m.span(), 1, "skipped slots go with the entry before them");
    }

    #[test]
    fn settled_entries_leave_nothing_behind() {
        // A structural bound (no timing): with ids settled roughly in order, the slots
        // held never exceed the live span, however many pass through.
        let mut m = IdMap::new();
        for id in 0..100_000u64 {
            m.insert(id, id).unwrap();
            if id >= 10 {
                assert_eq!(m.remove(id - 10), Some(id - 10));
            }
            assert!(m.span() <= 11, "span {} at {id}", m.span());
        }
        assert_eq!(m.len(), 10);
    }
}
