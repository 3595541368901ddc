//! Arithmetic modulo an odd RSA modulus `n`, for the one thing verification needs: `s^e mod n`.
//!
//! Numbers are vectors of 32-bit limbs, least significant first, all as long as `n`. Products
//! are `u32 × u32 → u64`, which wasm32 has as one instruction (`i64.mul`); 64-bit limbs would need
//! a 128-bit product wasm does not have, and are what makes general-purpose big-integer crates
//! slow there. Multiplication is Montgomery's (CIOS: the product and the reduction interleaved
//! limb by limb), so the exponentiation needs no division: with `R = 2^(32·len)`,
//! `mont_mul(a, b) = a·b·R⁻¹ mod n`. Squarings, 16 of the 18 products for e = 65537, have their
//! own `mont_sqr`: the full square first, each cross product formed once, then the reduction.
//! The one constant all this needs, `R² mod n`, is made once per key by schoolbook division, one
//! limb at a time.
//!
//! Everything here runs in variable time: verification handles only public values (the key,
//! the signature, the message), so there is no secret to leak through timing.

/// An odd modulus with what Montgomery multiplication needs precomputed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Modulus {
    /// `n`, least significant limb first; the top limb is not zero.
    limbs: Vec<u32>,
    /// `-n⁻¹ mod 2^32`.
    n0_inv: u32,
    /// `R² mod n`: multiplying by it (Montgomery) moves a number into Montgomery form.
    r2: Vec<u32>,
}

impl Modulus {
    /// `n` from big-endian bytes. `None` unless `n` is odd and greater than 1 (leading zero
    /// bytes are ignored).
    pub(super) fn from_be_bytes(bytes: &[u8]) -> Option<Self> {
        let limbs = limbs_from_be(bytes)?;
        let low = *limbs.first()?;
        if low & 1 == 0 || (limbs.len() == 1 && low == 1) {
            return None;
        }
        // Newton's iteration for the inverse mod 2^32: each step doubles the correct low bits,
        // from 1 (any odd x is its own inverse mod 2) to 32 after five steps.
        let mut inv: u32 = 1;
        for _ in 0..5 {
            inv = inv.wrapping_mul(2u32.wrapping_sub(low.wrapping_mul(inv)));
        }
        let mut modulus = Modulus {
            limbs,
            n0_inv: inv.wrapping_neg(),
            r2: Vec::new(),
        };
        modulus.r2 = modulus.compute_r2();
        Some(modulus)
    }

    /// The number of limbs, `len`.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.limbs.len()
    }

    /// `n` as limbs.
    #[cfg(test)]
    pub(super) fn limbs(&self) -> &[u32] {
        &self.limbs
    }

    /// `R² mod n` as limbs.
    #[cfg(test)]
    pub(super) fn r2(&self) -> &[u32] {
        &self.r2
    }

    /// `R² mod n`, one limb at a time: `R mod N` by one doubling of `2^(32·len − 1)`, then `len`
    /// times `x·2^32 mod N` (one schoolbook division step each, [`shift_limb_mod`]), with `N` the
    /// modulus shifted left until its top bit is set (what the quotient estimate needs); then
    /// from `mod N` down to `mod n` by subtracting `n·2^i`. About `len²` limb products: half a
    /// Montgomery multiplication.
    fn compute_r2(&self) -> Vec<u32> {
        let len = self.limbs.len();
        let shift = self.limbs.last().map_or(0, |top| top.leading_zeros());
        let normalized = shl(&self.limbs, shift);
        let mut x = vec![0u32; len];
        if let Some(top) = x.last_mut() {
            *top = 1 << 31;
        }
        double_mod(&mut x, &normalized);
        for _ in 0..len {
            shift_limb_mod(&mut x, &normalized);
        }
        // x < n·2^shift: before step i, x < n·2^(i+1), so one subtraction leaves x < n·2^i.
        for i in (0..=shift).rev() {
            let multiple = shl(&self.limbs, i);
            if !less_than(&x, &multiple) {
                sub_in_place(&mut x, &multiple);
            }
        }
        x
    }

    /// `a·b·R⁻¹ mod n`, fully reduced, for `a, b < n` (both `len` limbs).
    pub(super) fn mont_mul(&self, a: &[u32], b: &[u32]) -> Vec<u32> {
        let n = &self.limbs;
        let mut t = vec![0u32; n.len()];
        // The limb above t: t < 2n after every round, so it is 0 or 1.
        let mut t_top: u32 = 0;
        let a0 = a.first().copied().unwrap_or(0);
        for &b_i in b {
            let t0 = t.first().copied().unwrap_or(0);
            // m makes the lowest limb of t + a·b_i + m·n zero, so the sum divides by 2^32.
            let m = u64::from(
                t0.wrapping_add(a0.wrapping_mul(b_i))
                    .wrapping_mul(self.n0_inv),
            );
            let b_i = u64::from(b_i);
            // One pass: x = t + a·b_i, y = x + m·n, written back one limb lower (the shift).
            // Neither sum can exceed (2^32 − 1) + (2^32 − 1)² + (2^32 − 1) = 2^64 − 1.
            let mut carry_a: u64 = 0;
            let mut carry_m: u64 = 0;
            let mut below: Option<&mut u32> = None;
            for ((t_j, &a_j), &n_j) in t.iter_mut().zip(a).zip(n) {
                let x = u64::from(*t_j) + u64::from(a_j) * b_i + carry_a;
                carry_a = x >> 32;
                let y = (x & 0xffff_ffff) + u64::from(n_j) * m + carry_m;
                carry_m = y >> 32;
                // The lowest limb's y is zero by the choice of m and is dropped.
                if let Some(slot) = below {
                    *slot = y as u32;
                }
                below = Some(t_j);
            }
            let x = u64::from(t_top) + carry_a;
            let y = (x & 0xffff_ffff) + carry_m;
            if let Some(slot) = below {
                *slot = y as u32;
            }
            t_top = ((x >> 32) + (y >> 32)) as u32;
        }
        if t_top != 0 || !less_than(&t, n) {
            sub_in_place(&mut t, n);
        }
        t
    }

    /// `a²·R⁻¹ mod n`, fully reduced, for `a < n`: what `mont_mul(a, a)` gives, with about a
    /// quarter fewer limb products. [`square`] forms each cross product `a_i·a_j` (i < j) once
    /// and doubles their sum, `len·(len + 1)/2` products instead of `len²`; [`Self::reduce`]
    /// then divides by `R` modulo `n` with the `len²` products any Montgomery reduction needs.
    /// The exponentiation is 16 squarings and 2 multiplications for e = 65537, so this is where
    /// its time goes.
    pub(super) fn mont_sqr(&self, a: &[u32]) -> Vec<u32> {
        self.reduce(square(a))
    }

    /// `t·R⁻¹ mod n`, fully reduced, for `t < n·R` (`2·len` limbs): Montgomery's REDC, a limb at
    /// a time. Round `i` adds `m·n·2^(32·i)`, `m` chosen to make limb `i` zero, so after `len`
    /// rounds the low half is zero and the high half is `(t + M·n)/R < (n·R + R·n)/R = 2n`.
    fn reduce(&self, mut t: Vec<u32>) -> Vec<u32> {
        let n = &self.limbs;
        let len = n.len();
        // The bit above limb `i + len`, carried from one round into the next.
        let mut carry_bit: u64 = 0;
        for i in 0..len {
            let Some((window, above)) = t.get_mut(i..).and_then(|w| w.split_at_mut_checked(len))
            else {
                break;
            };
            let m = u64::from(
                window
                    .first()
                    .copied()
                    .unwrap_or(0)
                    .wrapping_mul(self.n0_inv),
            );
            let mut carry: u64 = 0;
            for (t_j, &n_j) in window.iter_mut().zip(n) {
                // At most (2^32 − 1) + (2^32 − 1)² + (2^32 − 1) = 2^64 − 1.
                let x = u64::from(*t_j) + u64::from(n_j) * m + carry;
                *t_j = x as u32;
                carry = x >> 32;
            }
            if let Some(t_len) = above.first_mut() {
                let x = u64::from(*t_len) + carry + carry_bit;
                *t_len = x as u32;
                carry_bit = x >> 32;
            }
        }
        let mut high = t.split_off(len);
        if carry_bit != 0 || !less_than(&high, n) {
            sub_in_place(&mut high, n);
        }
        high
    }

    /// `s^e mod n` for `s < n` (`len` limbs), as ordinary (not Montgomery) limbs. Left-to-right
    /// square-and-multiply on `s·R`; when `e` is odd, the last multiplication is by `s` itself,
    /// which leaves Montgomery form for free. For e = 65537: 16 squarings and 2 multiplications
    /// (one of them moving `s` into Montgomery form).
    pub(super) fn pow(&self, s: &[u32], e: u64) -> Vec<u32> {
        let mut one = vec![0u32; self.limbs.len()];
        if let Some(low) = one.first_mut() {
            *low = 1;
        }
        if e == 0 {
            return one;
        }
        let s_mont = self.mont_mul(s, &self.r2);
        let mut acc = s_mont.clone();
        let top = 63 - e.leading_zeros();
        for i in (0..top).rev() {
            acc = self.mont_sqr(&acc);
            if (e >> i) & 1 == 1 {
                if i == 0 {
                    return self.mont_mul(&acc, s);
                }
                acc = self.mont_mul(&acc, &s_mont);
            }
        }
        // e even (or 1): leave Montgomery form by multiplying with 1.
        self.mont_mul(&acc, &one)
    }

    /// `x` from big-endian bytes as `len` limbs, if `x < n`.
    pub(super) fn reduced_from_be(&self, bytes: &[u8]) -> Option<Vec<u32>> {
        let mut x = limbs_from_be(bytes).unwrap_or_default();
        if x.len() > self.limbs.len() {
            return None;
        }
        x.resize(self.limbs.len(), 0);
        less_than(&x, &self.limbs).then_some(x)
    }
}

/// Big-endian bytes as limbs, least significant first, without leading zero limbs; `None` for
/// zero.
fn limbs_from_be(bytes: &[u8]) -> Option<Vec<u32>> {
    let mut limbs: Vec<u32> = bytes
        .rchunks(4)
        .map(|chunk| chunk.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
        .collect();
    while limbs.last() == Some(&0) {
        limbs.pop();
    }
    (!limbs.is_empty()).then_some(limbs)
}

/// `x` as exactly `k` big-endian bytes; `None` if it does not fit.
pub(super) fn to_be_bytes(x: &[u32], k: usize) -> Option<Vec<u8>> {
    let mut bytes: Vec<u8> = x.iter().flat_map(|limb| limb.to_le_bytes()).collect();
    if bytes.iter().skip(k).any(|&b| b != 0) {
        return None;
    }
    bytes.resize(k, 0);
    bytes.reverse();
    Some(bytes)
}

/// `a²` in full (`2·len` limbs). The cross products `a_i·a_j`, i < j, are summed row by row
/// (row `i` adds `a_i·a_(i+1..)` at limb `2i + 1`); that sum is doubled by a one-bit shift and the
/// squares `a_i²` added at limb `2i`. Each product and sum fits in 64 bits, as in [`Modulus::mont_mul`].
pub(super) fn square(a: &[u32]) -> Vec<u32> {
    let len = a.len();
    let mut t = vec![0u32; 2 * len];
    for (i, &a_i) in a.iter().enumerate() {
        let a_i = u64::from(a_i);
        let rest = a.get(i + 1..).unwrap_or_default();
        let Some((row, above)) = t
            .get_mut(2 * i + 1..)
            .and_then(|w| w.split_at_mut_checked(rest.len()))
        else {
            break;
        };
        let mut carry: u64 = 0;
        for (t_j, &a_j) in row.iter_mut().zip(rest) {
            let x = u64::from(*t_j) + a_i * u64::from(a_j) + carry;
            *t_j = x as u32;
            carry = x >> 32;
        }
        // Limb i + len is untouched by earlier rows, which end at limb (i − 1) + len.
        if let Some(t_top) = above.first_mut() {
            *t_top = carry as u32;
        }
    }
    // Double: the cross products' sum is below a²/2 < 2^(64·len − 1), so no bit is lost.
    let mut top_bit = 0u32;
    for limb in t.iter_mut() {
        let v = *limb;
        *limb = (v << 1) | top_bit;
        top_bit = v >> 31;
    }
    // Add a_i² at limb 2i: the two limbs it covers, and its carry into the next pair.
    let mut carry: u64 = 0;
    for (pair, &a_i) in t.chunks_exact_mut(2).zip(a) {
        let sq = u64::from(a_i) * u64::from(a_i);
        if let [low, high] = pair {
            let x = u64::from(*low) + (sq & 0xffff_ffff) + carry;
            *low = x as u32;
            let y = u64::from(*high) + (sq >> 32) + (x >> 32);
            *high = y as u32;
            carry = y >> 32;
        }
    }
    t
}

/// `a < b`, for equal lengths.
fn less_than(a: &[u32], b: &[u32]) -> bool {
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        if x != y {
            return x < y;
        }
    }
    false
}

/// `a -= b` modulo `2^(32·len)`.
fn sub_in_place(a: &mut [u32], b: &[u32]) {
    let mut borrow = false;
    for (x, &y) in a.iter_mut().zip(b) {
        let (d, b1) = x.overflowing_sub(y);
        let (d, b2) = d.overflowing_sub(u32::from(borrow));
        *x = d;
        borrow = b1 || b2;
    }
}

/// `x` shifted left by `bits` (< 32), keeping `x.len()` limbs (the caller knows it fits).
fn shl(x: &[u32], bits: u32) -> Vec<u32> {
    if bits == 0 {
        return x.to_vec();
    }
    let mut carry = 0u32;
    x.iter()
        .map(|&limb| {
            let out = (limb << bits) | carry;
            carry = limb >> (32 - bits);
            out
        })
        .collect()
}

/// `x = x·2^32 mod n`, for `x < n` and `n` with its top bit set: one step of schoolbook
/// division (Knuth, TAOCP vol. 2 §4.3.1, algorithm D). The quotient estimate from the top two
/// limbs of `x·2^32` and the top limb of `n` is at most 2 too large when `n`'s top bit is set
/// (Theorem B), so at most two additions of `n` correct it.
fn shift_limb_mod(x: &mut Vec<u32>, n: &[u32]) {
    let n_top = u64::from(n.last().copied().unwrap_or(1));
    let top = u64::from(x.last().copied().unwrap_or(0));
    let next = x
        .len()
        .checked_sub(2)
        .and_then(|i| x.get(i))
        .map_or(0, |&limb| u64::from(limb));
    let q_hat = (((top << 32) | next) / n_top).min(0xffff_ffff);
    // u = x·2^32 (len + 1 limbs), then u − q̂·n limb by limb.
    x.insert(0, 0);
    let mut carry = 0u64;
    let mut borrow = false;
    for (u_j, &n_j) in x.iter_mut().zip(n) {
        let product = q_hat * u64::from(n_j) + carry;
        carry = product >> 32;
        let (d, b1) = u_j.overflowing_sub(product as u32);
        let (d, b2) = d.overflowing_sub(u32::from(borrow));
        *u_j = d;
        borrow = b1 || b2;
    }
    let u_top = x.pop().unwrap_or(0);
    let mut top = i64::from(u_top) - carry as i64 - i64::from(borrow);
    // q̂ ≥ q, so the remainder is never too large, only possibly negative: add n back.
    while top < 0 {
        let mut carry = 0u64;
        for (r_j, &n_j) in x.iter_mut().zip(n) {
            let sum = u64::from(*r_j) + u64::from(n_j) + carry;
            *r_j = sum as u32;
            carry = sum >> 32;
        }
        top += carry as i64;
    }
}

/// `x = 2x mod n`, for `x < n`.
fn double_mod(x: &mut [u32], n: &[u32]) {
    let mut carry = 0u32;
    for limb in x.iter_mut() {
        let v = *limb;
        *limb = (v << 1) | carry;
        carry = v >> 31;
    }
    // 2x < 2n: one subtraction reduces it; with a carry out, the wrap-around cancels it.
    if carry != 0 || !less_than(x, n) {
        sub_in_place(x, n);
    }
}
