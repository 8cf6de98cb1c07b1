//! Data: input formats, streaming record readers, labelled corpora, stratified folds.

pub mod balance;
pub mod folds;
pub mod format;
pub mod labelled;
pub mod limited;
pub mod reader;

pub use format::InputFormat;
pub use labelled::{load_labelled, load_labelled_with, LabelledData};
pub use reader::{Columns, ReadOptions, Record, RecordError, RecordReader};
