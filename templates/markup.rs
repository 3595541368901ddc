//! [`Markup`]: constant markup of our own, written through one shared call.
//!
//! Why it exists: horrorshow writes every tag of `html!` through `TemplateBuffer::write_raw`,
//! which is `#[inline(always)]`, so each tag in a template inlines the whole writer (three
//! output kinds, error bookkeeping): ~400 bytes of wasm per tag. Runs of markup that never
//! change are therefore written as one `&'static str` each and rendered by `Markup`, whose one
//! out-of-line `render` is shared by every template (BENCHMARKS.md, "Release wasm size"). Values
//! are always written between them with `: value`, which escapes them, attribute values included.
//!
//! It does not: escape (it is only for markup written in this folder, never for data), or
//! check that the markup is well-formed (the templates' tests do; when the pages moved to it,
//! every page was compared byte for byte with its horrorshow-only rendering).

use horrorshow::{Render, RenderMut, RenderOnce, TemplateBuffer};

/// Markup written in our source: never data from a user, a store or an agent.
#[derive(Clone, Copy)]
pub struct Markup(pub &'static str);

impl Render for Markup {
    // One copy of horrorshow's inlined writer for all the constant markup.
    #[inline(never)]
    fn render(&self, tmpl: &mut TemplateBuffer<'_>) {
        tmpl.write_raw(self.0);
    }
}

impl RenderMut for Markup {
    fn render_mut(&mut self, tmpl: &mut TemplateBuffer<'_>) {
        self.render(tmpl);
    }
}

impl RenderOnce for Markup {
    fn render_once(self, tmpl: &mut TemplateBuffer<'_>) {
        self.render(tmpl);
    }
}

#[cfg(test)]
mod tests {
    use horrorshow::{Template, owned_html};

    use super::Markup;

    #[test]
    fn markup_is_written_as_is_and_values_beside_it_stay_escaped() {
        let value = "<b>&\"";
        let html = owned_html! {
            : Markup(r#"<p class="lede">"#);
            : value;
            : Markup("</p>");
        }
        .into_string()
        .unwrap();
        assert_eq!(html, r#"<p class="lede">&lt;b&gt;&amp;&quot;</p>"#);
    }

    #[test]
    fn a_value_between_markup_inside_an_attribute_cannot_close_it() {
        let value = "\" autofocus onfocus=\"x";
        let html = owned_html! {
            : Markup(r#"<input value=""#);
            : value;
            : Markup(r#"">"#);
        }
        .into_string()
        .unwrap();
        assert_eq!(html, r#"<input value="&quot; autofocus onfocus=&quot;x">"#);
    }
}
