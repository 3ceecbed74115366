//! Step 2 of a rebuild: parse and validate what the refreshed sources changed, keeping every
//! course's parsed model and every problem found, unit by unit (a lesson's parse problems, a
//! course's rules, a lesson's anchors), so a change replaces exactly the problems it can
//! affect. It reports what must be rendered again as a [`Dirty`] set.
//!
//! What a lesson's HTML depends on besides its own text: its course id and the link map (the
//! id every lesson file has, the assets). When the link map changes, lessons whose text names
//! a changed file, and lessons with errors (a broken link's "did you mean" reads the whole
//! map), are parsed again.

use std::collections::{BTreeSet, HashMap, HashSet};

use rayon::prelude::*;

use super::site::Dirty;
use super::sources::{Delta, Refreshed, Sources, Unit};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::load::SourceFile;
use crate::model::Lesson;
use crate::parse::markdown::{LinkContext, LinkMap, LinkTarget};
use crate::parse::{ParsedCourse, ParsedLesson, parts};
use crate::shuffle::ShuffleKey;
use crate::validate;

/// Every course parsed and validated, in the order of [`Sources::units`].
#[derive(Default)]
pub(super) struct Model {
    courses: Vec<ParsedCourse>,
    units: Vec<UnitModel>,
    links: LinkMap,
    anchors: HashMap<String, HashSet<String>>,
    /// Two lessons share an anchor key (duplicate ids): anchors are recomputed in full.
    anchors_ambiguous: bool,
    clashes: Diagnostics,
}

/// One course's problems, kept apart by what produces them.
#[derive(Default)]
struct UnitModel {
    course: Diagnostics,
    lessons: Vec<Diagnostics>,
    anchors: Vec<Diagnostics>,
    rules: Diagnostics,
    links: Vec<(String, LinkTarget)>,
}

/// One course being brought up to date.
struct Work {
    unit: usize,
    old: Option<(ParsedCourse, UnitModel)>,
    yaml: Option<parts::CourseRead>,
    id: String,
    /// Front matter read ahead, by lesson index.
    heads: Vec<Option<parts::LessonHead>>,
    reparse: BTreeSet<usize>,
    delta: Delta,
    links: Vec<(String, LinkTarget)>,
}

type State = (ParsedCourse, UnitModel);

impl Model {
    pub fn courses(&self) -> &[ParsedCourse] {
        &self.courses
    }

    pub fn for_each_diagnostic(&self, f: &mut dyn FnMut(&Diagnostic)) {
        self.clashes.iter().for_each(&mut *f);
        for u in &self.units {
            let per_lesson = u.lessons.iter().chain(&u.anchors).flatten();
            u.course.iter().chain(&u.rules).chain(per_lesson).for_each(&mut *f);
        }
    }

    /// Brings the model up to date with refreshed sources; returns what to render again.
    /// `key` keys the page shuffles of every course parsed again (the project's one key).
    pub fn update(&mut self, sources: &Sources, refreshed: Refreshed, key: &ShuffleKey) -> Dirty {
        let mut dirty = Dirty::default();
        let mut previous: Vec<Option<State>> = std::mem::take(&mut self.courses)
            .into_iter()
            .zip(std::mem::take(&mut self.units))
            .map(Some)
            .collect();
        let mut changed_keys = BTreeSet::new();
        for &i in &refreshed.removed {
            if let Some((_, old)) = previous.get_mut(i).and_then(Option::take) {
                for (k, _) in &old.links {
                    self.links.remove(k);
                    changed_keys.insert(k.clone());
                }
                dirty.site = true;
            }
        }
        let mut slots: Vec<Option<State>> = Vec::with_capacity(sources.units.len());
        let mut works = Vec::new();
        let pairs = refreshed.old_index.into_iter().zip(refreshed.deltas);
        for (u, (old_index, delta)) in pairs.enumerate() {
            let old = old_index.and_then(|i| previous.get_mut(i).and_then(Option::take));
            match (old, delta) {
                (Some(old), None) => slots.push(Some(old)),
                (old, delta) => {
                    slots.push(None);
                    works.push(start(u, &sources.units[u], old, delta.unwrap_or_default()));
                }
            }
        }
        for w in &mut works {
            self.relink(w, &mut changed_keys);
        }
        self.add_link_dependents(sources, &changed_keys, &mut slots, &mut works);
        let reparsed = self.finish(sources, works, &mut slots, &mut dirty, key);
        self.courses = Vec::with_capacity(slots.len());
        self.units = Vec::with_capacity(slots.len());
        for (course, model) in slots.into_iter().flatten() {
            self.courses.push(course);
            self.units.push(model);
        }
        let mut clashes = validate::course_id_clashes(&self.courses);
        attach(
            &mut clashes,
            &self.courses.iter().map(|c| &c.course_file).collect::<Vec<_>>(),
        );
        self.clashes = clashes;
        self.update_anchors(sources, !changed_keys.is_empty(), &reparsed);
        dirty
    }

    /// Updates the link map with a course's new entries, noting every key that changed.
    fn relink(&mut self, w: &Work, changed: &mut BTreeSet<String>) {
        let old: HashMap<&str, &LinkTarget> = w
            .old
            .iter()
            .flat_map(|(_, m)| m.links.iter().map(|(k, t)| (k.as_str(), t)))
            .collect();
        let new: HashMap<&str, &LinkTarget> = w.links.iter().map(|(k, t)| (k.as_str(), t)).collect();
        for (k, t) in &old {
            if new.get(k).is_none_or(|n| key_of(n) != key_of(t)) {
                self.links.remove(*k);
                changed.insert((*k).to_owned());
            }
        }
        for (k, t) in &new {
            if old.get(k).is_none_or(|o| key_of(o) != key_of(t)) {
                self.links.insert((*k).to_owned(), (*t).clone());
                changed.insert((*k).to_owned());
            }
        }
    }

    /// Adds the lessons a link-map change can affect: those whose text names a changed file
    /// (with many changes, the course folder holding them) and those with errors.
    fn add_link_dependents(
        &self,
        sources: &Sources,
        changed_keys: &BTreeSet<String>,
        slots: &mut [Option<State>],
        works: &mut Vec<Work>,
    ) {
        if changed_keys.is_empty() {
            return;
        }
        let many = changed_keys.len() > 4;
        let folders: BTreeSet<&str> = changed_keys.iter().filter_map(|k| k.split('/').next()).collect();
        let needles: BTreeSet<String> = if many {
            folders.iter().map(|d| format!("{d}/")).collect()
        } else {
            changed_keys
                .iter()
                .map(|k| k.rsplit('/').next().unwrap_or(k).to_owned())
                .collect()
        };
        let with_errors: Vec<HashSet<&str>> = (0..sources.units.len())
            .map(|u| {
                let state = slots[u]
                    .as_ref()
                    .or(works.iter().find(|w| w.unit == u).and_then(|w| w.old.as_ref()));
                state.map_or_else(HashSet::new, |(c, m)| {
                    c.lessons
                        .iter()
                        .zip(&m.lessons)
                        .filter(|(_, d)| d.has_errors())
                        .map(|(l, _)| l.file.as_str())
                        .collect()
                })
            })
            .collect();
        let picks: Vec<Vec<usize>> = sources
            .units
            .par_iter()
            .enumerate()
            .map(|(u, unit)| {
                let whole = many && folders.contains(unit.src.dir_name.as_str());
                (unit.src.lessons.iter().enumerate())
                    .filter(|(_, f)| {
                        whole
                            || with_errors[u].contains(f.path.as_str())
                            || needles.iter().any(|n| f.text.contains(n.as_str()))
                    })
                    .map(|(j, _)| j)
                    .collect()
            })
            .collect();
        for (u, picked) in picks.into_iter().enumerate() {
            if picked.is_empty() {
                continue;
            }
            if !works.iter().any(|w| w.unit == u) {
                let old = slots[u].take();
                works.push(start(u, &sources.units[u], old, Delta::default()));
            }
            let w = works
                .iter_mut()
                .find(|w| w.unit == u)
                .expect("a work was just added for this unit");
            for j in picked {
                if w.reparse.insert(j) && w.heads[j].is_none() {
                    w.heads[j] = Some(parts::lesson_head(&sources.units[u].src.lessons[j]));
                }
            }
        }
    }

    /// Parses every selected lesson (in parallel, across courses), rebuilds the courses they
    /// belong to and validates them. Returns the (course, lesson) indices parsed.
    fn finish(
        &self,
        sources: &Sources,
        mut works: Vec<Work>,
        slots: &mut [Option<State>],
        dirty: &mut Dirty,
        key: &ShuffleKey,
    ) -> Vec<(usize, usize)> {
        let bases: Vec<String> = works
            .iter()
            .map(|w| format!("{}/lessons", sources.units[w.unit].src.dir_name))
            .collect();
        let mut jobs = Vec::new();
        for (wi, w) in works.iter_mut().enumerate() {
            for &j in &w.reparse {
                let head = w.heads[j]
                    .take()
                    .expect("every lesson to parse has its front matter read");
                jobs.push((wi, j, head));
            }
        }
        let parsed: Vec<(usize, usize, ParsedLesson, Diagnostics)> = jobs
            .into_par_iter()
            .map(|(wi, j, head)| {
                let w = &works[wi];
                let file = &sources.units[w.unit].src.lessons[j];
                let ctx = LinkContext {
                    map: &self.links,
                    base: &bases[wi],
                    course: &w.id,
                };
                let (lesson, diags) = parts::lesson(file, head, &ctx);
                let mut diags: Diagnostics = diags.into_iter().collect();
                attach(&mut diags, &[file]);
                (wi, j, lesson, diags)
            })
            .collect();
        let mut by_work: Vec<Vec<(usize, ParsedLesson, Diagnostics)>> = works.iter().map(|_| Vec::new()).collect();
        for (wi, j, lesson, diags) in parsed {
            by_work[wi].push((j, lesson, diags));
        }
        let mut reparsed = Vec::new();
        for (w, lessons) in works.into_iter().zip(by_work) {
            let unit = &sources.units[w.unit];
            reparsed.extend(lessons.iter().map(|(j, _, _)| (w.unit, *j)));
            let u = w.unit;
            slots[u] = Some(rebuild_course(unit, w, lessons, dirty, key));
        }
        reparsed
    }

    fn update_anchors(&mut self, sources: &Sources, structural: bool, reparsed: &[(usize, usize)]) {
        let mut recheck: BTreeSet<(usize, usize)> = reparsed.iter().copied().collect();
        if structural || self.anchors_ambiguous {
            self.anchors = validate::anchor_targets(&self.courses);
            let lessons: usize = self.courses.iter().map(|c| c.lessons.len()).sum();
            self.anchors_ambiguous = self.anchors.len() < lessons;
            for (u, c) in self.courses.iter().enumerate() {
                recheck.extend((0..c.lessons.len()).map(|j| (u, j)));
            }
        } else {
            let mut changed = HashSet::new();
            for &(u, j) in reparsed {
                let (c, l) = (&self.courses[u], &self.courses[u].lessons[j]);
                let (key, ids) = (validate::anchor_key(c, l), validate::anchor_ids(l));
                if self.anchors.get(&key) != Some(&ids) {
                    changed.insert(key.clone());
                    self.anchors.insert(key, ids);
                }
            }
            if !changed.is_empty() {
                for (u, c) in self.courses.iter().enumerate() {
                    for (j, l) in c.lessons.iter().enumerate() {
                        if l.body.anchors.iter().any(|a| changed.contains(&a.lesson)) {
                            recheck.insert((u, j));
                        }
                    }
                }
            }
        }
        for (u, j) in recheck {
            let (c, l) = (&self.courses[u], &self.courses[u].lessons[j]);
            let own = validate::anchor_key(c, l);
            let mut diags = validate::lesson_anchors(&own, l, |k| self.anchors.get(k));
            attach(&mut diags, &[&sources.units[u].src.lessons[j]]);
            self.units[u].anchors[j] = diags;
        }
    }
}

/// Starts the work on one course: reads `course.yaml` and the front matter of the lessons to
/// parse, and computes the course's link-map entries.
fn start(u: usize, unit: &Unit, old: Option<State>, delta: Delta) -> Work {
    let src = &unit.src;
    let yaml = (delta.new || delta.yaml).then(|| parts::course_yaml(&src.course_yaml));
    let id = match (&yaml, &old) {
        (Some(y), _) => parts::course_id(&src.dir_name, y),
        (None, Some((c, _))) => c.course.id.to_string(),
        (None, None) => src.dir_name.clone(),
    };
    let old_ids: HashMap<&str, &str> = old
        .iter()
        .flat_map(|(c, _)| c.lessons.iter().map(|l| (l.file.as_str(), l.lesson.id.as_str())))
        .collect();
    let id_changed = old.as_ref().is_none_or(|(c, _)| c.course.id.as_str() != id);
    let mut heads = Vec::with_capacity(src.lessons.len());
    let mut reparse = BTreeSet::new();
    let mut ids = Vec::with_capacity(src.lessons.len());
    for (j, file) in src.lessons.iter().enumerate() {
        let known = old_ids.get(file.path.as_str());
        if id_changed || delta.lessons.contains(&file.path) || known.is_none() {
            let head = parts::lesson_head(file);
            ids.push(head.id().to_owned());
            heads.push(Some(head));
            reparse.insert(j);
        } else {
            ids.push(known.map_or_else(String::new, |id| (*id).to_owned()));
            heads.push(None);
        }
    }
    let links = parts::link_entries(src, &id, ids.iter().map(String::as_str));
    Work {
        unit: u,
        old,
        yaml,
        id,
        heads,
        reparse,
        delta,
        links,
    }
}

/// Assembles a course from its kept and newly parsed lessons, validates it, and notes what
/// must be rendered again.
fn rebuild_course(
    unit: &Unit,
    w: Work,
    parsed: Vec<(usize, ParsedLesson, Diagnostics)>,
    dirty: &mut Dirty,
    key: &ShuffleKey,
) -> State {
    let src = &unit.src;
    let dir = unit.dir.clone();
    let (old_course, old_model) = match w.old {
        Some((c, m)) => (Some(c), m),
        None => (None, UnitModel::default()),
    };
    let mut full = old_course.is_none() || w.delta.yaml || w.delta.listing;
    if w.delta.assets {
        dirty.assets.insert(dir.clone());
    }
    let mut kept: HashMap<String, (ParsedLesson, Diagnostics, Diagnostics)> = HashMap::new();
    let (old_course_head, old_yaml_ok, old_file, old_assets) = match old_course {
        Some(c) => {
            for ((l, d), a) in c.lessons.into_iter().zip(old_model.lessons).zip(old_model.anchors) {
                kept.insert(l.file.clone(), (l, d, a));
            }
            (Some(c.course), c.yaml_ok, Some(c.course_file), Some(c.assets))
        }
        None => (None, false, None, None),
    };
    let mut fresh: HashMap<usize, (ParsedLesson, Diagnostics)> =
        parsed.into_iter().map(|(j, l, d)| (j, (l, d))).collect();
    let (mut lessons, mut lesson_diags, mut anchors) = (Vec::new(), Vec::new(), Vec::new());
    for (j, file) in src.lessons.iter().enumerate() {
        let before = kept.remove(&file.path);
        let (lesson, diags, anchor) = match (fresh.remove(&j), before) {
            (Some((l, d)), before) => {
                match before
                    .as_ref()
                    .map(|(b, _, _)| (summary(&b.lesson), summary(&l.lesson)))
                {
                    Some((b, n)) if b.0 != n.0 => full = true,
                    Some((b, n)) if b != n => {
                        dirty.course_pages.insert(dir.clone());
                        dirty.site = true;
                        if b.1 != n.1 {
                            dirty.neighbours.insert((dir.clone(), file.path.clone()));
                        }
                    }
                    Some(_) => {}
                    None => full = true,
                }
                dirty.lessons.insert((dir.clone(), file.path.clone()));
                (l, d, Diagnostics::default())
            }
            (None, Some(kept)) => kept,
            (None, None) => unreachable!("a lesson neither kept nor parsed: `start` parses every unknown file"),
        };
        lessons.push(lesson);
        lesson_diags.push(diags);
        anchors.push(anchor);
    }
    full |= !kept.is_empty();
    if full {
        dirty.courses.insert(dir);
        dirty.site = true;
    }
    let (course, yaml_ok, course_diags, course_file) = match (w.yaml, old_course_head, old_file) {
        (None, Some(head), Some(file)) => (head, old_yaml_ok, old_model.course, file),
        (yaml, _, _) => {
            let yaml = yaml.unwrap_or_else(|| parts::course_yaml(&src.course_yaml));
            let (course, ok, mut diags) = parts::course(yaml, src, &w.id, key);
            attach(&mut diags, &[&src.course_yaml]);
            (course, ok, diags, src.course_yaml.clone())
        }
    };
    let assets = match old_assets {
        Some(a) if !w.delta.assets => a,
        _ => src.assets.clone(),
    };
    let parsed = parts::assemble(src, course, yaml_ok, course_file, lessons, assets);
    let mut rules = validate::course_rules(&parsed);
    let files: Vec<&SourceFile> = std::iter::once(&src.course_yaml).chain(&src.lessons).collect();
    attach(&mut rules, &files);
    let model = UnitModel {
        course: course_diags,
        lessons: lesson_diags,
        anchors,
        rules,
        links: w.links,
    };
    (parsed, model)
}

fn key_of(t: &LinkTarget) -> (u8, &str, &str) {
    match t {
        LinkTarget::Lesson { course, lesson } => (0, course, lesson),
        LinkTarget::Asset { course, rel } => (1, course, rel),
    }
}

/// What pages other than a lesson's own show of it.
fn summary(l: &Lesson) -> (&str, &str, Option<u32>, &[String], usize, usize) {
    (
        l.id.as_str(),
        &l.title,
        l.estimated_minutes,
        &l.objectives,
        l.quizzes.len(),
        l.quizzes.iter().filter(|q| q.graded).count(),
    )
}

fn attach(diags: &mut Diagnostics, files: &[&SourceFile]) {
    if diags.is_empty() {
        return;
    }
    let sources: crate::diagnostics::Sources = files.iter().map(|f| (f.path.as_str(), f.text.as_str())).collect();
    diags.attach_sources(&sources);
}
