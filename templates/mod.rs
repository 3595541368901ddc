//! Bio's server-rendered pages, written with horrorshow.
//!
//! Each page is a function returning `impl Render`; every value that came from a user, a store or
//! an agent is escaped by horrorshow's `:` (never `Raw`). Raw markup is used only for our own
//! compile-time assets (the CSS and the client script, embedded with `include_str!` and allowed by
//! hash in the Content-Security-Policy) and for constant markup written here, through
//! [`markup::Markup`] (one shared writer instead of horrorshow's inlined one per tag).
//!
//! They do not: read requests or stores, or decide anything; the edge gives them what to show.

pub mod agent;
pub mod assets;
pub mod markup;
pub mod page;
