//! Stage 1, **load**: find the courses under a folder and read their files into memory.
//!
//! This stage and `output` are the only ones that touch the file system. A path may name a
//! folder of courses or one course folder (a folder holding `course.yaml`). Unreadable files
//! become diagnostics naming the file; nothing here interprets the contents.

use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::diagnostics::{Diagnostic, Diagnostics, Pos};
use crate::theme::Theme;

/// A text file with the path diagnostics will show for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

/// A file under a course's `assets/`, copied to the site as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Asset {
    /// Path relative to the course folder, with `/` separators: `assets/diagram.svg`.
    pub rel: String,
    pub bytes: Vec<u8>,
}

/// One course folder, read but not yet understood.
#[derive(Clone, Debug)]
pub struct SourceCourse {
    /// The folder name: the course id when `course.yaml` gives none.
    pub dir_name: String,
    /// The folder as diagnostics show it (`courses/email-authentication`).
    pub display_dir: String,
    pub course_yaml: SourceFile,
    /// `lessons/*.md`, sorted by file name.
    pub lessons: Vec<SourceFile>,
    pub assets: Vec<Asset>,
}

/// Reads every course under `root`. Problems that stop a file being read are diagnostics.
pub fn load(root: &Path) -> (Vec<SourceCourse>, Diagnostics) {
    let (course_dirs, mut diags) = find_courses(root);
    let loaded: Vec<Result<LoadedCourse, Diagnostic>> = course_dirs
        .par_iter()
        .map(|(dir, display)| load_course(dir, display))
        .collect();
    let mut courses = Vec::new();
    for result in loaded {
        match result {
            Ok(loaded) => {
                let (course, d) = loaded.into_parts();
                diags.extend(d);
                courses.push(course);
            }
            Err(d) => diags.push(d),
        }
    }
    (courses, diags)
}

/// The course folders under `root`, sorted, each with the path diagnostics show for it:
/// `root` itself when it holds `course.yaml`, otherwise its sub-folders that do.
pub fn find_courses(root: &Path) -> (Vec<(PathBuf, String)>, Diagnostics) {
    let mut diags = Diagnostics::default();
    let display_root = display_path(root);
    if !root.is_dir() {
        diags.push(
            Diagnostic::error(&display_root, Pos::FILE, "courses folder not found")
                .with_help("pass a folder of courses, or one course folder holding course.yaml"),
        );
        return (Vec::new(), diags);
    }
    if root.join("course.yaml").is_file() {
        return (vec![(root.to_path_buf(), display_root)], diags);
    }
    let mut dirs = Vec::new();
    match fs::read_dir(root) {
        Ok(entries) => {
            for entry in entries.flatten() {
                let path = entry.path();
                let name = entry.file_name().to_string_lossy().into_owned();
                if !path.is_dir() || name.starts_with('.') {
                    continue;
                }
                let display = format!("{display_root}/{name}");
                if path.join("course.yaml").is_file() {
                    dirs.push((path, display));
                } else if path.join("lessons").is_dir() {
                    diags.push(
                        Diagnostic::error(
                            format!("{display}/course.yaml"),
                            Pos::FILE,
                            "course folder has lessons/ but no course.yaml",
                        )
                        .with_help("create course.yaml (see courses/README.md), or run `waypost new` to scaffold one"),
                    );
                }
            }
        }
        Err(e) => diags.push(Diagnostic::error(
            &display_root,
            Pos::FILE,
            format!("cannot read folder: {e}"),
        )),
    }
    dirs.sort();
    if dirs.is_empty() && !diags.has_errors() {
        diags.push(
            Diagnostic::error(&display_root, Pos::FILE, "no course found")
                .with_help("a course is a folder holding course.yaml; `waypost new <dir>` creates one"),
        );
    }
    (dirs, diags)
}

/// One course folder as read, with the problems of reading it kept apart by where they come
/// from (the incremental rebuild refreshes each on its own).
#[derive(Debug)]
pub struct LoadedCourse {
    pub course: SourceCourse,
    /// Files in `lessons/` that are no lessons (see [`list_lessons`]).
    pub listing: Diagnostics,
    /// Lesson files that could not be read, in file order.
    pub read_errors: Vec<Diagnostic>,
    /// Asset files that could not be read (see [`load_assets`]).
    pub asset_diags: Diagnostics,
}

impl LoadedCourse {
    /// Every problem of reading the folder, in the order a build reports them.
    pub fn into_parts(self) -> (SourceCourse, Diagnostics) {
        let mut diags = self.listing;
        self.read_errors.into_iter().for_each(|d| diags.push(d));
        diags.extend(self.asset_diags);
        (self.course, diags)
    }
}

/// Reads one course folder: `course.yaml`, its lessons (in parallel) and its assets. `Err`
/// when `course.yaml` cannot be read: the folder is then no course.
pub fn load_course(dir: &Path, display: &str) -> Result<LoadedCourse, Diagnostic> {
    let course_yaml = read_course_yaml(dir, display)?;
    let (lesson_paths, listing) = list_lessons(dir, display);
    let mut lessons = Vec::with_capacity(lesson_paths.len());
    let mut read_errors = Vec::new();
    let read: Vec<_> = lesson_paths
        .into_par_iter()
        .map(|(path, shown)| read_text(&path, shown))
        .collect();
    for result in read {
        match result {
            Ok(file) => lessons.push(file),
            Err(d) => read_errors.push(d),
        }
    }
    let (assets, asset_diags) = load_assets(dir, display);
    let dir_name = dir
        .file_name()
        .map_or_else(|| "course".to_owned(), |n| n.to_string_lossy().into_owned());
    let course = SourceCourse {
        dir_name,
        display_dir: display.to_owned(),
        course_yaml,
        lessons,
        assets,
    };
    Ok(LoadedCourse {
        course,
        listing,
        read_errors,
        asset_diags,
    })
}

/// Reads a course folder's `course.yaml`.
pub fn read_course_yaml(dir: &Path, display: &str) -> Result<SourceFile, Diagnostic> {
    read_text(&dir.join("course.yaml"), format!("{display}/course.yaml"))
}

/// The Markdown files in a course's `lessons/`, sorted, each with the path diagnostics show
/// for it; other files there are warned about.
pub fn list_lessons(dir: &Path, display: &str) -> (Vec<(PathBuf, String)>, Diagnostics) {
    let mut diags = Diagnostics::default();
    let mut lesson_paths = Vec::new();
    let lessons_dir = dir.join("lessons");
    if let Ok(entries) = fs::read_dir(&lessons_dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if name.starts_with('.') || !path.is_file() {
                continue;
            }
            if name.ends_with(".md") {
                lesson_paths.push((path, format!("{display}/lessons/{name}")));
            } else {
                diags.push(
                    Diagnostic::warning(
                        format!("{display}/lessons/{name}"),
                        Pos::FILE,
                        "file in lessons/ is not a Markdown lesson and is ignored",
                    )
                    .with_help("lessons are `.md` files; put images and downloads in assets/"),
                );
            }
        }
    }
    lesson_paths.sort();
    (lesson_paths, diags)
}

/// Every file under a course's `assets/` but hidden ones, sorted by path.
pub fn load_assets(dir: &Path, display: &str) -> (Vec<Asset>, Diagnostics) {
    let mut diags = Diagnostics::default();
    let mut assets = Vec::new();
    let assets_dir = dir.join("assets");
    if assets_dir.is_dir() {
        // Hidden files and folders (`.DS_Store`, `.gitkeep`) are an editor's or a tool's, not
        // the course's: they are not published.
        let visible = |e: &walkdir::DirEntry| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.');
        for entry in WalkDir::new(&assets_dir)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(visible)
            .flatten()
        {
            if !entry.file_type().is_file() {
                continue;
            }
            let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            match fs::read(entry.path()) {
                Ok(bytes) => assets.push(Asset { rel, bytes }),
                Err(e) => diags.push(Diagnostic::error(
                    format!("{display}/{rel}"),
                    Pos::FILE,
                    format!("cannot read asset: {e}"),
                )),
            }
        }
    }
    (assets, diags)
}

/// Reads a text file (UTF-8, without a byte-order mark); `shown` is the path diagnostics use.
pub fn read_text(path: &Path, shown: String) -> Result<SourceFile, Diagnostic> {
    let bytes = fs::read(path).map_err(|e| Diagnostic::error(&shown, Pos::FILE, format!("cannot read file: {e}")))?;
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            // Editors on Windows add a byte-order mark; it is not content.
            if text.starts_with('\u{feff}') {
                text.drain(..3);
            }
            Ok(SourceFile { path: shown, text })
        }
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let valid = String::from_utf8_lossy(&e.as_bytes()[..offset]).into_owned();
            Err(
                Diagnostic::error(&shown, Pos::of_offset(&valid, offset), "file is not valid UTF-8")
                    .with_help("save the file as UTF-8 in your editor"),
            )
        }
    }
}

/// Reads a theme folder given with `--theme`; missing files fall back to the default theme.
pub fn load_theme(dir: &Path) -> Result<Theme, Diagnostic> {
    let display = display_path(dir);
    if !dir.is_dir() {
        return Err(Diagnostic::error(display, Pos::FILE, "theme folder not found")
            .with_help("--theme takes a folder with templates/ and static/, like themes/default"));
    }
    let mut theme = Theme::embedded();
    for entry in WalkDir::new(dir).sort_by_file_name().into_iter().flatten() {
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let bytes = fs::read(entry.path()).map_err(|e| {
            Diagnostic::error(
                format!("{display}/{rel}"),
                Pos::FILE,
                format!("cannot read theme file: {e}"),
            )
        })?;
        theme.insert(&rel, bytes);
    }
    Ok(theme)
}

fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    let s = s.trim_end_matches('/');
    if s.is_empty() { ".".to_owned() } else { s.to_owned() }
}
