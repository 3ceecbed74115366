//! `waypost new` end to end: the scaffold checks and builds with zero diagnostics.

fn waypost(args: &[&std::ffi::OsStr]) -> std::process::Output {
    waypost_e2e::run(env!("CARGO_BIN_EXE_waypost").as_ref(), args)
}

#[test]
fn a_new_course_builds_clean_and_says_what_to_do_next() {
    let dir = tempfile::tempdir().expect("temp dir");
    let courses = dir.path().join("courses");
    let course = courses.join("parcel-scams");
    let out = waypost(&[
        "new".as_ref(),
        course.as_os_str(),
        "--title".as_ref(),
        "Parcel scams".as_ref(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let told = String::from_utf8_lossy(&out.stderr);
    assert!(told.contains("waypost preview"), "{told}");
    assert!(told.contains("check --strict"), "{told}");

    let checked = waypost(&["check".as_ref(), "--strict".as_ref(), courses.as_os_str()]);
    let said = String::from_utf8_lossy(&checked.stderr);
    assert!(checked.status.success(), "{said}");
    assert!(said.contains("0 errors, 0 warnings"), "{said}");

    let site = dir.path().join("site");
    let built = waypost(&[
        "build".as_ref(),
        "--strict".as_ref(),
        courses.as_os_str(),
        "--out".as_ref(),
        site.as_os_str(),
    ]);
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    assert!(site.join("parcel-scams/welcome.html").is_file());
    assert!(site.join("parcel-scams/check-your-understanding.html").is_file());

    // A second `new` into the same folder refuses and changes nothing.
    let again = waypost(&["new".as_ref(), course.as_os_str()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));
}
