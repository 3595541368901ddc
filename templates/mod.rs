//! Placeholder: the pages.
