-- Waypost schema, PostgreSQL. Times are Unix milliseconds (BIGINT); ids are text.
-- Keep in step with ../sqlite/0001_init.sql: the same tables, columns and constraints.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL DEFAULT 'learner' CHECK (role IN ('learner', 'focal-point', 'admin')),
    disabled      BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL
);

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE lesson_progress (
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    course_id    TEXT NOT NULL,
    lesson_id    TEXT NOT NULL,
    completed_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, course_id, lesson_id)
);

CREATE TABLE attempts (
    id                TEXT PRIMARY KEY,
    user_id           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_attempt_id TEXT NOT NULL,
    course_id         TEXT NOT NULL,
    quiz_id           TEXT NOT NULL,
    quiz_version      TEXT NOT NULL,
    score             BIGINT NOT NULL,
    passed            BIGINT NOT NULL,
    response_json     TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    UNIQUE (user_id, client_attempt_id)
);
CREATE INDEX attempts_user_quiz ON attempts (user_id, course_id, quiz_id, created_at);

CREATE TABLE attempt_answers (
    attempt_id  TEXT NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    key_hash    TEXT NOT NULL,
    correct     BIGINT NOT NULL,
    answer_json TEXT NOT NULL,
    PRIMARY KEY (attempt_id, question_id)
);

CREATE TABLE course_completions (
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    course_id    TEXT NOT NULL,
    completed_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, course_id)
);

CREATE TABLE one_time_tokens (
    token_hash TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL CHECK (purpose IN ('setup-admin', 'password-reset')),
    user_id    TEXT REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);

CREATE TABLE rate_limits (
    bucket       TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    hits         BIGINT NOT NULL
);

CREATE TABLE server_secrets (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
