//! The page's own CSS and client script, embedded at build time, and the Content-Security-Policy
//! that allows exactly them by SHA-256 hash (no `'unsafe-inline'`). The hashes are computed by
//! `build.rs` (`asset_hashes`), not per request: a Compute instance serves one request, so a
//! run-time hash (even behind a `OnceLock`) was paid by every page view.

mod hashes {
    include!(concat!(env!("OUT_DIR"), "/asset_hashes.rs"));
}
use hashes::{CLIENT_JS_HASH, STYLE_CSS_HASH};

/// The stylesheet, inlined into every page.
pub const STYLE_CSS: &str = include_str!("style.css");
/// The client script, inlined into every page.
pub const CLIENT_JS: &str = include_str!("client.js");

/// The Content-Security-Policy of every page: nothing loads from anywhere but this origin, and
/// the only inline script and style are ours, pinned by hash.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; script-src {CLIENT_JS_HASH}; style-src {STYLE_CSS_HASH}; \
         img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
         base-uri 'none'; object-src 'none'"
    )
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use sha2::{Digest, Sha256};

    use super::*;

    #[test]
    fn the_build_time_hashes_are_those_of_the_embedded_assets() {
        let source = |text: &str| format!("'sha256-{}'", STANDARD.encode(Sha256::digest(text)));
        assert_eq!(CLIENT_JS_HASH, source(CLIENT_JS));
        assert_eq!(STYLE_CSS_HASH, source(STYLE_CSS));
        let csp = content_security_policy();
        assert!(
            csp.contains(&format!("script-src {CLIENT_JS_HASH};")),
            "{csp}"
        );
        assert!(
            csp.contains(&format!("style-src {STYLE_CSS_HASH};")),
            "{csp}"
        );
    }

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
