//! The page's own CSS and client script, embedded at build time, and the Content-Security-Policy
//! of every page.
//!
//! They are not inlined: every page is personal and `no-store`, so ~34 kB of inline script and
//! style were sent again on every page view (88 % of the signed-in page). Each is served by
//! `edge::assets` at a path named by its hash ([`CLIENT_JS_PATH`], [`STYLE_CSS_PATH`]),
//! cacheable for a year, and the page loads it with its Subresource Integrity value, so the
//! browser runs only these exact bytes. `build.rs` (`asset_hashes`) computes both, not each
//! request: a Compute instance serves one request, so a run-time hash was paid by every page.

mod hashes {
    include!(concat!(env!("OUT_DIR"), "/asset_hashes.rs"));
}
pub use hashes::{CLIENT_JS_INTEGRITY, CLIENT_JS_PATH, STYLE_CSS_INTEGRITY, STYLE_CSS_PATH};

/// The stylesheet.
pub const STYLE_CSS: &str = include_str!("style.css");
/// The client script.
pub const CLIENT_JS: &str = include_str!("client.js");

/// The Content-Security-Policy of every page: scripts and styles only from this origin (no
/// inline code at all, no `'unsafe-inline'`), nothing else loaded from anywhere. `'self'` rather
/// than the assets' hashes: Firefox does not match a hash against an external script, and the
/// only scripts this origin serves are [`CLIENT_JS_PATH`] (every other response is HTML, JSON or
/// text, refused as script under `nosniff`).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use sha2::{Digest, Sha256};

    use super::*;

    #[test]
    fn each_asset_is_named_and_pinned_by_the_hash_of_its_embedded_text() {
        for (text, integrity, path, extension) in [
            (CLIENT_JS, CLIENT_JS_INTEGRITY, CLIENT_JS_PATH, "js"),
            (STYLE_CSS, STYLE_CSS_INTEGRITY, STYLE_CSS_PATH, "css"),
        ] {
            let digest = Sha256::digest(text);
            assert_eq!(integrity, format!("sha256-{}", STANDARD.encode(digest)));
            let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
            assert!(path.starts_with("/assets/"), "{path}");
            assert!(path.ends_with(&format!(".{hex}.{extension}")), "{path}");
        }
        assert_ne!(CLIENT_JS_PATH, STYLE_CSS_PATH);
    }

    #[test]
    fn the_policy_allows_no_inline_code() {
        let csp = CONTENT_SECURITY_POLICY;
        assert!(!csp.contains("unsafe-inline"));
        assert!(!csp.contains("unsafe-eval"));
        for directive in [
            "default-src 'none'",
            "script-src 'self';",
            "style-src 'self';",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
            "form-action 'self'",
        ] {
            assert!(csp.contains(directive), "{directive}");
        }
    }
}
