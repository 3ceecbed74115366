//! What a course may publish from `assets/`. Course assets are served from the site's own
//! origin, which also holds sessions and admin pages, so a file that a browser would run
//! (an HTML page, a script, a style sheet, WebAssembly, XML that can be XHTML) is refused:
//! only the types in [`ALLOWED`] are published. SVG is an image that can carry script, so an
//! SVG is refused when it holds anything active (`<script>`, event handlers,
//! `<foreignObject>` and other embedding elements, `javascript:` or other-origin references,
//! `@import`); plain drawings pass untouched. (Refusing rather than silently stripping: the
//! author learns what to fix, and the published file is byte for byte theirs.) The server
//! also sends course assets with `Content-Security-Policy: sandbox` and `nosniff`, so this is
//! the second lock, and the only one on a static host.

use crate::diagnostics::{Diagnostic, Pos};

/// The asset types a course may publish, by lower-cased extension.
pub const ALLOWED: [&str; 12] = [
    "png", "jpg", "jpeg", "gif", "webp", "avif", "svg", "pdf", "txt", "csv", "zip", "ico",
];

const HELP: &str = "course assets may be images (png, jpg, jpeg, gif, webp, avif, svg, ico), PDF, or \
downloads (txt, csv, zip); a page belongs in lessons/ as Markdown, and scripts and styles come only \
from the theme";

/// The problem with one asset, if any; `shown` is its path as diagnostics name it.
pub fn check(shown: &str, rel: &str, bytes: &[u8]) -> Option<Diagnostic> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    let Some(ext) = ext else {
        return Some(Diagnostic::error(shown, Pos::new(1, 1), "asset has no file type (no extension)").with_help(HELP));
    };
    if !ALLOWED.contains(&ext.as_str()) {
        return Some(
            Diagnostic::error(
                shown,
                Pos::new(1, 1),
                format!("asset type `.{ext}` cannot be published"),
            )
            .with_help(HELP),
        );
    }
    if ext != "svg" {
        return None;
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Some(
            Diagnostic::error(shown, Pos::new(1, 1), "SVG asset is not UTF-8 text")
                .with_help("save the drawing as UTF-8 SVG (Inkscape: Plain SVG)"),
        );
    };
    active_svg(text).map(|(offset, what)| {
        Diagnostic::error(
            shown,
            Pos::of_offset(text, offset),
            format!("SVG asset contains {what}"),
        )
        .with_help(
            "course images may not run anything: remove scripts, event handlers (`on…=`), \
                 `<foreignObject>`, `javascript:` links and references to other sites (Inkscape: \
                 save as Optimized or Plain SVG)",
        )
    })
}

/// Elements that run or embed something in an SVG document.
const ACTIVE_ELEMENTS: [&str; 7] = [
    "script",
    "foreignobject",
    "iframe",
    "embed",
    "object",
    "handler",
    "listener",
];

/// The first active thing in an SVG text: its byte offset and what it is, in words.
fn active_svg(text: &str) -> Option<(usize, String)> {
    let mut at = 0;
    // Inside a `<style>` element, whose text is CSS.
    let mut in_style = false;
    while let Some(found) = text[at..].find('<') {
        let start = at + found;
        let rest = &text[start + 1..];
        if let Some(comment) = rest.strip_prefix("!--") {
            at = start + 4 + comment.find("-->").map_or(comment.len(), |e| e + 3);
            continue;
        }
        if let Some(cdata) = rest.strip_prefix("![CDATA[") {
            let end = cdata.find("]]>").unwrap_or(cdata.len());
            if let Some(what) = active_css(&cdata[..end]).filter(|_| in_style) {
                return Some((start, what));
            }
            at = start + 9 + end;
            continue;
        }
        let end = tag_end(rest);
        let tag = &rest[..end];
        if let Some(what) = active_tag(tag) {
            return Some((start, what));
        }
        let name = tag
            .split(|c: char| c.is_whitespace() || c == '>')
            .next()
            .unwrap_or_default();
        let closing = name.starts_with('/');
        let bare = name.trim_start_matches('/');
        if bare.rsplit(':').next().unwrap_or(bare).eq_ignore_ascii_case("style") {
            in_style = !closing && !tag.ends_with('/');
        }
        // Text up to the next tag: a `<style>` element's rules are text.
        let after = (start + 1 + end).min(text.len());
        let text_end = text[after..].find('<').map_or(text.len(), |n| after + n);
        if let Some(what) = active_css(&text[after..text_end]).filter(|_| in_style) {
            return Some((after + 1, what));
        }
        at = text_end.max(start + 1);
    }
    None
}

/// Where a tag ends (its `>`, outside quotes), relative to just after its `<`.
fn tag_end(rest: &str) -> usize {
    let mut quote = None;
    for (i, c) in rest.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return i,
            _ => {}
        }
    }
    rest.len()
}

/// What is active in one tag (without its `<` and `>`).
fn active_tag(tag: &str) -> Option<String> {
    let tag = tag.trim_start_matches('/');
    let name_end = tag.find(|c: char| c.is_whitespace() || c == '/').unwrap_or(tag.len());
    let name = tag[..name_end].to_ascii_lowercase();
    let local = name.rsplit(':').next().unwrap_or(&name);
    if ACTIVE_ELEMENTS.contains(&local) {
        return Some(format!("a `<{}>` element", &tag[..name_end]));
    }
    if name.starts_with('!') || name.starts_with('?') {
        // A doctype may declare entities; a processing instruction may name a style sheet.
        let lower = tag.to_ascii_lowercase();
        if lower.contains("<!entity") || lower.contains("entity") || lower.starts_with("?xml-stylesheet") {
            return Some(format!("`<{}…>`", &tag[..name_end]));
        }
        return None;
    }
    for (attr, value) in attributes(&tag[name_end..]) {
        let lower = attr.to_ascii_lowercase();
        if lower.starts_with("on") {
            return Some(format!("an event handler attribute `{attr}`"));
        }
        let value = decode(&value);
        let squashed: String = value
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .collect::<String>()
            .to_ascii_lowercase();
        if squashed.contains("javascript:") || squashed.contains("vbscript:") {
            return Some(format!("a `javascript:` value in `{attr}`"));
        }
        let local_attr = lower.rsplit(':').next().unwrap_or(&lower);
        if matches!(local_attr, "href" | "src") && external(&squashed) {
            return Some(format!("a reference to another site or document in `{attr}`"));
        }
        if lower == "style"
            && let Some(what) = active_css(&value)
        {
            return Some(what);
        }
    }
    None
}

/// A reference that leaves the file: another origin, or a `data:` URL that is not an image.
fn external(url: &str) -> bool {
    url.starts_with("//") || url.contains("://") || (url.starts_with("data:") && !url.starts_with("data:image/"))
}

/// `@import` or a `url(…)` that leaves the file, in CSS text.
fn active_css(css: &str) -> Option<String> {
    let lower = decode(css).to_ascii_lowercase();
    if lower.contains("@import") {
        return Some("a style sheet `@import`".to_owned());
    }
    let mut rest = lower.as_str();
    while let Some(i) = rest.find("url(") {
        let url: String = rest[i + 4..]
            .chars()
            .take_while(|&c| c != ')')
            .filter(|c| !c.is_whitespace() && *c != '"' && *c != '\'')
            .collect();
        if external(&url) || url.contains("javascript:") {
            return Some("a style `url(…)` pointing outside the file".to_owned());
        }
        rest = &rest[i + 4..];
    }
    None
}

/// The `name="value"` pairs of a tag (after its name); unquoted values run to whitespace.
fn attributes(mut s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    loop {
        s = s.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if s.is_empty() {
            return out;
        }
        let name_end = s
            .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
            .unwrap_or(s.len());
        let name = s[..name_end].to_owned();
        s = s[name_end..].trim_start();
        let mut value = String::new();
        if let Some(after) = s.strip_prefix('=') {
            let after = after.trim_start();
            match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let body = &after[1..];
                    let end = body.find(q).unwrap_or(body.len());
                    value = body[..end].to_owned();
                    s = body.get(end + 1..).unwrap_or("");
                }
                _ => {
                    let end = after.find(char::is_whitespace).unwrap_or(after.len());
                    value = after[..end].to_owned();
                    s = &after[end..];
                }
            }
        }
        if name.is_empty() {
            // A stray `=`: skip one character so the loop always advances.
            s = s.get(1..).unwrap_or("");
            continue;
        }
        out.push((name, value));
    }
}

/// XML character references (`&#106;`, `&#x6A;`) and the five named entities decoded, as a
/// browser reads an attribute value.
fn decode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &after[..e];
            let code = if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()
            } else if let Some(dec) = name.strip_prefix('#') {
                dec.parse().ok()
            } else {
                match name {
                    "amp" => Some(u32::from('&')),
                    "lt" => Some(u32::from('<')),
                    "gt" => Some(u32::from('>')),
                    "quot" => Some(u32::from('"')),
                    "apos" => Some(u32::from('\'')),
                    _ => None,
                }
            };
            Some((char::from_u32(code?)?, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svg_problem(body: &str) -> Option<String> {
        let text = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\">\n{body}\n</svg>\n");
        check("c/assets/x.svg", "assets/x.svg", text.as_bytes())
            .map(|d| format!("{}:{} {}", d.line, d.column, d.message))
    }

    #[test]
    fn types_outside_the_allow_list_are_refused() {
        for name in [
            "x.html", "x.HTM", "x.js", "x.mjs", "x.css", "x.wasm", "x.xml", "x.xhtml", "x.svgz", "README",
        ] {
            let d = check(name, &format!("assets/{name}"), b"hello").unwrap_or_else(|| panic!("{name} passed"));
            assert_eq!((d.line, d.column), (1, 1), "{name}");
            assert!(d.help.as_deref().is_some_and(|h| h.contains("png")), "{name}");
        }
        for name in [
            "a.png", "b.JPG", "c.jpeg", "d.gif", "e.webp", "f.avif", "g.pdf", "h.txt", "i.csv", "j.zip",
        ] {
            assert!(
                check(name, &format!("assets/{name}"), b"bytes").is_none(),
                "{name} refused"
            );
        }
    }

    #[test]
    fn drawings_pass_and_active_svg_is_refused_where_it_is() {
        let plain = "<title>Flow</title><defs><linearGradient id=\"g\"/></defs>\
                     <rect fill=\"url(#g)\" style=\"stroke: #333\"/><use href=\"#g\"/>\
                     <image href=\"data:image/png;base64,AAAA\"/><text>on=off, javascript is text</text>\
                     <!-- <script> in a comment -->";
        assert_eq!(svg_problem(plain), None);
        for (body, expected) in [
            (
                "<script>alert(1)</script>",
                "2:1 SVG asset contains a `<script>` element",
            ),
            (
                "<svg:script href=\"x.js\"/>",
                "2:1 SVG asset contains a `<svg:script>` element",
            ),
            (
                "<rect onload=\"alert(1)\"/>",
                "2:1 SVG asset contains an event handler attribute `onload`",
            ),
            (
                "<rect\n  ONCLICK='x()'/>",
                "2:1 SVG asset contains an event handler attribute `ONCLICK`",
            ),
            (
                "<foreignObject><p>x</p></foreignObject>",
                "2:1 SVG asset contains a `<foreignObject>` element",
            ),
            (
                "<a href=\"javascript:alert(1)\"><text>x</text></a>",
                "2:1 SVG asset contains a `javascript:` value in `href`",
            ),
            (
                "<a xlink:href=\"&#106;avascript:x\"/>",
                "2:1 SVG asset contains a `javascript:` value in `xlink:href`",
            ),
            (
                "<set attributeName=\"href\" to=\"java\tscript:x\"/>",
                "2:1 SVG asset contains a `javascript:` value in `to`",
            ),
            (
                "<image href=\"https://tracker.example/p.png\"/>",
                "2:1 SVG asset contains a reference to another site or document in `href`",
            ),
            (
                "<use href=\"//evil.example/s.svg#a\"/>",
                "2:1 SVG asset contains a reference to another site or document in `href`",
            ),
            (
                "<image href=\"data:text/html,&lt;script&gt;\"/>",
                "2:1 SVG asset contains a reference to another site or document in `href`",
            ),
            (
                "<style>@import url(x.css);</style>",
                "2:8 SVG asset contains a style sheet `@import`",
            ),
            (
                "<style><![CDATA[ rect { fill: url(https://x.example/a) } ]]></style>",
                "2:8 SVG asset contains a style `url(…)` pointing outside the file",
            ),
            (
                "<rect style=\"fill: url('//x.example/a')\"/>",
                "2:1 SVG asset contains a style `url(…)` pointing outside the file",
            ),
        ] {
            assert_eq!(svg_problem(body).as_deref(), Some(expected), "{body}");
        }
        let doctype = "<!DOCTYPE svg [<!ENTITY x \"y\">]>\n<svg/>";
        assert!(check("x.svg", "assets/x.svg", doctype.as_bytes()).is_some());
        assert!(check("x.svg", "assets/x.svg", &[0xff, 0xfe]).is_some());
    }
}
