//! The incremental rebuild behind `waypost preview`: a [`Project`] keeps a courses folder's
//! sources, parsed courses and rendered site in memory and, told which paths changed, runs
//! the pipeline again over only what those changes can affect:
//!
//! 1. [`sources`]: re-scan the course folders (a directory listing), re-read changed files.
//! 2. [`model`]: re-parse changed lessons (front matter first: the link map needs every id),
//!    `course.yaml` when it changed, and lessons whose links may now resolve differently;
//!    re-validate the courses touched; re-check anchors into lessons whose headings changed.
//! 3. [`site`]: re-render the pages that can show the change (the lesson; its neighbours and
//!    course page when its title or summary changed; the whole course when `course.yaml` or
//!    the set of lessons changed; everything when the theme changed) and commit them only if
//!    all rendered: while a course is broken, the last good site stays.
//! 4. The derived files (`courses.json`, the search index) read every course; `apply` leaves
//!    them stale so a one-lesson edit is not blocked by them, and [`Project::derive_inputs`]
//!    + [`Project::install_derived`] rebuild them off the fast path.
//!
//! The invariant, tested in `generator/tests/suite/incremental.rs`: after any sequence of
//! edits, [`Project::files`] (with derived files refreshed) and [`Project::diagnostics`] equal
//! what [`crate::build`] gives for the same folder. [`crate::build`] stays the one-shot path;
//! this module runs the per-unit functions that path is made of, never copies of them:
//! `load::load_course` (and `load`'s single-file readers for a changed file), `parse::parts`
//! (which `parse::parse` runs over every course, `parts::assemble` included),
//! `validate::course_rules` with `validate`'s id-clash and anchor functions,
//! `model::Course::lesson_order` for course order, and `render::pages`. Its own code is the
//! bookkeeping of what changed and what that can affect.

mod model;
mod site;
mod sources;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::diagnostics::{Diagnostic, Diagnostics, Severity};
use crate::render::pages::{DerivedInputs, Renderer};
use crate::render::{Files, RenderMode};
use crate::shuffle::ShuffleKey;
use crate::theme::Theme;
use crate::{Options, load};

use model::Model;
use site::Output;
use sources::Sources;

/// A course folder built in memory, kept current by [`Project::apply`].
pub struct Project {
    root: PathBuf,
    root_abs: Option<PathBuf>,
    theme_dir: Option<PathBuf>,
    theme_abs: Option<PathBuf>,
    mode: RenderMode,
    /// Keys the page shuffles for the project's lifetime, so a rebuild does not reshuffle.
    key: ShuffleKey,
    sources: Sources,
    model: Model,
    theme: Result<Theme, Diagnostic>,
    renderer: Result<Renderer, Vec<Diagnostic>>,
    output: Output,
}

/// What an [`Project::apply`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Nothing the site depends on changed (an editor's backup file, a save without edits).
    Unchanged,
    /// The site in memory is current; `pages` files were rendered or removed.
    Built { pages: usize },
    /// The courses have errors (or the theme does): the last good site is kept.
    Failed,
}

/// The result of one rebuild, for the terminal and the live-reload events.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub status: Status,
    pub errors: usize,
    pub warnings: usize,
    /// Source files (as diagnostics name them) whose text this rebuild read anew.
    pub changed_files: Vec<String>,
    /// `courses.json` and the search index wait for [`Project::derive_inputs`].
    pub derived_stale: bool,
    pub elapsed: Duration,
}

impl Project {
    /// Loads, parses, validates and renders everything: the first, full build. Without
    /// `opts.shuffle_key`, pages are shuffled with a key drawn for this project
    /// ([`Options::shuffle_key`]).
    pub fn open(opts: &Options) -> (Self, Outcome) {
        let started = Instant::now();
        let (key, key_problem) = match opts.shuffle_key() {
            Ok(key) => (key, None),
            Err(d) => (ShuffleKey::derive(b"unused: the project cannot build"), Some(d)),
        };
        let theme = match (&opts.theme, key_problem) {
            // Nothing can be shown without a key: reported as the theme is (it hides the rest).
            (_, Some(d)) => Err(d),
            (Some(dir), None) => load::load_theme(dir),
            (None, None) => Ok(Theme::embedded()),
        };
        let renderer = renderer_for(&theme, opts.mode);
        let mut project = Self {
            root: opts.courses.clone(),
            root_abs: opts.courses.canonicalize().ok(),
            theme_dir: opts.theme.clone(),
            theme_abs: opts.theme.as_ref().and_then(|t| t.canonicalize().ok()),
            mode: opts.mode,
            key,
            sources: Sources::default(),
            model: Model::default(),
            theme,
            renderer,
            output: Output::default(),
        };
        project.output.mark_all();
        let outcome = project.rebuild(&[], started);
        (project, outcome)
    }

    /// Brings the site up to date after `changed` paths (files or folders, absolute or as
    /// given to [`Project::open`]) were created, modified or deleted.
    pub fn apply(&mut self, changed: &[PathBuf]) -> Outcome {
        self.rebuild(changed, Instant::now())
    }

    fn rebuild(&mut self, changed: &[PathBuf], started: Instant) -> Outcome {
        let was_failing = self.failing();
        let mut content_changed = false;
        if self.touches_theme(changed) && self.reload_theme() {
            self.output.mark_all();
            content_changed = true;
        }
        let touched = self.sources.touched(changed, &self.root, self.root_abs.as_deref());
        let refreshed = self.sources.refresh(&self.root, &touched);
        let changed_files = refreshed.changed_files(&self.sources);
        if refreshed.any() {
            content_changed = true;
            let dirty = self.model.update(&self.sources, refreshed, &self.key);
            self.output.mark(dirty);
        }
        let (errors, warnings) = self.counts();
        let status = if errors > 0 {
            Status::Failed
        } else if let Ok(renderer) = &self.renderer {
            match self.output.commit(renderer, &self.sources, self.model.courses()) {
                Ok(0) if !content_changed && !was_failing => Status::Unchanged,
                Ok(pages) => Status::Built { pages },
                Err(()) => Status::Failed,
            }
        } else {
            Status::Failed
        };
        let (errors, warnings) = if status == Status::Failed {
            let all = self.diagnostics();
            (all.count(Severity::Error), all.count(Severity::Warning))
        } else {
            (errors, warnings)
        };
        Outcome {
            status,
            errors,
            warnings,
            changed_files,
            derived_stale: self.output.derived_stale(),
            elapsed: started.elapsed(),
        }
    }

    fn failing(&self) -> bool {
        self.theme.is_err() || self.renderer.is_err() || self.output.has_render_errors() || self.counts().0 > 0
    }

    /// Error and warning counts of the courses (not the theme), without sorting anything.
    fn counts(&self) -> (usize, usize) {
        let mut counts = (0, 0);
        self.sources.for_each_diagnostic(&mut |d| tally(&mut counts, d));
        self.model.for_each_diagnostic(&mut |d| tally(&mut counts, d));
        counts
    }

    fn touches_theme(&self, changed: &[PathBuf]) -> bool {
        let Some(dir) = &self.theme_dir else { return false };
        changed
            .iter()
            .any(|p| p.starts_with(dir) || self.theme_abs.as_ref().is_some_and(|a| p.starts_with(a)))
    }

    /// Re-reads the theme folder; true if anything in it changed.
    fn reload_theme(&mut self) -> bool {
        let Some(dir) = &self.theme_dir else { return false };
        let theme = load::load_theme(dir);
        if theme == self.theme {
            return false;
        }
        self.renderer = renderer_for(&theme, self.mode);
        self.theme = theme;
        true
    }

    /// Every diagnostic of the current sources, sorted, exactly as [`crate::build`] reports
    /// them (a theme that cannot be read hides the rest, as it does there).
    pub fn diagnostics(&self) -> Diagnostics {
        if let Err(d) = &self.theme {
            return std::iter::once(d.clone()).collect();
        }
        let mut all = Diagnostics::default();
        self.sources.for_each_diagnostic(&mut |d| all.push(d.clone()));
        self.model.for_each_diagnostic(&mut |d| all.push(d.clone()));
        all.sort();
        if !all.has_errors() {
            match &self.renderer {
                Err(errors) => errors.iter().for_each(|d| all.push(d.clone())),
                Ok(_) => self.output.render_errors().iter().for_each(|d| all.push(d.clone())),
            }
            all.sort();
        }
        all
    }

    /// The errors only, sorted (what the preview overlay shows).
    pub fn errors(&self) -> Diagnostics {
        self.diagnostics()
            .into_vec()
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect()
    }

    /// The last good site: every file, by site path.
    pub fn files(&self) -> &Files {
        &self.output.files
    }

    /// What rebuilding the derived files needs, copied out so the slow part can run without
    /// holding the project; `None` when they are current (or the courses are broken).
    pub fn derive_inputs(&self) -> Option<(u64, DerivedInputs)> {
        if !self.output.derived_stale() || self.failing() {
            return None;
        }
        Some((self.output.generation(), DerivedInputs::collect(self.model.courses())))
    }

    /// Installs derived files built from [`Project::derive_inputs`]; ignored (false) when the
    /// project changed since.
    pub fn install_derived(&mut self, generation: u64, files: Files) -> bool {
        self.output.install_derived(generation, files)
    }

    /// Rebuilds the derived files now.
    pub fn refresh_derived(&mut self) {
        if let Some((generation, inputs)) = self.derive_inputs() {
            self.install_derived(generation, inputs.build());
        }
    }

    /// The folders to watch: the courses folder and the theme folder.
    pub fn watched(&self) -> Vec<&Path> {
        std::iter::once(self.root.as_path())
            .chain(self.theme_dir.as_deref())
            .collect()
    }
}

fn renderer_for(theme: &Result<Theme, Diagnostic>, mode: RenderMode) -> Result<Renderer, Vec<Diagnostic>> {
    match theme {
        Ok(theme) => Renderer::new(theme, mode),
        // Never used: a theme that cannot be read fails the build before rendering.
        Err(_) => Err(Vec::new()),
    }
}

fn tally(counts: &mut (usize, usize), d: &Diagnostic) {
    match d.severity {
        Severity::Error => counts.0 += 1,
        Severity::Warning => counts.1 += 1,
    }
}
