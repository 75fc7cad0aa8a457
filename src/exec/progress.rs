//! Exec stage: progress of a run (bytes of each input read, then the stages), reported to
//! whoever watches — a progress bar on a terminal, or nobody.

/// Receives progress reports during a run.
pub trait Progress: Sync {
    /// A file starts being read; `bytes` is its size (0 when unknown).
    fn file(&self, name: &str, bytes: u64);
    /// The current file has been read up to byte `position`.
    fn read(&self, position: u64);
    /// A stage that is not a file read starts (population functions, segments, campaigns).
    fn stage(&self, name: &str);
}

/// Progress that nobody watches.
pub struct NoProgress;

impl Progress for NoProgress {
    fn file(&self, _name: &str, _bytes: u64) {}
    fn read(&self, _position: u64) {}
    fn stage(&self, _name: &str) {}
}
