//! A progress bar on standard error for long runs (`seg run`, `seg dry-run`): bytes of each
//! input read, then the stages. Shown only when standard error is a terminal.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use seg::exec::{NoProgress, Progress};

/// A progress bar drawn with `indicatif`.
pub struct Bar {
    bar: ProgressBar,
}

impl Progress for Bar {
    fn file(&self, name: &str, bytes: u64) {
        self.bar.set_style(bytes_style());
        self.bar.set_length(bytes);
        self.bar.set_position(0);
        self.bar.set_message(format!("reading {name}"));
    }

    fn read(&self, position: u64) {
        self.bar.set_position(position);
    }

    fn stage(&self, name: &str) {
        self.bar.set_style(stage_style());
        self.bar.set_message(name.to_string());
        self.bar.tick();
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

fn stage_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

fn bytes_style() -> ProgressStyle {
    ProgressStyle::with_template(
        "{msg:24} [{bar:32}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    )
    .map(|s| s.progress_chars("=> "))
    .unwrap_or_else(|_| ProgressStyle::default_bar())
}

/// Prints each stage's wall time to standard error when the next one starts (and the
/// last one when dropped), with the peak memory so far where the system tells it, for
/// `--timings`.
pub struct Timings {
    current: Mutex<Option<(String, Instant)>>,
}

impl Timings {
    fn start(&self, stage: String) {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((name, started)) = current.replace((stage, Instant::now())) {
            print_timing(&name, started);
        }
    }
}

fn print_timing(stage: &str, started: Instant) {
    let seconds = started.elapsed().as_secs_f64();
    match peak_memory_mib() {
        Some(peak) => eprintln!("{seconds:>8.3} s  {peak:>6} MiB peak  {stage}"),
        None => eprintln!("{seconds:>8.3} s  {stage}"),
    }
}

/// The process's peak resident memory so far (Linux: `VmHWM` in /proc/self/status).
fn peak_memory_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

impl Progress for Timings {
    fn file(&self, name: &str, _bytes: u64) {
        self.start(format!("read {name}"));
    }

    fn read(&self, _position: u64) {}

    fn stage(&self, name: &str) {
        self.start(name.to_string());
    }
}

impl Drop for Timings {
    fn drop(&mut self) {
        let current = self.current.get_mut().unwrap_or_else(|e| e.into_inner());
        if let Some((name, started)) = current.take() {
            print_timing(&name, started);
        }
    }
}

/// Stage timings with `timings`; else a progress bar when standard error is a terminal and
/// `quiet` is off; otherwise silence.
pub fn progress(quiet: bool, timings: bool) -> Box<dyn Progress> {
    if timings {
        return Box::new(Timings {
            current: Mutex::new(None),
        });
    }
    if quiet || !std::io::stderr().is_terminal() {
        return Box::new(NoProgress);
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(stage_style());
    bar.enable_steady_tick(Duration::from_millis(120));
    Box::new(Bar { bar })
}
