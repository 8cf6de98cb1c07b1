//! Features: vectorizer parameters, the fitted n-gram vocabulary with tf-idf, sparse vectors.

pub mod config;
pub mod nb;
pub mod sparse;
pub mod vectorizer;

pub use config::{DocFreq, Norm, VectorizerConfig};
pub use sparse::SparseVector;
pub use vectorizer::{Occurrence, VectorScratch, Vectorizer};
