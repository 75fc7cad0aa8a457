//! Report stage: what `seg dry-run` shows — [`Report`] (built from a run's outcome) and
//! its renderings: terminal text, JSON and a self-contained HTML page.

mod build;
mod html;
mod model;
mod numbers;
mod stats;
mod terminal;

pub use build::build;
pub use html::render_html;
pub use model::*;
pub use numbers::thousands;
pub use terminal::render as render_terminal;
