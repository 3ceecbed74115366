//! `waypost preview`: build in memory, serve on a loopback port, watch the courses and theme
//! folders, rebuild only what changed ([`waypost_generator::incremental::Project`]) and tell
//! open pages to reload over server-sent events.
//!
//! Threads: the watcher (notify) feeds one rebuild thread, which applies each burst of file
//! events to the project under a write lock and broadcasts the outcome; a second thread
//! rebuilds the derived files (`courses.json`, the search index) off that fast path; tokio
//! serves HTTP from the in-memory site. Events on `/__waypost/events`:
//!
//! - `reload`: the site changed; open pages reload.
//! - `diagnostics`: the courses are broken; data is a JSON array of error diagnostics
//!   (`file`, `line`, `column`, `severity`, `message`, `help`); pages show them in an overlay
//!   on top of the last good page. Sent again to every page that connects while broken.
//!
//! A content error never stops the preview: the last good site stays served.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard, mpsc};
use std::time::{Duration, Instant};

use crate::web::{CSP, content_type, site_path};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::stream::{self, Stream};
use notify::Watcher as _;
use tokio::sync::broadcast;
use waypost_generator::diagnostics::summary_line;
use waypost_generator::incremental::{Outcome, Project, Status};
use waypost_generator::parse::markdown::escape;
use waypost_generator::{Diagnostics, Options, RenderMode};

/// What the preview needs from the command line.
#[derive(Clone, Debug)]
pub struct Config {
    pub courses: PathBuf,
    pub theme: Option<PathBuf>,
    /// `None`: the first free port from [`DEFAULT_PORT`]; `Some(0)`: any free port.
    pub port: Option<u16>,
    pub open: bool,
}

pub const DEFAULT_PORT: u16 = 3000;
/// How many ports after [`DEFAULT_PORT`] to try when it is taken.
const PORT_TRIES: u16 = 20;
/// File events closer together than this are one save (editors write, rename, chmod).
const QUIET: Duration = Duration::from_millis(5);
/// A burst of events is cut here so a long copy still shows progress.
const BURST_MAX: Duration = Duration::from_millis(200);

/// A message to open pages.
#[derive(Clone, Debug)]
enum Notice {
    Reload,
    Diagnostics(Arc<str>),
}

struct App {
    project: RwLock<Project>,
    /// The errors JSON while the courses are broken, for pages that connect meanwhile.
    broken: RwLock<Option<Arc<str>>>,
    notices: broadcast::Sender<Notice>,
    /// The `host:port` values this server answers to (DNS-rebinding protection).
    hosts: Vec<String>,
    colour: bool,
}

pub fn run(config: Config) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the preview server: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(config))
}

async fn serve(config: Config) -> ExitCode {
    let colour = crate::cli::colour_on_stderr();
    let listener = match bind(config.port).await {
        Ok(listener) => listener,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();

    let opts = Options {
        theme: config.theme.clone(),
        mode: RenderMode {
            static_only: false,
            preview: true,
        },
        ..Options::new(&config.courses)
    };
    let (project, outcome) = tokio::task::block_in_place(|| Project::open(&opts));
    let broken = (outcome.status == Status::Failed).then(|| errors_json(&project.errors()));
    eprint!("{}", report(&project, &outcome, colour, true));

    let (notices, _) = broadcast::channel(64);
    let app = Arc::new(App {
        project: RwLock::new(project),
        broken: RwLock::new(broken),
        notices,
        hosts: ["127.0.0.1", "localhost", "[::1]"]
            .iter()
            .map(|h| format!("{h}:{port}"))
            .collect(),
        colour,
    });

    let (derive_tx, derive_rx) = mpsc::channel::<()>();
    let _ = derive_tx.send(());
    {
        let app = app.clone();
        std::thread::spawn(move || derive_loop(&app, &derive_rx));
    }
    let (events_tx, events_rx) = mpsc::channel();
    let mut watcher = match notify::recommended_watcher(move |event| {
        let _ = events_tx.send(event);
    }) {
        Ok(watcher) => watcher,
        Err(e) => {
            eprintln!("error: cannot watch files for changes: {e}");
            return ExitCode::FAILURE;
        }
    };
    let watched: Vec<PathBuf> = read(&app.project).watched().iter().map(|p| p.to_path_buf()).collect();
    for dir in &watched {
        if let Err(e) = watcher.watch(dir, notify::RecursiveMode::Recursive) {
            eprintln!("error: cannot watch {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    }
    {
        let app = app.clone();
        std::thread::spawn(move || rebuild_loop(&app, &events_rx, &derive_tx));
    }

    let url = format!("http://127.0.0.1:{port}/");
    // stdout carries the URL alone, so scripts can read it; everything else goes to stderr.
    println!("Preview at {url}");
    let folders: Vec<String> = watched.iter().map(|p| p.display().to_string()).collect();
    eprintln!(
        "Watching {} for changes; pages reload when you save. Press Ctrl-C to stop.",
        folders.join(" and ")
    );
    if config.open {
        open_browser(&url);
    }

    let router = Router::new()
        .route("/__waypost/events", get(events))
        .route("/__waypost/diagnostics", get(diagnostics))
        .route("/__waypost/live.js", get(live_js))
        .fallback(get(page))
        .layer(axum::middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app);
    tokio::select! {
        served = axum::serve(listener, router) => {
            if let Err(e) = served {
                eprintln!("error: the preview server stopped: {e}");
                return ExitCode::FAILURE;
            }
        }
        _ = tokio::signal::ctrl_c() => eprintln!("\npreview stopped"),
    }
    drop(watcher);
    ExitCode::SUCCESS
}

async fn bind(port: Option<u16>) -> Result<tokio::net::TcpListener, String> {
    let ports: Vec<u16> = match port {
        Some(port) => vec![port],
        None => (DEFAULT_PORT..DEFAULT_PORT + PORT_TRIES).collect(),
    };
    let mut last = None;
    for port in ports {
        // Loopback only: the preview shows answers and unpublished drafts.
        match tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await {
            Ok(listener) => return Ok(listener),
            Err(e) => last = Some((port, e)),
        }
    }
    Err(match last {
        Some((port, e)) if e.kind() == std::io::ErrorKind::AddrInUse => {
            format!("port {port} is in use; choose another with --port N (0 picks a free one)")
        }
        Some((port, e)) => format!("cannot listen on 127.0.0.1:{port}: {e}"),
        None => "no port to listen on".to_owned(),
    })
}

// A panic while rebuilding would poison a lock; what it guards is still the last good state.
fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

/// Applies each burst of file events to the project and tells open pages what happened.
fn rebuild_loop(app: &App, events: &mpsc::Receiver<notify::Result<notify::Event>>, derive: &mpsc::Sender<()>) {
    while let Ok(first) = events.recv() {
        let started = Instant::now();
        let mut paths = Vec::new();
        collect(first, &mut paths);
        while started.elapsed() < BURST_MAX {
            match events.recv_timeout(QUIET) {
                Ok(event) => collect(event, &mut paths),
                Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
        if paths.is_empty() {
            continue;
        }
        paths.sort();
        paths.dedup();
        let mut project = write(&app.project);
        let outcome = project.apply(&paths);
        match outcome.status {
            Status::Unchanged => {}
            Status::Built { .. } => {
                *write(&app.broken) = None;
                let _ = app.notices.send(Notice::Reload);
                let _ = derive.send(());
            }
            Status::Failed => {
                let json = errors_json(&project.errors());
                *write(&app.broken) = Some(json.clone());
                let _ = app.notices.send(Notice::Diagnostics(json));
            }
        }
        // The terminal text is made under the lock but printed after it: pages reloading on
        // the notice above must not wait for the terminal.
        let text = report(&project, &outcome, app.colour, false);
        drop(project);
        eprint!("{text}");
    }
}

fn collect(event: notify::Result<notify::Event>, paths: &mut Vec<PathBuf>) {
    match event {
        Ok(event) => {
            if !matches!(event.kind, notify::EventKind::Access(_)) {
                paths.extend(event.paths);
            }
        }
        // The watcher lost events (an overflowing queue): every watched folder may have changed.
        Err(e) => paths.extend(e.paths),
    }
}

/// Rebuilds `courses.json` and the search index whenever asked, outside the project lock,
/// so a one-lesson edit reloads at once and the search catches up a moment later.
fn derive_loop(app: &App, asks: &mpsc::Receiver<()>) {
    while asks.recv().is_ok() {
        while asks.try_recv().is_ok() {}
        let Some((generation, inputs)) = read(&app.project).derive_inputs() else {
            continue;
        };
        let files = inputs.build();
        write(&app.project).install_derived(generation, files);
    }
}

/// What the terminal says after a build: the diagnostics worth reading and a verdict line.
fn report(project: &Project, outcome: &Outcome, colour: bool, first: bool) -> String {
    let ms = outcome.elapsed.as_secs_f64() * 1000.0;
    let what = if outcome.changed_files.is_empty() {
        String::new()
    } else {
        let mut files = outcome.changed_files.clone();
        if files.len() > 3 {
            let more = files.len() - 3;
            files.truncate(3);
            files.push(format!("{more} more"));
        }
        format!(" ({})", files.join(", "))
    };
    match outcome.status {
        Status::Unchanged => String::new(),
        Status::Built { pages } => {
            // The first build lists every warning; a rebuild only those of the files it read.
            let warnings = warnings_of(project, (!first).then_some(&outcome.changed_files));
            let verb = if first { "built" } else { "rebuilt" };
            format!(
                "{}{verb} {pages} file{} in {ms:.0} ms{what}; {}\n",
                crate::cli::human_body(&warnings, colour),
                if pages == 1 { "" } else { "s" },
                summary_line(0, outcome.warnings)
            )
        }
        Status::Failed => format!(
            "{}{}{what}: the preview keeps the last good pages and shows the errors on them; fix and save\n",
            crate::cli::human_body(&project.diagnostics(), colour),
            summary_line(outcome.errors, outcome.warnings)
        ),
    }
}

fn warnings_of(project: &Project, only: Option<&Vec<String>>) -> Diagnostics {
    project
        .diagnostics()
        .into_vec()
        .into_iter()
        .filter(|d| d.severity == waypost_generator::Severity::Warning)
        .filter(|d| only.is_none_or(|files| files.contains(&d.file)))
        .collect()
}

fn errors_json(errors: &Diagnostics) -> Arc<str> {
    serde_json::to_string(errors).unwrap_or_else(|_| "[]".to_owned()).into()
}

/// Every request passes here. Requests whose Host is not this loopback server are refused:
/// a web page elsewhere could otherwise point a DNS name at 127.0.0.1 and read the preview
/// (DNS rebinding). Every response gets the strict headers the real server will send.
async fn guard(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok());
    let allowed = host.is_none_or(|host| app.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)));
    let mut response = if allowed {
        next.run(request).await
    } else {
        (
            StatusCode::FORBIDDEN,
            "The Waypost preview only answers at 127.0.0.1 or localhost.\n",
        )
            .into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

async fn events(State(app): State<Arc<App>>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = app.notices.subscribe();
    let first = read(&app.broken).clone().map(Notice::Diagnostics);
    let stream = stream::unfold((receiver, first), |(mut receiver, first)| async move {
        if let Some(notice) = first {
            return Some((Ok(event_of(&notice)), (receiver, None)));
        }
        let notice = match receiver.recv().await {
            Ok(notice) => notice,
            // Missed notices: whatever they were, the page is out of date.
            Err(broadcast::error::RecvError::Lagged(_)) => Notice::Reload,
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        Some((Ok(event_of(&notice)), (receiver, None)))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

fn event_of(notice: &Notice) -> Event {
    match notice {
        Notice::Reload => Event::default().event("reload").data("{}"),
        Notice::Diagnostics(json) => Event::default().event("diagnostics").data(&**json),
    }
}

/// The current errors as JSON (empty when the courses build).
async fn diagnostics(State(app): State<Arc<App>>) -> Response {
    let json = read(&app.broken).clone().unwrap_or_else(|| "[]".into());
    respond(StatusCode::OK, "application/json", json.as_bytes().to_vec())
}

/// Reloads the stand-in page shown before the courses have ever built.
const LIVE_JS: &str = "new EventSource('/__waypost/events').addEventListener('reload', () => location.reload());\n";

async fn live_js() -> Response {
    respond(
        StatusCode::OK,
        "text/javascript; charset=utf-8",
        LIVE_JS.as_bytes().to_vec(),
    )
}

async fn page(State(app): State<Arc<App>>, request: Request) -> Response {
    let Some(path) = site_path(request.uri().path()) else {
        return respond(
            StatusCode::BAD_REQUEST,
            "text/plain; charset=utf-8",
            b"Bad path\n".to_vec(),
        );
    };
    let project = read(&app.project);
    let files = project.files();
    if let Some(body) = files.get(&path) {
        return respond(StatusCode::OK, content_type(&path), body.clone());
    }
    if !path.is_empty() && files.contains_key(&format!("{path}/index.html")) {
        let mut response = StatusCode::PERMANENT_REDIRECT.into_response();
        if let Ok(location) = HeaderValue::from_str(&format!("/{path}/")) {
            response.headers_mut().insert(header::LOCATION, location);
        }
        return response;
    }
    if files.is_empty() {
        // Never built: there is no last good page to show the errors on.
        let body = never_built_page(&project.errors());
        return respond(
            StatusCode::SERVICE_UNAVAILABLE,
            "text/html; charset=utf-8",
            body.into_bytes(),
        );
    }
    match files.get("404.html") {
        Some(body) => respond(StatusCode::NOT_FOUND, "text/html; charset=utf-8", body.clone()),
        None => respond(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            b"Not found\n".to_vec(),
        ),
    }
}

fn respond(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// What the preview shows when the courses have not built once yet: the errors, and a
/// script that reloads the page when they are fixed.
fn never_built_page(errors: &Diagnostics) -> String {
    let mut items = String::new();
    for d in errors.iter() {
        let place = if d.line > 0 {
            format!("{}:{}:{}", d.file, d.line, d.column)
        } else {
            d.file.clone()
        };
        items.push_str(&format!(
            "<li><p><code>{}</code></p><p>{}</p>{}</li>\n",
            escape(&place),
            escape(&d.message),
            d.help
                .as_deref()
                .map(|h| format!("<p>Help: {}</p>", escape(h)))
                .unwrap_or_default()
        ));
    }
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>The courses do not build yet · Waypost preview</title>\n\
         <script type=\"module\" src=\"/__waypost/live.js\"></script>\n</head>\n<body>\n<main>\n\
         <h1>The courses do not build yet</h1>\n\
         <p>Fix these in your course files and save: this page reloads by itself.</p>\n\
         <ol>\n{items}</ol>\n</main>\n</body>\n</html>\n"
    )
}

/// Opens `url` in the desktop's browser, where there is one.
fn open_browser(url: &str) {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(target_os = "windows") {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    if command.spawn().is_err() {
        eprintln!("(no browser could be opened here; open {url} yourself)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_paths_map_to_site_paths() {
        assert_eq!(site_path("/").as_deref(), Some("index.html"));
        assert_eq!(site_path("/tiny/").as_deref(), Some("tiny/index.html"));
        assert_eq!(
            site_path("/tiny/first-steps.html").as_deref(),
            Some("tiny/first-steps.html")
        );
        assert_eq!(site_path("/a%20b.html").as_deref(), Some("a b.html"));
        assert_eq!(site_path("/../etc/passwd"), None);
        assert_eq!(site_path("/tiny/%2e%2e/x"), None);
        assert_eq!(site_path("/%zz"), None);
        assert_eq!(site_path("/%ff"), None);
        assert_eq!(site_path("/a\\b"), None);
    }

    #[test]
    fn the_stand_in_page_escapes_what_authors_wrote() {
        let page = never_built_page(
            &std::iter::once(waypost_generator::Diagnostic::error(
                "x/<course>.yaml",
                waypost_generator::diagnostics::Pos::new(2, 3),
                "bad <script>",
            ))
            .collect(),
        );
        assert!(page.contains("x/&lt;course&gt;.yaml:2:3"));
        assert!(!page.contains("<script>"));
    }
}
