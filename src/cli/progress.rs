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
/// last one when dropped), with the CPU time the process spent in it (user and system, all
/// threads: twice the wall time means both cores were busy) and the peak memory so far,
/// where the system tells them, for `--timings`.
pub struct Timings {
    current: Mutex<Option<Stage>>,
}

/// The stage being timed: its name, when it started and the process's CPU time then.
struct Stage {
    name: String,
    started: Instant,
    cpu_at_start: Option<f64>,
}

impl Timings {
    fn start(&self, name: String) {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        let stage = Stage {
            name,
            started: Instant::now(),
            cpu_at_start: cpu_seconds(),
        };
        if let Some(finished) = current.replace(stage) {
            print_timing(&finished);
        }
    }
}

fn print_timing(stage: &Stage) {
    let seconds = stage.started.elapsed().as_secs_f64();
    let cpu = match (stage.cpu_at_start, cpu_seconds()) {
        (Some(start), Some(now)) => format!("{:>8.3} s cpu  ", now - start),
        _ => String::new(),
    };
    let peak = peak_memory_mib().map_or(String::new(), |p| format!("{p:>6} MiB peak  "));
    eprintln!("{seconds:>8.3} s  {cpu}{peak}{}", stage.name);
}

/// The process's CPU time so far, user and system, over all its threads.
fn cpu_seconds() -> Option<f64> {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return None;
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Some(seconds(usage.ru_utime) + seconds(usage.ru_stime))
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
        if let Some(finished) = current.take() {
            print_timing(&finished);
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
