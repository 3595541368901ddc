//! The pages: the signed-out page with its one Auth button, and the error pages.
//!
//! A page is `document_start` + content + `document_end`, so the streamed signed-in page (which
//! flushes its shell before the agent's part is ready) shares the same head and tail.

use horrorshow::helper::doctype;
use horrorshow::{Raw, Render, RenderOnce, TemplateBuffer, owned_html};

use super::assets::{CLIENT_JS, STYLE_CSS};

/// The doctype, `<head>` and the opening `<body>` tag.
pub fn document_start(title: &str) -> impl Render + '_ {
    owned_html! {
        : doctype::HTML;
        : Raw("<html lang=\"en\">");
        head {
            meta(charset = "utf-8");
            meta(name = "viewport", content = "width=device-width, initial-scale=1");
            meta(name = "color-scheme", content = "light dark");
            meta(name = "referrer", content = "no-referrer");
            title : title;
            style : Raw(STYLE_CSS);
        }
        : Raw("<body>");
    }
}

/// The client script and the closing tags.
pub fn document_end() -> impl Render {
    owned_html! {
        script : Raw(CLIENT_JS);
        : Raw("</body></html>");
    }
}

/// A whole page: head, `content` inside `<main>`, tail.
pub fn page<'a, C: Render + 'a>(title: &'a str, content: C) -> impl Render + 'a {
    owned_html! {
        : document_start(title);
        main(id = "main") {
            : &content;
        }
        : document_end();
    }
}

/// The signed-out page: what Bio is, the one Auth button, the escape hatch for a passkey on
/// another device, and the status region the client writes to.
pub fn signed_out(rp_name: &str) -> impl Render + '_ {
    page(
        rp_name,
        owned_html! {
            h1 : rp_name;
            p(class = "lede") : "Sign in with a passkey. New here? The same button makes one.";
            button(id = "auth", type = "button", class = "primary") : "Auth";
            p(id = "status", class = "status", role = "status", aria-live = "polite");
            div(id = "no-passkey", class = "choices", hidden) {
                p : "No passkey used.";
                button(id = "try-again", type = "button") : "Try again";
                button(id = "create-new", type = "button") : "Create a new passkey";
            }
            p {
                button(id = "other-device", type = "button", class = "link") :
                    "Use a passkey from another device";
            }
            noscript {
                p(class = "status") : "Bio needs JavaScript to talk to your passkey.";
            }
            p(class = "fine-print") :
                "Your passkey is your account: there is one passkey per account and no password. \
                 If you lose it, only your passkey provider's sync can bring it back.";
        },
    )
}

/// An error page: a heading, one sentence, and a way home.
pub fn error_page<'a>(heading: &'a str, message: &'a str) -> impl Render + 'a {
    page(
        heading,
        owned_html! {
            h1 : heading;
            p : message;
            p { a(href = "/") : "Back to the start"; }
        },
    )
}

/// Renders any template into a `String` (pages are small; streaming uses `write_to_io`).
pub fn render_to_string(template: impl RenderOnce) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail; horrorshow reports template errors, and ours write no
    // fallible content, so an error here would be a bug in a template, rendered as empty.
    if horrorshow::Template::write_to_string(template, &mut out).is_err() {
        out.clear();
    }
    out
}

/// Lets a page be written in pieces (the streamed signed-in page) with the same escaping.
pub fn render_into(template: impl RenderOnce, buffer: &mut TemplateBuffer<'_>) {
    template.render_once(buffer);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_out_page_has_one_auth_button_and_the_noscript_line() {
        let html = render_to_string(signed_out("Bio"));
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert_eq!(html.matches("id=\"auth\"").count(), 1);
        assert!(html.contains("<noscript>"));
        assert!(html.contains("aria-live=\"polite\""));
        assert!(html.ends_with("</body></html>"));
    }

    #[test]
    fn text_is_escaped() {
        let html = render_to_string(error_page("<b>", "<script>alert(1)</script>"));
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }
}
