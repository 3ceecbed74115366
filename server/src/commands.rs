//! Arguments of `waypost serve` and `waypost admin …`, and turning them into a running
//! server or an admin action. Every flag has an environment variable (`WAYPOST_…`) for
//! deployments that configure by environment.

use std::io::Read as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::db::Db;
use crate::mail::Mailer;
use crate::state::ServeConfig;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// A folder of courses, or one course folder (holding course.yaml).
    #[arg(default_value = "courses", env = "WAYPOST_COURSES")]
    pub courses: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "WAYPOST_LISTEN")]
    pub listen: SocketAddr,
    /// A theme folder overlaid on the built-in default theme.
    #[arg(long, env = "WAYPOST_THEME")]
    pub theme: Option<PathBuf>,
    /// Rebuild and republish when a course file changes (SIGHUP always does).
    #[arg(long, env = "WAYPOST_WATCH")]
    pub watch: bool,
    /// SMTP server for password-reset emails: smtp://user:pass@host:587?tls=required or smtps://host:465.
    #[arg(long, env = "WAYPOST_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of emails.
    #[arg(long, env = "WAYPOST_SMTP_FROM", default_value = "Waypost <no-reply@localhost>")]
    pub smtp_from: String,
}

#[derive(Debug, Args)]
pub struct DbArgs {
    /// Where Waypost keeps its data (the SQLite database when no --database-url is given).
    #[arg(long, default_value = "data", env = "WAYPOST_DATA_DIR")]
    pub data_dir: PathBuf,
    /// sqlite://path?mode=rwc or postgres://user@host/db (default: SQLite in --data-dir).
    #[arg(long, env = "WAYPOST_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// The address learners use, for links in emails and the cross-site check
    /// (default: http://<listen address>). https:// turns on Secure cookies and HSTS.
    #[arg(long, env = "WAYPOST_BASE_URL")]
    pub base_url: Option<String>,
}

impl DbArgs {
    fn url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| Db::sqlite_url(&self.data_dir))
    }

    fn base_url(&self, listen: SocketAddr) -> String {
        self.base_url
            .clone()
            .unwrap_or_else(|| format!("http://{listen}"))
            .trim_end_matches('/')
            .to_owned()
    }
}

#[derive(Debug, Args)]
pub struct AdminArgs {
    #[command(subcommand)]
    pub command: AdminCommand,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an admin account (password read from standard input), or make an existing account admin.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
    /// Print a one-time password-reset link for an account (valid one hour).
    ResetLink {
        #[arg(long)]
        email: String,
    },
    /// Print a one-time link that creates an admin account (valid one hour).
    SetupLink,
    /// Make a new certificate signing key; the old public key stays published so certificates
    /// it signed still verify. Running servers pick the new key up on SIGHUP or restart.
    RotateSigningKey,
    /// Revoke a certificate (shown on its page, in /verify and in the status list).
    RevokeCertificate {
        /// The certificate id (or its URL).
        id: String,
        #[arg(long)]
        reason: String,
    },
}

pub fn serve(args: ServeArgs) -> ExitCode {
    let mailer = match &args.smtp_url {
        Some(url) => match Mailer::new(url, &args.smtp_from) {
            Ok(m) => Some(m),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let config = ServeConfig {
        database_url: args.db.url(),
        base_url: args.db.base_url(args.listen),
        courses: args.courses,
        theme: args.theme,
        listen: args.listen,
        data_dir: args.db.data_dir,
        watch: args.watch,
    };
    runtime().block_on(crate::serve::run(config, mailer))
}

pub fn admin(args: AdminArgs) -> ExitCode {
    runtime().block_on(async move {
        if let Err(e) = std::fs::create_dir_all(&args.db.data_dir) {
            eprintln!("error: {}: {e}", args.db.data_dir.display());
            return ExitCode::from(2);
        }
        let db = match Db::connect(&args.db.url()).await {
            Ok(db) => db,
            Err(e) => {
                eprintln!("error: cannot open the database: {e}");
                return ExitCode::from(2);
            }
        };
        let base = args
            .db
            .base_url("127.0.0.1:8080".parse().expect("a fixed address parses"));
        let result = match args.command {
            AdminCommand::CreateAdmin { email, name } => {
                let mut password = String::new();
                if std::io::stdin().read_to_string(&mut password).is_err() {
                    eprintln!("error: could not read the password from standard input");
                    return ExitCode::from(2);
                }
                let password = password.trim_end_matches(['\n', '\r']);
                crate::admin::create_admin(&db, &email, &name, password)
                    .await
                    .map(|new| {
                        if new {
                            format!("created admin {email}")
                        } else {
                            format!("{email} is now an admin (password unchanged)")
                        }
                    })
            }
            AdminCommand::ResetLink { email } => crate::admin::link(&db, &base, "password-reset", Some(&email)).await,
            AdminCommand::SetupLink => crate::admin::link(&db, &base, "setup-admin", None).await,
            AdminCommand::RotateSigningKey => crate::admin::rotate_signing_key(&db, &args.db.data_dir).await,
            AdminCommand::RevokeCertificate { id, reason } => crate::admin::revoke_certificate(&db, &id, &reason).await,
        };
        match result {
            Ok(text) => {
                println!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(1)
            }
        }
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the async runtime must start")
}
