//! The client-side search index: sections of lessons in, `search/*.json` files out.
//!
//! Why our own rather than elasticlunr-rs or pagefind: elasticlunr-rs writes one monolithic
//! index that the browser must download whole (tens of megabytes at 10,000 lessons, plus
//! ~30 KB of elasticlunr.js), and pagefind as a library pulls a large dependency tree and a
//! wasm bundle. This index is sharded by the first two characters of each term, so a search
//! downloads `search/index.json` and only the shards its terms need; terms fold diacritics
//! (NFD, drop nonspacing marks, lowercase) so that French, Spanish and Portuguese learners
//! find "sécurité" by typing "securite"; words are found by the Unicode word-boundary rules
//! (UAX #29) so every script with spaces works, and CJK characters become one term each.
//! `search.js` in the theme reads the files:
//!
//! - `search/index.json`: `{"version": 2, "build": id, "courses": [title], "lessons": [[page,
//!   title, course number]], "docs": [[lesson number, anchor, section heading]], "shards":
//!   {prefix: path}}`. Postings count documents in `docs` order; each lesson and course title
//!   is written once rather than once per section.
//! - `search/<hex of the prefix>.json`: `{term: [posting, …]}` for the terms starting with
//!   the prefix, postings in document order, each one number `gap * 32 + weight` where `gap`
//!   is the document minus the previous posting's (the first: minus 0).
//!
//! Steps of [`build_index`]:
//! 1. tokenise each field of each [`SearchDoc`] into normalised terms (`Tokenizer`), in
//!    parallel over chunks of documents, each chunk with its own term ids;
//! 2. sum a weight per (term, document): lesson title 10, section heading 5, course title 2,
//!    and 1 per occurrence in the text, capped at 5;
//! 3. merge the chunks' sorted terms and drop terms that occur in more than half the
//!    documents once there are at least 200: they cannot rank anything and would be the
//!    largest postings lists of all;
//! 4. write the document table and one JSON shard per term prefix (in parallel), all in
//!    sorted order, so the same input always gives byte-identical files.

mod files;

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;
use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

/// One searchable unit: a section of a lesson (or the lesson's introduction). Everything but
/// the page is borrowed from the parsed lessons: the index never copies their text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchDoc<'a> {
    /// The lesson page, relative to the site root, e.g. `email-authentication/spf.html`.
    pub page: String,
    /// The section's anchor on the page, `""` for the introduction.
    pub anchor: &'a str,
    /// The lesson title.
    pub lesson: &'a str,
    /// The section heading, `""` for the introduction before the first heading.
    pub section: &'a str,
    /// The course title.
    pub course: &'a str,
    /// The plain text of the section.
    pub text: &'a str,
}

/// A [`SearchDoc`] that owns its text, for an index built away from the courses it came from
/// (the preview's background rebuild, benchmarks).
#[derive(Clone, Debug)]
pub struct OwnedDoc {
    pub page: String,
    pub anchor: String,
    pub lesson: String,
    pub section: String,
    pub course: String,
    pub text: String,
}

impl OwnedDoc {
    pub fn of(d: SearchDoc<'_>) -> Self {
        Self {
            page: d.page,
            anchor: d.anchor.to_owned(),
            lesson: d.lesson.to_owned(),
            section: d.section.to_owned(),
            course: d.course.to_owned(),
            text: d.text.to_owned(),
        }
    }

    pub fn doc(&self) -> SearchDoc<'_> {
        SearchDoc {
            page: self.page.clone(),
            anchor: &self.anchor,
            lesson: &self.lesson,
            section: &self.section,
            course: &self.course,
            text: &self.text,
        }
    }
}

const FORMAT_VERSION: u32 = 2;
/// Longer "words" are base64 keys, hashes and URLs that nobody types into a search box.
const MAX_TERM_CHARS: usize = 40;
const TEXT_WEIGHT_CAP: u8 = 5;
/// Below this many documents every term is kept: in a small site a term in most sections
/// may still be what someone looks for.
const COMMON_TERM_MIN_DOCS: usize = 200;

#[derive(Clone, Copy)]
enum Field {
    Lesson,
    Section,
    Course,
    Text,
}

impl Field {
    /// The bit a title field sets in a [`Postings::acc`] entry; text is counted below them.
    fn bit(self) -> u8 {
        match self {
            Field::Lesson => 1 << 3,
            Field::Section => 1 << 4,
            Field::Course => 1 << 5,
            Field::Text => 0,
        }
    }
}

const TEXT_COUNT_MASK: u8 = 0b111;
/// The weight of each combination of title bits (lesson 10, section 5, course 2).
const TITLE_WEIGHTS: [u8; 8] = [0, 10, 5, 15, 2, 12, 7, 17];

/// Documents tokenised by one task; the chunks' postings are merged by term at the end.
const CHUNK_DOCS: usize = 2048;

/// Builds the search index files: `search/index.json` first, then the shards by key.
pub fn build_index(docs: &[SearchDoc<'_>]) -> Vec<(String, Vec<u8>)> {
    let chunks: Vec<Chunk> = docs
        .par_chunks(CHUNK_DOCS)
        .enumerate()
        .map(|(i, chunk)| index_chunk(chunk, u32::try_from(i * CHUNK_DOCS).expect("fewer than 2^32 documents")))
        .collect();
    files::write(docs, &chunks)
}

/// Steps 1 and 2 for the documents `first..first + docs.len()`.
fn index_chunk(docs: &[SearchDoc<'_>], first: u32) -> Chunk {
    let mut tokenizer = Tokenizer::default();
    let mut postings = Postings::default();
    // Every section of a lesson repeats the lesson and course titles: tokenise them once.
    let (mut lesson, mut course) = (TitleTerms::default(), TitleTerms::default());
    // About one posting per eight bytes of text; growing by doubling would copy it all.
    let text_bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    postings.entries.reserve(text_bytes / 8);
    for (doc, d) in (first..).zip(docs) {
        for (field, title, cache) in [
            (Field::Lesson, d.lesson, &mut lesson),
            (Field::Course, d.course, &mut course),
        ] {
            if cache.title.as_deref() != Some(title) {
                cache.title = Some(title.to_owned());
                cache.ids.clear();
                tokenizer.terms(title, |term| cache.ids.push(postings.ids.id(term)));
            }
            for &id in &cache.ids {
                postings.add(id, field);
            }
        }
        for (field, text) in [(Field::Section, d.section), (Field::Text, d.text)] {
            tokenizer.terms(text, |term| {
                let id = postings.ids.id(term);
                postings.add(id, field);
            });
        }
        postings.end_doc(doc);
    }
    postings.into_chunk()
}

#[derive(Default)]
struct TitleTerms {
    title: Option<String>,
    ids: Vec<u32>,
}

/// The normal form of a term, on both sides of the search: Unicode NFD, nonspacing marks
/// (General Category Mn) dropped, then lower case. `search.js` does the same with
/// `s.normalize("NFD").replace(/\p{Mn}/gu, "").toLowerCase()`.
pub fn normalize_term(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    normalize_into(word, &mut out, &mut String::new());
    out
}

/// Appends the normal form of `word` to `out`; `scratch` is reused between calls so that
/// the common cases allocate nothing.
fn normalize_into(word: &str, out: &mut String, scratch: &mut String) {
    if word.is_ascii() {
        let start = out.len();
        out.push_str(word);
        out[start..].make_ascii_lowercase();
        return;
    }
    scratch.clear();
    scratch.extend(word.nfd().filter(|&c| !is_nonspacing_mark(c)));
    if scratch.is_ascii() {
        // Most accented Latin words fold to ASCII, which lowercases in place.
        scratch.make_ascii_lowercase();
        out.push_str(scratch);
    } else {
        // `str::to_lowercase`, not per character, so Greek final sigma matches JavaScript.
        out.push_str(&scratch.to_lowercase());
    }
}

/// Splits text into normalised terms. Holds the buffers that make the per-word work
/// allocation-free.
#[derive(Default)]
struct Tokenizer {
    term: String,
    scratch: String,
}

impl Tokenizer {
    /// The words of `text` are exactly those of `unicode_words()` (UAX #29), but ASCII text
    /// takes a hand-written path several times faster. ASCII whitespace is always a word
    /// boundary, so mixed text is cut there and only the non-ASCII pieces take the slow path.
    fn terms(&mut self, text: &str, mut emit: impl FnMut(&str)) {
        let mut rest = text;
        while !rest.is_empty() {
            let first_non_ascii = || rest.bytes().position(|b| !b.is_ascii());
            // `is_ascii` checks a word at a time, much faster than the search when it fails.
            let Some(non_ascii) = (!rest.is_ascii()).then(first_non_ascii).flatten() else {
                ascii_words(rest, |word, joined| self.ascii_word(word, joined, &mut emit));
                return;
            };
            let piece_start = rest[..non_ascii]
                .rfind(|c: char| c.is_ascii_whitespace())
                .map_or(0, |i| i + 1);
            let piece_end = rest[non_ascii..]
                .find(|c: char| c.is_ascii_whitespace())
                .map_or(rest.len(), |i| non_ascii + i);
            let ascii = &rest[..piece_start];
            ascii_words(ascii, |word, joined| self.ascii_word(word, joined, &mut emit));
            for word in rest[piece_start..piece_end].unicode_words() {
                self.word(word, &mut emit);
            }
            rest = &rest[piece_end..];
        }
    }

    fn ascii_word(&mut self, word: &str, joined: bool, emit: &mut impl FnMut(&str)) {
        // Most words of running text are lower case already: no copy for those.
        let term = if word.bytes().any(|b| b.is_ascii_uppercase()) {
            self.term.clear();
            self.term.push_str(word);
            self.term.make_ascii_lowercase();
            &self.term
        } else {
            word
        };
        if term.len() <= MAX_TERM_CHARS {
            emit(term);
        }
        if joined {
            emit_parts(term, emit);
        }
    }

    fn word(&mut self, word: &str, emit: &mut impl FnMut(&str)) {
        self.term.clear();
        normalize_into(word, &mut self.term, &mut self.scratch);
        // UAX #29 attaches a mark to a preceding space, and some marks (Arabic harakat) are
        // alphabetic, so " \u{64B}" is a "word": once the mark is dropped, only space is left.
        emit_word(self.term.trim(), emit);
    }
}

/// Word-break classes of ASCII characters (UAX #29); everything else breaks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wb {
    Letter,
    Digit,
    /// ExtendNumLet: `_`.
    Underscore,
    /// MidLetter: `:`, joins letters.
    MidLetter,
    /// MidNumLet: `.` and `'`, join letters and join digits.
    MidNumLet,
    /// MidNum: `,` and `;`, join digits.
    MidNum,
    Other,
}

const ASCII_CLASS: [Wb; 128] = {
    let mut table = [Wb::Other; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = match b as u8 {
            b'a'..=b'z' | b'A'..=b'Z' => Wb::Letter,
            b'0'..=b'9' => Wb::Digit,
            b'_' => Wb::Underscore,
            b':' => Wb::MidLetter,
            b'.' | b'\'' => Wb::MidNumLet,
            b',' | b';' => Wb::MidNum,
            _ => Wb::Other,
        };
        b += 1;
    }
    table
};

/// `unicode_words()` for ASCII text: letters, digits and `_` join each other (WB5, WB8–10,
/// WB13a/b); a middle character joins letter to letter or digit to digit (WB6/7, WB11/12);
/// segments without a letter or digit are not words. `joined` tells that a word holds
/// something other than letters and digits.
fn ascii_words<'a>(text: &'a str, mut emit: impl FnMut(&'a str, bool)) {
    let bytes = text.as_bytes();
    let class = |i: usize| bytes.get(i).map_or(Wb::Other, |&b| ASCII_CLASS[usize::from(b & 0x7f)]);
    let alphanumeric = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_alphanumeric);
    let mut i = 0;
    while i < bytes.len() {
        if !(alphanumeric(i) || bytes[i] == b'_') {
            i += 1;
            continue;
        }
        let start = i;
        let mut has_alphanumeric = false;
        let mut joined = false;
        loop {
            // Runs of letters and digits are most of the text: keep that loop tight.
            let run = i;
            while alphanumeric(i) {
                i += 1;
            }
            has_alphanumeric |= i > run;
            let joins = match class(i) {
                Wb::Underscore => true,
                c @ (Wb::MidLetter | Wb::MidNumLet | Wb::MidNum) if i > start => {
                    let (prev, next) = (class(i - 1), class(i + 1));
                    let letters = prev == Wb::Letter && next == Wb::Letter && c != Wb::MidNum;
                    let digits = prev == Wb::Digit && next == Wb::Digit && c != Wb::MidLetter;
                    letters || digits
                }
                _ => false,
            };
            if !joins {
                break;
            }
            joined = true;
            i += 1;
        }
        if has_alphanumeric {
            emit(&text[start..i], joined);
        }
    }
}

/// Emits a normalised word: CJK characters one by one (a browser's word segmenter groups
/// them by dictionary, so only single characters match on both sides), the rest whole.
fn emit_word(word: &str, emit: &mut impl FnMut(&str)) {
    let joined = |run: &str| run.contains(|c: char| !c.is_alphanumeric());
    if !word.chars().any(is_cjk) {
        emit_run(word, joined(word), emit);
        return;
    }
    let mut run_start = 0;
    for (i, c) in word.char_indices() {
        if is_cjk(c) {
            let run = &word[run_start..i];
            emit_run(run, joined(run), emit);
            emit(&word[i..i + c.len_utf8()]);
            run_start = i + c.len_utf8();
        }
    }
    let run = &word[run_start..];
    emit_run(run, joined(run), emit);
}

/// Emits a term and, when it is `joined` from parts by punctuation that UAX #29 keeps inside
/// words, its parts (see [`emit_parts`]).
fn emit_run(term: &str, joined: bool, emit: &mut impl FnMut(&str)) {
    if term.is_empty() {
        return;
    }
    if term.chars().nth(MAX_TERM_CHARS).is_none() {
        emit(term);
    }
    if joined {
        emit_parts(term, emit);
    }
}

/// The parts of two or more characters of a word such as `l'authentification`,
/// `_dmarc.example.com` or `mailto:dmarc`, so that a search for `authentification` or
/// `dmarc` finds them. Numbers (`192.0.2.1`, `1,000`) are not split.
fn emit_parts(term: &str, emit: &mut impl FnMut(&str)) {
    if !term.contains(char::is_alphabetic) {
        return;
    }
    for part in term.split(|c: char| !c.is_alphanumeric()) {
        let chars = part.chars().take(MAX_TERM_CHARS + 1).count();
        if (2..=MAX_TERM_CHARS).contains(&chars) {
            emit(part);
        }
    }
}

/// Han ideographs and kana (hiragana, katakana, half-width katakana).
fn is_cjk(c: char) -> bool {
    matches!(
        u32::from(c),
        0x3040..=0x30FF
            | 0x31F0..=0x31FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xF900..=0xFAFF
            | 0xFF66..=0xFF9F
            | 0x20000..=0x3FFFF
    )
}

/// Term ids, the postings of every document so far, and the per-document accumulators,
/// indexed by term id so that adding an occurrence is one hash lookup and one array write.
#[derive(Default)]
struct Postings {
    ids: Vocabulary,
    /// (term id, document, weight) in document order. One flat list written sequentially
    /// and grouped by term once at the end: per-term lists cost a cache miss and now and
    /// then a reallocation for every posting, a quarter of the build.
    entries: Vec<(u32, u32, u8)>,
    /// Per term, the current document so far: text occurrences (capped at
    /// [`TEXT_WEIGHT_CAP`]) in the low three bits, the title fields' bits above them.
    acc: Vec<u8>,
    touched: Vec<u32>,
}

impl Postings {
    fn add(&mut self, id: u32, field: Field) {
        let i = id as usize;
        if i >= self.acc.len() {
            self.acc.resize(i + 1, 0);
        }
        let acc = &mut self.acc[i];
        if *acc == 0 {
            self.touched.push(id);
        }
        *acc = match field {
            Field::Text if *acc & TEXT_COUNT_MASK < TEXT_WEIGHT_CAP => *acc + 1,
            Field::Text => *acc,
            title => *acc | title.bit(),
        };
    }

    fn end_doc(&mut self, doc: u32) {
        for id in self.touched.drain(..) {
            let acc = std::mem::take(&mut self.acc[id as usize]);
            let weight = TITLE_WEIGHTS[usize::from(acc >> 3)] + (acc & TEXT_COUNT_MASK);
            self.entries.push((id, doc, weight));
        }
    }

    /// The postings grouped by term, terms sorted.
    fn into_chunk(self) -> Chunk {
        let (starts, grouped) = group_by_term(&self.entries, self.ids.len() as usize);
        drop(self.entries);
        let mut terms = self.ids.into_terms();
        terms.sort_unstable();
        Chunk { terms, starts, grouped }
    }
}

/// The postings of a run of documents: `terms` in byte order with their ids, and term
/// `id`'s (document, weight) list `grouped[starts[id]..starts[id + 1]]` in document order.
struct Chunk {
    terms: Vec<(String, u32)>,
    starts: Vec<usize>,
    grouped: Vec<(u32, u8)>,
}

impl Chunk {
    /// The postings of the `i`th term in sorted order.
    fn list(&self, i: usize) -> &[(u32, u8)] {
        let id = self.terms[i].1 as usize;
        &self.grouped[self.starts[id]..self.starts[id + 1]]
    }
}

/// A counting sort of the entries by term: term `t`'s postings are
/// `grouped[starts[t]..starts[t + 1]]`, still in document order because the sort is stable.
fn group_by_term(entries: &[(u32, u32, u8)], term_count: usize) -> (Vec<usize>, Vec<(u32, u8)>) {
    let mut starts = vec![0usize; term_count + 1];
    for &(term, _, _) in entries {
        starts[term as usize + 1] += 1;
    }
    for t in 0..term_count {
        starts[t + 1] += starts[t];
    }
    let mut next = starts.clone();
    let mut grouped = vec![(0u32, 0u8); entries.len()];
    for &(term, doc, weight) in entries {
        let slot = &mut next[term as usize];
        grouped[*slot] = (doc, weight);
        *slot += 1;
    }
    (starts, grouped)
}

type FxHashMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Term ids. Terms of up to 16 bytes, nearly all of them, are keyed by their bytes packed
/// into one integer: hashing and comparing it never touches the heap, and the hash map
/// lookup was the largest cost of the build. Terms never contain NUL (it is no word
/// character), so zero padding is unambiguous.
#[derive(Default)]
struct Vocabulary {
    short: FxHashMap<(u64, u64), u32>,
    long: FxHashMap<Box<str>, u32>,
}

impl Vocabulary {
    /// The id of `term`; a new term gets the next free id.
    fn id(&mut self, term: &str) -> u32 {
        let next = self.len();
        match pack(term) {
            Some(key) => *self.short.entry(key).or_insert(next),
            None => match self.long.get(term) {
                Some(&id) => id,
                None => *self.long.entry(term.into()).or_insert(next),
            },
        }
    }

    fn len(&self) -> u32 {
        u32::try_from(self.short.len() + self.long.len()).expect("fewer than 2^32 distinct terms")
    }

    fn into_terms(self) -> Vec<(String, u32)> {
        let unpack = |(low, high): (u64, u64)| {
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&low.to_le_bytes());
            bytes[8..].copy_from_slice(&high.to_le_bytes());
            let len = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
            String::from_utf8_lossy(&bytes[..len]).into_owned()
        };
        let short = self.short.into_iter().map(|(key, id)| (unpack(key), id));
        short
            .chain(self.long.into_iter().map(|(term, id)| (term.into_string(), id)))
            .collect()
    }
}

fn pack(term: &str) -> Option<(u64, u64)> {
    if term.len() > 16 {
        return None;
    }
    let mut bytes = [0u8; 16];
    for (to, from) in bytes.iter_mut().zip(term.bytes()) {
        *to = from;
    }
    let (low, high) = bytes.split_at(8);
    let word = |half: &[u8]| half.iter().rev().fold(0, |w, &b| w << 8 | u64::from(b));
    Some((word(low), word(high)))
}

/// The Fx hash of rustc: a multiply and a rotate per eight bytes. The default SipHash took
/// a tenth of the index build; author-written text gives no reason to fear crafted
/// collisions, and iteration order never reaches the output (terms are sorted).
#[derive(Default)]
struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The first two characters (Unicode scalar values, not UTF-16 units) of a term.
fn shard_key(term: &str) -> &str {
    let end = term.char_indices().nth(2).map_or(term.len(), |(i, _)| i);
    &term[..end]
}

/// `search/<hex of the key's UTF-8 bytes>.json`: safe on every file system and web host,
/// whatever the script, and distinct on case-insensitive file systems.
fn shard_path(key: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut path = String::with_capacity(12 + key.len() * 2);
    path.push_str("search/");
    for b in key.bytes() {
        path.push(char::from(HEX[usize::from(b >> 4)]));
        path.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    path.push_str(".json");
    path
}

/// Whether `c` has General Category Mn (nonspacing mark), the marks JavaScript's `\p{Mn}`
/// matches. unicode-normalization only tells all marks apart, which would also strip the
/// spacing vowel signs (Mc) that Indic words cannot lose.
fn is_nonspacing_mark(c: char) -> bool {
    let c = u32::from(c);
    if c < MN_RANGES[0] {
        return false;
    }
    // An odd number of bounds below `c` means it is past a start and not past its end; a
    // `c` equal to the next bound is on a start or an end, inside either way.
    let below = MN_RANGES.partition_point(|&bound| bound < c);
    below % 2 == 1 || MN_RANGES.get(below) == Some(&c)
}

/// General Category Mn as inclusive start/end pairs, Unicode 16.0 (generated from
/// regex-syntax 0.8's `\p{Mn}`; browsers ship Unicode 15.1 or 16).
#[rustfmt::skip]
const MN_RANGES: &[u32] = &[
    0x300, 0x36F, 0x483, 0x487, 0x591, 0x5BD, 0x5BF, 0x5BF, 0x5C1, 0x5C2,
    0x5C4, 0x5C5, 0x5C7, 0x5C7, 0x610, 0x61A, 0x64B, 0x65F, 0x670, 0x670,
    0x6D6, 0x6DC, 0x6DF, 0x6E4, 0x6E7, 0x6E8, 0x6EA, 0x6ED, 0x711, 0x711,
    0x730, 0x74A, 0x7A6, 0x7B0, 0x7EB, 0x7F3, 0x7FD, 0x7FD, 0x816, 0x819,
    0x81B, 0x823, 0x825, 0x827, 0x829, 0x82D, 0x859, 0x85B, 0x897, 0x89F,
    0x8CA, 0x8E1, 0x8E3, 0x902, 0x93A, 0x93A, 0x93C, 0x93C, 0x941, 0x948,
    0x94D, 0x94D, 0x951, 0x957, 0x962, 0x963, 0x981, 0x981, 0x9BC, 0x9BC,
    0x9C1, 0x9C4, 0x9CD, 0x9CD, 0x9E2, 0x9E3, 0x9FE, 0x9FE, 0xA01, 0xA02,
    0xA3C, 0xA3C, 0xA41, 0xA42, 0xA47, 0xA48, 0xA4B, 0xA4D, 0xA51, 0xA51,
    0xA70, 0xA71, 0xA75, 0xA75, 0xA81, 0xA82, 0xABC, 0xABC, 0xAC1, 0xAC5,
    0xAC7, 0xAC8, 0xACD, 0xACD, 0xAE2, 0xAE3, 0xAFA, 0xAFF, 0xB01, 0xB01,
    0xB3C, 0xB3C, 0xB3F, 0xB3F, 0xB41, 0xB44, 0xB4D, 0xB4D, 0xB55, 0xB56,
    0xB62, 0xB63, 0xB82, 0xB82, 0xBC0, 0xBC0, 0xBCD, 0xBCD, 0xC00, 0xC00,
    0xC04, 0xC04, 0xC3C, 0xC3C, 0xC3E, 0xC40, 0xC46, 0xC48, 0xC4A, 0xC4D,
    0xC55, 0xC56, 0xC62, 0xC63, 0xC81, 0xC81, 0xCBC, 0xCBC, 0xCBF, 0xCBF,
    0xCC6, 0xCC6, 0xCCC, 0xCCD, 0xCE2, 0xCE3, 0xD00, 0xD01, 0xD3B, 0xD3C,
    0xD41, 0xD44, 0xD4D, 0xD4D, 0xD62, 0xD63, 0xD81, 0xD81, 0xDCA, 0xDCA,
    0xDD2, 0xDD4, 0xDD6, 0xDD6, 0xE31, 0xE31, 0xE34, 0xE3A, 0xE47, 0xE4E,
    0xEB1, 0xEB1, 0xEB4, 0xEBC, 0xEC8, 0xECE, 0xF18, 0xF19, 0xF35, 0xF35,
    0xF37, 0xF37, 0xF39, 0xF39, 0xF71, 0xF7E, 0xF80, 0xF84, 0xF86, 0xF87,
    0xF8D, 0xF97, 0xF99, 0xFBC, 0xFC6, 0xFC6, 0x102D, 0x1030, 0x1032, 0x1037,
    0x1039, 0x103A, 0x103D, 0x103E, 0x1058, 0x1059, 0x105E, 0x1060, 0x1071, 0x1074,
    0x1082, 0x1082, 0x1085, 0x1086, 0x108D, 0x108D, 0x109D, 0x109D, 0x135D, 0x135F,
    0x1712, 0x1714, 0x1732, 0x1733, 0x1752, 0x1753, 0x1772, 0x1773, 0x17B4, 0x17B5,
    0x17B7, 0x17BD, 0x17C6, 0x17C6, 0x17C9, 0x17D3, 0x17DD, 0x17DD, 0x180B, 0x180D,
    0x180F, 0x180F, 0x1885, 0x1886, 0x18A9, 0x18A9, 0x1920, 0x1922, 0x1927, 0x1928,
    0x1932, 0x1932, 0x1939, 0x193B, 0x1A17, 0x1A18, 0x1A1B, 0x1A1B, 0x1A56, 0x1A56,
    0x1A58, 0x1A5E, 0x1A60, 0x1A60, 0x1A62, 0x1A62, 0x1A65, 0x1A6C, 0x1A73, 0x1A7C,
    0x1A7F, 0x1A7F, 0x1AB0, 0x1ABD, 0x1ABF, 0x1ACE, 0x1B00, 0x1B03, 0x1B34, 0x1B34,
    0x1B36, 0x1B3A, 0x1B3C, 0x1B3C, 0x1B42, 0x1B42, 0x1B6B, 0x1B73, 0x1B80, 0x1B81,
    0x1BA2, 0x1BA5, 0x1BA8, 0x1BA9, 0x1BAB, 0x1BAD, 0x1BE6, 0x1BE6, 0x1BE8, 0x1BE9,
    0x1BED, 0x1BED, 0x1BEF, 0x1BF1, 0x1C2C, 0x1C33, 0x1C36, 0x1C37, 0x1CD0, 0x1CD2,
    0x1CD4, 0x1CE0, 0x1CE2, 0x1CE8, 0x1CED, 0x1CED, 0x1CF4, 0x1CF4, 0x1CF8, 0x1CF9,
    0x1DC0, 0x1DFF, 0x20D0, 0x20DC, 0x20E1, 0x20E1, 0x20E5, 0x20F0, 0x2CEF, 0x2CF1,
    0x2D7F, 0x2D7F, 0x2DE0, 0x2DFF, 0x302A, 0x302D, 0x3099, 0x309A, 0xA66F, 0xA66F,
    0xA674, 0xA67D, 0xA69E, 0xA69F, 0xA6F0, 0xA6F1, 0xA802, 0xA802, 0xA806, 0xA806,
    0xA80B, 0xA80B, 0xA825, 0xA826, 0xA82C, 0xA82C, 0xA8C4, 0xA8C5, 0xA8E0, 0xA8F1,
    0xA8FF, 0xA8FF, 0xA926, 0xA92D, 0xA947, 0xA951, 0xA980, 0xA982, 0xA9B3, 0xA9B3,
    0xA9B6, 0xA9B9, 0xA9BC, 0xA9BD, 0xA9E5, 0xA9E5, 0xAA29, 0xAA2E, 0xAA31, 0xAA32,
    0xAA35, 0xAA36, 0xAA43, 0xAA43, 0xAA4C, 0xAA4C, 0xAA7C, 0xAA7C, 0xAAB0, 0xAAB0,
    0xAAB2, 0xAAB4, 0xAAB7, 0xAAB8, 0xAABE, 0xAABF, 0xAAC1, 0xAAC1, 0xAAEC, 0xAAED,
    0xAAF6, 0xAAF6, 0xABE5, 0xABE5, 0xABE8, 0xABE8, 0xABED, 0xABED, 0xFB1E, 0xFB1E,
    0xFE00, 0xFE0F, 0xFE20, 0xFE2F, 0x101FD, 0x101FD, 0x102E0, 0x102E0, 0x10376, 0x1037A,
    0x10A01, 0x10A03, 0x10A05, 0x10A06, 0x10A0C, 0x10A0F, 0x10A38, 0x10A3A, 0x10A3F, 0x10A3F,
    0x10AE5, 0x10AE6, 0x10D24, 0x10D27, 0x10D69, 0x10D6D, 0x10EAB, 0x10EAC, 0x10EFC, 0x10EFF,
    0x10F46, 0x10F50, 0x10F82, 0x10F85, 0x11001, 0x11001, 0x11038, 0x11046, 0x11070, 0x11070,
    0x11073, 0x11074, 0x1107F, 0x11081, 0x110B3, 0x110B6, 0x110B9, 0x110BA, 0x110C2, 0x110C2,
    0x11100, 0x11102, 0x11127, 0x1112B, 0x1112D, 0x11134, 0x11173, 0x11173, 0x11180, 0x11181,
    0x111B6, 0x111BE, 0x111C9, 0x111CC, 0x111CF, 0x111CF, 0x1122F, 0x11231, 0x11234, 0x11234,
    0x11236, 0x11237, 0x1123E, 0x1123E, 0x11241, 0x11241, 0x112DF, 0x112DF, 0x112E3, 0x112EA,
    0x11300, 0x11301, 0x1133B, 0x1133C, 0x11340, 0x11340, 0x11366, 0x1136C, 0x11370, 0x11374,
    0x113BB, 0x113C0, 0x113CE, 0x113CE, 0x113D0, 0x113D0, 0x113D2, 0x113D2, 0x113E1, 0x113E2,
    0x11438, 0x1143F, 0x11442, 0x11444, 0x11446, 0x11446, 0x1145E, 0x1145E, 0x114B3, 0x114B8,
    0x114BA, 0x114BA, 0x114BF, 0x114C0, 0x114C2, 0x114C3, 0x115B2, 0x115B5, 0x115BC, 0x115BD,
    0x115BF, 0x115C0, 0x115DC, 0x115DD, 0x11633, 0x1163A, 0x1163D, 0x1163D, 0x1163F, 0x11640,
    0x116AB, 0x116AB, 0x116AD, 0x116AD, 0x116B0, 0x116B5, 0x116B7, 0x116B7, 0x1171D, 0x1171D,
    0x1171F, 0x1171F, 0x11722, 0x11725, 0x11727, 0x1172B, 0x1182F, 0x11837, 0x11839, 0x1183A,
    0x1193B, 0x1193C, 0x1193E, 0x1193E, 0x11943, 0x11943, 0x119D4, 0x119D7, 0x119DA, 0x119DB,
    0x119E0, 0x119E0, 0x11A01, 0x11A0A, 0x11A33, 0x11A38, 0x11A3B, 0x11A3E, 0x11A47, 0x11A47,
    0x11A51, 0x11A56, 0x11A59, 0x11A5B, 0x11A8A, 0x11A96, 0x11A98, 0x11A99, 0x11C30, 0x11C36,
    0x11C38, 0x11C3D, 0x11C3F, 0x11C3F, 0x11C92, 0x11CA7, 0x11CAA, 0x11CB0, 0x11CB2, 0x11CB3,
    0x11CB5, 0x11CB6, 0x11D31, 0x11D36, 0x11D3A, 0x11D3A, 0x11D3C, 0x11D3D, 0x11D3F, 0x11D45,
    0x11D47, 0x11D47, 0x11D90, 0x11D91, 0x11D95, 0x11D95, 0x11D97, 0x11D97, 0x11EF3, 0x11EF4,
    0x11F00, 0x11F01, 0x11F36, 0x11F3A, 0x11F40, 0x11F40, 0x11F42, 0x11F42, 0x11F5A, 0x11F5A,
    0x13440, 0x13440, 0x13447, 0x13455, 0x1611E, 0x16129, 0x1612D, 0x1612F, 0x16AF0, 0x16AF4,
    0x16B30, 0x16B36, 0x16F4F, 0x16F4F, 0x16F8F, 0x16F92, 0x16FE4, 0x16FE4, 0x1BC9D, 0x1BC9E,
    0x1CF00, 0x1CF2D, 0x1CF30, 0x1CF46, 0x1D167, 0x1D169, 0x1D17B, 0x1D182, 0x1D185, 0x1D18B,
    0x1D1AA, 0x1D1AD, 0x1D242, 0x1D244, 0x1DA00, 0x1DA36, 0x1DA3B, 0x1DA6C, 0x1DA75, 0x1DA75,
    0x1DA84, 0x1DA84, 0x1DA9B, 0x1DA9F, 0x1DAA1, 0x1DAAF, 0x1E000, 0x1E006, 0x1E008, 0x1E018,
    0x1E01B, 0x1E021, 0x1E023, 0x1E024, 0x1E026, 0x1E02A, 0x1E08F, 0x1E08F, 0x1E130, 0x1E136,
    0x1E2AE, 0x1E2AE, 0x1E2EC, 0x1E2EF, 0x1E4EC, 0x1E4EF, 0x1E5EE, 0x1E5EF, 0x1E8D0, 0x1E8D6,
    0x1E944, 0x1E94A, 0xE0100, 0xE01EF,
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::Value;
    use unicode_segmentation::UnicodeSegmentation;

    use crate::test_rng::Rng;

    use super::*;

    /// Test documents live as long as the test process: simpler than an owner per test.
    fn leak(s: impl Into<String>) -> &'static str {
        Box::leak(s.into().into_boxed_str())
    }

    fn doc(lesson: &str, section: &str, course: &str, text: &str) -> SearchDoc<'static> {
        SearchDoc {
            page: format!("c/{}.html", lesson.to_lowercase().replace(' ', "-")),
            anchor: leak(section.to_lowercase().replace(' ', "-")),
            lesson: leak(lesson),
            section: leak(section),
            course: leak(course),
            text: leak(text),
        }
    }

    fn terms_of(text: &str) -> Vec<String> {
        let mut terms = Vec::new();
        Tokenizer::default().terms(text, |t| terms.push(t.to_owned()));
        terms
    }

    /// Every term of every shard, with its (document, weight) postings, from the built files.
    fn postings(files: &[(String, Vec<u8>)]) -> BTreeMap<String, Vec<(u32, u32)>> {
        let mut all = BTreeMap::new();
        for (_, json) in &files[1..] {
            let shard: BTreeMap<String, Vec<u64>> =
                serde_json::from_slice(json).expect("a shard is a JSON object of postings");
            for (term, packed) in shard {
                let mut doc = 0;
                let list = packed
                    .iter()
                    .map(|&p| {
                        doc += u32::try_from(p / 32).expect("a document number");
                        (doc, (p % 32) as u32)
                    })
                    .collect();
                all.insert(term, list);
            }
        }
        all
    }

    fn index(files: &[(String, Vec<u8>)]) -> Value {
        assert_eq!(files[0].0, "search/index.json");
        serde_json::from_slice(&files[0].1).expect("index.json is JSON")
    }

    #[test]
    fn diacritics_fold_and_case_lowers() {
        assert_eq!(normalize_term("Sécurité"), "securite");
        assert_eq!(normalize_term("ÉCOLE"), "ecole");
        assert_eq!(normalize_term("São"), "sao");
        assert_eq!(normalize_term("Việt"), "viet");
        assert_eq!(normalize_term("İstanbul"), "istanbul");
        assert_eq!(normalize_term("straße"), "straße");
        assert_eq!(normalize_term("DNSSEC"), "dnssec");
        // Greek final sigma as JavaScript's toLowerCase writes it.
        assert_eq!(normalize_term("ΟΔΟΣ"), "οδος");
        // Devanagari: the nonspacing virama goes, the spacing vowel sign AA (Mc) stays.
        assert_eq!(normalize_term("क्षमा"), "कषमा");
        assert_eq!(normalize_term(""), "");
    }

    #[test]
    fn nonspacing_marks_are_marks_and_spacing_marks_are_not_nonspacing() {
        use unicode_normalization::char::is_combining_mark;
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            if is_nonspacing_mark(c) {
                assert!(is_combining_mark(c), "{c:?} is in the Mn table but is no mark");
            }
        }
        for mn in [
            '\u{300}',
            '\u{36F}',
            '\u{5BF}',
            '\u{94D}',
            '\u{3099}',
            '\u{E0100}',
            '\u{E01EF}',
        ] {
            assert!(is_nonspacing_mark(mn), "{mn:?}");
        }
        for not_mn in ['a', '\u{2FF}', '\u{370}', '\u{93E}', '\u{903}', '\u{20DD}', '\u{E01F0}'] {
            assert!(!is_nonspacing_mark(not_mn), "{not_mn:?}");
        }
    }

    #[test]
    fn words_follow_unicode_word_boundaries() {
        assert_eq!(terms_of("SPF, DKIM & DMARC!"), ["spf", "dkim", "dmarc"]);
        assert_eq!(terms_of("v=spf1 -all"), ["v", "spf1", "all"]);
        assert_eq!(
            terms_of("version 1.2,3 at 10:30"),
            ["version", "1.2,3", "at", "10", "30"]
        );
        assert_eq!(terms_of("La sécurité du réseau"), ["la", "securite", "du", "reseau"]);
    }

    #[test]
    fn joined_words_also_give_their_parts() {
        assert_eq!(
            terms_of("l'authentification"),
            ["l'authentification", "authentification"]
        );
        assert_eq!(
            terms_of("_dmarc.example.com"),
            ["_dmarc.example.com", "dmarc", "example", "com"]
        );
        assert_eq!(terms_of("mailto:dmarc"), ["mailto:dmarc", "mailto", "dmarc"]);
        // Numbers are not taken apart.
        assert_eq!(terms_of("192.0.2.1 1,000"), ["192.0.2.1", "1,000"]);
    }

    #[test]
    fn cjk_characters_are_one_term_each() {
        assert_eq!(terms_of("DNS服务器配置"), ["dns", "服", "务", "器", "配", "置"]);
        assert_eq!(terms_of("セキュリティ"), ["セ", "キ", "ュ", "リ", "テ", "ィ"]);
        // Hangul separates words with spaces and stays whole (decomposed into jamo by NFD,
        // as JavaScript's normalize("NFD") does too).
        assert_eq!(terms_of("보안 점검"), [normalize_term("보안"), normalize_term("점검")]);
        assert_eq!(normalize_term("보안").chars().count(), 5);
        assert_eq!(terms_of("Безопасность почты"), ["безопасность", "почты"]);
    }

    #[test]
    fn terms_longer_than_forty_characters_are_skipped() {
        let forty = "a".repeat(40);
        assert_eq!(terms_of(&forty), [forty]);
        assert!(terms_of(&"b".repeat(41)).is_empty());
        assert!(terms_of(&"é".repeat(41)).is_empty());
        assert_eq!(terms_of(&"é".repeat(40)), ["e".repeat(40)]);
    }

    /// The definition the fast paths must match: `unicode_words`, normalised, then split.
    fn reference_terms(text: &str) -> Vec<String> {
        let mut terms = Vec::new();
        for word in text.unicode_words() {
            emit_word(normalize_term(word).trim(), &mut |t: &str| terms.push(t.to_owned()));
        }
        terms
    }

    #[test]
    fn fast_paths_match_the_unicode_rules_on_random_text() {
        const ASCII: &[&str] = &[
            "a", "Z", "q", "0", "7", "_", ":", ".", "'", ",", ";", " ", "\t", "\n", "\r", "-", "!", "\"", "@", "=",
            "/", "\u{b}", "\u{c}", "ab", "12",
        ];
        const MIXED: &[&str] = &[
            "é", "\u{301}", "\u{ad}", "\u{200d}", "\u{200b}", "日", "本", "カ", "ー", "한", "ß", "Σ", "😀", "\u{2019}",
            "\u{a0}", "\u{3000}", "١", "ا", "\u{64b}", "क", "\u{94d}",
        ];
        let mut rng = Rng(0x0123_4567_89AB_CDEF);
        for round in 0..20_000 {
            let mut text = String::new();
            for _ in 0..(rng.next() % 24) {
                let pool = if round % 2 == 0 || !rng.next().is_multiple_of(4) {
                    ASCII
                } else {
                    MIXED
                };
                text.push_str(rng.pick(pool));
            }
            assert_eq!(terms_of(&text), reference_terms(&text), "text {text:?}");
        }
    }

    #[test]
    fn weights_add_up_per_field_and_cap_the_text() {
        let files = build_index(&[
            doc("SPF basics", "Qualifiers", "Email", "SPF spf spf spf spf spf spf"),
            doc("DKIM", "Keys", "Email", "a key and a selector, one spf mention"),
            doc("DMARC", "", "Email authentication", "nothing else"),
        ]);
        let p = postings(&files);
        assert_eq!(p["spf"], [(0, 10 + 5), (1, 1)]);
        assert_eq!(p["qualifiers"], [(0, 5)]);
        assert_eq!(p["email"], [(0, 2), (1, 2), (2, 2)]);
        assert_eq!(p["key"], [(1, 1)]);
        assert_eq!(p["keys"], [(1, 5)]);
        assert_eq!(p["a"], [(1, 2)]);
        // One term in every field: 10 + 5 + 2 + 1.
        let files = build_index(&[doc("Phishing", "Phishing", "Phishing", "phishing")]);
        assert_eq!(postings(&files)["phishing"], [(0, 18)]);
    }

    #[test]
    fn shards_are_keyed_by_two_characters_with_hex_file_names() {
        let files = build_index(&[doc("SPF", "", "Email", "a spf spoofing sécurité 服务")]);
        let shards = index(&files)["shards"].clone();
        let expected = serde_json::json!({
            "a": "search/61.json",
            "em": "search/656d.json",
            "se": "search/7365.json",
            "sp": "search/7370.json",
            "服": "search/e69c8d.json",
            "务": "search/e58aa1.json",
        });
        assert_eq!(shards, expected);
        let paths: Vec<&str> = files[1..].iter().map(|(p, _)| p.as_str()).collect();
        let mut listed: Vec<&str> = expected
            .as_object()
            .expect("object")
            .values()
            .filter_map(Value::as_str)
            .collect();
        listed.sort_unstable();
        let mut sorted_paths = paths.clone();
        sorted_paths.sort_unstable();
        assert_eq!(sorted_paths, listed);
        let sp: BTreeMap<String, Value> =
            serde_json::from_slice(&files.iter().find(|(p, _)| p == "search/7370.json").expect("sp shard").1)
                .expect("JSON");
        assert_eq!(sp.keys().collect::<Vec<_>>(), ["spf", "spoofing"]);
    }

    #[test]
    fn terms_in_more_than_half_the_documents_are_dropped_from_200_documents_on() {
        let docs = |n: usize| -> Vec<SearchDoc<'static>> {
            (0..n)
                .map(|i| {
                    let mut text = format!("unique{i}");
                    if i % 2 == 0 {
                        text.push_str(" half");
                    }
                    if i <= n / 2 {
                        text.push_str(" majority");
                    }
                    doc("L", "", "C", &text)
                })
                .collect()
        };
        let p = postings(&build_index(&docs(200)));
        assert!(!p.contains_key("majority"), "in 101 of 200 documents");
        assert!(!p.contains_key("l") && !p.contains_key("c"), "in every document");
        assert_eq!(p["half"].len(), 100, "exactly half stays");
        assert!(p.contains_key("unique7"));
        let p = postings(&build_index(&docs(199)));
        assert_eq!(p["majority"].len(), 100, "below 200 documents everything stays");
        assert_eq!(p["l"].len(), 199);
    }

    #[test]
    fn postings_of_many_chunks_merge_in_document_order() {
        let n = CHUNK_DOCS * 3 + 17;
        let docs: Vec<SearchDoc> = (0..n)
            .map(|i| {
                let text = if i % 3 == 0 {
                    format!("every3 only{i}")
                } else {
                    format!("only{i}")
                };
                doc(&format!("Lesson {}", i / 5), "", "Course", &text)
            })
            .collect();
        let p = postings(&build_index(&docs));
        let expected: Vec<(u32, u32)> = (0..n as u32).step_by(3).map(|d| (d, 1)).collect();
        assert_eq!(p["every3"], expected);
        assert_eq!(p[&format!("only{}", n - 1)], [(n as u32 - 1, 1)]);
        assert!(!p.contains_key("course"), "in every document: dropped");
    }

    #[test]
    fn output_is_valid_json_sorted_and_deterministic() {
        let mut rng = Rng(42);
        const WORDS: &[&str] = &[
            "dns",
            "DNSSEC",
            "zone",
            "\"quoted\"",
            "back\\slash",
            "sécurité",
            "服务器",
            "ключ",
            "résumé",
            "spf",
            "dkim",
            "_dmarc.example.com",
            "l'été",
            "tab\there",
            "😀",
            "a",
        ];
        let (mut lesson, mut course) = ("", "");
        let docs: Vec<SearchDoc> = (0..300)
            .map(|i| {
                let mut words = |n: u64| leak((0..n).map(|_| rng.pick(WORDS)).collect::<Vec<_>>().join(" "));
                if i % 6 == 0 {
                    (lesson, course) = (words(3), words(2));
                }
                SearchDoc {
                    page: format!("course/lesson-{}.html", i / 6),
                    anchor: leak(format!("s{i}")),
                    lesson,
                    section: words(2),
                    course,
                    text: words(40),
                }
            })
            .collect();
        let files = build_index(&docs);
        assert_eq!(files, build_index(&docs), "same input, same bytes");
        let index = index(&files);
        assert_eq!(index["version"], 2);
        let table = index["docs"].as_array().expect("docs array");
        assert_eq!(table.len(), docs.len());
        for (d, entry) in docs.iter().zip(table) {
            let lesson = &index["lessons"][entry[0].as_u64().expect("lesson number") as usize];
            let course = &index["courses"][lesson[2].as_u64().expect("course number") as usize];
            assert_eq!(
                (&entry[1], &entry[2]),
                (&Value::from(d.anchor), &Value::from(d.section))
            );
            assert_eq!(
                (&lesson[0], &lesson[1]),
                (&Value::from(&*d.page), &Value::from(d.lesson))
            );
            assert_eq!(course, d.course);
        }
        assert!(
            index["lessons"].as_array().is_some_and(|l| l.len() < docs.len()),
            "one entry per lesson"
        );
        for (term, list) in postings(&files) {
            assert!(list.windows(2).all(|w| w[0].0 < w[1].0), "{term}: sorted by document");
            assert!(
                list.iter()
                    .all(|&(d, w)| (d as usize) < docs.len() && (1..=22).contains(&w))
            );
            assert_eq!(term, normalize_term(&term), "terms are stored normalised");
        }
    }

    #[test]
    fn the_build_id_changes_with_any_content() {
        let build = |text: &str| index(&build_index(&[doc("L", "S", "C", text)]))["build"].clone();
        assert_eq!(build("one two"), build("one two"));
        assert_ne!(build("one two"), build("one three"));
        assert_ne!(build("one two"), build("one two two"), "a weight changed");
        assert_eq!(build("x").as_str().map(str::len), Some(16));
    }

    #[test]
    fn empty_input_gives_an_empty_index() {
        let files = build_index(&[]);
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].0, "search/index.json");
        assert_eq!(
            String::from_utf8_lossy(&files[0].1),
            r#"{"version":2,"build":"0000000000000000","courses":[],"lessons":[],"docs":[],"shards":{}}"#
        );
        let files = build_index(&[doc("", "", "", "")]);
        assert_eq!(index(&files)["docs"].as_array().map(Vec::len), Some(1));
        assert_eq!(files.len(), 1);
    }
}
