//! `waypost-generator`: Markdown bootcamps into a fast static site with quizzes.
//!
//! The pipeline, one module per stage, each with one entry function:
//!
//! 1. [`load::load`]: walk the courses folder and read `course.yaml`, lessons and assets.
//! 2. [`parse::parse`]: YAML and front matter into the course model; Markdown into safe HTML
//!    with heading ids, rewritten links and highlighted code; ```` ```quiz ```` blocks into
//!    quizzes.
//! 3. [`validate::validate`]: cross-file rules (references, unique ids, anchors) and quality
//!    warnings.
//! 4. [`render::render`]: view models through the theme into pages, `courses.json` and the
//!    search index.
//! 5. [`output::write`]: files to disk with `.br`/`.gz` twins (render named the theme's assets
//!    by content hash);
//!    [`build_into`] instead streams each file to an [`output::Writer`] as it is rendered.
//!
//! Only `load` and `output` touch the file system. Every stage reports problems as
//! [`Diagnostic`]s and carries on, so an author sees every mistake in one run; [`build`] fails
//! once, at the end, if any is an error. [`build`] also returns the [`Site`] in memory: the
//! server serves it and takes its grading catalog (answer keys, pass marks) from
//! [`Site::courses`], never from the public files.

pub mod csp;
pub mod diagnostics;
pub mod grading;
pub mod highlight;
pub mod incremental;
pub mod load;
pub mod model;
pub mod output;
pub mod parse;
pub mod render;

pub mod search;
pub mod shuffle;
pub mod theme;
pub mod validate;

#[cfg(test)]
mod test_rng;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use diagnostics::{Diagnostic, Diagnostics, Severity};
pub use render::{Files, RenderMode};

use diagnostics::Sources;
use parse::ParsedCourse;
use theme::Theme;

/// What to build and how.
#[derive(Clone, Debug)]
pub struct Options {
    /// A folder of courses, or one course folder.
    pub courses: PathBuf,
    /// A theme folder overlaid on the embedded default theme.
    pub theme: Option<PathBuf>,
    pub mode: RenderMode,
    /// Write `.br`/`.gz` twins of text files.
    pub precompress: bool,
    /// Told as each stage starts, for a progress bar.
    pub progress: Option<Progress>,
    /// Keys the order in which pages show options, items and right-hand texts
    /// ([`shuffle`]); see [`Options::shuffle_key`] for what `None` means.
    pub shuffle_key: Option<grading::ShuffleKey>,
}

impl Options {
    pub fn new(courses: impl Into<PathBuf>) -> Self {
        Self {
            courses: courses.into(),
            theme: None,
            mode: RenderMode::default(),
            precompress: true,
            progress: None,
            shuffle_key: None,
        }
    }

    /// The key the pages are shuffled with: the one given (`waypost serve` passes its
    /// database secret, `waypost build --shuffle-secret-from` the same, tests a fixed key);
    /// otherwise a `--static-only` build uses a fixed public key, since its pages carry every
    /// answer anyway and so stay reproducible, and any other build draws a random key: its
    /// graded pages then match no server's key, but nothing can recompute their order.
    pub fn shuffle_key(&self) -> Result<grading::ShuffleKey, Diagnostic> {
        match self.shuffle_key {
            Some(key) => Ok(key),
            None if self.mode.static_only => Ok(grading::ShuffleKey::derive(b"waypost static-only build")),
            None => grading::ShuffleKey::random()
                .map_err(|e| Diagnostic::error(self.courses.display().to_string(), diagnostics::Pos::new(1, 1), e)),
        }
    }

    fn report(&self, stage: Stage) {
        if let Some(p) = &self.progress {
            (p.0)(stage);
        }
    }
}

/// The pipeline's stages, in order, as a progress bar shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Load,
    Parse,
    Validate,
    Render,
    Write,
}

impl Stage {
    pub const ALL: [Stage; 5] = [Stage::Load, Stage::Parse, Stage::Validate, Stage::Render, Stage::Write];

    pub fn name(self) -> &'static str {
        ["loading", "parsing", "validating", "rendering", "writing"][self as usize]
    }
}

/// A callback told as each stage starts.
#[derive(Clone)]
pub struct Progress(pub Arc<dyn Fn(Stage) + Send + Sync>);

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Progress(..)")
    }
}

/// A built site: every file in memory, the course model (with answer keys, for the server),
/// and the warnings of the build.
#[derive(Clone, Debug)]
pub struct Site {
    pub files: Files,
    pub courses: Vec<model::Course>,
    /// Answer keys and completion rules, for the server: never serialised.
    pub grading: grading::GradingCatalog,
    pub warnings: Diagnostics,
    pub stats: Stats,
}

/// Figures for the summary line.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    pub courses: usize,
    pub lessons: usize,
    pub pages: usize,
    pub quizzes: usize,
    /// What [`build_into`] wrote; `None` for a build in memory.
    pub write: Option<output::WriteStats>,
}

/// Loads, parses and validates only (`waypost check`).
pub fn check(opts: &Options) -> Diagnostics {
    // Nothing is shown, so any key will do: no need to draw one.
    let key = opts
        .shuffle_key
        .unwrap_or_else(|| grading::ShuffleKey::derive(b"waypost check"));
    let (_, diags) = load_and_validate(opts, &key);
    diags
}

/// Builds the site in memory: the whole pipeline but the writing (for the server and tests;
/// `waypost build` uses [`build_into`]). `Err` holds every diagnostic when any is an error.
pub fn build(opts: &Options) -> Result<Site, Diagnostics> {
    let (courses, theme, diags) = prepare(opts)?;
    let files = render::render(&courses, &theme, opts.mode).map_err(|errors| with_errors(diags.clone(), errors))?;
    let stats = Stats {
        pages: files.keys().filter(|k| k.ends_with(".html")).count(),
        ..Stats::of(&courses)
    };
    let courses: Vec<model::Course> = courses.into_iter().map(|c| c.course).collect();
    Ok(Site {
        files,
        grading: grading::GradingCatalog::of(&courses),
        courses,
        warnings: diags,
        stats,
    })
}

/// What [`build_into`] did: the build's warnings and figures.
#[derive(Clone, Debug)]
pub struct Built {
    pub warnings: Diagnostics,
    pub stats: Stats,
}

/// Builds the site straight into `out` (`waypost build`): each file is written as soon as it
/// is rendered, so the whole site is never held in memory. The files on disk are byte for
/// byte those [`build`] writes. If rendering fails part way, the files rendered so far are
/// written but nothing is removed, and the manifest keeps listing every file in the folder.
pub fn build_into(opts: &Options, out: &Path) -> Result<Built, Diagnostics> {
    let (courses, theme, diags) = prepare(opts)?;
    let write_opts = output::WriteOptions {
        precompress: opts.precompress,
    };
    let writer = output::Writer::create(out, write_opts).map_err(|d| with_errors(diags.clone(), vec![d]))?;
    let pages = AtomicUsize::new(0);
    let rendered = render::render_into(&courses, &theme, opts.mode, &|path, bytes| {
        if path.ends_with(".html") {
            pages.fetch_add(1, Ordering::Relaxed);
        }
        writer.put(&path, &bytes);
    });
    opts.report(Stage::Write);
    let finished = writer.finish(rendered.is_ok());
    if let Err(errors) = rendered {
        return Err(with_errors(diags, errors.into_iter().chain(finished.err()).collect()));
    }
    let write = match finished {
        Ok(w) => w,
        Err(d) => return Err(with_errors(diags, vec![d])),
    };
    let stats = Stats {
        pages: pages.into_inner(),
        write: Some(write),
        ..Stats::of(&courses)
    };
    Ok(Built { warnings: diags, stats })
}

impl Stats {
    fn of(courses: &[ParsedCourse]) -> Self {
        Stats {
            courses: courses.len(),
            lessons: courses.iter().map(|c| c.lessons.len()).sum(),
            quizzes: courses.iter().map(|c| c.course.quizzes().count()).sum(),
            ..Stats::default()
        }
    }
}

/// Load, parse, validate and the theme: everything before render. `Err` when any
/// diagnostic is an error.
fn prepare(opts: &Options) -> Result<(Vec<ParsedCourse>, Theme, Diagnostics), Diagnostics> {
    let key = opts
        .shuffle_key()
        .map_err(|d| std::iter::once(d).collect::<Diagnostics>())?;
    let (courses, diags) = load_and_validate(opts, &key);
    let theme = match &opts.theme {
        Some(dir) => load::load_theme(dir).map_err(|d| std::iter::once(d).collect::<Diagnostics>())?,
        None => Theme::embedded(),
    };
    if diags.has_errors() {
        return Err(diags);
    }
    opts.report(Stage::Render);
    Ok((courses, theme, diags))
}

fn with_errors(mut diags: Diagnostics, errors: Vec<Diagnostic>) -> Diagnostics {
    errors.into_iter().for_each(|d| diags.push(d));
    diags.sort();
    diags
}

fn load_and_validate(opts: &Options, key: &grading::ShuffleKey) -> (Vec<ParsedCourse>, Diagnostics) {
    opts.report(Stage::Load);
    let (sources, mut diags) = load::load(&opts.courses);
    opts.report(Stage::Parse);
    let (courses, parse_diags) = parse::parse(&sources, key);
    diags.extend(parse_diags);
    opts.report(Stage::Validate);
    diags.extend(validate::validate(&courses));
    diags.sort();
    if !diags.is_empty() {
        let texts: Sources = sources
            .iter()
            .flat_map(|c| std::iter::once(&c.course_yaml).chain(&c.lessons))
            .map(|f| (f.path.as_str(), f.text.as_str()))
            .collect();
        diags.attach_sources(&texts);
    }
    (courses, diags)
}
