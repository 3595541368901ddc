//! The page's own CSS and client script, embedded at build time, and the Content-Security-Policy
//! that allows exactly them by SHA-256 hash (no `'unsafe-inline'`).

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// The stylesheet, inlined into every page.
pub const STYLE_CSS: &str = include_str!("style.css");
/// The client script, inlined into every page.
pub const CLIENT_JS: &str = include_str!("client.js");

fn hash_source(source: &str) -> String {
    format!(
        "'sha256-{}'",
        STANDARD.encode(Sha256::digest(source.as_bytes()))
    )
}

/// The Content-Security-Policy of every page: nothing loads from anywhere but this origin, and
/// the only inline script and style are ours, pinned by hash.
pub fn content_security_policy() -> &'static str {
    static CSP: OnceLock<String> = OnceLock::new();
    CSP.get_or_init(|| {
        format!(
            "default-src 'none'; script-src {}; style-src {}; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; \
             object-src 'none'",
            hash_source(CLIENT_JS),
            hash_source(STYLE_CSS)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_pins_both_assets_and_allows_no_inline_code() {
        let csp = content_security_policy();
        assert!(!csp.contains("unsafe-inline"));
        assert!(!csp.contains("unsafe-eval"));
        assert_eq!(csp.matches("'sha256-").count(), 2);
        for directive in [
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
            "form-action 'self'",
        ] {
            assert!(csp.contains(directive), "{directive}");
        }
    }
}
