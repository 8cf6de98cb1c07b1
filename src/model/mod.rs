//! Classifiers: parameters, linfa training, and the sparse linear scorer the weights end up in.

pub mod decision;
pub mod params;
pub mod scorer;
pub mod train;

pub use decision::{Decision, DecisionRule, OperatingPoint};
pub use params::{Balance, ClassifierKind, TrainParams};
pub use scorer::{LinearScorer, Link};
pub use train::fit_scorer;
