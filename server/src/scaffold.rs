//! `waypost new`: a course that builds with zero diagnostics, from the files in
//! `server/scaffold/` (embedded, so an installed binary needs nothing beside it).

use std::fs;
use std::path::{Path, PathBuf};

use waypost_generator::model::is_valid_id;

/// The scaffold's files: path inside the course, text with `{{id}}` and `{{title}}` holes.
const FILES: &[(&str, &str)] = &[
    ("course.yaml", include_str!("../scaffold/course.yaml")),
    (
        "lessons/01-welcome.md",
        include_str!("../scaffold/lessons/01-welcome.md"),
    ),
    (
        "lessons/02-check-your-understanding.md",
        include_str!("../scaffold/lessons/02-check-your-understanding.md"),
    ),
    (
        "assets/how-it-works.svg",
        include_str!("../scaffold/assets/how-it-works.svg"),
    ),
];

/// Why a course could not be created; each message says what to do instead.
#[derive(Debug, thiserror::Error)]
pub enum NewError {
    #[error("“{0}” cannot be a course id: use lower-case letters, digits and hyphens, like “email-basics”")]
    BadId(String),
    #[error("{0} already exists and is not empty: choose a new folder, or delete it first")]
    NotEmpty(PathBuf),
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// What was created.
#[derive(Debug)]
pub struct Created {
    pub id: String,
    pub title: String,
    pub files: Vec<PathBuf>,
}

/// Creates the course folder `dir` (its name is the course id) with `title`, or a title made
/// from the id.
pub fn create(dir: &Path, title: Option<&str>) -> Result<Created, NewError> {
    let id = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
    if !is_valid_id(&id) {
        return Err(NewError::BadId(id));
    }
    if dir.exists() {
        let empty = fs::read_dir(dir)
            .map(|mut entries| entries.next().is_none())
            .unwrap_or(false);
        if !empty {
            return Err(NewError::NotEmpty(dir.to_path_buf()));
        }
    }
    let title = title
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map_or_else(|| title_from_id(&id), str::to_owned);
    let mut files = Vec::new();
    for (name, template) in FILES {
        let path = dir.join(name);
        let text = fill(template, name, &id, &title);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|source| NewError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        fs::write(&path, text).map_err(|source| NewError::Io {
            path: path.clone(),
            source,
        })?;
        files.push(path);
    }
    Ok(Created { id, title, files })
}

fn fill(template: &str, name: &str, id: &str, title: &str) -> String {
    let title = if name.ends_with(".yaml") {
        // A JSON string is a valid YAML double-quoted scalar: any title stays one value.
        serde_json::to_string(title).unwrap_or_default()
    } else {
        markdown_escape(title)
    };
    template.replace("{{id}}", id).replace("{{title}}", &title)
}

fn markdown_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// "email-basics" → "Email basics".
fn title_from_id(id: &str) -> String {
    let words = id.replace('-', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use waypost_generator::{Options, check};

    #[test]
    fn a_new_course_checks_without_a_single_diagnostic() {
        let dir = tempfile::tempdir().expect("temp dir");
        let course = dir.path().join("email-basics");
        let created = create(&course, Some("Email: the *basics* & more \"quoted\"")).expect("created");
        assert_eq!(created.id, "email-basics");
        assert_eq!(created.files.len(), FILES.len());
        let diags = check(&Options::new(dir.path()));
        assert!(
            diags.is_empty(),
            "{}",
            waypost_generator::diagnostics::render_human(&diags, false)
        );
    }

    #[test]
    fn it_refuses_bad_ids_and_folders_with_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(matches!(
            create(&dir.path().join("My Course"), None),
            Err(NewError::BadId(_))
        ));
        let busy = dir.path().join("busy");
        fs::create_dir_all(&busy).expect("dir");
        fs::write(busy.join("notes.txt"), "mine").expect("file");
        assert!(matches!(create(&busy, None), Err(NewError::NotEmpty(_))));
        assert_eq!(fs::read_to_string(busy.join("notes.txt")).expect("kept"), "mine");
        let empty = dir.path().join("empty-one");
        fs::create_dir_all(&empty).expect("dir");
        assert_eq!(create(&empty, None).expect("created").title, "Empty one");
    }
}
