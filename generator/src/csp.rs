//! The strict Content-Security-Policy of every page, in one place: the generator writes it
//! into each page as a `<meta http-equiv>` (so a site on a static host or a CDN has it too),
//! and the server and the preview send it as a header (`server/src/web.rs`). Pages need no
//! inline script or style, which is what lets it be this strict.

/// The policy both forms share.
macro_rules! policy {
    () => {
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
    };
}

/// For a page's `<meta http-equiv="Content-Security-Policy">`. Browsers ignore
/// `frame-ancestors` (and `sandbox`) in a meta element, so it is left out here.
pub const META: &str = policy!();

/// The header the server and the preview send on pages: [`META`] and `frame-ancestors`.
pub const HEADER: &str = concat!(policy!(), "; frame-ancestors 'none'");

#[cfg(test)]
mod tests {
    #[test]
    fn the_header_is_the_meta_policy_and_frame_ancestors() {
        assert_eq!(super::HEADER, format!("{}; frame-ancestors 'none'", super::META));
        assert!(!super::META.contains("unsafe") && super::META.contains("script-src 'self'"));
    }
}
