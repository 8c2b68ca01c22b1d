//! The bump arena of the component's allocator ([`crate::heap`]), as address arithmetic over a
//! range, so that it is tested natively like the rest of the task.

/// A bump arena over the addresses `start..end`: blocks are cut in order, the latest can be
/// given back or regrown in place, and any other block given back stays used until the run
/// ends (its instance is discarded, arena and all).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Arena {
    start: usize,
    end: usize,
    cursor: usize,
}

impl Arena {
    pub(crate) const fn new(start: usize, end: usize) -> Self {
        Arena {
            start,
            end,
            cursor: start,
        }
    }

    /// Whether `address` is inside the arena.
    pub(crate) fn contains(&self, address: usize) -> bool {
        (self.start..self.end).contains(&address)
    }

    /// The address of a new block of `size` bytes aligned to `align` (a power of two), if it
    /// fits. Never for a size of 0: such a block could sit at the arena's end, outside it.
    pub(crate) fn cut(&mut self, size: usize, align: usize) -> Option<usize> {
        if size == 0 {
            return None;
        }
        let block = self.cursor.checked_next_multiple_of(align)?;
        let block_end = block.checked_add(size)?;
        if block_end > self.end {
            return None;
        }
        self.cursor = block_end;
        Some(block)
    }

    /// Gives back the block at `address` of `size` bytes: its room is reused if it is the
    /// latest.
    pub(crate) fn give_back(&mut self, address: usize, size: usize) {
        if address.checked_add(size) == Some(self.cursor) {
            self.cursor = address;
        }
    }

    /// Resizes the block at `address` from `size` to `new_size` bytes in place, if it is the
    /// latest and the new size fits; says whether it did.
    pub(crate) fn regrow(&mut self, address: usize, size: usize, new_size: usize) -> bool {
        let latest = address.checked_add(size) == Some(self.cursor);
        match address.checked_add(new_size) {
            Some(new_end) if latest && new_end <= self.end => {
                self.cursor = new_end;
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_aligned_disjoint_and_within_the_arena() {
        let mut arena = Arena::new(1001, 1101);
        let a = arena.cut(10, 8).unwrap();
        assert_eq!(a, 1008);
        let b = arena.cut(3, 1).unwrap();
        assert_eq!(b, 1018);
        let c = arena.cut(16, 16).unwrap();
        assert_eq!(c, 1024);
        assert!(arena.cut(62, 1).is_none(), "past the end");
        assert_eq!(arena.cut(61, 1), Some(1040), "exactly to the end");
        assert!(arena.cut(1, 1).is_none(), "full");
        assert!(arena.cut(0, 1).is_none(), "no empty blocks, even at the end");
        assert!(arena.cut(usize::MAX, 1).is_none(), "no overflow");
        assert!(arena.contains(1001) && arena.contains(1100) && !arena.contains(1101));
    }

    #[test]
    fn only_the_latest_block_is_given_back_or_regrown() {
        let mut arena = Arena::new(0x1000, 0x1100);
        let a = arena.cut(16, 8).unwrap();
        let b = arena.cut(16, 8).unwrap();
        arena.give_back(a, 16);
        assert_eq!(
            arena.cut(8, 8),
            Some(b + 16),
            "a is not the latest: its room stays used"
        );
        let mut arena = Arena::new(0x1000, 0x1100);
        let a = arena.cut(16, 8).unwrap();
        assert!(arena.regrow(a, 16, 64), "the latest grows in place");
        assert_eq!(arena.cut(1, 1), Some(a + 64));
        assert!(!arena.regrow(a, 64, 80), "no longer the latest");
        let mut arena = Arena::new(0x1000, 0x1100);
        let a = arena.cut(16, 8).unwrap();
        assert!(!arena.regrow(a, 16, 0x101), "past the end");
        assert!(arena.regrow(a, 16, 4), "and shrinks");
        arena.give_back(a, 4);
        assert_eq!(arena.cut(16, 8), Some(a), "the latest given back is reused");
    }
}
