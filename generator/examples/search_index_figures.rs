//! A figure, not a check: how long the search index of a 10,000-lesson site takes to build
//! and how big it is, on synthetic text (60,000 sections of 150 words, Zipf-like word ranks).
//!
//!     cargo run --release -p waypost-generator --example search_index_figures

use std::time::Instant;

use waypost_generator::search::{OwnedDoc, SearchDoc, build_index};

fn main() {
    const SYLLABLES: &[&str] = &["ka", "ter", "mo", "ri", "sen", "do", "la", "pre", "ver", "tion"];
    let vocabulary: Vec<String> = (0..50_000)
        .map(|i| {
            let mut n = i;
            let mut word = String::new();
            loop {
                word.push_str(SYLLABLES[n % SYLLABLES.len()]);
                n /= SYLLABLES.len();
                if n == 0 {
                    break word;
                }
            }
        })
        .collect();
    // A fixed pseudo-random sequence (Fibonacci hashing of a counter): the same text every run.
    let mut counter = 0u64;
    let mut sentence = |n: usize| {
        (0..n)
            .map(|_| {
                counter += 1;
                let r = (counter.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11) as f64 / (1u64 << 53) as f64;
                vocabulary[((vocabulary.len() as f64).powf(r) as usize).saturating_sub(1)].as_str()
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let sections: Vec<OwnedDoc> = (0..60_000)
        .map(|i| OwnedDoc {
            page: format!("course-{}/lesson-{}.html", i / 300, i / 6),
            anchor: format!("section-{}", i % 6),
            lesson: sentence(5),
            section: sentence(4),
            course: format!("Course {}", i / 300),
            text: sentence(150),
        })
        .collect();
    let docs: Vec<SearchDoc<'_>> = sections.iter().map(OwnedDoc::doc).collect();
    let start = Instant::now();
    let files = build_index(&docs);
    let elapsed = start.elapsed();
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let largest = files.iter().skip(1).map(|(_, b)| b.len()).max().unwrap_or(0);
    println!(
        "{} sections: {elapsed:.2?}, {} files, {bytes} bytes (index.json {}, largest shard {largest})",
        docs.len(),
        files.len(),
        files.first().map_or(0, |(_, b)| b.len())
    );
}
