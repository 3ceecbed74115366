//! The command line's promises: exit codes (0 ok, 1 authoring problems, 2 usage), `--strict`,
//! and `--format json` (one object per line on stdout, nothing else there).

use std::path::{Path, PathBuf};
use std::process::Output;

fn fixture(name: &str) -> PathBuf {
    waypost_e2e::repo_root().join("generator/tests/fixtures").join(name)
}

fn waypost(args: &[&str], courses: &Path) -> Output {
    let mut all: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
    all.push(courses.as_os_str());
    waypost_e2e::run(env!("CARGO_BIN_EXE_waypost").as_ref(), &all)
}

#[test]
fn warnings_pass_unless_strict_and_errors_always_fail() {
    let warned = fixture("warnings/every-warning");
    let plain = waypost(&["check"], &warned);
    assert_eq!(
        plain.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
    assert!(String::from_utf8_lossy(&plain.stderr).contains("0 errors, 8 warnings"));
    assert_eq!(waypost(&["check", "--strict"], &warned).status.code(), Some(1));

    let broken = waypost(&["check"], &fixture("broken-yaml"));
    assert_eq!(broken.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&broken.stderr).contains("course.yaml"));

    let usage = waypost(&["check", "--no-such-flag"], &warned);
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn json_format_is_one_diagnostic_object_per_line() {
    let out = waypost(&["check", "--format", "json"], &fixture("formats/mixed"));
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.len() >= 6, "{stdout}");
    for line in lines {
        let d: serde_json::Value = serde_json::from_str(line).expect("each line is a JSON object");
        assert!(
            d["file"].as_str().is_some_and(|f| f.contains("formats/mixed/")),
            "{line}"
        );
        assert!(d["line"].is_u64() && d["column"].is_u64(), "{line}");
        assert!(matches!(d["severity"].as_str(), Some("error" | "warning")), "{line}");
    }
}

/// `waypost admin rotate-signing-key` makes a new 0600 key file and keeps the old public key;
/// `revoke-certificate` of an unknown id fails with exit code 1.
#[test]
fn admin_rotates_the_signing_key_and_revokes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let admin = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_waypost"))
            .arg("admin")
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .env_remove("WAYPOST_SIGNING_KEY_FILE")
            .env_remove("WAYPOST_DATABASE_URL")
            .output()
            .expect("waypost runs")
    };
    let first = admin(&["rotate-signing-key"]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let key1 = std::fs::read_to_string(data.join("signing-key")).expect("key file");
    let second = admin(&["rotate-signing-key"]);
    let out = String::from_utf8_lossy(&second.stdout).into_owned();
    assert!(second.status.success());
    assert!(out.contains("stays published"), "{out}");
    let key2 = std::fs::read_to_string(data.join("signing-key")).expect("key file");
    assert_ne!(key1, key2);
    assert!(
        !out.contains(key2.trim()) && !out.contains(key1.trim()),
        "no key material printed"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(data.join("signing-key"))
            .expect("key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let revoke = admin(&["revoke-certificate", "AAAAAAAAAAAAAAAAAAAAAA", "--reason", "test"]);
    assert_eq!(revoke.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&revoke.stderr).contains("no certificate"));

    // A key file from a secrets manager: WAYPOST_SIGNING_KEY_FILE names it.
    let external = dir.path().join("secrets/waypost-signing-key");
    let made = std::process::Command::new(env!("CARGO_BIN_EXE_waypost"))
        .args(["admin", "--data-dir"])
        .arg(&data)
        .arg("rotate-signing-key")
        .env("WAYPOST_SIGNING_KEY_FILE", &external)
        .env_remove("WAYPOST_DATABASE_URL")
        .output()
        .expect("waypost runs");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    assert!(external.exists() && String::from_utf8_lossy(&made.stdout).contains("secrets/waypost-signing-key"));
    // A key file others can read is refused, not used.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(data.join("signing-key"), std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let refused = admin(&["rotate-signing-key"]);
        assert_eq!(refused.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&refused.stderr).contains("chmod 600"));
    }
}
