//! Stage 5, **output**: write the site to a folder, CDN-ready.
//!
//! Text files get `.br` and `.gz` twins so a static host (or, next, the Waypost server) can send them
//! compressed without compressing on each request. Writing is incremental: a manifest
//! remembers what the last build wrote, files whose bytes did not change are left untouched
//! (with their twins), and files the previous build wrote but this one did not are deleted.
//! Only files listed in the manifest are ever deleted, so `--out` pointing at a folder with
//! other content is safe.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::hash::{DefaultHasher, Hasher};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, Pos};
use crate::render::Files;

const MANIFEST: &str = ".waypost-manifest";

/// How to write.
#[derive(Clone, Copy, Debug)]
pub struct WriteOptions {
    /// Write `.br`/`.gz` twins of text files.
    pub precompress: bool,
}

/// What a write did, for the summary line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteStats {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
    pub compressed: usize,
}

/// Writes a whole site held in memory.
pub fn write(files: &Files, out: &Path, opts: WriteOptions) -> Result<WriteStats, Diagnostic> {
    let writer = Writer::create(out, opts)?;
    files.par_iter().for_each(|(rel, bytes)| writer.put(rel, bytes));
    writer.finish(true)
}

/// Writes files as they are handed over, from any thread, so a build need not hold the whole
/// site in memory; [`Writer::finish`] then removes what the previous build wrote and this one
/// did not, and writes the manifest. The bytes on disk are those [`write`] writes.
pub struct Writer {
    out: PathBuf,
    opts: WriteOptions,
    previous: HashMap<String, (u64, bool)>,
    /// Folders known to exist.
    dirs: Mutex<HashSet<PathBuf>>,
    /// (path, fingerprint, compressed, unchanged) of every file handed over.
    entries: Mutex<Vec<(String, u64, bool, bool)>>,
    /// The first error, reported by `finish`.
    error: Mutex<Option<Diagnostic>>,
}

impl Writer {
    pub fn create(out: &Path, opts: WriteOptions) -> Result<Self, Diagnostic> {
        fs::create_dir_all(out).map_err(|e| fail("create the output folder", out, e))?;
        Ok(Self {
            out: out.to_owned(),
            opts,
            previous: read_manifest(&out.join(MANIFEST)),
            dirs: Mutex::new(HashSet::from([out.to_owned()])),
            entries: Mutex::new(Vec::new()),
            error: Mutex::new(None),
        })
    }

    /// Writes `bytes` to `rel` (with twins) unless the previous build wrote the same bytes.
    pub fn put(&self, rel: &str, bytes: &[u8]) {
        match self.put_file(rel, bytes) {
            Ok(entry) => lock(&self.entries).push(entry),
            Err(d) => {
                lock(&self.error).get_or_insert(d);
            }
        }
    }

    fn put_file(&self, rel: &str, bytes: &[u8]) -> Result<(String, u64, bool, bool), Diagnostic> {
        let hash = fingerprint(bytes);
        let path = self.out.join(rel);
        if let Some(dir) = path.parent()
            && !lock(&self.dirs).contains(dir)
        {
            fs::create_dir_all(dir).map_err(|e| fail("create folder", dir, e))?;
            lock(&self.dirs).insert(dir.to_owned());
        }
        let compress = self.opts.precompress && is_compressible(rel) && bytes.len() > 256;
        let unchanged = self.previous.get(rel) == Some(&(hash, compress))
            && fs::metadata(&path).is_ok_and(|m| m.len() == bytes.len() as u64)
            && (!compress || (twin(&path, "br").exists() && twin(&path, "gz").exists()));
        if !unchanged {
            fs::write(&path, bytes).map_err(|e| fail("write", &path, e))?;
            let _ = fs::remove_file(twin(&path, "br"));
            let _ = fs::remove_file(twin(&path, "gz"));
            if compress {
                fs::write(twin(&path, "gz"), gzip(bytes)).map_err(|e| fail("write", &path, e))?;
                fs::write(twin(&path, "br"), brotli(bytes)).map_err(|e| fail("write", &path, e))?;
            }
        }
        Ok((rel.to_owned(), hash, compress, unchanged))
    }

    /// Records what was written. A `complete` build also removes the files the previous build
    /// wrote and this one did not; an incomplete one (it failed part way) removes nothing and
    /// keeps the previous entries of the files it did not reach, so every file this folder
    /// holds from any build stays in the manifest.
    pub fn finish(self, complete: bool) -> Result<WriteStats, Diagnostic> {
        if let Some(d) = self.error.into_inner().unwrap_or_else(PoisonError::into_inner) {
            return Err(d);
        }
        let mut entries = self.entries.into_inner().unwrap_or_else(PoisonError::into_inner);
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut stats = WriteStats::default();
        let mut manifest = String::new();
        let line = |manifest: &mut String, rel: &str, hash: u64, compress: bool| {
            manifest.push_str(&format!("{hash:016x}\t{}\t{rel}\n", u8::from(compress)));
        };
        for (rel, hash, compress, unchanged) in &entries {
            if *unchanged {
                stats.unchanged += 1;
            } else {
                stats.written += 1;
                stats.compressed += usize::from(*compress);
            }
            line(&mut manifest, rel, *hash, *compress);
        }
        let this_build: HashSet<&str> = entries.iter().map(|e| e.0.as_str()).collect();
        let mut gone: Vec<(&String, &(u64, bool))> = self
            .previous
            .iter()
            .filter(|(rel, _)| !this_build.contains(rel.as_str()))
            .collect();
        gone.sort_unstable();
        for (rel, &(hash, compress)) in gone {
            if !complete {
                line(&mut manifest, rel, hash, compress);
            } else if is_safe_relative(rel) {
                let path = self.out.join(rel);
                if fs::remove_file(&path).is_ok() {
                    stats.removed += 1;
                }
                let _ = fs::remove_file(twin(&path, "br"));
                let _ = fs::remove_file(twin(&path, "gz"));
                remove_empty_parents(&self.out, &path);
            }
        }
        let manifest_path = self.out.join(MANIFEST);
        let mut f = fs::File::create(&manifest_path).map_err(|e| fail("write", &manifest_path, e))?;
        f.write_all(manifest.as_bytes())
            .map_err(|e| fail("write", &manifest_path, e))?;
        Ok(stats)
    }
}

fn fail(what: &str, path: &Path, e: std::io::Error) -> Diagnostic {
    Diagnostic::error(path.display().to_string(), Pos::FILE, format!("cannot {what}: {e}"))
}

/// A poisoned lock only means another writer thread panicked; the data is still whole.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn read_manifest(path: &Path) -> HashMap<String, (u64, bool)> {
    let Ok(text) = fs::read_to_string(path) else {
        return HashMap::new();
    };
    text.lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, '\t');
            let hash = u64::from_str_radix(parts.next()?, 16).ok()?;
            let compressed = parts.next()? == "1";
            Some((parts.next()?.to_owned(), (hash, compressed)))
        })
        .collect()
}

/// A manifest line never names a path outside the output folder (it could have been edited).
fn is_safe_relative(rel: &str) -> bool {
    !rel.is_empty()
        && !rel.starts_with('/')
        && !rel.contains('\\')
        && rel.split('/').all(|p| !p.is_empty() && p != ".." && p != ".")
}

fn remove_empty_parents(out: &Path, path: &Path) {
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d == out || fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

fn twin(path: &Path, ext: &str) -> std::path::PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    s.into()
}

/// A fast fingerprint to detect unchanged output (not a security boundary).
fn fingerprint(bytes: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    h.write(bytes);
    h.finish()
}

fn is_compressible(path: &str) -> bool {
    let ext = path.rsplit('.').next().unwrap_or("");
    matches!(
        ext,
        "html" | "css" | "js" | "mjs" | "json" | "svg" | "xml" | "txt" | "map"
    )
}

/// gzip level 5 on the zlib-rs backend. Measured with `cargo run --release -p
/// waypost-generator --example compress_figures -- SITE` (2,000 pages of the 10,000-lesson
/// corpus, one thread): level 9 on miniz_oxide took 8.3 s for 22.5 % of the input; zlib-rs
/// level 9 4.4 s, level 6 1.1 s (22.9 %), level 5 0.6 s (23.4 %). On the shipped courses level
/// 5 gives 24.2 % against level 9's 24.0 %: not worth seven times the time.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 3), flate2::Compression::new(5));
    enc.write_all(bytes).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}

/// Brotli at quality 5 with a window sized to the file. Measured on a 50 KB lesson page:
/// quality 9 takes 14 ms for a result only 0.7 % smaller than quality 6's 1.6 ms (its hasher
/// tables are allocated and cleared per file), and a 4 MB window doubles the time of small
/// files for nothing; a 64 KB window was pathologically slow (15 ms) in this encoder. With
/// `compress_figures` (see [`gzip`]): quality 6 2.0 s for 22.3 % of the input, 5 1.5 s for
/// 22.7 % (22.4 % against 22.3 % on the shipped courses), 4 0.8 s but 23.8 %, bigger than gzip.
fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() / 3);
    let bits = usize::BITS - bytes.len().leading_zeros();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 5,
        lgwin: bits.clamp(18, 22) as i32,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("compressing from memory to memory cannot fail");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebuilds_touch_only_what_changed_and_remove_what_is_gone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let other = dir.path().join("keep-me.txt");
        fs::write(&other, "not ours").expect("write");
        let mut files = Files::new();
        files.insert("index.html".into(), "<p>hello</p>".repeat(100).into_bytes());
        files.insert("c/a.html".into(), b"a".to_vec());
        let opts = WriteOptions { precompress: true };
        let first = write(&files, dir.path(), opts).expect("write");
        assert_eq!((first.written, first.compressed), (2, 1));
        assert!(dir.path().join("index.html.br").exists() && dir.path().join("index.html.gz").exists());
        files.remove("c/a.html");
        let second = write(&files, dir.path(), opts).expect("write");
        assert_eq!(
            second,
            WriteStats {
                written: 0,
                unchanged: 1,
                removed: 1,
                compressed: 0
            }
        );
        assert!(!dir.path().join("c").exists(), "the emptied folder is removed");
        assert!(other.exists(), "files the build did not write are never deleted");
        let gz = fs::read(dir.path().join("index.html.gz")).expect("gz");
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut text).expect("gunzip");
        assert_eq!(text, "<p>hello</p>".repeat(100));
    }

    #[test]
    fn manifest_paths_cannot_escape() {
        assert!(is_safe_relative("c/a.html"));
        assert!(!is_safe_relative("../etc/passwd"));
        assert!(!is_safe_relative("/etc/passwd"));
        assert!(!is_safe_relative("a//b"));
    }
}
