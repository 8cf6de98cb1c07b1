//! Threshold tuning for two-label tasks: choose the operating point on a validation split by
//! F1, or by a target precision or recall, and store it in the model as its decision rule.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::curves::operating_points;
use crate::data::folds::stratified_split;
use crate::error::{Result, StanceError};
use crate::model::{DecisionRule, OperatingPoint};
use crate::pipeline::{DataSource, Pipeline, PipelineConfig, Workspace};

/// What the operating point should achieve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Objective {
    /// The best F1 of the positive label.
    F1,
    /// The highest recall whose precision is at least this.
    Precision(f64),
    /// The highest precision whose recall is at least this.
    Recall(f64),
}

impl FromStr for Objective {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let s = s.trim().to_ascii_lowercase();
        if s == "f1" {
            return Ok(Objective::F1);
        }
        let (name, value) = s
            .split_once(['=', ':'])
            .ok_or_else(|| format!("'{s}' should be f1, precision=P or recall=R (P, R between 0 and 1)"))?;
        let v: f64 = value.trim().parse().map_err(|_| format!("'{value}' is not a number"))?;
        if !(v > 0.0 && v <= 1.0) {
            return Err(format!("target {v} must be in (0, 1]"));
        }
        match name.trim() {
            "precision" | "p" => Ok(Objective::Precision(v)),
            "recall" | "r" => Ok(Objective::Recall(v)),
            other => Err(format!("unknown objective '{other}'; use f1, precision=P or recall=R")),
        }
    }
}

impl fmt::Display for Objective {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Objective::F1 => write!(f, "f1"),
            Objective::Precision(p) => write!(f, "precision>={p}"),
            Objective::Recall(r) => write!(f, "recall>={r}"),
        }
    }
}

/// The threshold on `scores` (probabilities of the positive label) that best meets `objective`,
/// with the precision, recall and F1 it gives on these scores. The threshold is placed halfway
/// between the lowest score called positive and the next lower score, so it does not sit on a
/// validation example. `None` when either class is absent or no threshold meets a target.
pub fn choose_threshold(scores: &[f64], positive: &[bool], objective: Objective) -> Option<OperatingPoint> {
    let points = operating_points(scores, positive);
    let f1 = |p: &super::curves::CurvePoint| {
        if p.precision + p.tpr > 0.0 {
            2.0 * p.precision * p.tpr / (p.precision + p.tpr)
        } else {
            0.0
        }
    };
    let mut best: Option<usize> = None;
    for (i, p) in points.iter().enumerate() {
        let better = match (objective, best.map(|b| &points[b])) {
            (Objective::F1, None) => true,
            (Objective::F1, Some(b)) => f1(p) > f1(b),
            (Objective::Precision(t), b) => {
                p.precision >= t && b.is_none_or(|b| p.tpr > b.tpr || (p.tpr == b.tpr && p.precision > b.precision))
            }
            (Objective::Recall(t), b) => p.tpr >= t && b.is_none_or(|b| p.precision > b.precision),
        };
        if better {
            best = Some(i);
        }
    }
    let i = best?;
    let p = &points[i];
    let threshold = match points.get(i + 1) {
        Some(next) => (p.threshold + next.threshold) / 2.0,
        None => 0.0,
    };
    Some(OperatingPoint { threshold, precision: p.precision, recall: p.tpr, f1: f1(p) })
}

/// How `fit_with_threshold` tunes.
#[derive(Debug, Clone)]
pub struct ThresholdTuning {
    pub objective: Objective,
    /// Share of each label held out to choose the threshold on.
    pub validation_share: f64,
    /// Abstain band stored with the threshold (0 never abstains).
    pub abstain_band: f64,
    /// The positive label; default the second of the two labels in sorted order.
    pub positive_label: Option<String>,
    /// Retrain on all the data once the threshold is chosen (the stored model then saw the
    /// validation texts too); otherwise the stored model is the one the threshold was tuned on.
    pub refit: bool,
}

/// Trains on a stratified (1 - share) of the data, picks the threshold on the held-out share,
/// then (with `refit`) retrains on everything, and returns the model with the rule stored.
pub fn fit_with_threshold(
    config: &PipelineConfig,
    texts: &[String],
    labels: &[String],
    source: &DataSource,
    tuning: &ThresholdTuning,
) -> Result<Pipeline> {
    if !(tuning.validation_share > 0.0 && tuning.validation_share < 1.0) {
        return Err(StanceError::config("validation-share", format!("{} must be between 0 and 1", tuning.validation_share)));
    }
    let mut distinct: Vec<&String> = labels.iter().collect();
    distinct.sort();
    distinct.dedup();
    if distinct.len() != 2 {
        return Err(StanceError::config("tune-threshold", format!("threshold tuning needs exactly two labels; the data has {}", distinct.len())));
    }
    let positive_label = match &tuning.positive_label {
        Some(l) if distinct.contains(&l) => l.clone(),
        Some(l) => {
            return Err(StanceError::config("positive-label", format!("'{l}' is not a label of the data ({}, {})", distinct[0], distinct[1])))
        }
        None => distinct[1].clone(),
    };
    let held_out = stratified_split(labels, tuning.validation_share, config.train.seed);
    let pick = |keep: bool| -> (Vec<String>, Vec<String>) {
        held_out.iter().zip(texts.iter().zip(labels)).filter(|(h, _)| **h == keep).map(|(_, (t, l))| (t.clone(), l.clone())).unzip()
    };
    let (train_texts, train_labels) = pick(false);
    let (val_texts, val_labels) = pick(true);
    let mut model = Pipeline::fit(config, &train_texts, &train_labels, source)?;
    let pos = model.labels().iter().position(|l| *l == positive_label).ok_or_else(|| {
        StanceError::config("positive-label", format!("'{positive_label}' is missing from the training part of the split"))
    })?;
    let mut ws = Workspace::default();
    let scores: Vec<f64> = val_texts
        .iter()
        .map(|t| {
            model.predict(t, &mut ws);
            ws.probabilities[pos]
        })
        .collect();
    let truth: Vec<bool> = val_labels.iter().map(|l| *l == positive_label).collect();
    let point = choose_threshold(&scores, &truth, tuning.objective).ok_or_else(|| {
        StanceError::config(
            "tune-threshold",
            format!("no threshold reaches {} on the {} validation texts; lower the target or add data", tuning.objective, val_texts.len()),
        )
    })?;
    if tuning.refit {
        model = Pipeline::fit(config, texts, labels, source)?;
    }
    model.set_decision(Some(DecisionRule {
        positive_label,
        threshold: point.threshold,
        abstain_band: tuning.abstain_band,
        tuned_for: tuning.objective.to_string(),
        n_validation: val_texts.len(),
        validation: Some(point),
    }))?;
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: [f64; 6] = [0.9, 0.8, 0.7, 0.6, 0.3, 0.2];
    const Y: [bool; 6] = [true, false, true, true, false, false];

    #[test]
    fn objectives_parse() {
        assert_eq!("f1".parse::<Objective>().unwrap(), Objective::F1);
        assert_eq!("precision=0.9".parse::<Objective>().unwrap(), Objective::Precision(0.9));
        assert_eq!("Recall:0.5".parse::<Objective>().unwrap(), Objective::Recall(0.5));
        assert!("precision=1.5".parse::<Objective>().is_err());
        assert!("auc".parse::<Objective>().is_err());
    }

    #[test]
    fn best_f1_by_hand() {
        // thresholds 0.9: P1 R1/3 F .5 | 0.8: P.5 R1/3 F.4 | 0.7: P2/3 R2/3 F2/3 | 0.6: P3/4 R1 F6/7
        let p = choose_threshold(&S, &Y, Objective::F1).unwrap();
        assert!((p.f1 - 6.0 / 7.0).abs() < 1e-12);
        assert!((p.threshold - 0.45).abs() < 1e-12, "halfway between 0.6 and 0.3");
    }

    #[test]
    fn precision_and_recall_targets() {
        // precision >= 0.7: 0.9 (R 1/3) and 0.6 (P .75, R 1) qualify -> the higher recall
        let p = choose_threshold(&S, &Y, Objective::Precision(0.7)).unwrap();
        assert_eq!((p.recall, p.precision), (1.0, 0.75));
        // precision 1.0 only at the top
        let p = choose_threshold(&S, &Y, Objective::Precision(1.0)).unwrap();
        assert!((p.threshold - 0.85).abs() < 1e-12 && (p.recall - 1.0 / 3.0).abs() < 1e-12);
        // recall >= 0.6: 0.7 (P 2/3), 0.6 (P 3/4), 0.3 (P 3/5), 0.2 (P 1/2) -> 0.6
        let p = choose_threshold(&S, &Y, Objective::Recall(0.6)).unwrap();
        assert_eq!(p.precision, 0.75);
        assert!(choose_threshold(&S, &[true; 6], Objective::F1).is_none());
    }
}
