//! Bio's server-rendered pages, written with horrorshow.
//!
//! Each page is a function returning `impl Render`; every value that came from a user, a store or
//! an agent is escaped by horrorshow's `:` (never `Raw`). Raw markup is used only for our own
//! compile-time markup, written through [`markup::Markup`] (one shared writer instead of
//! horrorshow's inlined one per tag). The CSS and the client script are not in the pages:
//! [`assets`] serves them, pinned by Subresource Integrity.
//!
//! They do not: read requests or stores, or decide anything; the edge gives them what to show.

pub mod agent;
pub mod assets;
pub mod markup;
pub mod page;
