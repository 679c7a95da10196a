//! A map from ids to values for the handful of entries the manager holds at once.

use alloc::vec::Vec;

/// A small map keyed by `u64` ids: a `Vec` searched from the front.
///
/// The manager holds tens of waiters at most, so a linear search is as fast as a tree
/// or a hash table here, and it is far smaller in wasm (`BTreeMap` and `HashMap` with
/// SipHash cost kilobytes per key/value type). Order is not kept: `remove` swaps the
/// last entry into the hole.
#[derive(Debug, Clone)]
pub(crate) struct IdMap<V>(Vec<(u64, V)>);

impl<V> IdMap<V> {
    pub(crate) fn new() -> IdMap<V> {
        IdMap(Vec::new())
    }

    fn index(&self, id: u64) -> Option<usize> {
        self.0.iter().position(|(k, _)| *k == id)
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn contains_key(&self, id: &u64) -> bool {
        self.index(*id).is_some()
    }

    pub(crate) fn get(&self, id: &u64) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == id).map(|(_, v)| v)
    }

    pub(crate) fn get_mut(&mut self, id: &u64) -> Option<&mut V> {
        self.0.iter_mut().find(|(k, _)| k == id).map(|(_, v)| v)
    }

    /// Inserts or replaces the value of `id`.
    pub(crate) fn insert(&mut self, id: u64, v: V) {
        match self.get_mut(&id) {
            Some(old) => *old = v,
            None => self.0.push((id, v)),
        }
    }

    pub(crate) fn remove(&mut self, id: &u64) -> Option<V> {
        let i = self.index(*id)?;
        Some(self.0.swap_remove(i).1)
    }

    pub(crate) fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.0.iter_mut().map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::IdMap;

    #[test]
    fn behaves_as_a_map() {
        let mut m = IdMap::new();
        for id in [5, 1, 9] {
            m.insert(id, id * 10);
        }
        m.insert(1, 11);
        assert_eq!(m.len(), 3);
        assert_eq!(m.get(&1), Some(&11));
        assert_eq!(m.remove(&5), Some(50));
        assert_eq!(m.remove(&5), None);
        assert!(!m.contains_key(&5) && m.contains_key(&9));
        *m.get_mut(&9).unwrap() += 1;
        assert_eq!(m.values_mut().map(|v| *v).sum::<u64>(), 11 + 91);
    }
}
