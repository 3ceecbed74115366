//! Server-side syntax highlighting for the code blocks of lessons.
//!
//! [`highlight`] turns the source of a fenced code block into escaped HTML with flat
//! `<span class="tok-…">` wrappers (the classes of the theme contract, CONTRACT §4), or `None`
//! for a language it does not know, in which case the caller escapes the code plainly.
//!
//! Why our own rather than syntect or a client-side highlighter: the courses need DNS zone
//! files, shell sessions, JSON, YAML, XML, and HTTP/email headers, and nothing more. syntect
//! adds megabytes of syntax dumps and a regex engine, costs measurable time per code block
//! on a 10,000-lesson build whose whole budget is three seconds, and has no DNS zone grammar
//! at all. A client-side highlighter costs page weight and CPU on the slow phones many
//! learners use, and shows unhighlighted code without JavaScript.
//!
//! Each language is a small hand-written lexer that only ever moves forward, so the work is
//! linear in the input and no input can make it panic. All text goes through `Html`, which
//! escapes `& < > " '`, keeps spans flat (never nested), merges neighbouring tokens of one
//! class, and closes the open span before every line break: the output can be split into
//! lines and each line is well-formed on its own.

/// The token classes of the theme contract; `css` is the class name the stylesheet knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Comment,
    Keyword,
    Str,
    Number,
    Type,
    Attr,
    Name,
    Punct,
    Prompt,
    Tag,
    Variable,
    Output,
}

impl Tok {
    fn css(self) -> &'static str {
        match self {
            Tok::Comment => "tok-comment",
            Tok::Keyword => "tok-keyword",
            Tok::Str => "tok-string",
            Tok::Number => "tok-number",
            Tok::Type => "tok-type",
            Tok::Attr => "tok-attr",
            Tok::Name => "tok-name",
            Tok::Punct => "tok-punct",
            Tok::Prompt => "tok-prompt",
            Tok::Tag => "tok-tag",
            Tok::Variable => "tok-variable",
            Tok::Output => "tok-output",
        }
    }
}

/// Highlights `code` written in `lang` (the info string of the fence, any case).
///
/// Returns `None` for a language without a lexer; `text`/`plain` return the escaped code
/// without spans, so every language named by the authoring contract gets `Some`.
pub fn highlight(lang: &str, code: &str) -> Option<String> {
    let lex: fn(&str, &mut Html) = match lang.trim().to_ascii_lowercase().as_str() {
        "dns" | "zone" | "bind" => zone,
        "sh" | "bash" | "shell" => |code, out| shell(code, false, out),
        "console" => |code, out| shell(code, true, out),
        "json" => json,
        "yaml" | "yml" => yaml,
        "xml" | "html" => xml,
        "http" | "email" | "headers" => headers,
        "text" | "plain" => |code, out| out.push(None, code),
        _ => return None,
    };
    // Spans typically double or triple the size of the code.
    let mut out = Html::with_capacity(code.len() * 3);
    lex(code, &mut out);
    Some(out.finish())
}

/// The output buffer. A span is opened lazily and closed only when the class changes or a
/// line break comes, so tokens of one class share one span.
struct Html {
    buf: String,
    open: Option<Tok>,
}

impl Html {
    fn with_capacity(capacity: usize) -> Self {
        Html {
            buf: String::with_capacity(capacity),
            open: None,
        }
    }

    /// One pass over the bytes: plain runs are copied whole, the five special characters
    /// become entities, and line breaks are written outside any span.
    fn push(&mut self, tok: Option<Tok>, text: &str) {
        let mut run = 0;
        for (i, &b) in text.as_bytes().iter().enumerate() {
            let replacement = match b {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                b'\'' => "&#39;",
                b'\n' => "\n",
                b'\r' => "\r",
                _ => continue,
            };
            if i > run {
                self.set_class(tok);
                self.buf.push_str(&text[run..i]);
            }
            self.set_class(if b == b'\n' || b == b'\r' { None } else { tok });
            self.buf.push_str(replacement);
            run = i + 1;
        }
        if run < text.len() {
            self.set_class(tok);
            self.buf.push_str(&text[run..]);
        }
    }

    fn tok(&mut self, tok: Tok, text: &str) {
        self.push(Some(tok), text);
    }

    fn plain(&mut self, text: &str) {
        self.push(None, text);
    }

    fn set_class(&mut self, tok: Option<Tok>) {
        if self.open == tok {
            return;
        }
        if self.open.is_some() {
            self.buf.push_str("</span>");
        }
        if let Some(tok) = tok {
            self.buf.push_str("<span class=\"");
            self.buf.push_str(tok.css());
            self.buf.push_str("\">");
        }
        self.open = tok;
    }

    fn finish(mut self) -> String {
        self.set_class(None);
        self.buf
    }
}

/// A forward-only cursor over one line (or the whole input for free-form languages).
struct Scan<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Scan<'a> {
    fn new(src: &'a str) -> Self {
        Scan { src, pos: 0 }
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek2(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    fn starts_with(&self, prefix: &str) -> bool {
        self.rest().starts_with(prefix)
    }

    /// Takes `len` bytes; callers pass lengths that end on a character boundary.
    fn take(&mut self, len: usize) -> &'a str {
        let end = (self.pos + len).min(self.src.len());
        let taken = &self.src[self.pos..end];
        self.pos = end;
        taken
    }

    fn take_char(&mut self) -> &'a str {
        let len = self.peek().map_or(0, char::len_utf8);
        self.take(len)
    }

    fn take_while(&mut self, mut keep: impl FnMut(char) -> bool) -> &'a str {
        let len = self.rest().find(|c| !keep(c)).unwrap_or(self.rest().len());
        self.take(len)
    }

    /// Takes up to and including `end`, or everything if `end` never comes.
    fn take_through(&mut self, end: &str) -> &'a str {
        let len = self.rest().find(end).map_or(self.rest().len(), |i| i + end.len());
        self.take(len)
    }

    fn take_rest(&mut self) -> &'a str {
        self.take(self.rest().len())
    }
}

/// Lines without their terminator, and the terminator (`"\n"`, `"\r\n"` or `""`).
fn lines(code: &str) -> impl Iterator<Item = (&str, &str)> {
    code.split_inclusive('\n').map(|line| {
        let body = line
            .strip_suffix('\n')
            .map_or(line, |l| l.strip_suffix('\r').unwrap_or(l));
        (body, &line[body.len()..])
    })
}

/// A quoted string from the opening quote in `s` to the closing one (backslash escapes),
/// or to the end of the scanned text when it is unterminated.
fn take_quoted<'a>(s: &mut Scan<'a>, escapes: bool) -> &'a str {
    let quote = s.peek().unwrap_or('"');
    let body = &s.rest()[quote.len_utf8()..];
    let mut escaped = false;
    let mut len = body.len();
    for (i, c) in body.char_indices() {
        if escaped {
            escaped = false;
        } else if escapes && c == '\\' {
            escaped = true;
        } else if c == quote {
            len = i + c.len_utf8();
            break;
        }
    }
    s.take(quote.len_utf8() + len)
}

// ---------------------------------------------------------------------------------------
// DNS zone files (RFC 1035 master file format, as BIND and the textbooks write it)

#[rustfmt::skip]
const RECORD_TYPES: &[&str] = &[
    "A", "AAAA", "MX", "TXT", "CNAME", "NS", "SOA", "PTR", "SRV", "CAA", "DS", "DNSKEY", "RRSIG",
    "NSEC", "NSEC3", "NSEC3PARAM", "CDS", "CDNSKEY", "TLSA", "SVCB", "HTTPS", "SPF",
];
const CLASSES: &[&str] = &["IN", "CH", "HS", "CS"];

#[derive(Default)]
struct Record {
    directive: bool,
    seen_type: bool,
    txt: bool,
}

fn zone(code: &str, out: &mut Html) {
    // Inside parentheses a record continues on the next line, which then has no owner field.
    let mut depth = 0usize;
    let mut record = Record::default();
    for (line, eol) in lines(code) {
        let mut s = Scan::new(line);
        if depth == 0 {
            record = Record::default();
            if s.starts_with("$") {
                out.tok(Tok::Keyword, s.take_while(|c| !c.is_whitespace() && c != ';'));
                record.directive = true;
            } else if s.peek().is_some_and(is_zone_word_char) {
                out.tok(Tok::Name, s.take_while(is_zone_word_char));
            }
        }
        zone_fields(&mut s, out, &mut depth, &mut record);
        out.plain(eol);
    }
}

fn zone_fields(s: &mut Scan, out: &mut Html, depth: &mut usize, record: &mut Record) {
    while let Some(c) = s.peek() {
        match c {
            ';' => out.tok(Tok::Comment, s.take_rest()),
            '"' => zone_string(take_quoted(s, true), record.txt, out),
            '(' => {
                *depth += 1;
                out.tok(Tok::Punct, s.take_char());
            }
            ')' => {
                *depth = depth.saturating_sub(1);
                out.tok(Tok::Punct, s.take_char());
            }
            c if c.is_whitespace() => out.plain(s.take_while(char::is_whitespace)),
            _ => {
                let word = s.take_while(is_zone_word_char);
                out.push(zone_word_class(word, record), word);
            }
        }
    }
}

/// Fields are separated by blanks; comments, strings and parentheses also end a word.
fn is_zone_word_char(c: char) -> bool {
    !c.is_whitespace() && !matches!(c, ';' | '(' | ')' | '"')
}

fn zone_word_class(word: &str, record: &mut Record) -> Option<Tok> {
    if is_zone_number(word) {
        return Some(Tok::Number);
    }
    if record.directive {
        return Some(Tok::Name);
    }
    if record.seen_type {
        // In record data a bare word is usually a name; only the conventional upper-case
        // spelling marks a type (RRSIG's type covered, NSEC's type bitmap).
        return RECORD_TYPES.contains(&word).then_some(Tok::Type);
    }
    if CLASSES.iter().any(|k| k.eq_ignore_ascii_case(word)) {
        return Some(Tok::Keyword);
    }
    if RECORD_TYPES.iter().any(|t| t.eq_ignore_ascii_case(word)) {
        record.seen_type = true;
        record.txt = word.eq_ignore_ascii_case("TXT") || word.eq_ignore_ascii_case("SPF");
        return Some(Tok::Type);
    }
    None
}

/// Serials, priorities, TTLs with units (`1h30m`) and IPv4 addresses.
fn is_zone_number(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_digit())
        && !word.ends_with('.')
        && word
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || matches!(c.to_ascii_lowercase(), 's' | 'm' | 'h' | 'd' | 'w'))
}

/// A zone string; in TXT records the `tag=value` pairs of SPF, DKIM and DMARC get their
/// tags marked, which is what the email-authentication lessons point at.
fn zone_string(string: &str, txt: bool, out: &mut Html) {
    if !txt {
        out.tok(Tok::Str, string);
        return;
    }
    let mut s = Scan::new(string);
    out.tok(Tok::Str, s.take_char());
    while !s.rest().is_empty() {
        let sep = s.take_while(|c| c.is_whitespace() || c == ';');
        out.tok(Tok::Str, sep);
        let item = s.take_while(|c| !c.is_whitespace() && c != ';');
        match item.split_once('=') {
            Some((tag, _)) if is_tag_name(tag) => {
                out.tok(Tok::Attr, tag);
                out.tok(Tok::Str, &item[tag.len()..]);
            }
            _ => out.tok(Tok::Str, item),
        }
    }
}

fn is_tag_name(tag: &str) -> bool {
    tag.starts_with(|c: char| c.is_ascii_alphabetic())
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

// ---------------------------------------------------------------------------------------
// Shell scripts and console sessions

/// What a shell line inherits from the one before: a trailing `\` or an open quote makes
/// the next line part of the same command even in a session.
#[derive(Default)]
struct ShellState {
    continued: bool,
    quote: Option<char>,
}

/// A block with `$ ` prompts is a session: prompt lines hold commands, other lines are
/// output. `# ` is the root prompt only in a `console` block without `$ ` prompts; next to
/// `$ ` prompts a `# ` line is far more often output (`cat /etc/resolv.conf`), and in a
/// script it is a comment.
fn shell(code: &str, console: bool, out: &mut Html) {
    let dollar = code.lines().any(|l| l.starts_with("$ ") || l == "$");
    let hash = console && !dollar && code.lines().any(|l| l.starts_with("# ") || l == "#");
    let session = dollar || hash;
    let prompt = if dollar { '$' } else { '#' };
    let mut state = ShellState::default();
    for (line, eol) in lines(code) {
        let mut s = Scan::new(line);
        if state.continued || state.quote.is_some() || !session {
            let expect_command = !state.continued && state.quote.is_none();
            if session && line.starts_with("> ") {
                // The secondary prompt (PS2) that a session shows on continued lines.
                out.tok(Tok::Prompt, s.take(2));
            }
            shell_command(&mut s, out, &mut state, expect_command);
        } else if line.starts_with(prompt) && (line.len() == 1 || line[1..].starts_with(' ')) {
            out.tok(Tok::Prompt, s.take(2));
            shell_command(&mut s, out, &mut state, true);
        } else {
            out.tok(Tok::Output, line);
        }
        out.plain(eol);
    }
}

fn is_shell_operator(c: char) -> bool {
    matches!(c, '|' | '&' | ';' | '(' | ')' | '<' | '>' | '`')
}

fn shell_command(s: &mut Scan, out: &mut Html, state: &mut ShellState, mut expect_command: bool) {
    if let Some(quote) = state.quote.take() {
        shell_quoted_rest(s, out, quote, state);
    }
    state.continued = false;
    while let Some(c) = s.peek() {
        match c {
            c if c.is_whitespace() => out.plain(s.take_while(char::is_whitespace)),
            '#' => out.tok(Tok::Comment, s.take_rest()),
            '\'' | '"' => {
                out.tok(Tok::Str, s.take_char());
                shell_quoted_rest(s, out, c, state);
                expect_command = false;
            }
            '$' if s.peek2() == Some('(') => {
                out.tok(Tok::Punct, s.take(2));
                expect_command = true;
            }
            '$' => {
                let variable = take_variable(s);
                out.push((variable.len() > 1).then_some(Tok::Variable), variable);
            }
            '\\' if s.rest() == "\\" => {
                out.tok(Tok::Punct, s.take_rest());
                state.continued = true;
            }
            '\\' => {
                let len = 1 + s.rest()[1..].chars().next().map_or(0, char::len_utf8);
                out.plain(s.take(len));
            }
            c if is_shell_operator(c) => {
                let op = s.take_while(is_shell_operator);
                // `>&2` and `&>` redirect; `|`, `&&`, `;`, `(` start a new command.
                let redirect = op.contains(['<', '>']);
                expect_command = !redirect && op.contains(['|', '&', ';', '(', '`']);
                out.tok(Tok::Punct, op);
            }
            _ => {
                let word = s.take_while(|c| {
                    !c.is_whitespace() && !is_shell_operator(c) && !matches!(c, '\'' | '"' | '$' | '\\')
                });
                expect_command = shell_word(word, expect_command, out);
            }
        }
    }
}

/// Highlights one word and says whether the next word is still in command position.
fn shell_word(word: &str, expect_command: bool, out: &mut Html) -> bool {
    if expect_command {
        // `NAME=value` before a command sets its environment; the command comes next.
        let assignment = word
            .split_once('=')
            .filter(|(name, _)| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        if let Some((name, value)) = assignment {
            out.tok(Tok::Variable, name);
            out.plain("=");
            out.plain(value);
            return true;
        }
        out.tok(Tok::Keyword, word);
        return false;
    }
    let flag = word.len() > 1 && (word.starts_with('-') || word.starts_with('+'));
    out.push(flag.then_some(Tok::Attr), word);
    false
}

/// `$name`, `${…}`, `$1`, `$?`; a lone `$` comes back as just itself.
fn take_variable<'a>(s: &mut Scan<'a>) -> &'a str {
    let rest = s.rest();
    let body = &rest[1..];
    let len = if body.starts_with('{') {
        body.find('}').map_or(body.len(), |i| i + 1)
    } else if body.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '?' | '#' | '@' | '*' | '!' | '$' | '-')) {
        1
    } else {
        body.find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .unwrap_or(body.len())
    };
    s.take(1 + len)
}

/// The inside of a quoted string after its opening quote, up to the closing quote or the
/// end of the line (then the quote stays open for the next line).
fn shell_quoted_rest(s: &mut Scan, out: &mut Html, quote: char, state: &mut ShellState) {
    loop {
        let text = s.take_while(|c| c != quote && !(quote == '"' && (c == '\\' || c == '$')));
        out.tok(Tok::Str, text);
        match s.peek() {
            None => {
                state.quote = Some(quote);
                return;
            }
            Some(c) if c == quote => {
                out.tok(Tok::Str, s.take_char());
                return;
            }
            Some('\\') => {
                let escape = s.take(1 + s.rest()[1..].chars().next().map_or(0, char::len_utf8));
                out.tok(Tok::Str, escape);
            }
            Some(_) => {
                // `$` in double quotes: a variable, or a plain `$` when no name follows.
                let variable = take_variable(s);
                let tok = if variable.len() > 1 { Tok::Variable } else { Tok::Str };
                out.tok(tok, variable);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// JSON (with the `//` and `/* */` comments that annotated examples use)

fn json(code: &str, out: &mut Html) {
    let mut s = Scan::new(code);
    while let Some(c) = s.peek() {
        match c {
            '"' => {
                let string = take_json_string(&mut s);
                // A string followed by a colon is an object key.
                let gap = s.rest().len() - s.rest().trim_start_matches([' ', '\t']).len();
                let key = s.rest()[gap..].starts_with(':');
                out.tok(if key { Tok::Attr } else { Tok::Str }, string);
            }
            '/' if s.starts_with("//") => out.tok(Tok::Comment, s.take_while(|c| c != '\n')),
            '/' if s.starts_with("/*") => {
                s.take(2);
                out.tok(Tok::Comment, "/*");
                out.tok(Tok::Comment, s.take_through("*/"));
            }
            '{' | '}' | '[' | ']' | ',' | ':' => out.tok(Tok::Punct, s.take_char()),
            '-' | '0'..='9' => {
                out.tok(
                    Tok::Number,
                    s.take_while(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E')),
                );
            }
            c if c.is_alphabetic() => {
                let word = s.take_while(char::is_alphanumeric);
                let literal = matches!(word, "true" | "false" | "null");
                out.push(literal.then_some(Tok::Keyword), word);
            }
            _ => out.plain(s.take_char()),
        }
    }
}

/// JSON strings cannot hold a raw line break, so an unterminated one ends with its line.
fn take_json_string<'a>(s: &mut Scan<'a>) -> &'a str {
    let body = &s.rest()[1..];
    let mut escaped = false;
    let mut len = body.len();
    for (i, c) in body.char_indices() {
        if c == '\n' || c == '\r' {
            len = i;
            break;
        }
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            len = i + 1;
            break;
        }
    }
    s.take(1 + len)
}

// ---------------------------------------------------------------------------------------
// YAML (block style as course files and configs write it, plus simple flow collections)

fn yaml(code: &str, out: &mut Html) {
    // The column of the key that opened a `|` or `>` block scalar: deeper lines are text.
    let mut block: Option<usize> = None;
    for (line, eol) in lines(code) {
        let mut s = Scan::new(line);
        let indent = s.take_while(|c| c == ' ');
        out.plain(indent);
        if let Some(parent) = block {
            if s.rest().trim().is_empty() || indent.len() > parent {
                out.tok(Tok::Str, s.take_rest());
                out.plain(eol);
                continue;
            }
            block = None;
        }
        if indent.is_empty() && (s.starts_with("---") || s.starts_with("...")) {
            out.tok(Tok::Punct, s.take(3));
        }
        // A block scalar belongs to the innermost key or sequence entry on its line.
        let mut parent = indent.len();
        let mut column = indent.len();
        while (s.starts_with("-") || s.starts_with("?")) && s.rest()[1..].chars().next().is_none_or(|c| c == ' ') {
            parent = column;
            out.tok(Tok::Punct, s.take(1));
            let space = s.take_while(|c| c == ' ');
            out.plain(space);
            column += 1 + space.len();
        }
        if let Some(key_len) = yaml_key_len(s.rest()) {
            parent = column;
            out.tok(Tok::Attr, s.take(key_len));
            out.plain(s.take_while(|c| c == ' '));
            out.tok(Tok::Punct, s.take(1));
        }
        yaml_value(&mut s, out, &mut block, parent);
        out.plain(eol);
    }
}

/// The byte length of a mapping key at the start of `rest` (plain or quoted), if the line
/// is `key: value` or `key:`.
fn yaml_key_len(rest: &str) -> Option<usize> {
    let len = if rest.starts_with(['"', '\'']) {
        let mut s = Scan::new(rest);
        take_quoted(&mut s, rest.starts_with('"')).len()
    } else {
        if rest.starts_with(|c: char| {
            matches!(
                c,
                '[' | ']' | '{' | '}' | '#' | '&' | '*' | '!' | '|' | '>' | '%' | '@' | '`' | ','
            ) || c.is_whitespace()
        }) {
            return None;
        }
        let bytes = rest.as_bytes();
        let colon = (0..bytes.len()).find(|&i| {
            let next = bytes.get(i + 1);
            bytes[i] == b':' && next.is_none_or(|&b| b == b' ' || b == b'\t')
                || bytes[i] == b'#' && i > 0 && bytes[i - 1] == b' '
        })?;
        if bytes[colon] == b'#' {
            return None;
        }
        rest[..colon].trim_end().len()
    };
    let after = rest[len..].trim_start_matches(' ');
    (after.starts_with(':') && after[1..].chars().next().is_none_or(char::is_whitespace)).then_some(len)
}

fn yaml_value(s: &mut Scan, out: &mut Html, block: &mut Option<usize>, parent: usize) {
    let mut flow = 0usize;
    let mut at_start = true;
    while let Some(c) = s.peek() {
        match c {
            c if c.is_whitespace() => out.plain(s.take_while(char::is_whitespace)),
            '#' => out.tok(Tok::Comment, s.take_rest()),
            '"' | '\'' => out.tok(Tok::Str, take_quoted(s, c == '"')),
            '[' | '{' => {
                flow += 1;
                out.tok(Tok::Punct, s.take_char());
            }
            ']' | '}' => {
                flow = flow.saturating_sub(1);
                out.tok(Tok::Punct, s.take_char());
            }
            ',' | ':' if flow > 0 => out.tok(Tok::Punct, s.take_char()),
            '&' | '*' => out.tok(
                Tok::Variable,
                s.take_while(|c| !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}')),
            ),
            '!' => out.tok(Tok::Type, s.take_while(|c| !c.is_whitespace())),
            '|' | '>' if at_start => {
                out.tok(
                    Tok::Punct,
                    s.take_while(|c| matches!(c, '|' | '>' | '+' | '-' | '0'..='9')),
                );
                *block = Some(parent);
            }
            _ => {
                let scalar = take_yaml_scalar(s, flow > 0);
                out.push(yaml_scalar_class(scalar), scalar);
            }
        }
        at_start &= c.is_whitespace();
    }
}

/// A plain scalar runs to a ` #` comment or the end of the line; inside a flow collection
/// also to the next `,`, `]`, `}` or `: `. Trailing spaces are left to the caller.
fn take_yaml_scalar<'a>(s: &mut Scan<'a>, in_flow: bool) -> &'a str {
    let rest = s.rest();
    let mut end = rest.len();
    let mut prev = ' ';
    for (i, c) in rest.char_indices() {
        let stop = c == '#' && prev.is_whitespace()
            || in_flow
                && (matches!(c, ',' | '[' | ']' | '{' | '}') || c == ':' && rest[i + 1..].starts_with([' ', ',']));
        if stop && i > 0 {
            end = i;
            break;
        }
        prev = c;
    }
    s.take(
        rest[..end]
            .trim_end()
            .len()
            .max(rest[..end].chars().next().map_or(0, char::len_utf8)),
    )
}

fn yaml_scalar_class(scalar: &str) -> Option<Tok> {
    const LITERALS: &[&str] = &["true", "false", "null", "~", "yes", "no", "on", "off"];
    if LITERALS.iter().any(|l| l.eq_ignore_ascii_case(scalar)) {
        return Some(Tok::Keyword);
    }
    let number = scalar.strip_prefix(['-', '+']).unwrap_or(scalar);
    let hex = number
        .strip_prefix("0x")
        .is_some_and(|h| h.chars().all(|c| c.is_ascii_hexdigit()));
    let decimal = number.starts_with(|c: char| c.is_ascii_digit())
        && number
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '_' | 'e' | 'E' | '+' | '-'));
    Some(if hex || decimal { Tok::Number } else { Tok::Str })
}

// ---------------------------------------------------------------------------------------
// XML and HTML

fn xml(code: &str, out: &mut Html) {
    let mut s = Scan::new(code);
    while let Some(c) = s.peek() {
        if s.starts_with("<!--") {
            out.tok(Tok::Comment, s.take_through("-->"));
        } else if s.starts_with("<![CDATA[") {
            out.tok(Tok::Str, s.take_through("]]>"));
        } else if s.starts_with("<!") {
            out.tok(Tok::Keyword, s.take_through(">"));
        } else if c == '<' && s.peek2().is_some_and(|n| n == '/' || n == '?' || is_name_char(n)) {
            xml_tag(&mut s, out);
        } else if c == '&' {
            let entity = s.rest()[1..].find(|c: char| !c.is_ascii_alphanumeric() && c != '#');
            match entity {
                Some(len) if len > 0 && s.rest()[1 + len..].starts_with(';') => {
                    out.tok(Tok::Name, s.take(len + 2));
                }
                _ => out.plain(s.take(1)),
            }
        } else if c == '<' {
            out.plain(s.take(1));
        } else {
            out.plain(s.take_while(|c| c != '<' && c != '&'));
        }
    }
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | ':' | '.' | '-')
}

/// A start, end or processing-instruction tag; it may span lines and ends at `>` or at the
/// end of the input.
fn xml_tag(s: &mut Scan, out: &mut Html) {
    let open = if s.starts_with("</") || s.starts_with("<?") {
        2
    } else {
        1
    };
    out.tok(Tok::Punct, s.take(open));
    out.tok(Tok::Tag, s.take_while(is_name_char));
    while let Some(c) = s.peek() {
        match c {
            '>' => {
                out.tok(Tok::Punct, s.take(1));
                return;
            }
            '/' | '?' if s.rest()[1..].starts_with('>') => {
                out.tok(Tok::Punct, s.take(2));
                return;
            }
            '=' => out.tok(Tok::Punct, s.take(1)),
            '"' | '\'' => out.tok(Tok::Str, take_quoted(s, false)),
            c if c.is_whitespace() => out.plain(s.take_while(char::is_whitespace)),
            c if is_name_char(c) => {
                let name = s.take_while(is_name_char);
                // An unquoted value (HTML allows them) directly follows its `=`.
                let unquoted = s.src[..s.pos - name.len()].ends_with('=');
                out.tok(if unquoted { Tok::Str } else { Tok::Attr }, name);
            }
            _ => out.plain(s.take_char()),
        }
    }
}

// ---------------------------------------------------------------------------------------
// HTTP messages and email headers

/// Headers whose values are `tag=value` lists worth marking (DKIM and ARC signatures,
/// authentication results, media-type parameters, cookie and cache attributes).
const TAG_LIST_HEADERS: &[&str] = &[
    "dkim-signature",
    "arc-seal",
    "arc-message-signature",
    "arc-authentication-results",
    "authentication-results",
    "received-spf",
    "bimi-selector",
    "content-type",
    "content-disposition",
    "set-cookie",
    "cache-control",
    "strict-transport-security",
];

fn headers(code: &str, out: &mut Html) {
    let mut in_body = false;
    let mut seen_header = false;
    let mut tag_list = false;
    for (i, (line, eol)) in lines(code).enumerate() {
        let mut s = Scan::new(line);
        if i == 0 && start_line(line, out) {
            seen_header = true;
        } else if in_body {
            out.plain(line);
        } else if line.trim().is_empty() {
            // The first empty line after the headers starts the body, which stays plain.
            in_body = seen_header;
            out.plain(line);
        } else if line.starts_with([' ', '\t']) && seen_header {
            header_value(&mut s, tag_list, out);
        } else if let Some(name_len) = header_name_len(line) {
            let name = s.take(name_len);
            tag_list = TAG_LIST_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name));
            seen_header = true;
            out.tok(Tok::Attr, name);
            out.tok(Tok::Punct, s.take(1));
            header_value(&mut s, tag_list, out);
        } else {
            out.plain(line);
        }
        out.plain(eol);
    }
}

/// RFC 5322 field names: printable ASCII except the colon, then a colon.
fn header_name_len(line: &str) -> Option<usize> {
    let len = line.find(|c: char| !c.is_ascii_graphic() || c == ':')?;
    (len > 0 && line[len..].starts_with(':')).then_some(len)
}

/// The request line (`GET /path HTTP/1.1`) or status line (`HTTP/1.1 200 OK`), if `line`
/// is one; then it is written out.
fn start_line(line: &str, out: &mut Html) -> bool {
    let words: Vec<&str> = line.splitn(3, ' ').collect();
    let version = |w: &str| w.starts_with("HTTP/");
    match words.as_slice() {
        [v, code, ..] if version(v) && !code.is_empty() && code.bytes().all(|b| b.is_ascii_digit()) => {
            out.tok(Tok::Type, v);
            out.plain(" ");
            out.tok(Tok::Number, code);
            if let Some(reason) = words.get(2) {
                out.plain(" ");
                out.plain(reason);
            }
        }
        [method, target, v] if version(v) && method.chars().all(|c| c.is_ascii_uppercase()) => {
            out.tok(Tok::Keyword, method);
            out.plain(" ");
            out.plain(target);
            out.plain(" ");
            out.tok(Tok::Type, v);
        }
        _ => return false,
    }
    true
}

fn header_value(s: &mut Scan, tag_list: bool, out: &mut Html) {
    if !tag_list {
        out.plain(s.take_rest());
        return;
    }
    while let Some(c) = s.peek() {
        match c {
            ';' => out.tok(Tok::Punct, s.take(1)),
            '(' => out.tok(Tok::Comment, s.take_through(")")),
            '"' => out.tok(Tok::Str, take_quoted(s, true)),
            c if c.is_whitespace() => out.plain(s.take_while(char::is_whitespace)),
            _ => {
                let item = s.take_while(|c| !c.is_whitespace() && !matches!(c, ';' | '(' | '"'));
                match item.split_once('=') {
                    Some((tag, value)) if is_tag_name(tag) => {
                        out.tok(Tok::Attr, tag);
                        out.tok(Tok::Punct, "=");
                        out.tok(Tok::Str, value);
                    }
                    _ => out.plain(item),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::highlight;
    use crate::test_rng::Rng;

    const LANGUAGES: &[&str] = &[
        "dns", "zone", "bind", "sh", "bash", "shell", "console", "json", "yaml", "yml", "xml", "html", "http", "email",
        "headers", "text", "plain",
    ];

    /// A readable rendering of the output: `⟦class text⟧` for spans, entities decoded.
    fn compact(html: &str) -> String {
        let spans = html
            .replace("<span class=\"tok-", "⟦")
            .replace("\">", " ")
            .replace("</span>", "⟧");
        unescape(&spans)
    }

    fn unescape(text: &str) -> String {
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }

    fn check(lang: &str, code: &str, expected: &str) {
        let html = highlight(lang, code).expect("a known language");
        assert_eq!(compact(&html), expected, "{lang}:\n{html}");
        assert_well_formed(code, &html);
    }

    /// Parses the output as this module writes it: only `<span class="tok-…">` and
    /// `</span>` tags, never nested, never open across a line break, only the five entities,
    /// and the text between them is exactly `code`.
    fn assert_well_formed(code: &str, html: &str) {
        let mut text = String::with_capacity(code.len());
        let mut open = false;
        let mut rest = html;
        while let Some(c) = rest.chars().next() {
            if let Some(after) = rest.strip_prefix("</span>") {
                assert!(open, "close without open in {html:?}");
                open = false;
                rest = after;
            } else if let Some(after) = rest.strip_prefix("<span class=\"tok-") {
                assert!(!open, "nested span in {html:?}");
                let end = after.find("\">").expect("a class attribute that ends");
                let class = &after[..end];
                assert!(
                    [
                        "comment", "keyword", "string", "number", "type", "attr", "name", "punct", "prompt", "tag",
                        "variable", "output"
                    ]
                    .contains(&class),
                    "unknown class {class:?}"
                );
                open = true;
                rest = &after[end + 2..];
            } else if c == '&' {
                let entity = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                    .into_iter()
                    .find(|e| rest.starts_with(e))
                    .unwrap_or_else(|| panic!("bare & in {html:?}"));
                text.push_str(&unescape(entity));
                rest = &rest[entity.len()..];
            } else {
                assert!(!"<>\"'".contains(c), "unescaped {c:?} in {html:?}");
                assert!(
                    !(open && (c == '\n' || c == '\r')),
                    "span across a line break in {html:?}"
                );
                text.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        assert!(!open, "unclosed span in {html:?}");
        assert_eq!(text, code, "text changed");
    }

    #[test]
    fn dns_zone_file() {
        let code = r#"$ORIGIN example.com.
$TTL 3600 ; one hour
@       IN  SOA ns1.example.com. hostmaster.example.com. (
            2024010101 ; serial
            7200 3600 1209600 300 )
        IN  NS  ns1.example.com.
        IN  MX  10 mail.example.com.
www 1h  IN  A   192.0.2.10
@           TXT "v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all"
_dmarc      TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"
sel._domainkey IN TXT ( "v=DKIM1; k=rsa; "
                        "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC" )
@   CAA 0 issue "letsencrypt.org"
"#;
        let expected = r#"⟦keyword $ORIGIN⟧ ⟦name example.com.⟧
⟦keyword $TTL⟧ ⟦number 3600⟧ ⟦comment ; one hour⟧
⟦name @⟧       ⟦keyword IN⟧  ⟦type SOA⟧ ns1.example.com. hostmaster.example.com. ⟦punct (⟧
            ⟦number 2024010101⟧ ⟦comment ; serial⟧
            ⟦number 7200⟧ ⟦number 3600⟧ ⟦number 1209600⟧ ⟦number 300⟧ ⟦punct )⟧
        ⟦keyword IN⟧  ⟦type NS⟧  ns1.example.com.
        ⟦keyword IN⟧  ⟦type MX⟧  ⟦number 10⟧ mail.example.com.
⟦name www⟧ ⟦number 1h⟧  ⟦keyword IN⟧  ⟦type A⟧   ⟦number 192.0.2.10⟧
⟦name @⟧           ⟦type TXT⟧ ⟦string "⟧⟦attr v⟧⟦string =spf1 ip4:192.0.2.0/24 include:_spf.example.net -all"⟧
⟦name _dmarc⟧      ⟦type TXT⟧ ⟦string "⟧⟦attr v⟧⟦string =DMARC1; ⟧⟦attr p⟧⟦string =reject; ⟧⟦attr rua⟧⟦string =mailto:dmarc@example.com"⟧
⟦name sel._domainkey⟧ ⟦keyword IN⟧ ⟦type TXT⟧ ⟦punct (⟧ ⟦string "⟧⟦attr v⟧⟦string =DKIM1; ⟧⟦attr k⟧⟦string =rsa; "⟧
                        ⟦string "⟧⟦attr p⟧⟦string =MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC"⟧ ⟦punct )⟧
⟦name @⟧   ⟦type CAA⟧ ⟦number 0⟧ issue ⟦string "letsencrypt.org"⟧
"#;
        check("dns", code, expected);
    }

    #[test]
    fn console_session() {
        let code = r#"$ dig +short TXT _dmarc.example.com
"v=DMARC1; p=reject; rua=mailto:dmarc@example.com"
$ grep -c 'Received:' message.eml | sort -n > hops.txt # count hops
$ cat /etc/resolv.conf
# Generated by NetworkManager
nameserver 192.0.2.53
$ export DOMAIN=example.com && echo "checking ${DOMAIN}" \
>   --verbose
"#;
        let expected = r#"⟦prompt $ ⟧⟦keyword dig⟧ ⟦attr +short⟧ TXT _dmarc.example.com
⟦output "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"⟧
⟦prompt $ ⟧⟦keyword grep⟧ ⟦attr -c⟧ ⟦string 'Received:'⟧ message.eml ⟦punct |⟧ ⟦keyword sort⟧ ⟦attr -n⟧ ⟦punct >⟧ hops.txt ⟦comment # count hops⟧
⟦prompt $ ⟧⟦keyword cat⟧ /etc/resolv.conf
⟦output # Generated by NetworkManager⟧
⟦output nameserver 192.0.2.53⟧
⟦prompt $ ⟧⟦keyword export⟧ DOMAIN=example.com ⟦punct &&⟧ ⟦keyword echo⟧ ⟦string "checking ⟧⟦variable ${DOMAIN}⟧⟦string "⟧ ⟦punct \⟧
⟦prompt > ⟧  ⟦attr --verbose⟧
"#;
        check("console", code, expected);
    }

    #[test]
    fn shell_script() {
        let code = r#"#!/bin/sh
# Publish the new DKIM key
SELECTOR=sel2 openssl genrsa -out "$SELECTOR.key" 2048
for host in mx1 mx2; do scp "$SELECTOR.key" "$host:/etc/dkim/"; done
echo 'done' >&2
"#;
        let expected = r#"⟦comment #!/bin/sh⟧
⟦comment # Publish the new DKIM key⟧
⟦variable SELECTOR⟧=sel2 ⟦keyword openssl⟧ genrsa ⟦attr -out⟧ ⟦string "⟧⟦variable $SELECTOR⟧⟦string .key"⟧ 2048
⟦keyword for⟧ host in mx1 mx2⟦punct ;⟧ ⟦keyword do⟧ scp ⟦string "⟧⟦variable $SELECTOR⟧⟦string .key"⟧ ⟦string "⟧⟦variable $host⟧⟦string :/etc/dkim/"⟧⟦punct ;⟧ ⟦keyword done⟧
⟦keyword echo⟧ ⟦string 'done'⟧ ⟦punct >&⟧2
"#;
        check("sh", code, expected);
    }

    #[test]
    fn json_document() {
        let code = r#"{
  "policy": "reject",
  "pct": 100,
  "ratio": -0.5e3,
  "aligned": true,
  "reporter": null,
  "rua": ["mailto:dmarc@example.com"] // where reports go
}
"#;
        let expected = r#"⟦punct {⟧
  ⟦attr "policy"⟧⟦punct :⟧ ⟦string "reject"⟧⟦punct ,⟧
  ⟦attr "pct"⟧⟦punct :⟧ ⟦number 100⟧⟦punct ,⟧
  ⟦attr "ratio"⟧⟦punct :⟧ ⟦number -0.5e3⟧⟦punct ,⟧
  ⟦attr "aligned"⟧⟦punct :⟧ ⟦keyword true⟧⟦punct ,⟧
  ⟦attr "reporter"⟧⟦punct :⟧ ⟦keyword null⟧⟦punct ,⟧
  ⟦attr "rua"⟧⟦punct :⟧ ⟦punct [⟧⟦string "mailto:dmarc@example.com"⟧⟦punct ]⟧ ⟦comment // where reports go⟧
⟦punct }⟧
"#;
        check("json", code, expected);
    }

    #[test]
    fn yaml_quiz() {
        let code = r#"# Quiz block
id: spf-basics
graded: true
questions:
  - id: spf-purpose
    type: single
    prompt: "What does an SPF record list?"
    options:
      - text: The hosts allowed to send mail # correct
        correct: yes
    explanation: |
      SPF (RFC 7208) publishes authorised senders.
      It lives in a TXT record.
    tags: [email, dns]
    weight: 2.5
anchors: &base
  ttl: 3600
"#;
        let expected = r#"⟦comment # Quiz block⟧
⟦attr id⟧⟦punct :⟧ ⟦string spf-basics⟧
⟦attr graded⟧⟦punct :⟧ ⟦keyword true⟧
⟦attr questions⟧⟦punct :⟧
  ⟦punct -⟧ ⟦attr id⟧⟦punct :⟧ ⟦string spf-purpose⟧
    ⟦attr type⟧⟦punct :⟧ ⟦string single⟧
    ⟦attr prompt⟧⟦punct :⟧ ⟦string "What does an SPF record list?"⟧
    ⟦attr options⟧⟦punct :⟧
      ⟦punct -⟧ ⟦attr text⟧⟦punct :⟧ ⟦string The hosts allowed to send mail⟧ ⟦comment # correct⟧
        ⟦attr correct⟧⟦punct :⟧ ⟦keyword yes⟧
    ⟦attr explanation⟧⟦punct :⟧ ⟦punct |⟧
      ⟦string SPF (RFC 7208) publishes authorised senders.⟧
      ⟦string It lives in a TXT record.⟧
    ⟦attr tags⟧⟦punct :⟧ ⟦punct [⟧⟦string email⟧⟦punct ,⟧ ⟦string dns⟧⟦punct ]⟧
    ⟦attr weight⟧⟦punct :⟧ ⟦number 2.5⟧
⟦attr anchors⟧⟦punct :⟧ ⟦variable &base⟧
  ⟦attr ttl⟧⟦punct :⟧ ⟦number 3600⟧
"#;
        check("yaml", code, expected);
    }

    #[test]
    fn xml_dmarc_report() {
        let code = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- aggregate DMARC report -->
<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">
  <policy_published>
    <domain>example.com</domain>
    <p>reject</p>
  </policy_published>
  <note>AT&amp;T &lt;relay&gt;</note>
  <img src=logo.png alt='Logo'/>
</feedback>
"#;
        let expected = r#"⟦punct <?⟧⟦tag xml⟧ ⟦attr version⟧⟦punct =⟧⟦string "1.0"⟧ ⟦attr encoding⟧⟦punct =⟧⟦string "UTF-8"⟧⟦punct ?>⟧
⟦comment <!-- aggregate DMARC report -->⟧
⟦punct <⟧⟦tag feedback⟧ ⟦attr xmlns⟧⟦punct =⟧⟦string "urn:ietf:params:xml:ns:dmarc-2.0"⟧⟦punct >⟧
  ⟦punct <⟧⟦tag policy_published⟧⟦punct >⟧
    ⟦punct <⟧⟦tag domain⟧⟦punct >⟧example.com⟦punct </⟧⟦tag domain⟧⟦punct >⟧
    ⟦punct <⟧⟦tag p⟧⟦punct >⟧reject⟦punct </⟧⟦tag p⟧⟦punct >⟧
  ⟦punct </⟧⟦tag policy_published⟧⟦punct >⟧
  ⟦punct <⟧⟦tag note⟧⟦punct >⟧AT⟦name &amp;⟧T ⟦name &lt;⟧relay⟦name &gt;⟧⟦punct </⟧⟦tag note⟧⟦punct >⟧
  ⟦punct <⟧⟦tag img⟧ ⟦attr src⟧⟦punct =⟧⟦string logo.png⟧ ⟦attr alt⟧⟦punct =⟧⟦string 'Logo'⟧⟦punct />⟧
⟦punct </⟧⟦tag feedback⟧⟦punct >⟧
"#;
        check("xml", code, expected);
    }

    #[test]
    fn email_headers() {
        let code = r#"Return-Path: <bounce@example.com>
Authentication-Results: mx.example.net;
       dkim=pass header.d=example.com header.s=sel1;
       spf=pass (sender IP is 192.0.2.10) smtp.mailfrom=example.com
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com;
 s=sel1; h=from:to:subject:date;
 bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;
 b=AuUoFEfDxTDkHlLXSZEpZj79LICEps6eda7W3deTVFOk4yAUoqOB
From: "Alice" <alice@example.com>
Subject: Quarterly report

Hello Bob,
Key: not a header
"#;
        let expected = r#"⟦attr Return-Path⟧⟦punct :⟧ <bounce@example.com>
⟦attr Authentication-Results⟧⟦punct :⟧ mx.example.net⟦punct ;⟧
       ⟦attr dkim⟧⟦punct =⟧⟦string pass⟧ ⟦attr header.d⟧⟦punct =⟧⟦string example.com⟧ ⟦attr header.s⟧⟦punct =⟧⟦string sel1⟧⟦punct ;⟧
       ⟦attr spf⟧⟦punct =⟧⟦string pass⟧ ⟦comment (sender IP is 192.0.2.10)⟧ ⟦attr smtp.mailfrom⟧⟦punct =⟧⟦string example.com⟧
⟦attr DKIM-Signature⟧⟦punct :⟧ ⟦attr v⟧⟦punct =⟧⟦string 1⟧⟦punct ;⟧ ⟦attr a⟧⟦punct =⟧⟦string rsa-sha256⟧⟦punct ;⟧ ⟦attr c⟧⟦punct =⟧⟦string relaxed/relaxed⟧⟦punct ;⟧ ⟦attr d⟧⟦punct =⟧⟦string example.com⟧⟦punct ;⟧
 ⟦attr s⟧⟦punct =⟧⟦string sel1⟧⟦punct ;⟧ ⟦attr h⟧⟦punct =⟧⟦string from:to:subject:date⟧⟦punct ;⟧
 ⟦attr bh⟧⟦punct =⟧⟦string 2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=⟧⟦punct ;⟧
 ⟦attr b⟧⟦punct =⟧⟦string AuUoFEfDxTDkHlLXSZEpZj79LICEps6eda7W3deTVFOk4yAUoqOB⟧
⟦attr From⟧⟦punct :⟧ "Alice" <alice@example.com>
⟦attr Subject⟧⟦punct :⟧ Quarterly report

Hello Bob,
Key: not a header
"#;
        check("email", code, expected);
    }

    #[test]
    fn http_response() {
        let code = r#"HTTP/1.1 200 OK
Content-Type: text/html; charset=utf-8
Strict-Transport-Security: max-age=63072000; includeSubDomains; preload
Set-Cookie: id=a3fWa; Secure; HttpOnly; SameSite=Lax

<html></html>
"#;
        let expected = r#"⟦type HTTP/1.1⟧ ⟦number 200⟧ OK
⟦attr Content-Type⟧⟦punct :⟧ text/html⟦punct ;⟧ ⟦attr charset⟧⟦punct =⟧⟦string utf-8⟧
⟦attr Strict-Transport-Security⟧⟦punct :⟧ ⟦attr max-age⟧⟦punct =⟧⟦string 63072000⟧⟦punct ;⟧ includeSubDomains⟦punct ;⟧ preload
⟦attr Set-Cookie⟧⟦punct :⟧ ⟦attr id⟧⟦punct =⟧⟦string a3fWa⟧⟦punct ;⟧ Secure⟦punct ;⟧ HttpOnly⟦punct ;⟧ ⟦attr SameSite⟧⟦punct =⟧⟦string Lax⟧

<html></html>
"#;
        check("http", code, expected);
    }

    #[test]
    fn plain_text_is_escaped_without_spans() {
        assert_eq!(
            highlight("text", "a < b && c > \"d\" 'e'").as_deref(),
            Some("a &lt; b &amp;&amp; c &gt; &quot;d&quot; &#39;e&#39;")
        );
        assert_eq!(highlight("Plain", "x").as_deref(), Some("x"));
    }

    #[test]
    fn unknown_languages_are_left_to_the_caller() {
        assert_eq!(highlight("cobol", "MOVE A TO B."), None);
        assert_eq!(highlight("", "x"), None);
    }

    #[test]
    fn raw_html_of_a_zone_line() {
        assert_eq!(
            highlight("zone", "www IN A 192.0.2.1 ; web\n").as_deref(),
            Some(concat!(
                "<span class=\"tok-name\">www</span> <span class=\"tok-keyword\">IN</span> ",
                "<span class=\"tok-type\">A</span> <span class=\"tok-number\">192.0.2.1</span> ",
                "<span class=\"tok-comment\">; web</span>\n"
            ))
        );
    }

    #[test]
    fn spans_close_before_crlf_and_reopen_after() {
        let code = "<!-- one\r\ntwo -->\r\n";
        let html = highlight("xml", code).expect("xml is known");
        assert_eq!(
            html,
            "<span class=\"tok-comment\">&lt;!-- one</span>\r\n<span class=\"tok-comment\">two --&gt;</span>\r\n"
        );
        assert_well_formed(code, &html);
        for line in html.lines() {
            assert_eq!(line.matches("<span").count(), line.matches("</span>").count());
        }
    }

    #[test]
    fn empty_input_gives_empty_output() {
        for lang in LANGUAGES {
            assert_eq!(highlight(lang, "").as_deref(), Some(""), "{lang}");
        }
    }

    #[test]
    fn unterminated_constructs_run_to_their_natural_end() {
        check(
            "dns",
            "a TXT \"v=spf1 -all\n",
            "⟦name a⟧ ⟦type TXT⟧ ⟦string \"⟧⟦attr v⟧⟦string =spf1 -all⟧\n",
        );
        check("json", "{\"a\n", "⟦punct {⟧⟦string \"a⟧\n");
        check("sh", "echo 'a\nb' c", "⟦keyword echo⟧ ⟦string 'a⟧\n⟦string b'⟧ c");
        check(
            "xml",
            "<a href=\"x",
            "⟦punct <⟧⟦tag a⟧ ⟦attr href⟧⟦punct =⟧⟦string \"x⟧",
        );
        check("json", "/* open", "⟦comment /* open⟧");
    }

    /// Pieces that matter to at least one lexer, mixed with arbitrary characters.
    const FRAGMENTS: &[&str] = &[
        "\"",
        "'",
        "<",
        ">",
        "&",
        ";",
        "$ ",
        "# ",
        "#",
        "$",
        "\n",
        "\r\n",
        "\r",
        "\\",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "<!",
        "<?",
        "?>",
        "</",
        "/>",
        "(",
        ")",
        ":",
        ": ",
        "=",
        "|",
        "{",
        "}",
        "[",
        "]",
        ",",
        "-",
        "- ",
        "+",
        "`",
        "${",
        "$(",
        "&amp;",
        "&#39;",
        " ",
        "\t",
        "  ",
        "é",
        "日本",
        "😀",
        "\u{301}",
        "\u{200d}",
        "\u{feff}",
        "TXT",
        "IN",
        "A",
        "SOA",
        "$ORIGIN",
        "v=spf1",
        "p=reject",
        "DKIM-Signature:",
        "HTTP/1.1",
        "GET",
        "key",
        "true",
        "null",
        "123",
        "-4.5e6",
        "0x1F",
        "| ",
        "> ",
        "*alias",
        "&anchor",
        "!tag",
        "---",
        "//",
        "/*",
        "*/",
        "_dmarc",
        "a.b.",
        "@",
    ];

    fn random_input(rng: &mut Rng) -> String {
        let mut s = String::new();
        for _ in 0..rng.below(60) {
            if rng.below(4) == 0 {
                let c = char::from_u32(rng.below(0x11_0000) as u32).unwrap_or('\u{fffd}');
                s.push(c);
            } else {
                s.push_str(FRAGMENTS[rng.below(FRAGMENTS.len())]);
            }
        }
        s
    }

    #[test]
    fn random_inputs_round_trip_through_well_formed_html() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..3_000 {
            let code = random_input(&mut rng);
            for lang in LANGUAGES {
                let html = highlight(lang, &code).expect("every listed language is known");
                assert_well_formed(&code, &html);
            }
        }
    }

    #[test]
    fn pathological_inputs_stay_linear() {
        // Each piece repeated 20,000 times: a lexer that rescans would take minutes here.
        for piece in [
            "\"", "'", "<", "<!--", "<a ", "${", "&", "&a", "\\", "a=", "(", "- ", "x: ",
        ] {
            let code = piece.repeat(20_000);
            for lang in LANGUAGES {
                let html = highlight(lang, &code).expect("known");
                assert!(html.len() >= code.len(), "{lang}");
            }
        }
    }
}
