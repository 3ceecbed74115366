-- Certificates and the issuer's signing keys, PostgreSQL.
-- Keep in step with ../sqlite/0002_certificates.sql: the same tables, columns and constraints.

-- Public halves only: the private key lives in the key file, never in the database.
CREATE TABLE signing_keys (
    kid        TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);

CREATE TABLE certificates (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    course_id       TEXT NOT NULL,
    name            TEXT NOT NULL,
    issued_at       BIGINT NOT NULL,
    valid_until     BIGINT,
    status_index    BIGINT NOT NULL UNIQUE,
    -- The signed credential and VC-JWT exactly as issued (served byte for byte).
    credential_json TEXT NOT NULL,
    jwt             TEXT NOT NULL,
    revoked_at      BIGINT,
    revoked_reason  TEXT,
    -- When the "renew your certificate" email was claimed for sending (once per certificate).
    renewal_reminded_at BIGINT
);
CREATE INDEX certificates_user_course ON certificates (user_id, course_id, issued_at);
