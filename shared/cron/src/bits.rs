//! A set of field values, as one bit each.

/// A set of small integers (every field value is below 64).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Bits(pub(crate) u64);

impl Bits {
    pub(crate) fn span(lo: u32, hi: u32, step: usize) -> Bits {
        (lo..=hi).step_by(step).collect()
    }

    pub(crate) fn has(self, v: u32) -> bool {
        v < 64 && (self.0 >> v) & 1 == 1
    }

    pub(crate) fn single(self) -> Option<u32> {
        (self.0.count_ones() == 1).then(|| self.0.trailing_zeros())
    }

    pub(crate) fn iter(self) -> impl Iterator<Item = u32> {
        (0..64).filter(move |&v| self.has(v))
    }
}

impl FromIterator<u32> for Bits {
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> Bits {
        Bits(iter.into_iter().fold(0, |acc, v| acc | (1 << v)))
    }
}
