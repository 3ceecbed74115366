//! Step 3 of a rebuild: the site in memory. Pages marked [`Dirty`] are rendered together and
//! committed only if every one rendered, so the files are always the last good site; what a
//! course used to own (pages, assets) and no longer produces is removed.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use super::sources::Sources;
use crate::diagnostics::Diagnostic;
use crate::parse::{ParsedCourse, ParsedLesson};
use crate::render::Files;
use crate::render::pages::{Page, Renderer, course_assets};

/// What must be rendered again. Accumulates until a render succeeds.
#[derive(Default, Debug)]
pub(super) struct Dirty {
    /// The theme changed: every page and the theme's files.
    pub all: bool,
    /// The catalog and the 404 page.
    pub site: bool,
    /// Course folders whose every page and asset is to be rendered again.
    pub courses: BTreeSet<PathBuf>,
    /// Course folders whose course page is.
    pub course_pages: BTreeSet<PathBuf>,
    /// Course folders whose assets are to be copied again.
    pub assets: BTreeSet<PathBuf>,
    /// Lesson pages, by course folder and lesson file.
    pub lessons: BTreeSet<(PathBuf, String)>,
    /// Lessons whose previous and next lessons' pages show a changed title.
    pub neighbours: BTreeSet<(PathBuf, String)>,
}

impl Dirty {
    fn absorb(&mut self, other: Dirty) {
        self.all |= other.all;
        self.site |= other.site;
        self.courses.extend(other.courses);
        self.course_pages.extend(other.course_pages);
        self.assets.extend(other.assets);
        self.lessons.extend(other.lessons);
        self.neighbours.extend(other.neighbours);
    }
}

/// The site paths a course folder's pages and assets occupy.
#[derive(Default)]
struct Owned {
    pages: BTreeSet<String>,
    assets: BTreeSet<String>,
}

#[derive(Default)]
pub(super) struct Output {
    pub files: Files,
    statics: BTreeSet<String>,
    owned: BTreeMap<PathBuf, Owned>,
    derived: BTreeSet<String>,
    pending: Dirty,
    render_errors: Vec<Diagnostic>,
    derived_stale: bool,
    generation: u64,
}

impl Output {
    pub fn mark_all(&mut self) {
        self.pending.all = true;
        self.derived_changed();
    }

    pub fn mark(&mut self, dirty: Dirty) {
        self.pending.absorb(dirty);
        self.derived_changed();
    }

    fn derived_changed(&mut self) {
        self.derived_stale = true;
        self.generation += 1;
    }

    pub fn derived_stale(&self) -> bool {
        self.derived_stale
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn has_render_errors(&self) -> bool {
        !self.render_errors.is_empty()
    }

    pub fn render_errors(&self) -> &[Diagnostic] {
        &self.render_errors
    }

    /// Renders what is pending and commits it if every page rendered; returns how many files
    /// were written or removed. `Err` keeps the last good site and records the errors.
    pub fn commit(&mut self, renderer: &Renderer, sources: &Sources, courses: &[ParsedCourse]) -> Result<usize, ()> {
        let dirs: Vec<&Path> = sources.units.iter().map(|u| u.dir.as_path()).collect();
        let full: BTreeSet<usize> = (0..dirs.len())
            .filter(|&i| self.pending.all || self.pending.courses.contains(dirs[i]))
            .collect();
        let pages = self.render(renderer, &dirs, &full, courses);
        let errors: Vec<Diagnostic> = pages
            .iter()
            .filter_map(|(_, (_, r))| r.as_ref().err().cloned())
            .collect();
        if !errors.is_empty() {
            self.render_errors = errors;
            return Err(());
        }
        self.render_errors.clear();
        let mut count = 0;
        if self.pending.all {
            let statics = renderer.statics();
            count += self.remove_all(
                self.statics
                    .difference(&statics.keys().cloned().collect())
                    .cloned()
                    .collect(),
            );
            self.statics = statics.keys().cloned().collect();
            count += statics.len();
            self.files.extend(statics.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let gone: Vec<PathBuf> = self
            .owned
            .keys()
            .filter(|d| !dirs.contains(&d.as_path()))
            .cloned()
            .collect();
        for dir in gone {
            if let Some(owned) = self.owned.remove(&dir) {
                count += self.remove_all(owned.pages.into_iter().chain(owned.assets).collect());
            }
        }
        for (i, c) in courses.iter().enumerate() {
            if !full.contains(&i) && !self.pending.assets.contains(dirs[i]) {
                continue;
            }
            let new: Files = course_assets(c).map(|(k, v)| (k, v.to_vec())).collect();
            let owned = self.owned.entry(dirs[i].to_path_buf()).or_default();
            let old = std::mem::replace(&mut owned.assets, new.keys().cloned().collect());
            count += self.remove_all(old.into_iter().filter(|p| !new.contains_key(p)).collect()) + new.len();
            self.files.extend(new);
        }
        let mut fresh: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
        for (owner, (path, html)) in pages {
            let Ok(html) = html else { continue };
            if let Some(i) = owner {
                fresh.entry(i).or_default().insert(path.clone());
            }
            self.files.insert(path, html.into_bytes());
            count += 1;
        }
        for (i, paths) in fresh {
            let owned = self.owned.entry(dirs[i].to_path_buf()).or_default();
            if full.contains(&i) {
                let old = std::mem::replace(&mut owned.pages, paths);
                let stale: Vec<String> = old.difference(&owned.pages).cloned().collect();
                count += self.remove_all(stale);
            } else {
                owned.pages.extend(paths);
            }
        }
        self.pending = Dirty::default();
        Ok(count)
    }

    /// Renders the pending pages, each with the index of the course that owns it.
    fn render(
        &self,
        renderer: &Renderer,
        dirs: &[&Path],
        full: &BTreeSet<usize>,
        courses: &[ParsedCourse],
    ) -> Vec<(Option<usize>, Page)> {
        let p = &self.pending;
        let mut lessons: Vec<HashSet<&str>> = dirs.iter().map(|_| HashSet::new()).collect();
        for (dir, file) in &p.lessons {
            if let Some(i) = dirs.iter().position(|d| d == dir) {
                lessons[i].insert(file.as_str());
            }
        }
        for (dir, file) in &p.neighbours {
            let Some(i) = dirs.iter().position(|d| d == dir) else {
                continue;
            };
            let order = courses[i].ordered_lessons();
            if let Some(k) = order.iter().position(|(_, l)| &l.file == file) {
                let around = [k.checked_sub(1), Some(k + 1)];
                lessons[i].extend(
                    around
                        .into_iter()
                        .flatten()
                        .filter_map(|n| order.get(n).map(|(_, l)| l.file.as_str())),
                );
            }
        }
        let mut pages: Vec<(Option<usize>, Page)> = Vec::new();
        if p.all || p.site {
            pages.extend(renderer.site_pages(courses).into_iter().map(|page| (None, page)));
        }
        for (i, c) in courses.iter().enumerate() {
            let whole = full.contains(&i);
            if whole || p.course_pages.contains(dirs[i]) {
                pages.push((Some(i), renderer.course_page(c)));
            }
            let selected = &lessons[i];
            if whole || !selected.is_empty() {
                let filter = |l: &ParsedLesson| whole || selected.contains(l.file.as_str());
                pages.extend(
                    renderer
                        .lesson_pages(&[(c, &filter)])
                        .into_iter()
                        .map(|page| (Some(i), page)),
                );
            }
        }
        pages
    }

    /// Removes files; returns how many existed.
    fn remove_all(&mut self, paths: Vec<String>) -> usize {
        paths.iter().filter(|p| self.files.remove(*p).is_some()).count()
    }

    /// Installs freshly built derived files if nothing changed since their inputs were taken.
    pub fn install_derived(&mut self, generation: u64, files: Files) -> bool {
        if generation != self.generation || !self.derived_stale {
            return false;
        }
        let new: BTreeSet<String> = files.keys().cloned().collect();
        for path in self.derived.difference(&new) {
            self.files.remove(path);
        }
        self.derived = new;
        self.files.extend(files);
        self.derived_stale = false;
        true
    }
}
