//! Markdown to safe HTML with pulldown-cmark, plus what later stages need from a lesson body:
//! headings (stable, unique ids with anchor links), quiz blocks (cut out and parsed
//! elsewhere), links (rewritten from `.md` files to page URLs, and checked), images, and
//! plain text per section for the search index.
//!
//! Safety: pulldown-cmark escapes text, so only raw HTML and link schemes can inject markup.
//! Link schemes are checked here; a fragment holding raw HTML is passed through ammonia.
//! Fragments without raw HTML skip ammonia, which keeps 10,000-lesson builds fast.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::LazyLock;

use pulldown_cmark::{BlockQuoteKind, CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::diagnostics::{Diagnostic, Pos};
use crate::highlight::highlight;

pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
}

/// Where a relative link in a lesson can point.
#[derive(Clone, Debug)]
pub enum LinkTarget {
    Lesson { course: String, lesson: String },
    Asset { course: String, rel: String },
}

/// Every linkable source file, by `<course folder>/lessons/<file>` or `<course folder>/assets/…`.
pub type LinkMap = HashMap<String, LinkTarget>;

/// The lesson being rendered, for resolving its relative links.
pub struct LinkContext<'a> {
    pub map: &'a LinkMap,
    /// `<course folder>/lessons`: the folder relative links start from.
    pub base: &'a str,
    pub course: &'a str,
}

#[derive(Clone, Debug)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub text: String,
    pub pos: Pos,
}

/// A ```` ```quiz ```` block, cut out of the page; the quiz parser reads `yaml`.
#[derive(Clone, Debug)]
pub struct QuizBlock {
    pub yaml: String,
    /// Line of the opening fence; the YAML starts on the next line.
    pub fence: Pos,
}

/// A link to a heading (`#id`), checked once every lesson's headings are known.
#[derive(Clone, Debug)]
pub struct AnchorRef {
    /// The lesson the fragment belongs to, as `<course id>/<lesson id>`.
    pub lesson: String,
    pub fragment: String,
    pub pos: Pos,
}

/// Plain text of one section (intro or heading) for search.
#[derive(Clone, Debug)]
pub struct Section {
    pub id: Option<String>,
    pub heading: String,
    pub text: String,
}

#[derive(Clone, Debug, Default)]
pub struct Body {
    /// HTML around the quizzes: `segments.len() == quizzes.len() + 1`.
    pub segments: Vec<String>,
    pub quizzes: Vec<QuizBlock>,
    pub headings: Vec<Heading>,
    pub anchors: Vec<AnchorRef>,
    pub sections: Vec<Section>,
    /// Asset keys (`<course folder>/assets/…`) this lesson uses.
    pub assets_used: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Byte offset → line/column, in O(log n) per lookup.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { starts }
    }

    pub fn pos(&self, text: &str, offset: usize) -> Pos {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let end = offset.min(text.len()).max(start);
        let column = text.get(start..end).map_or(1, |s| s.chars().count() + 1);
        Pos::new(line, column)
    }
}

/// Renders a lesson body. `body_offset` is where the body starts in the file `text`.
pub fn render_body(text: &str, body_offset: usize, file: &str, ctx: &LinkContext<'_>) -> Body {
    let body = &text[body_offset..];
    let mut r = BodyRenderer::new(text, file, Some(ctx), None);
    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        r.event(event, body_offset + range.start);
    }
    r.finish()
}

/// Renders the short Markdown texts of one file (quiz prompts, options, feedback and
/// explanations; a course summary) the way lesson bodies are rendered, links included: they
/// are rewritten and checked by the same code, with the same diagnostics. What the links
/// found accumulates here for the caller to merge into the file's results.
pub struct Snippets<'a, 'c> {
    file: &'a str,
    /// `None` for a text shown on pages in different folders (a course summary appears on the
    /// catalog and on the course page), where no relative link can work.
    ctx: Option<&'a LinkContext<'c>>,
    pub diagnostics: Vec<Diagnostic>,
    pub anchors: Vec<AnchorRef>,
    pub assets_used: Vec<String>,
}

impl<'a, 'c> Snippets<'a, 'c> {
    pub fn new(file: &'a str, ctx: Option<&'a LinkContext<'c>>) -> Self {
        Self {
            file,
            ctx,
            diagnostics: Vec::new(),
            anchors: Vec::new(),
            assets_used: Vec::new(),
        }
    }

    pub fn file(&self) -> &'a str {
        self.file
    }

    /// A text as HTML. Diagnostics point at `pos`, the key holding the text (positions inside
    /// a YAML scalar are not the file's).
    pub fn html(&mut self, md: &str, pos: Pos) -> String {
        let mut r = BodyRenderer::new(md, self.file, self.ctx, Some(pos));
        for (event, range) in Parser::new_ext(md, options()).into_offset_iter() {
            r.event(event, range.start);
        }
        let mut out = r.finish();
        self.diagnostics.append(&mut out.diagnostics);
        self.anchors.append(&mut out.anchors);
        self.assets_used.append(&mut out.assets_used);
        let html = out.segments.into_iter().next().unwrap_or_default();
        html.trim_end().to_owned()
    }

    /// Like [`Snippets::html`] but without the wrapping `<p>` of a one-paragraph text (labels).
    pub fn inline(&mut self, md: &str, pos: Pos) -> String {
        let html = self.html(md, pos);
        match html.strip_prefix("<p>").and_then(|h| h.strip_suffix("</p>")) {
            Some(inner) if !inner.contains("<p>") => inner.to_owned(),
            _ => html,
        }
    }
}

/// A heading being collected: level, explicit id, inner events, plain text, position.
type OpenHeading<'a> = (HeadingLevel, Option<String>, Vec<Event<'a>>, String, Pos);

struct BodyRenderer<'a, 'c> {
    /// Positions are computed only for events that may need one (most events never do).
    lines: LineIndex,
    text: &'a str,
    file: &'a str,
    /// `None`: relative links cannot work (see [`Snippets`]).
    ctx: Option<&'a LinkContext<'c>>,
    /// Set for a short text ([`Snippets`]): every diagnostic is reported here; headings get no
    /// id or anchor (they would clash with the page's) and a `quiz` fence is plain code.
    snippet_at: Option<Pos>,
    out: Body,
    events: Vec<Event<'a>>,
    heading: Option<OpenHeading<'a>>,
    code: Option<(String, String, Pos)>,
    image_alt: Option<(bool, Pos)>,
    /// Nesting of lists and quotes: quiz blocks must sit at the top level.
    depth: usize,
    seen_ids: HashMap<String, usize>,
    section: Section,
    /// The author wrote raw HTML in the current segment: it must go through ammonia.
    raw_html: bool,
}

impl<'a, 'c> BodyRenderer<'a, 'c> {
    fn new(text: &'a str, file: &'a str, ctx: Option<&'a LinkContext<'c>>, snippet_at: Option<Pos>) -> Self {
        Self {
            lines: LineIndex::new(text),
            text,
            file,
            ctx,
            snippet_at,
            out: Body::default(),
            events: Vec::new(),
            heading: None,
            code: None,
            image_alt: None,
            depth: 0,
            seen_ids: HashMap::new(),
            section: Section {
                id: None,
                heading: String::new(),
                text: String::new(),
            },
            raw_html: false,
        }
    }

    fn pos(&self, offset: usize) -> Pos {
        match self.snippet_at {
            Some(at) => at,
            None => self.lines.pos(self.text, offset),
        }
    }

    fn event(&mut self, event: Event<'a>, offset: usize) {
        if self.code.is_some() {
            match event {
                Event::Text(t) => {
                    if let Some((_, code, _)) = &mut self.code {
                        code.push_str(&t);
                    }
                }
                Event::End(TagEnd::CodeBlock) => self.end_code_block(),
                _ => {}
            }
            return;
        }
        if self.heading.is_some() {
            if let Event::End(TagEnd::Heading(_)) = event {
                self.end_heading();
                return;
            }
            let event = self.rewrite(event, offset);
            if let Some((_, _, inner, text, _)) = &mut self.heading {
                if let Event::Text(t) | Event::Code(t) = &event {
                    text.push_str(t);
                }
                inner.push(event);
            }
            return;
        }
        match event {
            Event::Start(Tag::Heading { level, id, .. }) if self.snippet_at.is_none() => {
                let pos = self.pos(offset);
                self.heading = Some((level, id.map(|i| i.to_string()), Vec::new(), String::new(), pos));
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = code_lang(&kind);
                let pos = self.pos(offset);
                self.code = Some((lang, String::new(), pos));
            }
            Event::Start(Tag::BlockQuote(kind)) => {
                self.depth += 1;
                match kind {
                    Some(kind) => {
                        let (class, title) = callout(kind);
                        self.events.push(Event::Html(
                            format!("<div class=\"callout callout-{class}\" role=\"note\"><p class=\"callout-title\">{title}</p>\n").into(),
                        ));
                    }
                    None => self.events.push(Event::Start(Tag::BlockQuote(None))),
                }
            }
            Event::End(TagEnd::BlockQuote(kind)) => {
                self.depth = self.depth.saturating_sub(1);
                match kind {
                    Some(_) => self.events.push(Event::Html("</div>\n".into())),
                    None => self.events.push(Event::End(TagEnd::BlockQuote(None))),
                }
            }
            Event::Start(Tag::List(_)) | Event::Start(Tag::FootnoteDefinition(_)) => {
                self.depth += 1;
                self.events.push(event);
            }
            Event::End(TagEnd::List(_)) | Event::End(TagEnd::FootnoteDefinition) => {
                self.depth = self.depth.saturating_sub(1);
                self.events.push(event);
            }
            Event::Start(Tag::Table(_)) => {
                self.events.push(Event::Html(
                    "<div class=\"table-scroll\" role=\"region\" tabindex=\"0\" aria-label=\"Table (scrolls sideways)\">\n".into(),
                ));
                self.events.push(event);
            }
            Event::End(TagEnd::Table) => {
                self.events.push(event);
                self.events.push(Event::Html("</div>\n".into()));
            }
            Event::TaskListMarker(done) => {
                let (label, mark) = if done { ("Done", "☑") } else { ("Not done", "☐") };
                self.events.push(Event::Html(
                    format!("<span class=\"task-marker\" role=\"img\" aria-label=\"{label}\">{mark}</span> ").into(),
                ));
            }
            Event::Text(ref t) | Event::Code(ref t) => {
                push_words(&mut self.section.text, t);
                if let Some((seen, _)) = &mut self.image_alt {
                    *seen |= !t.trim().is_empty();
                }
                self.events.push(event);
            }
            Event::SoftBreak | Event::HardBreak => {
                self.section.text.push(' ');
                self.events.push(event);
            }
            other => {
                let other = self.rewrite(other, offset);
                self.events.push(other);
            }
        }
    }

    /// Link and image destinations: rewrite `.md` paths, check targets and schemes.
    fn rewrite(&mut self, event: Event<'a>, offset: usize) -> Event<'a> {
        if matches!(event, Event::Html(_) | Event::InlineHtml(_)) {
            self.raw_html = true;
        }
        match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = self.resolve(&dest_url, self.pos(offset), false).into();
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let pos = self.pos(offset);
                self.image_alt = Some((false, pos));
                let dest_url = self.resolve(&dest_url, pos, true).into();
                Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            Event::End(TagEnd::Image) => {
                if let Some((false, at)) = self.image_alt.take() {
                    self.out
                        .diagnostics
                        .push(Diagnostic::warning(self.file, at, "image has no alt text").with_help(
                            "describe the image for people who cannot see it: ![what it shows](../assets/file.svg)",
                        ));
                }
                event
            }
            other => other,
        }
    }

    fn resolve(&mut self, dest: &str, pos: Pos, image: bool) -> String {
        let (path, fragment) = match dest.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (dest, None),
        };
        if path.is_empty() && self.ctx.is_some() {
            if let Some(f) = fragment {
                self.out.anchors.push(AnchorRef {
                    lesson: String::new(),
                    fragment: f.to_owned(),
                    pos,
                });
            }
            return dest.to_owned();
        }
        if let Some(scheme) = url_scheme(path) {
            let allowed: &[&str] = if image {
                &["https", "http"]
            } else {
                &["https", "http", "mailto", "tel"]
            };
            if !allowed.contains(&scheme.to_ascii_lowercase().as_str()) {
                self.out.diagnostics.push(
                    Diagnostic::error(self.file, pos, format!("link uses the unsafe scheme `{scheme}:`")).with_help(
                        "links may use https:, http:, mailto: or tel:, or point at another lesson or an asset",
                    ),
                );
                return "#".to_owned();
            }
            if image {
                self.out.diagnostics.push(
                    Diagnostic::warning(self.file, pos, "image is loaded from another site")
                        .with_help("copy the image into the course's assets/ folder so the page works offline and under a strict CSP"),
                );
            }
            return dest.to_owned();
        }
        if path.starts_with('/') {
            self.out.diagnostics.push(
                Diagnostic::error(
                    self.file,
                    pos,
                    format!("absolute link `{dest}` breaks when the site is hosted under a sub-path"),
                )
                .with_help(
                    "use a path relative to the lesson file, such as `02-other-lesson.md` or `../assets/file.png`",
                ),
            );
            return dest.to_owned();
        }
        let Some(ctx) = self.ctx else {
            self.out.diagnostics.push(
                Diagnostic::error(
                    self.file,
                    pos,
                    format!("relative link `{dest}` cannot work in the course summary"),
                )
                .with_help(
                    "the summary is shown on the catalog and on the course page, which sit in different folders; use a full https:// address, or link lessons from a lesson",
                ),
            );
            return dest.to_owned();
        };
        let Some(key) = join_relative(ctx.base, path) else {
            return self.broken(ctx, dest, pos, image);
        };
        match ctx.map.get(&key) {
            Some(LinkTarget::Lesson { course, lesson }) if !image => {
                if let Some(f) = fragment {
                    self.out.anchors.push(AnchorRef {
                        lesson: format!("{course}/{lesson}"),
                        fragment: f.to_owned(),
                        pos,
                    });
                }
                let page = if course == ctx.course {
                    format!("{lesson}.html")
                } else {
                    format!("../{course}/{lesson}.html")
                };
                match fragment {
                    Some(f) => format!("{page}#{f}"),
                    None => page,
                }
            }
            Some(LinkTarget::Asset { course, rel }) => {
                self.out.assets_used.push(key.clone());
                let url = if course == ctx.course {
                    rel.clone()
                } else {
                    format!("../{course}/{rel}")
                };
                match fragment {
                    Some(f) => format!("{url}#{f}"),
                    None => url,
                }
            }
            _ => self.broken(ctx, dest, pos, image),
        }
    }

    fn broken(&mut self, ctx: &LinkContext<'_>, dest: &str, pos: Pos, image: bool) -> String {
        let what = if image { "image" } else { "link target" };
        let mut candidates: Vec<&str> = ctx.map.keys().map(String::as_str).collect();
        candidates.sort_unstable();
        let tried = join_relative(ctx.base, dest.split('#').next().unwrap_or(dest)).unwrap_or_default();
        let help = match crate::diagnostics::did_you_mean(&tried, candidates) {
            Some(s) => format!("did you mean `{}`?", relative_from(ctx.base, s)),
            None if image => "images live in the course's assets/ folder: ![alt](../assets/file.png)".to_owned(),
            None => "link to another lesson by its file name, e.g. `02-spf.md` or `02-spf.md#a-heading`".to_owned(),
        };
        self.out
            .diagnostics
            .push(Diagnostic::error(self.file, pos, format!("{what} `{dest}` does not exist")).with_help(help));
        dest.to_owned()
    }

    fn end_heading(&mut self) {
        let Some((level, explicit, inner, text, pos)) = self.heading.take() else {
            return;
        };
        let level_num = level as u8;
        let base = explicit.clone().unwrap_or_else(|| slugify(&text));
        let n = self.seen_ids.entry(base.clone()).or_insert(0);
        *n += 1;
        let id = if *n == 1 {
            base
        } else {
            self.out.diagnostics.push(
                Diagnostic::warning(self.file, pos, format!("heading id `{base}` is used twice on this page"))
                    .with_help("links to it reach only the first heading; give one a different title or an explicit id: `## Title {#other-id}`"),
            );
            format!("{base}-{}", *n - 1)
        };
        let mut html = String::new();
        let _ = write!(html, "<h{level_num} id=\"{}\">", escape(&id));
        pulldown_cmark::html::push_html(&mut html, inner.into_iter());
        let _ = writeln!(
            html,
            " <a class=\"anchor\" href=\"#{}\" aria-label=\"Link to this section: {}\">#</a></h{level_num}>",
            escape(&id),
            escape(text.trim())
        );
        self.events.push(Event::Html(html.into()));
        if level_num <= 3 {
            self.out.headings.push(Heading {
                level: level_num,
                id: id.clone(),
                text: text.trim().to_owned(),
                pos,
            });
            let mut previous = std::mem::replace(
                &mut self.section,
                Section {
                    id: Some(id),
                    heading: text.trim().to_owned(),
                    text: String::new(),
                },
            );
            // Bodies of every lesson are held until the site is rendered: no spare capacity.
            previous.text.shrink_to_fit();
            self.out.sections.push(previous);
        } else {
            push_words(&mut self.section.text, &text);
        }
    }

    fn end_code_block(&mut self) {
        let Some((lang, code, pos)) = self.code.take() else {
            return;
        };
        if lang == "quiz" && self.snippet_at.is_none() {
            if self.depth > 0 {
                self.out.diagnostics.push(
                    Diagnostic::error(self.file, pos, "quiz block is nested inside a list or quote")
                        .with_help("start the ```quiz fence at the beginning of a line, outside lists and quotes"),
                );
            }
            self.flush_segment();
            self.out.quizzes.push(QuizBlock { yaml: code, fence: pos });
            return;
        }
        push_words(&mut self.section.text, &code);
        self.events.push(Event::Html(code_block_html(&lang, &code).into()));
    }

    fn flush_segment(&mut self) {
        let mut segment = events_to_html(std::mem::take(&mut self.events), std::mem::take(&mut self.raw_html));
        segment.shrink_to_fit();
        self.out.segments.push(segment);
    }

    fn finish(mut self) -> Body {
        if self.heading.is_some() {
            self.end_heading();
        }
        if self.code.is_some() {
            self.end_code_block();
        }
        self.flush_segment();
        let mut last = std::mem::replace(
            &mut self.section,
            Section {
                id: None,
                heading: String::new(),
                text: String::new(),
            },
        );
        last.text.shrink_to_fit();
        self.out.sections.push(last);
        self.out
            .sections
            .retain(|s| s.id.is_some() || !s.text.trim().is_empty());
        self.out
    }
}

/// A fenced or indented code block: `pre.code` with the language as `data-lang` (the theme shows
/// it as a caption) and the highlighter's spans. Lesson bodies and quiz snippets share it, so a
/// code block looks and scrolls the same wherever an author writes it.
fn code_block_html(lang: &str, code: &str) -> String {
    let body = highlight(lang, code).unwrap_or_else(|| escape(code));
    let lang_attr = if lang.is_empty() {
        String::new()
    } else {
        format!(" data-lang=\"{}\"", escape(lang))
    };
    format!("<pre class=\"code\"{lang_attr}><code>{body}</code></pre>\n")
}

/// The language of a code block: the first word of a fence's info string.
fn code_lang(kind: &CodeBlockKind<'_>) -> String {
    match kind {
        CodeBlockKind::Fenced(info) => info.split_whitespace().next().unwrap_or("").to_owned(),
        CodeBlockKind::Indented => String::new(),
    }
}

fn callout(kind: BlockQuoteKind) -> (&'static str, &'static str) {
    match kind {
        BlockQuoteKind::Note => ("note", "Note"),
        BlockQuoteKind::Tip => ("tip", "Tip"),
        BlockQuoteKind::Important => ("important", "Important"),
        BlockQuoteKind::Warning => ("warning", "Warning"),
        BlockQuoteKind::Caution => ("caution", "Caution"),
    }
}

/// Renders events to HTML; sanitises with ammonia when the author wrote raw HTML (`raw`).
fn events_to_html(events: Vec<Event<'_>>, raw: bool) -> String {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    // pulldown-cmark aligns table cells with style attributes, which a strict CSP refuses.
    if html.contains(" style=\"text-align: ") {
        html = html
            .replace(" style=\"text-align: left\"", " class=\"align-left\"")
            .replace(" style=\"text-align: center\"", " class=\"align-center\"")
            .replace(" style=\"text-align: right\"", " class=\"align-right\"");
    }
    if raw { sanitize(&html) } else { html }
}

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.add_tags([
        "details",
        "summary",
        "kbd",
        "mark",
        "figure",
        "figcaption",
        "abbr",
        "sup",
        "sub",
        "span",
        "div",
        "input",
    ])
    .add_generic_attributes([
        "id",
        "class",
        "title",
        "role",
        "aria-label",
        "aria-hidden",
        "tabindex",
        "data-lang",
        "lang",
        "dir",
    ])
    .add_tag_attributes("input", ["type", "disabled", "checked"])
    .add_tag_attributes("ol", ["start"])
    .add_tag_attributes("td", ["colspan", "rowspan"])
    .add_tag_attributes("th", ["colspan", "rowspan", "scope"])
    .url_schemes(["http", "https", "mailto", "tel"].into_iter().collect());
    b
});

/// Cleans author HTML against an allow-list: no scripts, event handlers, styles, frames or
/// `javascript:` URLs survive.
pub fn sanitize(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

/// Markdown as plain text (meta descriptions, the public catalog).
pub fn plain_text(md: &str) -> String {
    let mut text = String::new();
    for event in Parser::new_ext(md, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::Paragraph) => text.push(' '),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn push_words(buf: &mut String, text: &str) {
    if !buf.is_empty() && !buf.ends_with(' ') {
        buf.push(' ');
    }
    buf.push_str(text);
}

/// A URL's scheme, if it has one (`https` in `https://…`; none for `02-spf.md`).
fn url_scheme(url: &str) -> Option<&str> {
    let colon = url.find(':')?;
    let scheme = &url[..colon];
    (!scheme.is_empty()
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(scheme)
}

/// Joins a relative path onto `base`, resolving `.` and `..`; `None` if it climbs out of the root.
pub fn join_relative(base: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The shortest relative path from folder `base` to `target` (both relative to the root).
fn relative_from(base: &str, target: &str) -> String {
    let base: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    let target: Vec<&str> = target.split('/').collect();
    let common = base.iter().zip(&target).take_while(|(a, b)| a == b).count();
    let mut parts = vec![".."; base.len() - common];
    parts.extend(&target[common..]);
    parts.join("/")
}

/// A heading's id: lower case, letters and digits kept (any script), spaces become hyphens.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if (c.is_whitespace() || c == '-' || c == '_') && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-');
    if slug.is_empty() {
        "section".to_owned()
    } else {
        slug.to_owned()
    }
}

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(md: &str) -> Body {
        let map = link_map();
        let ctx = LinkContext {
            map: &map,
            base: "c/lessons",
            course: "c",
        };
        render_body(md, 0, "c/lessons/01-a.md", &ctx)
    }

    fn link_map() -> LinkMap {
        let mut map = LinkMap::new();
        map.insert(
            "c/lessons/02-next.md".into(),
            LinkTarget::Lesson {
                course: "c".into(),
                lesson: "next".into(),
            },
        );
        map.insert(
            "c/assets/d.svg".into(),
            LinkTarget::Asset {
                course: "c".into(),
                rel: "assets/d.svg".into(),
            },
        );
        map.insert(
            "o/lessons/01-x.md".into(),
            LinkTarget::Lesson {
                course: "other".into(),
                lesson: "x".into(),
            },
        );
        map
    }

    #[test]
    fn headings_get_stable_unique_ids_and_anchors() {
        let body = render("## Identifier alignment\n\n## Identifier alignment\n\n### Custom {#own}\n");
        let ids: Vec<_> = body.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["identifier-alignment", "identifier-alignment-1", "own"]);
        assert!(body.segments[0].contains(
            "<h2 id=\"identifier-alignment\">Identifier alignment <a class=\"anchor\" href=\"#identifier-alignment\""
        ));
        assert_eq!(body.diagnostics.len(), 1, "the duplicate heading is a warning");
    }

    #[test]
    fn links_are_rewritten_and_checked() {
        let body = render(
            "[n](02-next.md#sec) [o](../../o/lessons/01-x.md) ![d](../assets/d.svg) [bad](03-missing.md) [js](javascript:alert(1))",
        );
        let html = &body.segments[0];
        assert!(html.contains("href=\"next.html#sec\""), "{html}");
        assert!(html.contains("href=\"../other/x.html\""), "{html}");
        assert!(html.contains("src=\"assets/d.svg\""), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        let messages: Vec<_> = body.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "link target `03-missing.md` does not exist",
                "link uses the unsafe scheme `javascript:`"
            ]
        );
        assert_eq!(body.anchors[0].lesson, "c/next");
    }

    #[test]
    fn raw_html_is_sanitised() {
        let body = render(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n<a href=\"javascript:alert(1)\">x</a> <kbd>Ctrl</kbd>\n\n<iframe src=\"https://evil.example\"></iframe><svg onload=alert(1)></svg>\n",
        );
        let html = &body.segments[0];
        for bad in ["<script", "onerror", "javascript:", "<iframe", "<svg", "onload"] {
            assert!(!html.contains(bad), "{bad} survived: {html}");
        }
        assert!(html.contains("<kbd>Ctrl</kbd>"));
    }

    #[test]
    fn quizzes_split_segments_and_callouts_render() {
        let body = render("> [!WARNING]\n> Careful.\n\nBefore\n\n```quiz\nid: q\n```\n\nAfter\n");
        assert_eq!(body.segments.len(), 2);
        assert_eq!(body.quizzes[0].yaml, "id: q\n");
        assert_eq!(body.quizzes[0].fence, Pos::new(6, 1));
        assert!(
            body.segments[0].contains(
                "<div class=\"callout callout-warning\" role=\"note\"><p class=\"callout-title\">Warning</p>"
            )
        );
        assert!(body.segments[1].contains("After"));
    }

    #[test]
    fn snippet_code_blocks_render_like_lesson_code_blocks() {
        let md = "Which record?\n\n```dns\nexample.org. IN TXT \"v=spf1 -all\"\n```\n";
        let snippet = Snippets::new("c/lessons/01-a.md", None).html(md, Pos::new(1, 1));
        let body = render(md);
        let block = |html: &str| html[html.find("<pre").expect("a pre")..].trim_end().to_owned();
        assert!(
            snippet.contains("<pre class=\"code\" data-lang=\"dns\"><code><span class=\"tok-"),
            "{snippet}"
        );
        assert_eq!(block(&snippet), block(&body.segments[0]));
        assert!(!snippet.contains("language-"), "{snippet}");
        let indented = Snippets::new("c/lessons/01-a.md", None).html("    indented\n", Pos::new(1, 1));
        assert!(indented.starts_with("<pre class=\"code\"><code>indented"), "{indented}");
    }

    #[test]
    fn snippet_links_resolve_like_body_links() {
        let map = link_map();
        let ctx = LinkContext {
            map: &map,
            base: "c/lessons",
            course: "c",
        };
        let mut texts = Snippets::new("c/lessons/01-a.md", Some(&ctx));
        let at = Pos::new(7, 5);
        let html = texts.html(
            "See [n](02-next.md#sec), ![d](../assets/d.svg), [bad](03-missing.md) and [js](javascript:alert(1)).",
            at,
        );
        assert!(html.contains("href=\"next.html#sec\""), "{html}");
        assert!(html.contains("src=\"assets/d.svg\""), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        let got: Vec<_> = texts.diagnostics.iter().map(|d| (d.line, d.message.as_str())).collect();
        assert_eq!(
            got,
            [
                (7, "link target `03-missing.md` does not exist"),
                (7, "link uses the unsafe scheme `javascript:`")
            ]
        );
        assert_eq!(texts.anchors[0].lesson, "c/next");
        assert_eq!(texts.assets_used, ["c/assets/d.svg"]);
        // A heading in a short text gets no id that could clash with the page's.
        assert_eq!(texts.html("## Title", at), "<h2>Title</h2>");
    }

    #[test]
    fn relative_links_in_a_summary_are_errors() {
        let mut texts = Snippets::new("c/course.yaml", None);
        let html = texts.html("[a](lessons/01-a.md) [b](#x) [c](https://example.org)", Pos::new(3, 1));
        assert!(html.contains("href=\"https://example.org\""), "{html}");
        let got: Vec<_> = texts.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            got,
            [
                "relative link `lessons/01-a.md` cannot work in the course summary",
                "relative link `#x` cannot work in the course summary"
            ]
        );
    }

    #[test]
    fn tables_lose_inline_styles() {
        let body = render("| a | b |\n|:-:|--:|\n| 1 | 2 |\n");
        assert!(!body.segments[0].contains("style="));
        assert!(body.segments[0].contains("class=\"align-center\""));
    }

    #[test]
    fn slugs() {
        assert_eq!(slugify("What is SPF? (RFC 7208)"), "what-is-spf-rfc-7208");
        assert_eq!(slugify("Sécurité  des e-mails"), "sécurité-des-e-mails");
        assert_eq!(slugify("!!!"), "section");
        assert_eq!(join_relative("c/lessons", "../../o/x.md").as_deref(), Some("o/x.md"));
        assert_eq!(join_relative("c/lessons", "../../../x.md"), None);
        assert_eq!(relative_from("c/lessons", "c/lessons/02-a.md"), "02-a.md");
        assert_eq!(relative_from("c/lessons", "c/assets/x.png"), "../assets/x.png");
    }
}
