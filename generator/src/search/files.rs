//! Step 4 of the index build: the chunks' postings merged by term and written as
//! `search/index.json` and one shard per term prefix (format version 2, see the parent module).
//!
//! Shards are written in parallel; everything is in sorted order, so the same input always
//! gives the same bytes.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::hash::Hasher;
use std::ops::Range;

use rayon::prelude::*;
use serde::Serialize;

use super::{COMMON_TERM_MIN_DOCS, Chunk, FORMAT_VERSION, FxHasher, SearchDoc, shard_key, shard_path};

/// Postings pack the gap to the previous document and the weight into one number:
/// `gap * WEIGHT_RADIX + weight`. Weights are at most 22.
const WEIGHT_RADIX: u64 = 32;

/// A term and the range of its postings lists (one per chunk it occurs in) in [`Merged::lists`].
type Term<'c> = (&'c str, Range<usize>);

/// Every distinct term of all chunks once, in byte order.
struct Merged<'c> {
    terms: Vec<Term<'c>>,
    /// Per term, its lists in chunk order, so in document order.
    lists: Vec<&'c [(u32, u8)]>,
}

pub(super) fn write(docs: &[SearchDoc<'_>], chunks: &[Chunk]) -> Vec<(String, Vec<u8>)> {
    let merged = merge(chunks);
    let too_common = |df: usize| docs.len() >= COMMON_TERM_MIN_DOCS && df * 2 > docs.len();
    let kept: Vec<&Term<'_>> = merged
        .terms
        .iter()
        .filter(|(_, lists)| !too_common(merged.lists[lists.clone()].iter().map(|l| l.len()).sum()))
        .collect();
    // Sorted terms with one prefix are contiguous, and their prefixes are sorted too.
    let mut shards: Vec<(&str, Range<usize>)> = Vec::new();
    for (i, (term, _)) in kept.iter().enumerate() {
        let key = shard_key(term);
        match shards.last_mut() {
            Some((k, range)) if *k == key => range.end = i + 1,
            _ => shards.push((key, i..i + 1)),
        }
    }
    let jsons: Vec<Vec<u8>> = shards
        .par_iter()
        .map(|(_, range)| shard_json(&kept[range.clone()], &merged.lists))
        .collect();
    let mut files = Vec::with_capacity(shards.len() + 1);
    files.push(("search/index.json".to_owned(), index_json(docs, &shards, &jsons)));
    files.extend(shards.iter().zip(jsons).map(|((key, _), json)| (shard_path(key), json)));
    files
}

/// A k-way merge of the chunks' sorted term lists; equal terms come out in chunk order.
fn merge(chunks: &[Chunk]) -> Merged<'_> {
    let mut next = vec![0usize; chunks.len()];
    let mut heap: BinaryHeap<Reverse<(&str, usize)>> = chunks
        .iter()
        .enumerate()
        .filter_map(|(c, chunk)| chunk.terms.first().map(|(t, _)| Reverse((t.as_str(), c))))
        .collect();
    let mut merged = Merged {
        terms: Vec::with_capacity(chunks.iter().map(|c| c.terms.len()).max().unwrap_or(0)),
        lists: Vec::new(),
    };
    while let Some(Reverse((term, c))) = heap.pop() {
        let at = merged.lists.len();
        merged.lists.push(chunks[c].list(next[c]));
        match merged.terms.last_mut() {
            Some((t, lists)) if *t == term => lists.end = at + 1,
            _ => merged.terms.push((term, at..at + 1)),
        }
        next[c] += 1;
        if let Some((t, _)) = chunks[c].terms.get(next[c]) {
            heap.push(Reverse((t.as_str(), c)));
        }
    }
    merged
}

/// `{"term":[posting,…],…}`, each posting `gap * 32 + weight` (see [`WEIGHT_RADIX`]).
fn shard_json(terms: &[&Term<'_>], lists: &[&[(u32, u8)]]) -> Vec<u8> {
    let mut json = vec![b'{'];
    for (n, (term, range)) in terms.iter().enumerate() {
        if n > 0 {
            json.push(b',');
        }
        serde_json::to_writer(&mut json, term).expect("writing a string into a Vec cannot fail");
        json.extend_from_slice(b":[");
        let mut previous = 0;
        let mut first = true;
        for &(doc, weight) in lists[range.clone()].iter().copied().flatten() {
            if !first {
                json.push(b',');
            }
            first = false;
            push_u64(&mut json, u64::from(doc - previous) * WEIGHT_RADIX + u64::from(weight));
            previous = doc;
        }
        json.push(b']');
    }
    json.push(b'}');
    json
}

/// Millions of numbers are written; formatting machinery would be a large share of the time.
fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Byte pushes: `extend_from_slice` of a few bytes is a `memcpy` call.
    out.reserve(digits.len() - i);
    for &digit in &digits[i..] {
        out.push(digit);
    }
}

#[derive(Serialize)]
struct IndexFile<'a> {
    version: u32,
    build: String,
    /// Course titles.
    courses: Vec<&'a str>,
    /// (page, lesson title, course number).
    lessons: Vec<(&'a str, &'a str, u32)>,
    /// (lesson number, anchor, section heading): the documents postings count.
    docs: Vec<(u32, &'a str, &'a str)>,
    shards: ShardMap<'a>,
}

/// The documents, with each lesson and course title written once rather than per section.
fn index_json(docs: &[SearchDoc<'_>], shards: &[(&str, Range<usize>)], jsons: &[Vec<u8>]) -> Vec<u8> {
    let mut index = IndexFile {
        version: FORMAT_VERSION,
        build: String::new(),
        courses: Vec::new(),
        lessons: Vec::new(),
        docs: Vec::with_capacity(docs.len()),
        shards: ShardMap(shards.iter().map(|(key, _)| (*key, shard_path(key))).collect()),
    };
    let mut course_numbers: HashMap<&str, u32> = HashMap::new();
    let number = |n: usize| u32::try_from(n).expect("fewer than 2^32 lessons and courses");
    for d in docs {
        let course = *course_numbers.entry(d.course).or_insert_with(|| {
            index.courses.push(d.course);
            number(index.courses.len() - 1)
        });
        let lesson = (d.page.as_str(), d.lesson, course);
        if index.lessons.last() != Some(&lesson) {
            index.lessons.push(lesson);
        }
        index.docs.push((number(index.lessons.len() - 1), d.anchor, d.section));
    }
    index.build = build_id(&index, jsons);
    serde_json::to_vec(&index).expect("strings and numbers always serialise")
}

/// Shard key → path, a JSON object in our (sorted) order.
struct ShardMap<'a>(Vec<(&'a str, String)>);

impl Serialize for ShardMap<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(key, path)| (key, path)))
    }
}

/// A fingerprint of everything the index holds. Shard names are the same from build to
/// build; a client can tell a cached shard of another build by it.
fn build_id(index: &IndexFile<'_>, shards: &[Vec<u8>]) -> String {
    let mut hash = FxHasher::default();
    let mut field = |bytes: &[u8]| {
        hash.write(bytes);
        hash.write_u8(0xff);
    };
    for course in &index.courses {
        field(course.as_bytes());
    }
    for (page, title, course) in &index.lessons {
        field(page.as_bytes());
        field(title.as_bytes());
        field(&course.to_le_bytes());
    }
    for (lesson, anchor, section) in &index.docs {
        field(&lesson.to_le_bytes());
        field(anchor.as_bytes());
        field(section.as_bytes());
    }
    for ((key, _), json) in index.shards.0.iter().zip(shards) {
        field(key.as_bytes());
        field(json);
    }
    format!("{:016x}", hash.finish())
}
