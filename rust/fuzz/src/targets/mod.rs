//! One function per fuzz target (see the crate docs).
mod ids;
mod kernels;
mod layout;
mod models;

pub use ids::{columns, ids};
pub use kernels::{activity, calendar, cohort, summary};
pub use layout::layout;
pub use models::{fit, models};
