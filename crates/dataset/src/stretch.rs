//! Sixty-four bytes of a line as one bit a byte: where a given byte is, and where the bytes
//! below a given value are. The line splitter asks this of every stretch of a file, so on
//! x86-64 it is done with SSE2 (part of every x86-64 processor) through `safe_arch`; elsewhere
//! with eight-byte words. The two agree (a test compares them on x86-64).

/// A stretch of 64 bytes, ready to be asked about.
#[cfg(target_arch = "x86_64")]
pub(crate) use lanes::Stretch;
#[cfg(not(target_arch = "x86_64"))]
pub(crate) use words::Stretch;

#[cfg(target_arch = "x86_64")]
mod lanes {
    use safe_arch::{
        cmp_eq_mask_i8_m128i, m128i, min_u8_m128i, move_mask_i8_m128i, set_splat_i8_m128i,
    };

    /// The stretch as four 16-byte lanes.
    pub(crate) struct Stretch([m128i; 4]);

    impl Stretch {
        #[inline]
        pub(crate) fn new(bytes: &[u8; 64]) -> Self {
            let lane = |k: usize| {
                let mut b = [0u8; 16];
                b.copy_from_slice(&bytes[16 * k..16 * k + 16]);
                m128i::from(b)
            };
            Self([lane(0), lane(1), lane(2), lane(3)])
        }

        /// Each lane's top bits, gathered into one bit a byte.
        #[inline]
        fn bits(&self, test: impl Fn(m128i) -> m128i) -> u64 {
            let mut bits = 0u64;
            for (k, &lane) in self.0.iter().enumerate() {
                // move_mask sets only the low 16 bits.
                bits |= u64::from(move_mask_i8_m128i(test(lane)) as u16) << (16 * k);
            }
            bits
        }

        /// The bytes equal to `b`.
        #[inline]
        pub(crate) fn eq(&self, b: u8) -> u64 {
            let splat = set_splat_i8_m128i(b as i8);
            self.bits(|lane| cmp_eq_mask_i8_m128i(lane, splat))
        }

        /// The bytes below `n` (1 to 127): exactly these.
        #[inline]
        pub(crate) fn below(&self, n: u8) -> u64 {
            // x < n exactly when min(x, n - 1) == x, unsigned.
            let top = set_splat_i8_m128i(n.wrapping_sub(1) as i8);
            self.bits(|lane| cmp_eq_mask_i8_m128i(min_u8_m128i(lane, top), lane))
        }
    }
}

#[cfg(any(test, not(target_arch = "x86_64")))]
mod words {
    /// The stretch as eight little-endian words.
    pub(crate) struct Stretch([u64; 8]);

    impl Stretch {
        #[inline]
        pub(crate) fn new(bytes: &[u8; 64]) -> Self {
            let mut w = [0u64; 8];
            for (k, word) in w.iter_mut().enumerate() {
                let mut b = [0u8; 8];
                b.copy_from_slice(&bytes[8 * k..8 * k + 8]);
                *word = u64::from_le_bytes(b);
            }
            Self(w)
        }

        /// The bytes equal to `b`, exactly (no false hits).
        #[inline]
        pub(crate) fn eq(&self, b: u8) -> u64 {
            const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
            let mut bits = 0;
            for (k, &w) in self.0.iter().enumerate() {
                let x = w ^ (0x0101_0101_0101_0101 * u64::from(b));
                bits |= byte_bits(!(((x & LOW7) + LOW7) | x | LOW7)) << (8 * k);
            }
            bits
        }

        /// The bytes below `n` (1 to 127), and possibly some bytes after one of them in the
        /// same word (a borrow): the lowest bit set is always a true one, so the answer is
        /// exact for "is there one", and for the first one.
        #[inline]
        pub(crate) fn below(&self, n: u8) -> u64 {
            let mut bits = 0;
            for (k, &w) in self.0.iter().enumerate() {
                let m = w.wrapping_sub(0x0101_0101_0101_0101 * u64::from(n))
                    & !w
                    & 0x8080_8080_8080_8080;
                bits |= byte_bits(m) << (8 * k);
            }
            bits
        }
    }

    /// A byte mask (the top bit of each byte) as one bit a byte, the lowest byte's the lowest
    /// bit.
    fn byte_bits(mask: u64) -> u64 {
        ((mask >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use proptest::prelude::*;

    fn stretch() -> impl Strategy<Value = Vec<u8>> {
        // Mostly the bytes a CSV line holds, with any byte now and then.
        prop::collection::vec(
            prop_oneof![
                4 => prop::sample::select(b",\"\r\n a0Z/ \t".to_vec()),
                1 => any::<u8>(),
            ],
            64,
        )
    }

    proptest! {
        #[test]
        fn sse2_lanes_and_words_agree(bytes in stretch()) {
            let bytes: [u8; 64] = bytes.try_into().expect("64 bytes");
            let (lanes, words) = (super::lanes::Stretch::new(&bytes), super::words::Stretch::new(&bytes));
            for b in [b',', b'"', b'\n', b'\r', 0, 0x80, 0xff] {
                let exact: u64 = (0..64).map(|i| u64::from(bytes[i] == b) << i).sum();
                prop_assert_eq!(lanes.eq(b), exact);
                prop_assert_eq!(words.eq(b), exact);
            }
            for n in [b'!', b'#', 1, 127] {
                let exact: u64 = (0..64).map(|i| u64::from(bytes[i] < n) << i).sum();
                prop_assert_eq!(lanes.below(n), exact);
                // The words may mark more, never fewer, and never before the first.
                let w = words.below(n);
                prop_assert_eq!(w & exact, exact);
                prop_assert_eq!(w.trailing_zeros(), exact.trailing_zeros());
            }
        }
    }
}
