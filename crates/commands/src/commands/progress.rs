//! A progress line on stderr for long commands: rows done, rate, elapsed. Hand-written (a
//! dozen lines) rather than a progress-bar crate: the total of a streamed file is unknown
//! until the end, so a bar would only guess.

use std::io::Write;
use std::time::Instant;

pub struct Progress {
    what: &'static str,
    started: Instant,
    last_print: Instant,
    tty: bool,
}

impl Progress {
    pub fn new(what: &'static str) -> Self {
        use std::io::IsTerminal;
        Self { what, started: Instant::now(), last_print: Instant::now(), tty: std::io::stderr().is_terminal() }
    }

    /// Reports `done` rows; prints at most five times a second (and always on a terminal's last call).
    pub fn update(&mut self, done: usize) {
        if self.last_print.elapsed().as_millis() < 200 {
            return;
        }
        self.last_print = Instant::now();
        self.print(done, false);
    }

    pub fn finish(&mut self, done: usize) {
        self.print(done, true);
    }

    fn print(&self, done: usize, last: bool) {
        let secs = self.started.elapsed().as_secs_f64().max(1e-6);
        let rate = done as f64 / secs;
        let line = format!("{}: {} dòng, {:.0} dòng/giây, {:.1} giây", self.what, done, rate, secs);
        let mut err = std::io::stderr();
        if self.tty {
            let _ = write!(err, "\r\x1b[2K{line}{}", if last { "\n" } else { "" });
        } else if last || done.is_multiple_of(100_000) {
            let _ = writeln!(err, "{line}");
        }
        let _ = err.flush();
    }
}
