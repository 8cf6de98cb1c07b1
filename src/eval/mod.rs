//! Evaluation: metrics, and scoring a labelled corpus with a model.

pub mod metrics;

pub use metrics::{ClassMetrics, Confusion, Metrics};

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
        confusion.add(truth, pipeline.predict(text, &mut ws));
    }
    Ok(Metrics::from_confusion(confusion))
}
