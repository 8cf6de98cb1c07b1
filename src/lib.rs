//! `stance`: stance and sentiment classifiers for news text.
//!
//! One data flow serves training, evaluation and scoring:
//!
//! ```text
//! text ─► analyzer ─► terms (+byte offsets) ─► n-grams ─► sparse tf-idf ─► linear scorer ─► label + probabilities
//!         split, lowercase,                   sorted vocabulary             weights fitted        + explanation
//!         negation, stem                      with stored idf               by linfa              (term, weight, offsets)
//! ```
//!
//! Training hands a dense column-major matrix to linfa at the boundary and copies the fitted
//! weights into [`model::LinearScorer`]. A model file ([`persist`]) holds the analyzer config,
//! vocabulary, idf, weights, labels and metadata together.

pub mod batch;
pub mod cli;
pub mod data;
pub mod error;
pub mod eval;
pub mod fasthash;
pub mod fastpath;
pub(crate) mod kernel;
pub mod features;
pub mod model;
pub mod persist;
pub mod pipeline;
pub mod score;
pub mod text;
pub mod trend;
pub mod util;

pub use error::{Result, StanceError};
pub use pipeline::{Pipeline, PipelineConfig, Workspace};
