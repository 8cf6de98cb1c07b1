//! Text analysis: words with byte offsets, normalization, negation scope and stemming.

pub mod analyzer;
pub mod sentences;
pub mod tokenizer;

pub use analyzer::{Analysis, Analyzer, AnalyzerConfig, StemLanguage, Term};
