//! The suite's progress line on stderr.

use std::io::{IsTerminal, Write};
use std::time::Instant;

/// A progress line on stderr: redrawn in place on a terminal, one line per task otherwise.
pub(crate) struct Progress {
    enabled: bool,
    tty: bool,
    total: usize,
    done: usize,
    start: Instant,
}

impl Progress {
    pub(crate) fn new(enabled: bool, total: usize) -> Self {
        Self {
            enabled,
            tty: std::io::stderr().is_terminal(),
            total,
            done: 0,
            start: Instant::now(),
        }
    }

    /// Redraws the line (terminals only: a log gets one line per task from [`Progress::step`]).
    pub(crate) fn show(&self, what: &str) {
        if self.tty {
            self.draw(what);
        }
    }

    pub(crate) fn draw(&self, what: &str) {
        if !self.enabled {
            return;
        }
        const WIDTH: usize = 28;
        let filled = WIDTH * self.done / self.total.max(1);
        let secs = self.start.elapsed().as_secs();
        let line = format!(
            "[{}{}] {:>3}/{} {:>2}:{:02} {what}",
            "#".repeat(filled),
            "-".repeat(WIDTH - filled),
            self.done,
            self.total,
            secs / 60,
            secs % 60
        );
        let mut err = std::io::stderr().lock();
        if self.tty {
            // Clear the rest of the line: labels differ in length.
            let _ = write!(err, "\r{line}\x1b[K");
        } else {
            let _ = writeln!(err, "{line}");
        }
        let _ = err.flush();
    }

    pub(crate) fn step(&mut self, what: &str, print: bool) {
        self.done += 1;
        if print || self.tty {
            self.draw(what);
        }
    }

    /// A line for logs (non-terminals) only, e.g. at the end of a task.
    pub(crate) fn log(&self, what: &str) {
        if !self.tty {
            self.draw(what);
        }
    }

    pub(crate) fn finish(&self) {
        if self.enabled && self.tty {
            eprintln!();
        }
    }
}
