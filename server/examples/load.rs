//! The load client of `bench/serve.sh`: signed-in learners writing progress and submitting
//! graded quizzes against a running `waypost serve`, and the raw write ceiling of the same
//! database measured by a minimal program, so the figures sit side by side.
//!
//! ```text
//! cargo run --release --example load -- run --base http://127.0.0.1:8080 \
//!     --database-url sqlite:///path/waypost.db --courses DIR
//! cargo run --release --example load -- ceiling --database-url sqlite:///tmp/raw.db
//! ```
//!
//! HTTP/1.1 keep-alive over plain tokio sockets: a client crate would add a TLS stack and
//! connection pooling we would then have to switch off. Learners sign up from distinct
//! loopback addresses (127.0.0.2, 127.0.0.3, …) because sign-up is limited per address.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use serde_json::{Value, json};
use sqlx::Executor as _;
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpSocket, TcpStream};
use waypost::db::{Backend, Db};
use waypost_e2e::answers::right_answer;
use waypost_generator::{Options, RenderMode};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Progress writes, graded submissions and the exam-start spike against a server.
    Run {
        #[arg(long)]
        base: String,
        /// The server's database (for its shuffle secret and to count what it stored).
        #[arg(long)]
        database_url: String,
        /// The courses the server serves (built here with its secret to know the keys).
        #[arg(long)]
        courses: std::path::PathBuf,
        /// Concurrent clients of the progress phases.
        #[arg(long, value_delimiter = ',', default_value = "50,200")]
        clients: Vec<usize>,
        /// Seconds per phase.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Learners in the exam-start spike (0: skip it).
        #[arg(long, default_value_t = 2000)]
        spike: usize,
        /// A tag for attempt ids and emails, so runs on one database do not collide.
        #[arg(long, default_value = "b")]
        tag: String,
    },
    /// The same rows inserted by a minimal program: one transaction (one fsync) per row, then
    /// batches of 100.
    Ceiling {
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Run {
            base,
            database_url,
            courses,
            clients,
            seconds,
            spike,
            tag,
        } => run(&base, &database_url, &courses, &clients, seconds, spike, &tag).await,
        Command::Ceiling { database_url, seconds } => ceiling(&database_url, seconds).await,
    }
}

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    addr: SocketAddr,
    from: Option<IpAddr>,
    stream: Option<BufReader<TcpStream>>,
}

struct Answer {
    status: u16,
    body: String,
    cookie: Option<String>,
}

impl Conn {
    fn new(addr: SocketAddr, from: Option<IpAddr>) -> Self {
        Self {
            addr,
            from,
            stream: None,
        }
    }

    async fn connect(&mut self) -> std::io::Result<()> {
        let socket = TcpSocket::new_v4()?;
        if let Some(ip) = self.from {
            socket.bind(SocketAddr::new(ip, 0))?;
        }
        let stream = socket.connect(self.addr).await?;
        stream.set_nodelay(true)?;
        self.stream = Some(BufReader::new(stream));
        Ok(())
    }

    async fn send(&mut self, method: &str, path: &str, headers: &str, body: &str) -> std::io::Result<Answer> {
        if self.stream.is_none() {
            self.connect().await?;
        }
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n{headers}Content-Length: {}\r\n\r\n{body}",
            self.addr,
            body.len()
        );
        let result = self.exchange(request.as_bytes()).await;
        if result.is_err() {
            self.stream = None;
        }
        result
    }

    async fn exchange(&mut self, request: &[u8]) -> std::io::Result<Answer> {
        let stream = self.stream.as_mut().ok_or(std::io::ErrorKind::NotConnected)?;
        stream.get_mut().write_all(request).await?;
        let mut line = String::new();
        stream.read_line(&mut line).await?;
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or(std::io::ErrorKind::InvalidData)?;
        let (mut length, mut close, mut cookie) = (0usize, false, None);
        loop {
            line.clear();
            stream.read_line(&mut line).await?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':').unwrap_or((header, ""));
            let value = value.trim();
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse().unwrap_or(0),
                "connection" => close = value.eq_ignore_ascii_case("close"),
                "set-cookie" => cookie = value.split(';').next().map(str::to_owned),
                "transfer-encoding" => return Err(std::io::ErrorKind::Unsupported.into()),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        stream.read_exact(&mut body).await?;
        if close {
            self.stream = None;
        }
        Ok(Answer {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
            cookie,
        })
    }
}

#[derive(Clone)]
struct Learner {
    headers: String,
}

/// Signs up `n` learners, ten per loopback address, `parallel` at a time.
async fn sign_up(addr: SocketAddr, first: usize, n: usize, tag: &str) -> anyhow::Result<Vec<Learner>> {
    let next = Arc::new(AtomicUsize::new(first));
    let end = first + n;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let next = next.clone();
        let tag = tag.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut made = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= end {
                    return anyhow::Ok(made);
                }
                // 127.0.0.2 … : ten sign-ups per address and hour are allowed.
                let host = 2 + i / 10;
                let ip = Ipv4Addr::new(127, ((host >> 16) & 255) as u8, ((host >> 8) & 255) as u8, (host & 255) as u8);
                let mut conn = Conn::new(addr, Some(IpAddr::V4(ip)));
                let body = json!({ "email": format!("{tag}-{i}@bench.example.org"), "display_name": format!("Learner {i}"),
                                   "password": "correct horse battery" });
                let r = conn.send("POST", "/api/users", "", &body.to_string()).await?;
                anyhow::ensure!(r.status == 201, "sign-up {i}: {} {}", r.status, r.body);
                let csrf: Value = serde_json::from_str(&r.body)?;
                let csrf = csrf["csrf_token"].as_str().unwrap_or_default().to_owned();
                let cookie = r.cookie.ok_or_else(|| anyhow::anyhow!("no cookie"))?;
                made.push((i, Learner { headers: format!("Cookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\n") }));
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    all.sort_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, l)| l).collect())
}

/// Latencies of one phase, in microseconds, and its failures.
#[derive(Default)]
struct Tally {
    micros: Vec<u64>,
    errors: usize,
    first_error: Option<String>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.micros.extend(other.micros);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }

    /// One answer: its latency when it is `ok`, else an error (the first one kept).
    fn record(&mut self, sent: Instant, result: std::io::Result<Answer>, ok: u16) {
        match result {
            Ok(r) if r.status == ok => self.micros.push(sent.elapsed().as_micros() as u64),
            Ok(r) => {
                self.errors += 1;
                self.first_error.get_or_insert(format!("{} {}", r.status, r.body));
            }
            Err(e) => {
                self.errors += 1;
                self.first_error.get_or_insert(e.to_string());
            }
        }
    }

    fn quantile(&self, q: f64) -> f64 {
        if self.micros.is_empty() {
            return 0.0;
        }
        let i = ((self.micros.len() as f64 - 1.0) * q).round() as usize;
        self.micros[i] as f64 / 1000.0
    }

    fn report(&mut self, what: &str, took: Duration) {
        self.micros.sort_unstable();
        println!(
            "{what}: {:.0}/s acknowledged ({} in {:.1} s), p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, {} errors{}",
            self.micros.len() as f64 / took.as_secs_f64(),
            self.micros.len(),
            took.as_secs_f64(),
            self.quantile(0.5),
            self.quantile(0.99),
            self.quantile(1.0),
            self.errors,
            self.first_error
                .as_deref()
                .map(|e| format!(" (first: {e})"))
                .unwrap_or_default()
        );
    }
}

/// The lessons of the generated corpus, in order: (course, lesson).
fn lessons(catalog: &waypost_generator::grading::GradingCatalog) -> Vec<(String, String)> {
    catalog
        .courses()
        .flat_map(|c| c.lessons.iter().map(move |l| (c.id.to_string(), l.to_string())))
        .collect()
}

/// `(path, body with ATTEMPT for the id)` for every graded quiz, with right answers.
fn submissions(catalog: &waypost_generator::grading::GradingCatalog) -> Vec<(String, String)> {
    catalog
        .courses()
        .flat_map(|c| {
            c.graded_quizzes().map(move |q| {
                let answers: serde_json::Map<String, Value> = q
                    .questions
                    .iter()
                    .map(|question| (question.id.to_string(), right_answer(&question.key)))
                    .collect();
                (
                    format!("/api/courses/{}/quizzes/{}/attempts", c.id, q.id),
                    json!({ "attempt_id": "ATTEMPT", "version": q.version, "answers": answers }).to_string(),
                )
            })
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn run(
    base: &str,
    database_url: &str,
    courses: &std::path::Path,
    clients: &[usize],
    seconds: u64,
    spike: usize,
    tag: &str,
) -> anyhow::Result<()> {
    let addr: SocketAddr = base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .map_err(|e| anyhow::anyhow!("--base must be http://IP:PORT: {e}"))?;
    let db = Db::connect(database_url).await?;
    let key = waypost::admin::shuffle_key(&db).await?;
    let backend = db.backend.name();

    let built = Instant::now();
    let mut opts = Options::new(courses);
    opts.mode = RenderMode::Server;
    opts.precompress = false;
    opts.shuffle_key = Some(key);
    let catalog = waypost_generator::build(&opts)
        .map_err(|e| anyhow::anyhow!("the courses do not build: {e:?}"))?
        .grading;
    let lessons = Arc::new(lessons(&catalog));
    let quizzes = Arc::new(submissions(&catalog));
    anyhow::ensure!(!quizzes.is_empty(), "the courses have no graded quiz");
    eprintln!(
        "catalog: {} lessons, {} graded quizzes (built in {:.1} s)",
        lessons.len(),
        quizzes.len(),
        built.elapsed().as_secs_f64()
    );

    let most = clients.iter().copied().max().unwrap_or(0).max(spike);
    let started = Instant::now();
    let learners = Arc::new(sign_up(addr, 0, most, tag).await?);
    eprintln!("signed up {most} learners in {:.1} s", started.elapsed().as_secs_f64());

    // Progress writes: each client completes lessons it has not completed before.
    let offsets: Arc<Vec<AtomicUsize>> = Arc::new((0..most).map(|_| AtomicUsize::new(0)).collect());
    for &n in clients {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for k in 0..n {
            let (learners, lessons, offsets) = (learners.clone(), lessons.clone(), offsets.clone());
            tasks.push(tokio::spawn(async move {
                let mut tally = Tally::default();
                let mut conn = Conn::new(addr, None);
                while Instant::now() < deadline {
                    let j = offsets[k].fetch_add(1, Ordering::Relaxed) % lessons.len();
                    let (course, lesson) = &lessons[j];
                    let body = format!(r#"{{"course":"{course}","lesson":"{lesson}","event":"completed"}}"#);
                    let sent = Instant::now();
                    tally.record(
                        sent,
                        conn.send("POST", "/api/progress", &learners[k].headers, &body).await,
                        204,
                    );
                }
                tally
            }));
        }
        let mut tally = Tally::default();
        for t in tasks {
            tally.merge(t.await?);
        }
        tally.report(&format!("progress writes, {backend}, {n} clients"), started.elapsed());
    }

    // Graded submissions: right answers, a new attempt id each time.
    {
        let n = clients.iter().copied().max().unwrap_or(1);
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for k in 0..n {
            let (learners, quizzes) = (learners.clone(), quizzes.clone());
            let tag = tag.to_owned();
            tasks.push(tokio::spawn(async move {
                let mut tally = Tally::default();
                let mut conn = Conn::new(addr, None);
                let mut i = 0usize;
                while Instant::now() < deadline {
                    let (path, body) = &quizzes[(k * 7 + i) % quizzes.len()];
                    let body = body.replacen("ATTEMPT", &format!("{tag}-g-{k:04}-{i:06}"), 1);
                    i += 1;
                    let sent = Instant::now();
                    tally.record(sent, conn.send("POST", path, &learners[k].headers, &body).await, 201);
                }
                tally
            }));
        }
        let mut tally = Tally::default();
        for t in tasks {
            tally.merge(t.await?);
        }
        tally.report(
            &format!("graded submissions, {backend}, {n} clients"),
            started.elapsed(),
        );
    }

    // The exam-start spike: every learner connected, then all submit at once.
    if spike > 0 {
        let barrier = Arc::new(tokio::sync::Barrier::new(spike + 1));
        let mut tasks = Vec::new();
        let (path, body) = quizzes[0].clone();
        for k in 0..spike {
            let (learners, barrier) = (learners.clone(), barrier.clone());
            let body = body.replacen("ATTEMPT", &format!("{tag}-spike-{k:05}"), 1);
            let path = path.clone();
            tasks.push(tokio::spawn(async move {
                let mut tally = Tally::default();
                let mut conn = Conn::new(addr, None);
                let connected = conn.connect().await;
                barrier.wait().await;
                if let Err(e) = connected {
                    tally.errors += 1;
                    tally.first_error = Some(format!("connect: {e}"));
                    return tally;
                }
                let sent = Instant::now();
                tally.record(sent, conn.send("POST", &path, &learners[k].headers, &body).await, 201);
                tally
            }));
        }
        barrier.wait().await;
        let started = Instant::now();
        let mut tally = Tally::default();
        for t in tasks {
            tally.merge(t.await?);
        }
        let took = started.elapsed();
        let like = format!("{tag}-spike-%");
        let stored: i64 = sqlx::query_scalar(match db.backend {
            Backend::Sqlite => "SELECT COUNT(*) FROM attempts WHERE client_attempt_id LIKE ?",
            Backend::Postgres => "SELECT COUNT(*) FROM attempts WHERE client_attempt_id LIKE $1",
        })
        .bind(&like)
        .fetch_one(&db.pool)
        .await?;
        tally.report(&format!("exam-start spike, {backend}, {spike} learners"), took);
        println!(
            "exam-start spike, {backend}: {stored} attempts recorded of {spike} sent, all answered in {:.2} s",
            took.as_secs_f64()
        );
    }
    db.pool.close().await;
    Ok(())
}

/// What the database itself can do with the same rows, without HTTP or the server.
async fn ceiling(database_url: &str, seconds: u64) -> anyhow::Result<()> {
    let db = Db::connect(database_url).await?;
    let backend = db.backend.name();
    db.pool
        .execute(
            "CREATE TABLE IF NOT EXISTS ceiling_progress (user_id TEXT NOT NULL, course_id TEXT NOT NULL, \
             lesson_id TEXT NOT NULL, completed_at BIGINT NOT NULL, PRIMARY KEY (user_id, course_id, lesson_id))",
        )
        .await?;
    let insert = match db.backend {
        Backend::Sqlite => "INSERT INTO ceiling_progress VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        Backend::Postgres => "INSERT INTO ceiling_progress VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    };
    for batch in [1usize, 100] {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let mut rows = 0usize;
        while Instant::now() < deadline {
            let mut tx = db.pool.begin().await?;
            for _ in 0..batch {
                sqlx::query(insert)
                    .bind(format!("user-{}", rows % 200))
                    .bind(format!("course-{batch}"))
                    .bind(format!("lesson-{rows}"))
                    .bind(waypost::db::now_ms())
                    .execute(&mut *tx)
                    .await?;
                rows += 1;
            }
            tx.commit().await?;
        }
        println!(
            "raw ceiling, {backend}: {:.0} rows/s with {batch} row(s) per transaction (one fsync each)",
            rows as f64 / started.elapsed().as_secs_f64()
        );
    }
    db.pool.execute("DROP TABLE ceiling_progress").await?;
    db.pool.close().await;
    Ok(())
}
