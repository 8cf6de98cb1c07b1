//! The command line: clap structs become validated configs here, then each command calls the
//! library. Results go to stdout; progress, warnings and errors to stderr.

mod args;
mod compare;
mod cv;
mod eval;
mod inspect;
mod score;
mod score_lines;
mod train;
mod trend;

use clap::{Parser, Subcommand};

pub use args::{DataArgs, ModelArgs};

use crate::error::Result;

/// Train, evaluate, explain and batch-score stance and sentiment classifiers for news text.
#[derive(Debug, Parser)]
#[command(name = "stance", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a model on labelled sentences and save it as one file.
    Train(train::TrainCmd),
    /// Score texts with a model: per record, per sentence, or per article with an escalation
    /// index and evidence; CSV, JSONL or a readable view.
    Score(score::ScoreCmd),
    /// The escalation index over time (by day, week or month; per source) from scored articles.
    Trend(trend::TrendCmd),
    /// Evaluate a model on labelled data: accuracy, per-class P/R/F1, confusion matrix.
    Eval(eval::EvalCmd),
    /// Show a model's metadata and its strongest terms per label.
    Inspect(inspect::InspectCmd),
    /// Cross-validate one configuration: stratified k-fold, per-fold and mean ± sd metrics.
    Cv(cv::CvCmd),
    /// Cross-validate several configurations on the same folds and rank them (grid search).
    Compare(Box<compare::CompareCmd>),
}

/// How a command ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// Some records could not be processed (they were reported); the rest were.
    SomeFailed,
}

impl Outcome {
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Ok => 0,
            Outcome::SomeFailed => 1,
        }
    }
}

pub fn run(cli: Cli) -> Result<Outcome> {
    match cli.command {
        Command::Train(c) => train::run(c),
        Command::Score(c) => score::run(c),
        Command::Trend(c) => trend::run(c),
        Command::Eval(c) => eval::run(c),
        Command::Inspect(c) => inspect::run(c),
        Command::Cv(c) => cv::run(c),
        Command::Compare(c) => compare::run(*c),
    }
}
