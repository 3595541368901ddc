//! A parser for the `Cookie` request header: finds one cookie's value by exact name.
//!
//! Grammar, from RFC 6265 §4.2.1 and §5.4 (<https://www.rfc-editor.org/rfc/rfc6265#section-4.2.1>):
//!
//! ```text
//! cookie-string = cookie-pair *( ";" SP cookie-pair )
//! cookie-pair   = cookie-name "=" cookie-value
//! cookie-name   = token                                   ; RFC 7230 tchar
//! cookie-value  = *cookie-octet / ( DQUOTE *cookie-octet DQUOTE )
//! cookie-octet  = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
//! ```
//!
//! Browsers send exactly that, but other clients and proxies are looser, so:
//! - `;` separates pairs and optional whitespace (SP / HTAB) around pairs, names and values is
//!   skipped (the `Cookie:` OWS of §4.2.1, and what §5.2 allows when the cookie was set);
//! - a pair that does not match the grammar (no `=`, a name that is not a token, a value with a
//!   space, comma, backslash, control or non-ASCII byte, an unbalanced quote) is skipped on its
//!   own, and the rest of the header is still read;
//! - the value is split at the FIRST `=`, so `=` inside a value (base64 padding) is kept;
//! - a DQUOTE-wrapped value is returned without its quotes.
//!
//! With duplicate names, [`get`] returns the first: §5.4 step 2 has the browser list cookies with
//! longer (more specific) paths first. Our cookies are `__Host-` (Path=/, host-only), so a
//! duplicate can only come from a cookie we did not set; taking the first is what every server
//! framework does and is stated here rather than left to chance.
//!
//! Work is bounded: headers longer than [`MAX_HEADER_LEN`] are ignored entirely (treated as no
//! cookies), and at most [`MAX_PAIRS`] pairs are looked at.
//!
//! It deliberately does not: parse `Set-Cookie` (we only build those, in `session`), decode or
//! unescape values (percent-encoding is the application's business; ours are base64url), allocate,
//! or fold names to lower case (cookie names are case-sensitive).

/// Longest `Cookie` header read, in bytes. Browsers cap a cookie at 4096 bytes and the whole
/// header is rarely near this; a longer header is not ours to make sense of.
pub const MAX_HEADER_LEN: usize = 16 * 1024;
/// Most `;`-separated pairs looked at. Browsers keep ~180 cookies per domain.
pub const MAX_PAIRS: usize = 256;

/// The value of the first cookie named exactly `name`, without DQUOTEs, or `None`.
pub fn get<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    pairs(header).find(|(n, _)| *n == name).map(|(_, v)| v)
}

/// The well-formed `(name, value)` pairs of a `Cookie` header, in order; malformed pairs are
/// skipped. Bounded by [`MAX_HEADER_LEN`] and [`MAX_PAIRS`].
pub fn pairs(header: &str) -> impl Iterator<Item = (&str, &str)> {
    let within_bound = if header.len() <= MAX_HEADER_LEN {
        header
    } else {
        ""
    };
    within_bound
        .split(';')
        .take(MAX_PAIRS)
        .filter_map(parse_pair)
}

/// One `cookie-pair`, or `None` if it does not match the grammar.
fn parse_pair(pair: &str) -> Option<(&str, &str)> {
    let (name, value) = pair.split_once('=')?;
    let name = trim_ows(name);
    let value = trim_ows(value);
    if name.is_empty() || !name.bytes().all(is_tchar) {
        return None;
    }
    let value = unquote(value)?;
    if !value.bytes().all(is_cookie_octet) {
        return None;
    }
    Some((name, value))
}

/// Strips one pair of surrounding DQUOTEs; `None` for an unbalanced quote.
fn unquote(value: &str) -> Option<&str> {
    match value.strip_prefix('"') {
        Some(rest) => rest.strip_suffix('"'),
        None if value.ends_with('"') => None,
        None => Some(value),
    }
}

/// OWS = *( SP / HTAB ).
fn trim_ows(text: &str) -> &str {
    text.trim_matches([' ', '\t'])
}

/// RFC 7230 §3.2.6: `tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" /
/// "_" / "`" / "|" / "~" / DIGIT / ALPHA`.
fn is_tchar(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// RFC 6265 §4.1.1: US-ASCII excluding CTLs, whitespace, DQUOTE, comma, semicolon and backslash.
fn is_cookie_octet(byte: u8) -> bool {
    matches!(byte, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: &str = "__Host-bio-session";

    #[test]
    fn get_table() {
        // (header, name, expected)
        let cases: &[(&str, &str, Option<&str>)] = &[
            // Plain, first, middle, last.
            ("__Host-bio-session=abc", S, Some("abc")),
            ("__Host-bio-session=abc; a=1", S, Some("abc")),
            ("a=1; __Host-bio-session=abc; b=2", S, Some("abc")),
            ("a=1; b=2; __Host-bio-session=abc", S, Some("abc")),
            ("", S, None),
            ("a=1; b=2", S, None),
            // Whitespace: none, several, tabs, leading/trailing, around '='.
            ("a=1;__Host-bio-session=abc", S, Some("abc")),
            ("a=1;   __Host-bio-session=abc  ;b=2", S, Some("abc")),
            ("a=1;\t__Host-bio-session=abc\t", S, Some("abc")),
            ("  __Host-bio-session=abc", S, Some("abc")),
            ("__Host-bio-session = abc", S, Some("abc")),
            // Quotes: stripped; unbalanced or inner quotes skip the pair.
            ("__Host-bio-session=\"abc\"", S, Some("abc")),
            ("__Host-bio-session=\"\"", S, Some("")),
            ("__Host-bio-session=\"abc", S, None),
            ("__Host-bio-session=abc\"", S, None),
            ("__Host-bio-session=\"", S, None),
            ("__Host-bio-session=\"a\"b\"", S, None),
            // Empty values.
            ("__Host-bio-session=", S, Some("")),
            ("__Host-bio-session=; a=1", S, Some("")),
            // '=' inside the value: split at the first '='.
            ("__Host-bio-session=YWJj==", S, Some("YWJj==")),
            ("__Host-bio-session==x", S, Some("=x")),
            ("a=b=c", "a", Some("b=c")),
            // Names that are prefixes or extensions of others.
            ("__Host-bio-session2=x; __Host-bio-session=y", S, Some("y")),
            ("__Host-bio-session2=x", S, None),
            ("__Host-bio-sessio=x", S, None),
            ("x__Host-bio-session=x", S, None),
            ("__host-bio-session=x", S, None),
            // Missing '=': skipped, rest still read.
            ("__Host-bio-session", S, None),
            ("junk; __Host-bio-session=abc", S, Some("abc")),
            ("__Host-bio-session; __Host-bio-session=abc", S, Some("abc")),
            // Duplicates: the first wins (most specific path first, RFC 6265 §5.4).
            (
                "__Host-bio-session=first; __Host-bio-session=second",
                S,
                Some("first"),
            ),
            // A malformed duplicate does not hide a later well-formed one.
            (
                "__Host-bio-session=a b; __Host-bio-session=ok",
                S,
                Some("ok"),
            ),
            // Non-ASCII: in a value or name, the pair is skipped.
            ("__Host-bio-session=café; a=1", S, None),
            (
                "__Host-bio-session=café; __Host-bio-session=ok",
                S,
                Some("ok"),
            ),
            ("nämé=1; __Host-bio-session=ok", S, Some("ok")),
            ("nämé=1", "nämé", None),
            // Bad octets in a value: space, comma, backslash, control.
            ("__Host-bio-session=a,b", S, None),
            ("__Host-bio-session=a\\b", S, None),
            ("__Host-bio-session=a\u{1}b", S, None),
            // Bad names: empty, separators.
            ("=abc", "", None),
            ("a b=1", "a b", None),
            ("(a)=1", "(a)", None),
            ("a:b=1", "a:b", None),
            // Empty pieces between separators.
            (";;; __Host-bio-session=abc ;;", S, Some("abc")),
            // A real token.
            (
                "__Host-bio-session=eyJzaWQiOiJhIn0.AAECAwQFBgc-_w",
                S,
                Some("eyJzaWQiOiJhIn0.AAECAwQFBgc-_w"),
            ),
        ];
        for (header, name, expected) in cases {
            assert_eq!(get(header, name), *expected, "get({header:?}, {name:?})");
        }
    }

    #[test]
    fn pairs_skips_malformed_and_keeps_order() {
        let found: Vec<_> = pairs("a=1; bad; b=\"2\"; c d=3; e=").collect();
        assert_eq!(found, [("a", "1"), ("b", "2"), ("e", "")]);
    }

    #[test]
    fn header_over_bound_is_ignored() {
        let filler = "x".repeat(MAX_HEADER_LEN);
        let header = format!("{S}=abc; pad={filler}");
        assert!(header.len() > MAX_HEADER_LEN);
        assert_eq!(get(&header, S), None);
        let at_bound = format!("{S}=abc; p={}", "x".repeat(MAX_HEADER_LEN - S.len() - 8));
        assert_eq!(at_bound.len(), MAX_HEADER_LEN);
        assert_eq!(get(&at_bound, S), Some("abc"));
    }

    #[test]
    fn pair_count_is_bounded() {
        let many = "a=1; ".repeat(MAX_PAIRS);
        assert_eq!(get(&format!("{many}{S}=late"), S), None);
        let fewer = "a=1; ".repeat(MAX_PAIRS - 1);
        assert_eq!(get(&format!("{fewer}{S}=ok"), S), Some("ok"));
        assert_eq!(pairs(&many).count(), MAX_PAIRS);
    }

    #[test]
    fn every_prefix_of_a_header_is_handled() {
        let header = "a=1; __Host-bio-session=\"abc=\"; b=café; c";
        for (end, _) in header.char_indices() {
            let _ = get(&header[..end], S);
        }
    }
}
