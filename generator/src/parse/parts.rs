//! The parse stage one unit at a time, for the incremental rebuild (`crate::incremental`):
//! the steps [`super::parse`] runs over every course, exposed per course and per lesson so
//! an edit re-parses only what it touched. Same functions, same results, same diagnostics.

use super::*;

/// A lesson's front matter, read before any body: links between lessons need every id.
pub struct LessonHead {
    front: Front,
    problem: Option<Diagnostic>,
}

impl LessonHead {
    /// The lesson id: from the front matter, else the file name without its `NN-` prefix.
    pub fn id(&self) -> &str {
        &self.front.id
    }
}

/// Pass 1 for one lesson.
pub fn lesson_head(file: &SourceFile) -> LessonHead {
    let (front, problem) = parse_front(file);
    LessonHead { front, problem }
}

/// Pass 2 for one lesson: its body and quizzes, links resolved through `ctx`.
pub fn lesson(file: &SourceFile, head: LessonHead, ctx: &LinkContext<'_>) -> (ParsedLesson, Vec<Diagnostic>) {
    parse_lesson(file, head.front, head.problem, ctx)
}

/// `course.yaml` as read: its value, unless a problem other than unknown keys stopped the
/// reading, and every problem found on the way (each unknown key, not only the first).
#[derive(Debug)]
pub struct CourseRead {
    pub yaml: Option<CourseYaml>,
    pub problems: Vec<Diagnostic>,
}

/// Reads `course.yaml`, reporting every unknown key.
pub fn course_yaml(file: &SourceFile) -> CourseRead {
    let mut problems = Vec::new();
    let yaml = from_yaml_all::<CourseYaml>(&file.text, &file.path, 1, "course.yaml", &mut problems);
    CourseRead { yaml, problems }
}

/// The course id: `id:` from `course.yaml`, else the folder name.
pub fn course_id(dir_name: &str, read: &CourseRead) -> String {
    match &read.yaml {
        Some(CourseYaml { id: Some(id), .. }) => id.clone(),
        _ => dir_name.to_owned(),
    }
}

/// The course model from `course.yaml` (without lessons), whether it could be read as a
/// course, and its problems. `key` keys the course's page shuffles.
pub fn course(read: CourseRead, src: &SourceCourse, id: &str, key: &ShuffleKey) -> (Course, bool, Diagnostics) {
    let mut diags = Diagnostics::default();
    read.problems.into_iter().for_each(|d| diags.push(d));
    let shuffle = key.for_course(id);
    let (course, yaml_ok) = match read.yaml {
        Some(yaml) => (course_from_yaml(yaml, src, id, shuffle, &mut diags), true),
        None => (fallback_course(id, shuffle), false),
    };
    (course, yaml_ok, diags)
}

/// What relative links can reach in one course: its lesson files (with the id each lesson
/// has) and its assets, keyed as [`LinkMap`] keys them.
pub fn link_entries<'a>(
    src: &SourceCourse,
    course_id: &str,
    lesson_ids: impl IntoIterator<Item = &'a str>,
) -> Vec<(String, LinkTarget)> {
    let mut entries = Vec::with_capacity(src.lessons.len() + src.assets.len());
    for (file, id) in src.lessons.iter().zip(lesson_ids) {
        let name = file.path.rsplit('/').next().unwrap_or(&file.path);
        entries.push((
            format!("{}/lessons/{name}", src.dir_name),
            LinkTarget::Lesson {
                course: course_id.to_owned(),
                lesson: id.to_owned(),
            },
        ));
    }
    for asset in &src.assets {
        entries.push((
            format!("{}/{}", src.dir_name, asset.rel),
            LinkTarget::Asset {
                course: course_id.to_owned(),
                rel: asset.rel.clone(),
            },
        ));
    }
    entries
}

/// A parsed course: the model read from `course.yaml` (see [`course`]) with its lessons, in
/// listing order, filled in. `course_file` and `assets` are those the course was parsed from.
pub fn assemble(
    src: &SourceCourse,
    mut course: Course,
    yaml_ok: bool,
    course_file: SourceFile,
    lessons: Vec<ParsedLesson>,
    assets: Vec<Asset>,
) -> ParsedCourse {
    course.lessons = lessons.iter().map(|l| l.lesson.clone()).collect();
    ParsedCourse {
        course,
        dir_name: src.dir_name.clone(),
        course_file,
        yaml_ok,
        lessons,
        assets,
    }
}
