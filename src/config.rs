//! Placeholder: configuration validation.
