-- Waypost schema, SQLite. Times are Unix milliseconds (INTEGER); ids are text.
-- Keep in step with ../postgres/0001_init.sql: the same tables, columns and constraints.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL DEFAULT 'learner' CHECK (role IN ('learner', 'focal-point', 'admin')),
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE lesson_progress (
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    course_id    TEXT NOT NULL,
    lesson_id    TEXT NOT NULL,
    completed_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, course_id, lesson_id)
);

CREATE TABLE attempts (
    id                TEXT PRIMARY KEY,
    user_id           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_attempt_id TEXT NOT NULL,
    course_id         TEXT NOT NULL,
    quiz_id           TEXT NOT NULL,
    quiz_version      TEXT NOT NULL,
    score             INTEGER NOT NULL,
    passed            INTEGER NOT NULL,
    response_json     TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    UNIQUE (user_id, client_attempt_id)
);
CREATE INDEX attempts_user_quiz ON attempts (user_id, course_id, quiz_id, created_at);

CREATE TABLE attempt_answers (
    attempt_id  TEXT NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    key_hash    TEXT NOT NULL,
    correct     INTEGER NOT NULL,
    answer_json TEXT NOT NULL,
    PRIMARY KEY (attempt_id, question_id)
);

CREATE TABLE course_completions (
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    course_id    TEXT NOT NULL,
    completed_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, course_id)
);

CREATE TABLE one_time_tokens (
    token_hash TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL CHECK (purpose IN ('setup-admin', 'password-reset')),
    user_id    TEXT REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);

CREATE TABLE rate_limits (
    bucket       TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    hits         INTEGER NOT NULL
);

CREATE TABLE server_secrets (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
