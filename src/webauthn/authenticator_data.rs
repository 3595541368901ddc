//! Placeholder: written by the verifier work.
