//! Writing straight to disk (`build_into`, what `waypost build` runs) leaves exactly the
//! files, twins and manifest that building in memory and then writing does.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use waypost_generator::{build, build_into, output};

use crate::support::{options, shipped_courses};

/// Every file under `dir` by relative path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .expect("under dir")
                    .to_string_lossy()
                    .into_owned();
                files.insert(rel, fs::read(&path).expect("read"));
            }
        }
    }
    files
}

#[test]
fn streaming_to_disk_writes_the_same_bytes_as_building_in_memory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (memory, streamed) = (dir.path().join("memory"), dir.path().join("streamed"));
    for precompress in [false, true] {
        let mut opts = options(shipped_courses());
        opts.precompress = precompress;
        let site = build(&opts).expect("the shipped courses build");
        output::write(&site.files, &memory, output::WriteOptions { precompress }).expect("written");
        let built = build_into(&opts, &streamed).expect("the shipped courses build");
        let (a, b) = (tree(&memory), tree(&streamed));
        assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
        let differ: Vec<&String> = a.keys().filter(|k| a[*k] != b[*k]).collect();
        assert!(differ.is_empty(), "files differ: {differ:?}");
        assert!(a.contains_key(".waypost-manifest") && a.contains_key("search/index.json"));
        assert_eq!(built.stats.pages, site.stats.pages);
        let w = built.stats.write.expect("written");
        assert_eq!(w.written + w.unchanged, site.files.len());
    }
    // A second build into the same folder writes nothing.
    let again = build_into(&options(shipped_courses()), &streamed).expect("builds");
    let w = again.stats.write.expect("written");
    assert_eq!((w.written, w.removed), (0, 0));
}
