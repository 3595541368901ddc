//! The pages: the signed-out page with its one Auth button, and the error pages.
//!
//! A page is `document_start` + content + `document_end`, so the streamed signed-in page (which
//! flushes its shell before the agent's part is ready) shares the same head and tail.

use horrorshow::{Raw, Render, RenderOnce, owned_html};

use super::assets::{CLIENT_JS_INTEGRITY, CLIENT_JS_PATH, STYLE_CSS_INTEGRITY, STYLE_CSS_PATH};
use super::markup::Markup;

/// The doctype and `<head>` up to the title.
const HEAD_BEFORE_TITLE: &str = concat!(
    "<!DOCTYPE html>",
    r#"<html lang="en">"#,
    "<head>",
    r#"<meta charset="utf-8">"#,
    r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#,
    r#"<meta name="color-scheme" content="light dark">"#,
    // No favicon request (Bio serves none): an empty data: icon, allowed by img-src.
    r#"<link rel="icon" href="data:,">"#,
    "<title>",
);

/// The doctype, `<head>` and the opening `<body>` tag, with `data-*` attributes for the client
/// script (values escaped).
pub fn document_start<'a>(title: &'a str, body_data: &'a [(&'a str, &'a str)]) -> impl Render + 'a {
    owned_html! {
        : Markup(HEAD_BEFORE_TITLE);
        : title;
        : Markup(r#"</title><link rel="stylesheet" href=""#);
        : Markup(STYLE_CSS_PATH);
        : Markup(r#"" integrity=""#);
        : Markup(STYLE_CSS_INTEGRITY);
        : Markup(r#""></head>"#);
        : Raw(body_tag(body_data));
    }
}

/// `<body data-name="value" …>`. Names are ours (compile-time); values are escaped.
fn body_tag(data: &[(&str, &str)]) -> String {
    let mut tag = String::from("<body");
    for (name, value) in data {
        tag.push_str(" data-");
        tag.push_str(name);
        tag.push_str("=\"");
        for c in value.chars() {
            match c {
                '&' => tag.push_str("&amp;"),
                '"' => tag.push_str("&quot;"),
                '\'' => tag.push_str("&#39;"),
                '<' => tag.push_str("&lt;"),
                '>' => tag.push_str("&gt;"),
                c => tag.push(c),
            }
        }
        tag.push('"');
    }
    tag.push('>');
    tag
}

/// The client script (where the inline one was: it runs once the page is parsed) and the
/// closing tags.
pub fn document_end() -> impl Render {
    owned_html! {
        : Markup(r#"<script src=""#);
        : Markup(CLIENT_JS_PATH);
        : Markup(r#"" integrity=""#);
        : Markup(CLIENT_JS_INTEGRITY);
        : Markup(r#""></script></body></html>"#);
    }
}

/// A whole page: head, `content` inside `<main>`, tail.
pub fn page<'a, C: Render + 'a>(title: &'a str, content: C) -> impl Render + 'a {
    page_with(title, &[], content)
}

/// A whole page whose `<body>` carries `data-*` attributes.
pub fn page_with<'a, C: Render + 'a>(
    title: &'a str,
    body_data: &'a [(&'a str, &'a str)],
    content: C,
) -> impl Render + 'a {
    owned_html! {
        : document_start(title, body_data);
        : Markup(r#"<main id="main">"#);
        : &content;
        : Markup("</main>");
        : document_end();
    }
}

/// The signed-out page for a first visit: the line under the heading.
const SIGNED_OUT_LEDE: &str =
    r#"<p class="lede">Sign in with a passkey. New here? The same button makes one.</p>"#;

/// The signed-out page's buttons, status region and recovery form, after the greeting.
const SIGNED_OUT_CONTROLS: &str = concat!(
    r#"<button id="auth" type="button" class="primary">Auth</button>"#,
    r#"<p id="status" class="status" role="status" aria-live="polite"></p>"#,
    r#"<div id="no-passkey" class="choices" hidden>"#,
    "<p>No passkey used.</p>",
    r#"<button id="try-again" type="button">Try again</button>"#,
    r#"<button id="create-new" type="button">Create a new passkey</button>"#,
    "</div>",
    "<p>",
    r#"<button id="other-device" type="button" class="link">"#,
    "Use a passkey from another device",
    "</button>",
    "</p>",
    "<p>",
    r#"<button id="use-recovery-code" type="button" class="link" "#,
    r#"aria-controls="recover" aria-expanded="false">"#,
    "Lost your passkey? Use a recovery code",
    "</button>",
    "</p>",
    r#"<form id="recover" method="post" action="/auth/recover/options" hidden>"#,
    r#"<label for="recovery-code-input">Recovery code</label>"#,
    r#"<input id="recovery-code-input" name="code" type="text" autocomplete="off" "#,
    r#"autocapitalize="characters" spellcheck="false" required>"#,
    r#"<button type="submit" id="recover-continue">Continue</button>"#,
    "</form>",
);

/// "Not you?": forgets the returning visitor's hint.
const NOT_YOU_FORM: &str = concat!(
    r#"<form id="not-you" method="post" action="/forget">"#,
    r#"<button type="submit" class="link">Not you?</button>"#,
    "</form>",
);

/// The signed-out page's last lines.
const SIGNED_OUT_END: &str = concat!(
    "<noscript>",
    r#"<p class="status">Bio needs JavaScript to talk to your passkey.</p>"#,
    "</noscript>",
    r#"<p class="fine-print">"#,
    "Your passkey is your account: there is one passkey per account and no password. ",
    "If you lose it, your passkey provider's sync or a recovery code you made can bring it back.",
    "</p>",
);

/// The signed-out page: what Bio is, the one Auth button, the escape hatch for a passkey on
/// another device, and the status region the client writes to. A returning visitor (named by
/// their hint cookie) is greeted by name and can say "Not you?". `body_data` may name a
/// credential just deleted, so the script tells the passkey manager to forget it.
pub fn signed_out<'a>(
    rp_name: &'a str,
    returning: Option<&'a str>,
    body_data: &'a [(&'a str, &'a str)],
) -> impl Render + 'a {
    page_with(
        rp_name,
        body_data,
        owned_html! {
            : Markup("<h1>");
            : rp_name;
            : Markup("</h1>");
            @ if let Some(name) = returning {
                : Markup(concat!(
                    r#"<p id="welcome" class="lede">Welcome back, "#,
                    r#"<strong data-testid="returning-name">"#,
                ));
                : name;
                : Markup("</strong></p>");
            } else {
                : Markup(SIGNED_OUT_LEDE);
            }
            : Markup(SIGNED_OUT_CONTROLS);
            @ if returning.is_some() {
                : Markup(NOT_YOU_FORM);
            }
            : Markup(SIGNED_OUT_END);
        },
    )
}

/// Who is signed in, for the signed-in page.
pub struct SignedInView<'a> {
    pub rp_name: &'a str,
    pub name: &'a str,
}

/// The signed-in header's Logout buttons, then the opening of the agent's part.
const SIGNED_IN_LOGOUT: &str = concat!(
    "</strong></p>",
    r#"<form method="post" action="/logout">"#,
    r#"<button type="submit" id="logout">Logout</button>"#,
    r#"<button type="submit" id="logout-forget" name="forget" value="yes" class="link">"#,
    "Log out and forget me",
    "</button>",
    "</form>",
    "</header>",
    r#"<div id="agent">"#,
);

/// The signed-in page's shell, sent and flushed before the agent runs: head, the signed-in
/// header (the page's one `h1`, who is signed in, Logout) and the opening of the agent's part.
///
/// The agent's part is a plain `div`: the section inside it names itself, and a second landmark
/// around it with the same name is what screen readers (and axe's `landmark-unique`) object to.
pub fn signed_in_shell<'a>(
    view: &'a SignedInView<'a>,
    body_data: &'a [(&'a str, &'a str)],
) -> impl Render + 'a {
    owned_html! {
        : document_start(view.rp_name, body_data);
        : Markup(r#"<main id="main" class="signed-in"><header class="account-bar"><h1>"#);
        : view.rp_name;
        : Markup(r#"</h1><p>Logged in as <strong data-testid="user-name">"#);
        : view.name;
        : Markup(SIGNED_IN_LOGOUT);
    }
}

/// The end of the agent's part, then the account section up to the rename field's value.
const SIGNED_IN_TAIL_BEFORE_NAME: &str = concat!(
    "</div>",
    r#"<section id="account" aria-labelledby="account-title">"#,
    r#"<h2 id="account-title">Manage your account</h2>"#,
    r#"<form id="rename" method="post" action="/account/name">"#,
    r#"<label for="name-input">Name</label>"#,
    r#"<input id="name-input" name="name" type="text" value=""#,
);

/// The rest of the signed-in page's sections, after the rename field's value.
const SIGNED_IN_TAIL_AFTER_NAME: &str = concat!(
    r#"" required autocomplete="nickname" spellcheck="false">"#,
    r#"<button type="submit" id="change-name">Change name</button>"#,
    "</form>",
    r#"<p id="account-status" class="status" role="status" aria-live="polite"></p>"#,
    r#"<div id="replace">"#,
    "<p>Moving to another passkey provider, or to a new device? Replace your passkey: ",
    "you confirm with the current one, then make the new one, which from then on ",
    "is the only passkey of this account.</p>",
    r#"<button type="button" id="replace-passkey">Replace passkey</button>"#,
    "</div>",
    r#"<div id="recovery">"#,
    "<p>A recovery code is an optional way back in if you lose your passkey. Keep ",
    "it offline, like a password: anyone who has it can take over this account. ",
    "Getting a new one replaces the old one.</p>",
    r#"<button type="button" id="get-recovery-code">Get a recovery code</button>"#,
    "</div>",
    r#"<p><a href="/account/export" download="bio-account.json">Download my data</a></p>"#,
    r#"<form method="post" action="/account/sessions/revoke">"#,
    r#"<button type="submit" id="sign-out-elsewhere">Sign out everywhere else</button>"#,
    "</form>",
    "</section>",
    r#"<section class="danger" aria-labelledby="delete-title">"#,
    r#"<h2 id="delete-title">Delete account</h2>"#,
    r#"<form id="delete-account" method="post" action="/account/delete">"#,
    "<p>Deleting your account removes it and its history here. You confirm it with ",
    "your passkey; your passkey provider is then asked to forget the passkey.</p>",
    r#"<button type="submit" class="danger">Delete account</button>"#,
    "</form>",
    "</section>",
    "</main>",
);

/// The signed-in page's tail, after the agent's section: the account's actions (rename, data,
/// sessions, deletion), the script, the closing tags.
pub fn signed_in_tail<'a>(view: &'a SignedInView<'a>) -> impl Render + 'a {
    owned_html! {
        : Markup(SIGNED_IN_TAIL_BEFORE_NAME);
        // An attribute value: escaped like any text (quotes included).
        : view.name;
        : Markup(SIGNED_IN_TAIL_AFTER_NAME);
        : document_end();
    }
}

/// An error page: a heading, one sentence, and a way home.
pub fn error_page<'a>(heading: &'a str, message: &'a str) -> impl Render + 'a {
    page(
        heading,
        owned_html! {
            : Markup("<h1>");
            : heading;
            : Markup("</h1><p>");
            : message;
            : Markup(r#"</p><p><a href="/">Back to the start</a></p>"#);
        },
    )
}

/// Renders any template into a `String`. Bio never renders through horrorshow's `io::Write`
/// path, which writes escaped text one byte per call; streamed parts are rendered here, then
/// written whole.
pub fn render_to_string(template: impl RenderOnce) -> String {
    let mut out = String::with_capacity(4096);
    // Writing into a String cannot fail; horrorshow reports template errors, and ours write no
    // fallible content, so an error here would be a bug in a template, rendered as empty.
    if horrorshow::Template::write_to_string(template, &mut out).is_err() {
        out.clear();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_out_page_has_one_auth_button_and_the_noscript_line() {
        let html = render_to_string(signed_out("Bio", None, &[]));
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert_eq!(html.matches("id=\"auth\"").count(), 1);
        assert!(html.contains("<noscript>"));
        assert!(html.contains(">Lost your passkey? Use a recovery code</button>"));
        assert!(html.contains("<label for=\"recovery-code-input\">Recovery code</label>"));
        assert!(html.contains("aria-live=\"polite\""));
        assert!(html.ends_with("</body></html>"));
    }

    #[test]
    fn body_data_is_escaped() {
        let html = render_to_string(signed_out(
            "Bio",
            None,
            &[("user-name", "\"><script>x</script>")],
        ));
        assert!(
            html.contains("<body data-user-name=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\">")
        );
    }

    #[test]
    fn the_signed_in_shell_and_tail_make_one_document() {
        let view = SignedInView {
            rp_name: "Bio",
            name: "<amber>",
        };
        let data = [("signed-in", "true")];
        let mut html = render_to_string(signed_in_shell(&view, &data));
        assert!(html.contains("data-testid=\"user-name\">&lt;amber&gt;</strong>"));
        assert!(html.contains("action=\"/logout\""));
        html.push_str(&render_to_string(signed_in_tail(&view)));
        assert!(html.contains("<label for=\"name-input\">Name</label>"));
        assert!(html.contains("value=\"&lt;amber&gt;\""));
        assert!(html.ends_with("</body></html>"));
        // One h1 (axe's page-has-heading-one); the agent's part is no second "Your account"
        // region (landmark-unique); each section named by its own heading.
        assert_eq!(html.matches("<h1>").count(), 1);
        assert!(html.contains("<div id=\"agent\">") && !html.contains("aria-label="));
        assert_eq!(
            html.matches("aria-labelledby=").count(),
            html.matches("<section").count()
        );
        assert_eq!(
            html.matches("<main").count(),
            html.matches("</main>").count()
        );
        assert_eq!(
            html.matches("<section").count(),
            html.matches("</section>").count()
        );
    }

    #[test]
    fn a_returning_visitor_is_greeted_by_name_and_can_say_not_you() {
        let html = render_to_string(signed_out("Bio", Some("<amber>"), &[]));
        assert!(
            html.contains("Welcome back, <strong data-testid=\"returning-name\">&lt;amber&gt;")
        );
        assert!(html.contains("action=\"/forget\""));
        assert_eq!(html.matches("id=\"auth\"").count(), 1);
        let stranger = render_to_string(signed_out("Bio", None, &[]));
        assert!(!stranger.contains("Welcome back") && !stranger.contains("/forget"));
    }

    #[test]
    fn text_is_escaped() {
        let html = render_to_string(error_page("<b>", "<script>alert(1)</script>"));
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }
}
