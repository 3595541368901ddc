//! Placeholder: the signed cookie codec (session and ceremony tokens).
