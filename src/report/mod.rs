//! Report stage: what `seg dry-run` shows — [`Report`] (built from a run's outcome) and
//! its renderings: terminal text and JSON.

mod build;
mod model;
mod stats;
mod terminal;

pub use build::build;
pub use model::*;
pub use terminal::render as render_terminal;
