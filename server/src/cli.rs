//! The command line: parse arguments, call the generator, print diagnostics and a summary.
//! Exit codes: 0 success, 1 authoring errors (or warnings with `--strict`), 2 usage errors.

use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::{Args, Parser, Subcommand, ValueEnum};
use waypost_generator::diagnostics::{render_human_body, render_json, summary_line};
use waypost_generator::{Diagnostics, Options, Progress, RenderMode, Severity, Stage};

#[derive(Debug, Parser)]
#[command(
    name = "waypost",
    version,
    about = "Self-paced cybersecurity courses: build, check and preview Markdown bootcamps"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load and validate courses; print every problem; exit 1 on errors.
    Check(CheckArgs),
    /// Build the static site (CDN-ready, precompressed).
    Build(BuildArgs),
    /// Create a new course folder that builds with zero diagnostics.
    New(NewArgs),
    /// Serve the courses on a local port; rebuild and reload pages as you save.
    Preview(PreviewArgs),
    /// Run the product: the site, accounts, progress and graded quizzes (SQLite in ./data by default).
    Serve(crate::commands::ServeArgs),
    /// Administer a Waypost database: create an admin, make reset or setup links.
    Admin(crate::commands::AdminArgs),
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The new course's folder, usually inside `courses/`; its name is the course id.
    pub dir: PathBuf,
    /// The course title (default: made from the folder name).
    #[arg(long)]
    pub title: Option<String>,
}

#[derive(Debug, Args)]
pub struct PreviewArgs {
    /// A folder of courses, or one course folder (holding course.yaml).
    #[arg(default_value = "courses")]
    pub courses: PathBuf,
    /// Port on 127.0.0.1 (default: the first free one from 3000; 0 picks any free port).
    #[arg(long, short)]
    pub port: Option<u16>,
    /// Open the preview in the desktop's browser.
    #[arg(long)]
    pub open: bool,
    /// A theme folder overlaid on the built-in default theme; it is watched too.
    #[arg(long)]
    pub theme: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CommonArgs {
    /// A folder of courses, or one course folder (holding course.yaml).
    #[arg(default_value = "courses")]
    pub courses: PathBuf,
    /// How to print diagnostics: for people, or one JSON object per line for editors and CI.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Fail on warnings too.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Output folder.
    #[arg(long, short, default_value = "site")]
    pub out: PathBuf,
    /// A theme folder overlaid on the built-in default theme.
    #[arg(long)]
    pub theme: Option<PathBuf>,
    /// For hosting without the Waypost server: every quiz becomes a practice quiz, answers in the page.
    #[arg(long)]
    pub static_only: bool,
    /// Skip writing .br/.gz twins.
    #[arg(long)]
    pub no_compress: bool,
    /// Shuffle quiz choices with the secret of the `waypost serve` that will grade these pages
    /// (its --data-dir, or its --database-url), so they can be served in front of it. Without
    /// it a build draws a one-off key, and such a server answers its submissions 409.
    #[arg(long, value_name = "DATA_DIR|DATABASE_URL", conflicts_with = "static_only")]
    pub shuffle_secret_from: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Build(args) => build(args),
        Command::New(args) => new(args),
        Command::Preview(args) => crate::preview::run(crate::preview::Config {
            courses: args.courses,
            theme: args.theme,
            port: args.port,
            open: args.open,
        }),
        Command::Serve(args) => crate::commands::serve(args),
        Command::Admin(args) => crate::commands::admin(args),
    }
}

fn check(args: CheckArgs) -> ExitCode {
    let started = Instant::now();
    let diags = waypost_generator::check(&Options::new(&args.common.courses));
    report(&diags, args.common.format);
    let failed = fails(&diags, args.common.strict);
    if args.common.format == Format::Human {
        let verdict = if failed { "failed" } else { "ok" };
        eprintln!(
            "check {verdict}: {} in {:.2} s",
            summary_line(diags.count(Severity::Error), diags.count(Severity::Warning)),
            started.elapsed().as_secs_f64()
        );
    }
    exit(failed)
}

fn build(args: BuildArgs) -> ExitCode {
    let started = Instant::now();
    let human = args.common.format == Format::Human;
    let shuffle_key = match args.shuffle_secret_from.as_deref().map(crate::admin::shuffle_key_from) {
        None => None,
        Some(Ok(key)) => Some(key),
        Some(Err(e)) => {
            eprintln!("error: --shuffle-secret-from: {e}");
            return ExitCode::from(2);
        }
    };
    let bar = (human && std::io::stderr().is_terminal()).then(progress_bar);
    let opts = Options {
        courses: args.common.courses.clone(),
        theme: args.theme.clone(),
        mode: RenderMode {
            static_only: args.static_only,
            preview: false,
        },
        precompress: !args.no_compress,
        progress: bar,
        shuffle_key,
    };
    // Straight to disk: the whole site is never held in memory.
    let result = waypost_generator::build_into(&opts, &args.out);
    if human && std::io::stderr().is_terminal() {
        eprint!("\r\x1b[2K");
    }
    match result {
        Ok(built) => {
            report(&built.warnings, args.common.format);
            let failed = fails(&built.warnings, args.common.strict);
            if human {
                let s = built.stats;
                let w = s.write.unwrap_or_default();
                let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
                // Files are written while pages render, so there is one time, not two.
                eprintln!(
                    "built {}, {}, {}, {} → {} in {:.2} s ({} written, {} unchanged, {} removed); {}",
                    plural(s.courses, "course", "courses"),
                    plural(s.lessons, "lesson", "lessons"),
                    plural(s.pages, "page", "pages"),
                    plural(s.quizzes, "quiz", "quizzes"),
                    args.out.display(),
                    started.elapsed().as_secs_f64(),
                    w.written,
                    w.unchanged,
                    w.removed,
                    summary_line(0, built.warnings.count(Severity::Warning)),
                );
                if !args.static_only && args.shuffle_secret_from.is_none() {
                    eprintln!(
                        "note: quiz choices were shuffled with a one-off key; pages served in front of \
                         `waypost serve` need --shuffle-secret-from <its data dir or database URL> \
                         (or build --static-only to host without a server)"
                    );
                }
            }
            exit(failed)
        }
        Err(diags) => {
            report(&diags, args.common.format);
            if human {
                eprintln!(
                    "build failed: {}",
                    summary_line(diags.count(Severity::Error), diags.count(Severity::Warning))
                );
            }
            ExitCode::from(1)
        }
    }
}

fn new(args: NewArgs) -> ExitCode {
    match crate::scaffold::create(&args.dir, args.title.as_deref()) {
        Ok(created) => {
            let dir = args.dir.display();
            let parent = args
                .dir
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(|| ".".to_owned(), |p| p.display().to_string());
            eprintln!("Created the course “{}” in {dir}:", created.title);
            for file in &created.files {
                eprintln!("  {}", file.display());
            }
            let lesson = format!("{dir}/lessons/01-welcome.md");
            let steps = [
                (
                    format!("waypost preview {parent}"),
                    "see it in your browser; pages reload as you save",
                ),
                (format!("edit {lesson}"), "write your first lesson"),
                (
                    format!("waypost check --strict {parent}"),
                    "before you publish: every problem, with file and line",
                ),
            ];
            let width = steps.iter().map(|(c, _)| c.chars().count()).max().unwrap_or(0);
            eprintln!("\nNext:");
            for (command, why) in &steps {
                eprintln!("  {command:<width$}   {why}");
            }
            eprintln!("\nThe authoring guide, courses/README.md, explains every key and question type.");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn fails(diags: &Diagnostics, strict: bool) -> bool {
    diags.has_errors() || (strict && diags.count(Severity::Warning) > 0)
}

fn exit(failed: bool) -> ExitCode {
    if failed { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

fn report(diags: &Diagnostics, format: Format) {
    match format {
        Format::Json => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(render_json(diags).as_bytes());
        }
        Format::Human => {
            if diags.is_empty() {
                return;
            }
            // The summary line is printed by the caller with the verdict.
            eprint!("{}", human_body(diags, colour_on_stderr()));
        }
    }
}

/// Warnings printed in the human format; more are counted instead (a generated or imported
/// course can have thousands of the same one, and errors would scroll away).
pub const MAX_WARNINGS_SHOWN: usize = 50;

/// Whether stderr wants colour: a terminal, and no `NO_COLOR`.
pub fn colour_on_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// The human format without its count line: every error, at most [`MAX_WARNINGS_SHOWN`]
/// warnings, and a line saying how many were left out.
pub fn human_body(diags: &Diagnostics, colour: bool) -> String {
    let (shown, hidden) = capped(diags);
    let mut text = render_human_body(shown.iter(), colour);
    if hidden > 0 {
        text.push_str(&format!(
            "… and {hidden} more warnings, not shown (`waypost check --format json` lists every one)\n\n"
        ));
    }
    text
}

/// Every error and the first [`MAX_WARNINGS_SHOWN`] warnings, and how many warnings were left out.
pub fn capped(diags: &Diagnostics) -> (Diagnostics, usize) {
    let mut warnings = 0;
    let shown = diags
        .iter()
        .filter(|d| {
            if d.severity == Severity::Warning {
                warnings += 1;
                warnings <= MAX_WARNINGS_SHOWN
            } else {
                true
            }
        })
        .cloned()
        .collect();
    (shown, warnings.saturating_sub(MAX_WARNINGS_SHOWN))
}

/// A one-line bar on stderr, advanced as each pipeline stage starts.
fn progress_bar() -> Progress {
    Progress(Arc::new(|stage: Stage| {
        let done = Stage::ALL.iter().position(|s| *s == stage).unwrap_or(0);
        let width = 20;
        let filled = width * done / Stage::ALL.len();
        eprint!(
            "\r\x1b[2K[{}{}] {}…",
            "=".repeat(filled),
            " ".repeat(width - filled),
            stage.name()
        );
        let _ = std::io::stderr().flush();
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use waypost_generator::Diagnostic;
    use waypost_generator::diagnostics::Pos;

    #[test]
    fn errors_are_never_capped_warnings_are() {
        let many: Diagnostics = (0..MAX_WARNINGS_SHOWN + 7)
            .map(|i| Diagnostic::warning("w.md", Pos::new(i + 1, 1), "warned"))
            .chain((0..3).map(|i| Diagnostic::error("e.md", Pos::new(i + 1, 1), "wrong")))
            .collect();
        let (shown, hidden) = capped(&many);
        assert_eq!(hidden, 7);
        assert_eq!(shown.count(Severity::Error), 3);
        assert_eq!(shown.count(Severity::Warning), MAX_WARNINGS_SHOWN);
        let few: Diagnostics = std::iter::once(Diagnostic::warning("w.md", Pos::new(1, 1), "warned")).collect();
        assert_eq!(capped(&few).1, 0);
    }
}
