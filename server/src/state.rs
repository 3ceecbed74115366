//! What every handler can reach: the database, the group-commit writer, the published site
//! (swapped atomically on rebuild), the configuration, the mailer and the certificate signer.

use std::net::SocketAddr;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock};

use crate::db::Db;
use crate::db::writer::Writer;
use crate::mail::Mailer;
use crate::site::Published;

#[derive(Clone, Debug)]
pub struct ServeConfig {
    pub courses: PathBuf,
    pub theme: Option<PathBuf>,
    pub listen: SocketAddr,
    /// The public origin and path prefix learners use, without a trailing slash
    /// (`https://learn.example.org`); links in emails and the CSRF origin check use it.
    pub base_url: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub watch: bool,
}

impl ServeConfig {
    /// Cookies are `Secure` and `__Host-` prefixed, and HSTS is sent, when learners reach the
    /// server over https.
    pub fn secure(&self) -> bool {
        self.base_url.starts_with("https://")
    }

    /// `scheme://host[:port]` of the base URL, for the CSRF origin check.
    pub fn origin(&self) -> &str {
        let after_scheme = self.base_url.find("://").map_or(0, |i| i + 3);
        match self.base_url[after_scheme..].find('/') {
            Some(i) => &self.base_url[..after_scheme + i],
            None => &self.base_url,
        }
    }
}

#[derive(Debug)]
pub struct Inner {
    pub db: Db,
    pub writer: Writer,
    pub config: ServeConfig,
    pub mailer: Option<Mailer>,
    /// The certificate signing key (loaded once) and clock.
    pub certs: crate::certs::CertState,
    site: RwLock<Arc<Published>>,
}

#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(db: Db, config: ServeConfig, mailer: Option<Mailer>, site: Published) -> Self {
        let writer = Writer::start(db.clone());
        Self(Arc::new(Inner {
            db,
            writer,
            config,
            mailer,
            certs: crate::certs::CertState::default(),
            site: RwLock::new(Arc::new(site)),
        }))
    }

    /// The site as published now. A request holds its `Arc` to the end, so a rebuild that
    /// swaps in a new site never changes the pages or the grading under a request in flight.
    pub fn site(&self) -> Arc<Published> {
        self.site.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub fn publish(&self, site: Published) {
        *self.site.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(site);
    }
}
