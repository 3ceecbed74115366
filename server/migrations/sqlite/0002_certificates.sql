-- Certificates and the issuer's signing keys, SQLite.
-- Keep in step with ../postgres/0002_certificates.sql: the same tables, columns and constraints.

-- Public halves only: the private key lives in the key file, never in the database.
CREATE TABLE signing_keys (
    kid        TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    retired_at INTEGER
);

CREATE TABLE certificates (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    course_id       TEXT NOT NULL,
    name            TEXT NOT NULL,
    issued_at       INTEGER NOT NULL,
    valid_until     INTEGER,
    status_index    INTEGER NOT NULL UNIQUE,
    -- The signed credential and VC-JWT exactly as issued (served byte for byte).
    credential_json TEXT NOT NULL,
    jwt             TEXT NOT NULL,
    revoked_at      INTEGER,
    revoked_reason  TEXT,
    -- When the "renew your certificate" email was claimed for sending (once per certificate).
    renewal_reminded_at INTEGER
);
CREATE INDEX certificates_user_course ON certificates (user_id, course_id, issued_at);
