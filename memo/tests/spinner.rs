//! The spinner: a `tracing` event ``Running `f(...)`.`` (target `cache::spinner`) on every miss of
//! a function, never on a hit, custom text when given, nothing with `show_spinner = false`
//! (Streamlit's `test_with_spinner`, `test_with_custom_text_spinner`, `test_without_spinner`,
//! `test_with_empty_text_spinner`). On by default, as `st.cache_data(show_spinner=True)`.

mod common;

use common::Capture;
use memo::memo;

#[memo(show_spinner)]
fn with_args(x: u8) -> u8 {
    x
}

#[memo(show_spinner = true)]
fn no_args() -> u8 {
    1
}

#[memo(show_spinner = "Loading the data...")]
fn custom(x: u8) -> u8 {
    x
}

#[memo(show_spinner = "")]
fn empty_text(x: u8) -> u8 {
    x
}

#[memo]
fn by_default(x: u8) -> u8 {
    x
}

#[memo(show_spinner = false)]
fn disabled(x: u8) -> u8 {
    x
}

#[test]
fn test_with_spinner() {
    let cap = Capture::default();
    cap.run(|| {
        with_args(1);
        with_args(1); // hit: no spinner
        with_args(2);
    });
    assert_eq!(
        cap.messages("cache::spinner"),
        ["Running `with_args(...)`.", "Running `with_args(...)`."]
    );
    let e = &cap.events()[0];
    assert_eq!(e.level, tracing::Level::INFO);
    assert!(e.fields.contains("primitive=memo"), "{}", e.fields);
    assert!(e.fields.contains("function=with_args"), "{}", e.fields);

    let cap = Capture::default();
    cap.run(|| {
        no_args();
        no_args();
    });
    assert_eq!(cap.messages("cache::spinner"), ["Running `no_args()`."]);
}

#[test]
fn test_with_custom_text_spinner() {
    let cap = Capture::default();
    cap.run(|| {
        custom(1);
        custom(1);
    });
    assert_eq!(cap.messages("cache::spinner"), ["Loading the data..."]);
}

#[test]
fn test_with_empty_text_spinner() {
    // Streamlit shows a spinner for any string, including "".
    let cap = Capture::default();
    cap.run(|| empty_text(1));
    assert_eq!(cap.messages("cache::spinner"), [""]);
}

#[test]
fn spinner_is_on_by_default() {
    let cap = Capture::default();
    cap.run(|| {
        by_default(1);
        by_default(1); // hit: no spinner
    });
    assert_eq!(
        cap.messages("cache::spinner"),
        ["Running `by_default(...)`."]
    );
}

#[test]
fn test_without_spinner() {
    let cap = Capture::default();
    cap.run(|| {
        disabled(1);
        disabled(2);
    });
    assert!(
        cap.messages("cache::spinner").is_empty(),
        "{:?}",
        cap.events()
    );
}
