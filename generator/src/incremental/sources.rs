//! Step 1 of a rebuild: the course folders and their files as read from disk, refreshed
//! from a list of changed paths. The folder list is re-scanned every time (one directory
//! listing); inside a known course only the files a path names are read again, and a file
//! counts as changed only if its bytes did. Reading goes through `load`'s functions, so what
//! is read, skipped or reported is what a full build reads, skips or reports.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::load::{self, SourceCourse, SourceFile};

/// A course folder loaded anew: its unit and what changed, or why it could not be read.
type Loaded = Result<(Unit, Option<Delta>), Diagnostics>;

/// Every course folder's sources, sorted by folder as `load` sorts them.
#[derive(Default)]
pub(super) struct Sources {
    root_diags: Diagnostics,
    pub units: Vec<Unit>,
    /// Course folders whose `course.yaml` could not be read, with why.
    unreadable: Vec<Diagnostics>,
}

/// One course folder as read.
pub(super) struct Unit {
    pub dir: PathBuf,
    pub src: SourceCourse,
    listing: Diagnostics,
    read_errors: Vec<Diagnostic>,
    asset_diags: Diagnostics,
}

/// What changed paths name inside one course folder.
#[derive(Default)]
pub(super) struct Touch {
    yaml: bool,
    lessons: BTreeSet<String>,
    all_lessons: bool,
    assets: bool,
}

impl Touch {
    fn everything() -> Self {
        Self {
            yaml: true,
            lessons: BTreeSet::new(),
            all_lessons: true,
            assets: true,
        }
    }
}

/// Touches by course folder.
pub(super) type Touched = BTreeMap<PathBuf, Touch>;

/// How one course's sources changed.
#[derive(Default, Debug)]
pub(super) struct Delta {
    /// A course folder that was not there (or not readable) before.
    pub new: bool,
    pub yaml: bool,
    /// Lessons (as diagnostics name them) whose text changed, or that are new.
    pub lessons: BTreeSet<String>,
    /// Lesson files appeared or disappeared.
    pub listing: bool,
    pub assets: bool,
}

impl Delta {
    fn any(&self) -> bool {
        self.new || self.yaml || !self.lessons.is_empty() || self.listing || self.assets
    }
}

/// The outcome of a refresh: for each unit now present, its index before (if any) and its
/// delta (if it changed), plus the indices of units that are gone.
pub(super) struct Refreshed {
    pub old_index: Vec<Option<usize>>,
    pub deltas: Vec<Option<Delta>>,
    pub removed: Vec<usize>,
}

impl Refreshed {
    pub fn any(&self) -> bool {
        !self.removed.is_empty() || self.deltas.iter().flatten().next().is_some()
    }

    /// The source files read anew with new contents, as diagnostics name them.
    pub fn changed_files(&self, sources: &Sources) -> Vec<String> {
        let mut files = Vec::new();
        for (unit, delta) in sources.units.iter().zip(&self.deltas) {
            let Some(delta) = delta else { continue };
            if delta.yaml {
                files.push(unit.src.course_yaml.path.clone());
            }
            files.extend(delta.lessons.iter().cloned());
        }
        files
    }
}

impl Sources {
    /// Maps changed paths to the course folders and files they name. Paths outside every
    /// known course are left to the folder re-scan.
    pub fn touched(&self, changed: &[PathBuf], root: &Path, root_abs: Option<&Path>) -> Touched {
        let mut touched = Touched::new();
        for path in changed {
            let rel = path
                .strip_prefix(root)
                .ok()
                .or_else(|| root_abs.and_then(|a| path.strip_prefix(a).ok()));
            let Some(rel) = rel else { continue };
            let full = root.join(rel);
            let Some(unit) = self.units.iter().find(|u| full.starts_with(&u.dir)) else {
                continue;
            };
            let inner = full.strip_prefix(&unit.dir).unwrap_or(Path::new(""));
            let parts: Vec<String> = inner
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let touch = touched.entry(unit.dir.clone()).or_default();
            match parts.iter().map(String::as_str).collect::<Vec<_>>()[..] {
                [] => *touch = Touch::everything(),
                ["course.yaml"] => touch.yaml = true,
                ["lessons", name] => {
                    touch.lessons.insert(name.to_owned());
                }
                ["lessons", ..] => touch.all_lessons = true,
                ["assets", ..] => touch.assets = true,
                _ => {}
            }
        }
        touched
    }

    /// Re-scans the course folders and re-reads what `touched` names.
    pub fn refresh(&mut self, root: &Path, touched: &Touched) -> Refreshed {
        let (dirs, root_diags) = load::find_courses(root);
        self.root_diags = root_diags;
        self.unreadable.clear();
        let mut old: HashMap<PathBuf, (usize, Unit)> = std::mem::take(&mut self.units)
            .into_iter()
            .enumerate()
            .map(|(i, u)| (u.dir.clone(), (i, u)))
            .collect();
        let mut slots: Vec<(Option<usize>, Loaded)> = Vec::new();
        let mut to_load = Vec::new();
        for (dir, display) in dirs {
            match old.remove(&dir) {
                Some((i, mut unit)) => {
                    let result = match touched.get(&dir) {
                        Some(touch) => refresh_unit(&mut unit, touch).map(|d| (unit, d.any().then_some(d))),
                        None => Ok((unit, None)),
                    };
                    slots.push((Some(i), result));
                }
                None => {
                    to_load.push((slots.len(), dir, display));
                    slots.push((None, Err(Diagnostics::default())));
                }
            }
        }
        let loaded: Vec<(usize, Result<Unit, Diagnostics>)> = to_load
            .into_par_iter()
            .map(|(slot, dir, display)| (slot, load_unit(dir, display)))
            .collect();
        for (slot, result) in loaded {
            let delta = Delta {
                new: true,
                ..Delta::default()
            };
            slots[slot].1 = result.map(|unit| (unit, Some(delta)));
        }
        let mut refreshed = Refreshed {
            old_index: Vec::new(),
            deltas: Vec::new(),
            removed: old.into_values().map(|(i, _)| i).collect(),
        };
        for (old_index, result) in slots {
            match result {
                Ok((unit, delta)) => {
                    self.units.push(unit);
                    refreshed.old_index.push(old_index);
                    refreshed.deltas.push(delta);
                }
                Err(diags) => {
                    refreshed.removed.extend(old_index);
                    self.unreadable.push(diags);
                }
            }
        }
        refreshed.removed.sort_unstable();
        refreshed
    }

    /// Every diagnostic of reading the files.
    pub fn for_each_diagnostic(&self, f: &mut dyn FnMut(&Diagnostic)) {
        self.root_diags.iter().for_each(&mut *f);
        self.unreadable.iter().flatten().for_each(&mut *f);
        for u in &self.units {
            u.listing
                .iter()
                .chain(&u.read_errors)
                .chain(&u.asset_diags)
                .for_each(&mut *f);
        }
    }
}

/// Reads a course folder for the first time, through `load::load_course`.
fn load_unit(dir: PathBuf, display: String) -> Result<Unit, Diagnostics> {
    let loaded = load::load_course(&dir, &display).map_err(one)?;
    Ok(Unit {
        dir,
        src: loaded.course,
        listing: loaded.listing,
        read_errors: loaded.read_errors,
        asset_diags: loaded.asset_diags,
    })
}

/// Re-reads what `touch` names in one course folder. `Err` when `course.yaml` can no longer
/// be read: the folder is then no course.
fn refresh_unit(unit: &mut Unit, touch: &Touch) -> Result<Delta, Diagnostics> {
    let mut delta = Delta::default();
    let display = unit.src.display_dir.clone();
    if touch.yaml {
        let file = load::read_course_yaml(&unit.dir, &display).map_err(one)?;
        if file != unit.src.course_yaml {
            unit.src.course_yaml = file;
            delta.yaml = true;
        }
    }
    if touch.all_lessons || !touch.lessons.is_empty() {
        refresh_lessons(unit, touch, &mut delta);
    }
    if touch.assets {
        let (assets, diags) = load::load_assets(&unit.dir, &display);
        unit.asset_diags = diags;
        if assets != unit.src.assets {
            unit.src.assets = assets;
            delta.assets = true;
        }
    }
    Ok(delta)
}

fn refresh_lessons(unit: &mut Unit, touch: &Touch, delta: &mut Delta) {
    let (listed, listing) = load::list_lessons(&unit.dir, &unit.src.display_dir);
    unit.listing = listing;
    let mut before: HashMap<String, SourceFile> = std::mem::take(&mut unit.src.lessons)
        .into_iter()
        .map(|f| (f.path.clone(), f))
        .collect();
    let mut read_errors = Vec::new();
    for (path, shown) in listed {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let reread = touch.all_lessons || touch.lessons.contains(&name);
        match before.remove(&shown) {
            Some(file) if !reread => unit.src.lessons.push(file),
            previous => match load::read_text(&path, shown) {
                Ok(file) => {
                    match &previous {
                        Some(p) if p.text == file.text => {}
                        Some(_) => {
                            delta.lessons.insert(file.path.clone());
                        }
                        None => {
                            delta.lessons.insert(file.path.clone());
                            delta.listing = true;
                        }
                    }
                    unit.src.lessons.push(file);
                }
                Err(d) => {
                    delta.listing |= previous.is_some();
                    read_errors.push(d);
                }
            },
        }
    }
    delta.listing |= !before.is_empty();
    // A file that could not be read before and still cannot is no change.
    if read_errors != unit.read_errors {
        delta.listing = true;
        unit.read_errors = read_errors;
    }
}

fn one(d: Diagnostic) -> Diagnostics {
    std::iter::once(d).collect()
}
