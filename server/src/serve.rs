//! `waypost serve`: open (and migrate) the database, build the courses in memory, serve the
//! site, the API and the account pages; rebuild on SIGHUP or, with `--watch`, when a course
//! file changes; stop gracefully on SIGTERM or Ctrl-C.
//!
//! A rebuild runs off the request threads and swaps the new site in at once
//! ([`AppState::publish`]): requests in flight finish on the site they started with, and a
//! broken course keeps the last good site and logs the diagnostics.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use waypost_generator::grading::ShuffleKey;
use waypost_generator::{Options, RenderMode};

use crate::admin;
use crate::db::Db;
use crate::mail::Mailer;
use crate::site::Published;
use crate::state::{AppState, ServeConfig};

/// How long in-flight requests get to finish after SIGTERM.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(8);

pub fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("WAYPOST_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("WAYPOST_LOG_FORMAT").as_deref() == Ok("json") {
        let _ = builder.json().try_init();
    } else {
        let _ = builder.try_init();
    }
}

pub async fn run(mut config: ServeConfig, mailer: Option<Mailer>) -> ExitCode {
    let started = Instant::now();
    init_tracing();
    if let Err(e) = make_private_dir(&config.data_dir) {
        eprintln!(
            "error: cannot create the data folder {}: {e}",
            config.data_dir.display()
        );
        return ExitCode::from(2);
    }
    let db = match Db::connect(&config.database_url).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("error: cannot open the database: {e}");
            return ExitCode::from(2);
        }
    };
    let key = match admin::shuffle_key(&db).await {
        Ok(key) => key,
        Err(e) => {
            eprintln!("error: cannot read the server's secrets: {e}");
            return ExitCode::from(2);
        }
    };
    let site = match build_site(&config, key).await {
        Ok(site) => site,
        Err(report) => {
            eprintln!("{report}");
            return ExitCode::from(1);
        }
    };
    let rebuilds = triggers(&config);
    let listener = match tokio::net::TcpListener::bind(config.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "error: cannot listen on {}: {e} (choose another with --listen)",
                config.listen
            );
            return ExitCode::from(2);
        }
    };
    // `--listen 127.0.0.1:0` picks a free port: the default base URL names the real one.
    if let Ok(addr) = listener.local_addr()
        && config.base_url == format!("http://{}", config.listen)
    {
        config.base_url = format!("http://{addr}");
    }
    let courses = site.courses.len();
    let state = AppState::new(db.clone(), config.clone(), mailer, site);
    // The certificate signing key: made (0600) on first start, its public half recorded.
    if let Err(e) = state.certs.signer(&state.db, &state.config.data_dir).await {
        eprintln!("error: the certificate signing key: {}", e);
        return ExitCode::from(2);
    }
    println!(
        "Waypost is serving {courses} course{} at {}/ ({} database; started in {:.1} s)",
        if courses == 1 { "" } else { "s" },
        config.base_url,
        db.backend.name(),
        started.elapsed().as_secs_f64()
    );
    match admin::admin_count(&db).await {
        Ok(0) => match admin::link(&db, &config.base_url, "setup-admin", None).await {
            Ok(link) => println!(
                "No admin yet. Open this one-time link within an hour to create the admin account:\n  {link}\n\
                 (or run: waypost admin create-admin --email you@example.org --name \"Your Name\")"
            ),
            Err(e) => eprintln!("warning: could not make a setup link: {e}"),
        },
        Ok(_) => println!("Sign in as admin at {}/account/sign-in", config.base_url),
        Err(e) => eprintln!("warning: could not count admins: {e}"),
    }
    tokio::spawn(reload_loop(state.clone(), key, rebuilds));
    tokio::spawn(sweep_loop(state.clone()));
    let app = crate::http::app(state).into_make_service_with_connect_info::<SocketAddr>();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing requests in flight");
        let _ = stop_tx.send(());
    });
    let server = tokio::spawn(async move { server.await });
    // After the signal, requests in flight get SHUTDOWN_GRACE; then the process exits anyway.
    let deadline = async {
        let _ = stop_rx.await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        result = server => match result {
            Ok(Ok(())) => ExitCode::SUCCESS,
            Ok(Err(e)) => { eprintln!("error: {e}"); ExitCode::FAILURE }
            Err(e) => { eprintln!("error: {e}"); ExitCode::FAILURE }
        },
        () = deadline => {
            tracing::warn!("requests still open after the grace period: exiting");
            ExitCode::SUCCESS
        }
    }
}

/// The data folder, readable by its owner only (it holds the database and, later, keys).
fn make_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Builds the courses in memory (off the async threads); `Err` is the diagnostics report.
async fn build_site(config: &ServeConfig, key: ShuffleKey) -> Result<Published, String> {
    let mut opts = Options::new(&config.courses);
    opts.theme.clone_from(&config.theme);
    opts.mode = RenderMode::Server;
    opts.precompress = false;
    opts.shuffle_key = Some(key);
    let theme_dir = config.theme.clone();
    tokio::task::spawn_blocking(move || {
        let site = waypost_generator::build(&opts).map_err(|diags| crate::cli::human_body(&diags, false))?;
        let theme = match &theme_dir {
            Some(dir) => waypost_generator::load::load_theme(dir).map_err(|d| d.message.clone())?,
            None => waypost_generator::theme::Theme::embedded(),
        };
        Published::new(site, &theme)
    })
    .await
    .map_err(|e| e.to_string())?
}

/// What asks for a rebuild: SIGHUP and, with `--watch`, a change under the courses (or
/// theme) folder. Set up before the server listens, so no edit made once it answers is missed.
struct Triggers {
    rx: mpsc::Receiver<&'static str>,
    _watcher: Option<notify::RecommendedWatcher>,
}

fn triggers(config: &ServeConfig) -> Triggers {
    let (tx, rx) = mpsc::channel::<&'static str>(4);
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut hup) = signal(SignalKind::hangup()) {
            let tx = tx.clone();
            tokio::spawn(async move {
                while hup.recv().await.is_some() {
                    let _ = tx.send("SIGHUP").await;
                }
            });
        }
    }
    let _watcher = if config.watch { watch(config, tx) } else { None };
    Triggers { rx, _watcher }
}

async fn reload_loop(state: AppState, key: ShuffleKey, mut triggers: Triggers) {
    let rx = &mut triggers.rx;
    while let Some(why) = rx.recv().await {
        // A burst of saves is one rebuild.
        tokio::time::sleep(Duration::from_millis(150)).await;
        while rx.try_recv().is_ok() {}
        // A rotated signing key file is picked up on the same signal (read on next use).
        state.certs.reload();
        let started = Instant::now();
        match build_site(&state.config, key).await {
            Ok(site) => {
                let n = site.courses.len();
                state.publish(site);
                tracing::info!(
                    reason = why,
                    courses = n,
                    ms = started.elapsed().as_millis() as u64,
                    "site rebuilt and published"
                );
            }
            Err(report) => {
                tracing::error!(
                    reason = why,
                    "the courses have errors: the last good site stays published"
                );
                eprintln!("{report}");
            }
        }
    }
}

fn watch(config: &ServeConfig, tx: mpsc::Sender<&'static str>) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher as _;
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok_and(|e| !e.kind.is_access()) {
            let _ = tx.try_send("a course file changed");
        }
    })
    .map_err(|e| tracing::warn!(error = %e, "--watch: cannot watch the courses folder"))
    .ok()?;
    for dir in std::iter::once(&config.courses).chain(config.theme.as_ref()) {
        if let Err(e) = watcher.watch(dir, notify::RecursiveMode::Recursive) {
            tracing::warn!(error = %e, dir = %dir.display(), "--watch: cannot watch");
        }
    }
    Some(watcher)
}

async fn sweep_loop(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        crate::certs::reminders::send_due(&state).await;
        if let Err(e) = crate::auth::ratelimit::sweep(&state).await {
            tracing::warn!(error = %e, "rate-limit sweep failed");
        }
        let _ = sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
            .bind(crate::db::now_ms() - crate::auth::session::IDLE_MS)
            .bind(crate::db::now_ms() - crate::auth::session::ABSOLUTE_MS)
            .execute(&state.db.pool)
            .await;
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}
