//! Evaluation: metrics, ROC/PR curves, cross-validation, comparisons of configurations,
//! threshold tuning, and HTML reports with plots.

pub mod compare;
pub mod curves;
pub mod cv;
pub mod metrics;
pub mod report;
pub mod threshold;

pub use compare::{compare, Candidate, Comparison, RankMetric};
pub use cv::{cross_validate, CvOptions, CvResult};
pub use metrics::{ClassMetrics, Confusion, Metrics};
pub use threshold::{choose_threshold, fit_with_threshold, Objective, ThresholdTuning};

use crate::data::LabelledData;
use crate::error::{Result, StanceError};
use crate::pipeline::{Pipeline, Workspace};

/// Scores every labelled text with `pipeline` and compares with the truth. Labels the model
/// never saw are an error (the metrics would silently ignore them otherwise).
pub fn evaluate(pipeline: &Pipeline, data: &LabelledData) -> Result<Metrics> {
    let labels = pipeline.labels().to_vec();
    let mut confusion = Confusion::new(labels.clone());
    let mut ws = Workspace::default();
    for ((text, label), line) in data.texts.iter().zip(&data.labels).zip(&data.lines) {
        let truth = labels.iter().position(|l| l == label).ok_or_else(|| StanceError::Input {
            path: data.path.clone(),
            line: *line,
            message: format!("label '{label}' is not one the model knows ({})", labels.join(", ")),
            remedy: "Evaluate on data labelled with the model's labels, or pick the matching --label-col.".into(),
        })?;
        pipeline.predict(text, &mut ws);
        // A stored threshold decides the label (the abstain band is a scoring-time choice).
        let predicted = match pipeline.decide_with_band(&ws.probabilities, Some(0.0)) {
            crate::model::Decision::Label(i) => i,
            crate::model::Decision::Abstain => unreachable!("no band, no abstention"),
        };
        confusion.add(truth, predicted);
    }
    Ok(Metrics::from_confusion(confusion))
}
