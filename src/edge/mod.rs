//! Placeholder: the edge.
