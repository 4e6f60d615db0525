//! splitmix64: a tiny, good-enough PRNG with no dependency, and the seeds it derives.

/// A splitmix64 generator.
#[derive(Clone, Debug)]
pub struct Rng(u64);

/// One splitmix64 step of `x` (also used to derive sequence seeds).
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of sequence `index` of a run seeded with `seed`.
pub fn sequence_seed(seed: u64, index: u64) -> u64 {
    mix(seed ^ mix(index.wrapping_add(1)))
}

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// An index into a collection of `len` items.
    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// True with probability `num / den`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    /// One of `items` (which must not be empty).
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }

    /// `len` random bytes, never all zero (so that a read path returning zeros cannot pass for them).
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let seed = self.next_u64() | 1;
        (0..len)
            .map(|i| (mix(seed ^ i as u64) as u8).max(1))
            .collect()
    }
}
