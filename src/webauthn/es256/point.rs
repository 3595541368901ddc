//! Points of P-256, y² = x³ − 3x + b over [`Fe`], in Jacobian coordinates: (X, Y, Z) stands for
//! (X/Z², Y/Z³), and Z = 0 for the point at infinity.
//!
//! The formulas are the classic variable-time ones for a = −3 (Explicit-Formulas Database:
//! `dbl-2001-b` with Z₃ = 2·Y·Z, and `add-1998-cmo-2` with its Z₂ = 1 specialisation for an affine
//! second operand). Their exceptional inputs are handled explicitly, before any formula runs:
//! the point at infinity on either side, equal points (the addition would divide by zero: it
//! becomes a doubling) and opposite points (the sum is the point at infinity). P-256 has prime
//! order, so no finite point doubles to infinity.
//!
//! It does not: run in constant time, check that a point is on the curve (keys arrive checked by
//! p256's `VerifyingKey`), or use the complete formulas p256 uses for secret scalars.

use super::field::Fe;

/// A finite point (x, y); never the point at infinity.
#[derive(Clone, Copy, Debug)]
pub struct Affine {
    pub x: Fe,
    pub y: Fe,
}

impl Affine {
    /// −P = (x, −y).
    #[inline]
    pub fn neg(&self) -> Affine {
        Affine {
            x: self.x,
            y: self.y.neg(),
        }
    }
}

/// (X, Y, Z) with x = X/Z², y = Y/Z³; Z ≡ 0 is the point at infinity.
#[derive(Clone, Copy, Debug)]
pub struct Jacobian {
    pub x: Fe,
    pub y: Fe,
    pub z: Fe,
}

impl Jacobian {
    /// The point at infinity (the group's identity).
    pub const INFINITY: Jacobian = Jacobian {
        x: Fe::ONE,
        y: Fe::ONE,
        z: Fe::ZERO,
    };

    /// (x, y, 1).
    pub fn from_affine(p: &Affine) -> Jacobian {
        Jacobian {
            x: p.x,
            y: p.y,
            z: Fe::ONE,
        }
    }

    /// Whether this is the point at infinity.
    #[inline]
    pub fn is_infinity(&self) -> bool {
        self.z.is_zero()
    }

    /// −P = (X, −Y, Z).
    #[inline]
    pub fn neg(&self) -> Jacobian {
        Jacobian {
            x: self.x,
            y: self.y.neg(),
            z: self.z,
        }
    }

    /// 2P: 4M + 4S.
    pub fn double(&self) -> Jacobian {
        if self.is_infinity() {
            return *self;
        }
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x.mul(&gamma);
        // a = −3: 3x² + a·z⁴ = 3·(x − z²)·(x + z²).
        let alpha = self.x.sub(&delta).mul(&self.x.add(&delta)).triple();
        let beta4 = beta.double().double();
        let x = alpha.square().sub(&beta4.double());
        let z = self.y.mul(&self.z).double();
        let gamma_sq8 = gamma.square().double().double().double();
        let y = alpha.mul(&beta4.sub(&x)).sub(&gamma_sq8);
        Jacobian { x, y, z }
    }

    /// P + Q for an affine Q: 8M + 3S.
    pub fn add_affine(&self, q: &Affine) -> Jacobian {
        if self.is_infinity() {
            return Jacobian::from_affine(q);
        }
        let z1z1 = self.z.square();
        let u2 = q.x.mul(&z1z1);
        let s2 = q.y.mul(&self.z.mul(&z1z1));
        let h = u2.sub(&self.x);
        let r = s2.sub(&self.y);
        if h.is_zero() {
            // Same x: P = Q (double) or P = −Q (infinity).
            return if r.is_zero() {
                self.double()
            } else {
                Jacobian::INFINITY
            };
        }
        let hh = h.square();
        let hhh = h.mul(&hh);
        let v = self.x.mul(&hh);
        let x = r.square().sub(&hhh).sub(&v.double());
        let y = r.mul(&v.sub(&x)).sub(&self.y.mul(&hhh));
        let z = self.z.mul(&h);
        Jacobian { x, y, z }
    }

    /// P + Q: 12M + 4S.
    pub fn add(&self, q: &Jacobian) -> Jacobian {
        if self.is_infinity() {
            return *q;
        }
        if q.is_infinity() {
            return *self;
        }
        let z1z1 = self.z.square();
        let z2z2 = q.z.square();
        let u1 = self.x.mul(&z2z2);
        let u2 = q.x.mul(&z1z1);
        let s1 = self.y.mul(&q.z.mul(&z2z2));
        let s2 = q.y.mul(&self.z.mul(&z1z1));
        let h = u2.sub(&u1);
        let r = s2.sub(&s1);
        if h.is_zero() {
            // Same x: P = Q (double) or P = −Q (infinity).
            return if r.is_zero() {
                self.double()
            } else {
                Jacobian::INFINITY
            };
        }
        let hh = h.square();
        let hhh = h.mul(&hh);
        let v = u1.mul(&hh);
        let x = r.square().sub(&hhh).sub(&v.double());
        let y = r.mul(&v.sub(&x)).sub(&s1.mul(&hhh));
        let z = self.z.mul(&q.z).mul(&h);
        Jacobian { x, y, z }
    }

    /// (X/Z², Y/Z³), or `None` for the point at infinity. One field inversion: for `build.rs`
    /// and the tests, never on the verification path.
    #[allow(dead_code)] // Used by build.rs and the tests only.
    pub fn to_affine(self) -> Option<Affine> {
        if self.is_infinity() {
            return None;
        }
        let z_inv = self.z.invert();
        let z_inv2 = z_inv.square();
        Some(Affine {
            x: self.x.mul(&z_inv2),
            y: self.y.mul(&z_inv2).mul(&z_inv),
        })
    }
}
