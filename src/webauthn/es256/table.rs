//! The generator's precomputed odd multiples (2k + 1)·G, affine, for the verifier's wNAF.
//!
//! Generated at build time by `build.rs` (`es256_generator_table`) with this module's own field
//! and point code, written to `$OUT_DIR/es256_g_table.rs` and included here, so no table of
//! numbers is checked in and none can drift from the field representation. `G_WINDOW` = 7 gives
//! 32 entries of 72 bytes: 2,304 bytes of data in the wasm. The tests compare every entry with
//! p256's own k·G.
//!
//! It does not: hold anything secret, or anything for points other than G.

use super::field::Fe;
use super::point::Affine;

include!(concat!(env!("OUT_DIR"), "/es256_g_table.rs"));
