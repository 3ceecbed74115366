//! The end-to-end harness: drive the real `waypost` binary as users and browsers do, over
//! plain HTTP on loopback. The tests themselves live with the package that owns the binary
//! (`server/tests/`), because only there does Cargo build it and hand over its path
//! (`CARGO_BIN_EXE_waypost`); this crate holds what they share.
//!
//! The HTTP client is a few dozen lines over `std::net` on purpose: the tests need GET and
//! a server-sent-events stream on 127.0.0.1, and a full client crate would bring a TLS stack
//! and a second async runtime into every test build for nothing.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

pub mod answers;
pub mod server;

/// How long any single wait in these tests may take before it counts as a failure.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A running `waypost preview`, killed when dropped.
pub struct Preview {
    child: Child,
    pub port: u16,
    stderr: Arc<Mutex<String>>,
}

impl Preview {
    /// Starts `waypost preview <courses> --port 0` and waits for the URL it prints.
    pub fn start(binary: &Path, courses: &Path) -> Self {
        let mut child = Command::new(binary)
            .arg("preview")
            .arg(courses)
            .args(["--port", "0"])
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("waypost preview starts");
        let stderr = Arc::new(Mutex::new(String::new()));
        {
            let stderr = stderr.clone();
            let pipe = child.stderr.take().expect("stderr is piped");
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    let mut log = stderr.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    log.push_str(&line);
                    log.push('\n');
                }
            });
        }
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout is piped");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("Preview at ") {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        let url = match rx.recv_timeout(PATIENCE) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "waypost preview printed no URL; stderr:\n{}",
                    stderr.lock().map(|s| s.clone()).unwrap_or_default()
                );
            }
        };
        let port = url
            .trim_end_matches('/')
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("the URL ends with a port");
        Self { child, port, stderr }
    }

    /// Everything the preview printed on stderr so far.
    pub fn log(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Whether the preview prints `needle` on stderr within [`PATIENCE`] (it prints after it
    /// notifies pages, so a test that heard an event may be ahead of the terminal).
    pub fn logs(&self, needle: &str) -> bool {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if self.log().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    pub fn get(&self, path: &str) -> Response {
        get(self.port, path, &format!("127.0.0.1:{}", self.port))
    }

    pub fn events(&self) -> Events {
        Events::connect(self.port)
    }
}

impl Drop for Preview {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP response, body as text.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// `GET path` on 127.0.0.1:`port` with the given Host header.
pub fn get(port: u16, path: &str, host: &str) -> Response {
    request(port, "GET", path, &[("Host", host)], "")
}

/// Any request on 127.0.0.1:`port` (HTTP/1.1, one per connection).
pub fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Response {
    try_request(port, method, path, headers, body).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

/// [`request`], with a failure to connect, send or read (a server that died) as an error.
pub fn try_request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<Response> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(PATIENCE))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: 127.0.0.1:{port}\r\n"));
    }
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_response(&raw).ok_or_else(|| std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "no complete response"))
}

/// A raw HTTP/1.1 response (head and body, chunked or not).
pub fn parse_response(raw: &[u8]) -> Option<Response> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let body = &raw[split + 4..];
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked { dechunk(body) } else { body.to_vec() };
    Some(Response {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = raw.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&raw[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = end + 2;
        out.extend_from_slice(&raw[start..(start + size).min(raw.len())]);
        raw = &raw[(start + size + 2).min(raw.len())..];
    }
    out
}

/// One server-sent event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub name: String,
    pub data: String,
}

/// A subscription to `/__waypost/events`, read on a thread of its own.
pub struct Events {
    rx: mpsc::Receiver<Event>,
}

impl Events {
    fn connect(port: u16) -> Self {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the preview");
        write!(
            stream,
            "GET /__waypost/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n"
        )
        .expect("send request");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || read_events(BufReader::new(stream), &tx));
        Self { rx }
    }

    /// Waits for the event called `name`, skipping others; panics after [`PATIENCE`].
    pub fn expect(&self, name: &str) -> Event {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(event) if event.name == name => return event,
                Ok(_) => {}
                Err(_) => panic!("no `{name}` event within {PATIENCE:?}"),
            }
        }
    }
}

/// Reads a chunked `text/event-stream` response and sends each complete event.
fn read_events(mut reader: BufReader<TcpStream>, tx: &mpsc::Sender<Event>) {
    let mut line = String::new();
    // The response head.
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut text = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let Ok(size) = usize::from_str_radix(line.trim(), 16) else {
            return;
        };
        if size == 0 {
            return;
        }
        let mut chunk = vec![0; size + 2];
        if reader.read_exact(&mut chunk).is_err() {
            return;
        }
        text.push_str(&String::from_utf8_lossy(&chunk[..size]));
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            let mut event = Event {
                name: "message".to_owned(),
                data: String::new(),
            };
            for field in block.lines() {
                if let Some(name) = field.strip_prefix("event:") {
                    event.name = name.trim().to_owned();
                } else if let Some(data) = field.strip_prefix("data:") {
                    if !event.data.is_empty() {
                        event.data.push('\n');
                    }
                    event.data.push_str(data.strip_prefix(' ').unwrap_or(data));
                }
            }
            // Keep-alive comments carry no data and no name.
            if block.lines().any(|l| !l.starts_with(':')) && tx.send(event).is_err() {
                return;
            }
        }
    }
}

/// Copies a folder tree (a fixture into a temp folder the test may edit).
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).sort_by_file_name() {
        let entry = entry.expect("walk the fixture");
        let target = to.join(entry.path().strip_prefix(from).expect("inside the tree"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("create folder");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// Runs `binary` (the `waypost` under test) with `args` and no colour, to completion.
pub fn run(binary: &Path, args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(binary)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("waypost runs")
}

/// The repository root (this crate lives in `tests/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}
