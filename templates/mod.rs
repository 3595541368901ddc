//! The pages, rendered on the server with horrorshow. Templates are functions returning
//! `impl Render`; every piece of user or agent data goes through horrorshow's escaping.

pub mod agent;
