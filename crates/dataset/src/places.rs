//! A plain line's values from the places of its commas: where each value lies, and which are
//! filled, worked out for every row checked. Four values at a time with SSE2 on x86-64 (through
//! `safe_arch`); one at a time elsewhere, and for the last few. A test compares the two.

/// Each value's `(start, end)` in a plain line whose values need no trimming, into `spans`, and
/// a bit for each value that is not blank into `filled` (64 a word), from `ends`: the place of
/// the comma after each value (the last: the line's end). `gap` is the width of a comma, and
/// `quote` 1 when every value is wrapped in quotes (which the place leaves out), else 0.
pub(crate) fn plain_places(
    ends: &[u32],
    gap: u32,
    quote: u32,
    spans: &mut Vec<(u32, u32)>,
    filled: &mut Vec<u64>,
) {
    // Every place is written below: rows of one width need no clearing between them.
    spans.resize(ends.len(), (0, 0));
    filled.clear();
    filled.resize(ends.len().div_ceil(64), 0);
    #[cfg(target_arch = "x86_64")]
    let from = lanes::places(ends, gap, quote, spans, filled);
    #[cfg(not(target_arch = "x86_64"))]
    let from = 0;
    one_by_one(ends, from, gap, quote, spans, filled);
}

/// [`plain_places`] from value `from` on, one value at a time.
fn one_by_one(
    ends: &[u32],
    from: usize,
    gap: u32,
    quote: u32,
    spans: &mut [(u32, u32)],
    filled: &mut [u64],
) {
    // The first value starts as if a comma stood just before the line.
    let mut before = match from {
        0 => 0u32.wrapping_sub(gap),
        i => ends[i - 1],
    };
    for (i, (&end, span)) in ends.iter().zip(spans.iter_mut()).enumerate().skip(from) {
        let s = before.wrapping_add(gap + quote);
        let e = end - quote;
        *span = (s, e);
        filled[i / 64] |= u64::from(s != e) << (i % 64);
        before = end;
    }
}

#[cfg(target_arch = "x86_64")]
mod lanes {
    use safe_arch::{
        add_i32_m128i, bitor_m128i, byte_shl_imm_u128_m128i, cast_to_m128_from_m128i,
        cmp_eq_mask_i32_m128i, m128i, move_mask_m128, set_i32_m128i_s, set_splat_i32_m128i,
        sub_i32_m128i, unpack_high_i32_m128i, unpack_low_i32_m128i,
    };

    /// The values in whole fours from the first (so sixteen fours fill a word of `filled`);
    /// returns the first value not done.
    #[inline]
    pub(super) fn places(
        ends: &[u32],
        gap: u32,
        quote: u32,
        spans: &mut [(u32, u32)],
        filled: &mut [u64],
    ) -> usize {
        let lead = set_splat_i32_m128i((gap + quote) as i32);
        let trail = set_splat_i32_m128i(quote as i32);
        // The first value starts as if a comma stood just before the line.
        let mut before_last = 0u32.wrapping_sub(gap);
        let mut word = 0u64;
        let mut done = 0;
        for (g, (now, out)) in ends
            .chunks_exact(4)
            .zip(spans.chunks_exact_mut(4))
            .enumerate()
        {
            let now4: [u32; 4] = now.try_into().unwrap_or_default();
            let now = m128i::from(now4);
            // Each value's comma before: these four ends moved up one, after the last four's.
            let before = bitor_m128i(
                byte_shl_imm_u128_m128i::<4>(now),
                set_i32_m128i_s(before_last as i32),
            );
            before_last = now4[3];
            let s = add_i32_m128i(before, lead);
            let e = sub_i32_m128i(now, trail);
            let blank = move_mask_m128(cast_to_m128_from_m128i(cmp_eq_mask_i32_m128i(s, e)));
            word |= u64::from(!blank as u8 & 0xf) << (4 * (g % 16));
            let lo: [u32; 4] = unpack_low_i32_m128i(s, e).into();
            let hi: [u32; 4] = unpack_high_i32_m128i(s, e).into();
            out[0] = (lo[0], lo[1]);
            out[1] = (lo[2], lo[3]);
            out[2] = (hi[0], hi[1]);
            out[3] = (hi[2], hi[3]);
            if g % 16 == 15 {
                filled[g / 16] = word;
                word = 0;
            }
            done = 4 * (g + 1);
        }
        if !done.is_multiple_of(64) {
            filled[done / 64] = word;
        }
        done
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn four_at_a_time_and_one_by_one_agree(
            widths in prop::collection::vec(prop_oneof![3 => Just(0u32), 2 => 1u32..4, 1 => 4u32..40], 0..200),
            quote in 0u32..2,
        ) {
            // Comma places of a line with values of these widths (plus their quotes).
            let mut ends = Vec::new();
            let mut at = 0u32;
            for (i, w) in widths.iter().enumerate() {
                at += u32::from(i > 0) + w + 2 * quote;
                ends.push(at);
            }
            let (mut spans, mut filled) = (Vec::new(), Vec::new());
            super::plain_places(&ends, 1, quote, &mut spans, &mut filled);
            let mut one_spans = vec![(0, 0); ends.len()];
            let mut one_filled = vec![0; ends.len().div_ceil(64)];
            super::one_by_one(&ends, 0, 1, quote, &mut one_spans, &mut one_filled);
            prop_assert_eq!(&spans, &one_spans);
            prop_assert_eq!(&filled, &one_filled);
            for (i, (&(s, e), w)) in spans.iter().zip(&widths).enumerate() {
                prop_assert_eq!(e - s, *w);
                prop_assert_eq!(filled[i / 64] >> (i % 64) & 1 == 1, *w > 0);
            }
        }
    }
}
