//! The published site: what `generator::build` made, held in memory for serving, plus the
//! server's own pages (account forms) rendered with the same theme.
//!
//! Files are compressed on first request and kept (`OnceLock` per file and encoding), so
//! start-up does not pay for compressing every page of a large site, and a page nobody asks
//! for is never compressed. Brotli quality 5 and gzip level 6: a page is compressed once and
//! served many times, but the first learner waits for it.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use minijinja::{Environment, UndefinedBehavior, Value, context};
use sha2::{Digest as _, Sha256};
use waypost_generator::grading::GradingCatalog;
use waypost_generator::model::Course;
use waypost_generator::theme::Theme;

use crate::web::content_type;

/// Smaller files are sent as they are: a compressed twin would save less than a packet.
const COMPRESS_MIN: usize = 512;

#[derive(Debug)]
pub struct StaticFile {
    pub body: Bytes,
    pub content_type: &'static str,
    etag: OnceLock<String>,
    br: OnceLock<Option<Bytes>>,
    gzip: OnceLock<Option<Bytes>>,
}

impl StaticFile {
    pub fn new(path: &str, body: Vec<u8>) -> Self {
        Self {
            body: Bytes::from(body),
            content_type: content_type(path),
            etag: OnceLock::new(),
            br: OnceLock::new(),
            gzip: OnceLock::new(),
        }
    }

    pub fn etag(&self) -> &str {
        self.etag.get_or_init(|| {
            let digest = Sha256::digest(&self.body);
            format!("\"{}\"", crate::auth::tokens::hex(&digest[..12]))
        })
    }

    fn compressible(&self) -> bool {
        self.body.len() >= COMPRESS_MIN
            && (self.content_type.starts_with("text/")
                || self.content_type.starts_with("application/json")
                || self.content_type.starts_with("image/svg"))
    }

    pub fn brotli(&self) -> Option<&Bytes> {
        self.br
            .get_or_init(|| {
                self.compressible().then(|| {
                    let mut out = Vec::with_capacity(self.body.len() / 3);
                    let params = brotli::enc::BrotliEncoderParams {
                        quality: 5,
                        lgwin: 22,
                        ..Default::default()
                    };
                    let mut input = &self.body[..];
                    brotli::BrotliCompress(&mut input, &mut out, &params).ok()?;
                    Some(Bytes::from(out))
                })?
            })
            .as_ref()
    }

    pub fn gzip(&self) -> Option<&Bytes> {
        self.gzip
            .get_or_init(|| {
                self.compressible().then(|| {
                    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
                    enc.write_all(&self.body).ok()?;
                    enc.finish().ok().map(Bytes::from)
                })?
            })
            .as_ref()
    }
}

/// Hashed theme asset paths, as the site's pages name them.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Assets {
    pub css: String,
    pub progress_js: String,
    pub quiz_js: String,
    pub search_js: String,
    pub account_js: String,
    pub certificate_js: String,
    pub certificate_css: String,
    pub favicon: String,
    pub preview_js: Option<String>,
}

#[derive(Debug)]
pub struct Published {
    pub files: HashMap<String, Arc<StaticFile>>,
    pub courses: Vec<Course>,
    pub grading: GradingCatalog,
    pub pages: Pages,
    /// The theme's certificate fonts (`fonts/`), for PDFs.
    pub fonts: Arc<crate::certs::pdf::Fonts>,
}

impl Published {
    pub fn new(site: waypost_generator::Site, theme: &Theme) -> Result<Self, String> {
        let files: HashMap<String, Arc<StaticFile>> = site
            .files
            .into_iter()
            .map(|(path, bytes)| {
                let file = Arc::new(StaticFile::new(&path, bytes));
                (path, file)
            })
            .collect();
        let assets = find_assets(&files);
        Ok(Self {
            pages: Pages::new(theme, assets)?,
            fonts: Arc::new(crate::certs::pdf::Fonts::from_theme(theme)?),
            files,
            courses: site.courses,
            grading: site.grading,
        })
    }

    pub fn course(&self, id: &str) -> Option<&Course> {
        self.courses.iter().find(|c| c.id.as_str() == id)
    }
}

fn find_assets(files: &HashMap<String, Arc<StaticFile>>) -> Assets {
    let mut assets = Assets::default();
    for path in files.keys() {
        let Some(name) = path.strip_prefix("assets/") else {
            continue;
        };
        let stem = name.split('.').next().unwrap_or_default();
        let slot = match (stem, name.rsplit('.').next()) {
            ("waypost", Some("css")) => &mut assets.css,
            ("progress", Some("js")) => &mut assets.progress_js,
            ("quiz", Some("js")) => &mut assets.quiz_js,
            ("search", Some("js")) => &mut assets.search_js,
            ("account", Some("js")) => &mut assets.account_js,
            ("certificate", Some("js")) => &mut assets.certificate_js,
            ("certificate", Some("css")) => &mut assets.certificate_css,
            ("favicon", Some("svg")) => &mut assets.favicon,
            _ => continue,
        };
        *slot = path.clone();
    }
    assets
}

/// The server's own pages (sign-in, sign-up, account, password reset), from the theme's
/// `templates/account/` and its `base.html`, so they look like the rest of the site.
#[derive(Debug)]
pub struct Pages {
    env: Environment<'static>,
    assets: Assets,
}

impl Pages {
    fn new(theme: &Theme, assets: Assets) -> Result<Self, String> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        // `base.html` writes the page policy into every page, as the generator's pages do.
        env.add_global("csp", waypost_generator::csp::META);
        for (name, source) in theme.templates() {
            let source = String::from_utf8_lossy(source).into_owned();
            env.add_template_owned(name.to_owned(), source)
                .map_err(|e| format!("theme template {name}: {e}"))?;
        }
        Ok(Self { env, assets })
    }

    /// Renders `templates/{name}` for a page at `/account/…` (one folder deep).
    pub fn render(&self, name: &str, title: &str, ctx: Value) -> Result<String, String> {
        let page = context! {
            root => "../",
            title => format!("{title} · Waypost"),
            description => title,
            lang => "en",
            site_title => "Waypost",
            assets => Value::from_serialize(&self.assets),
            preview => false,
            static_only => false,
            generator => format!("Waypost {}", env!("CARGO_PKG_VERSION")),
        };
        let template = self.env.get_template(name).map_err(|e| e.to_string())?;
        template
            .render(context! { page => page, ..ctx })
            .map_err(|e| format!("{name}: {e:#}"))
    }
}
