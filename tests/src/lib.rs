//! End-to-end tests of the `waypost` binary live in `tests/`.
