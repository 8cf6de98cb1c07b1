//! `stance inspect`

use std::path::PathBuf;

use clap::Args;

use super::Outcome;
use crate::error::Result;
use crate::persist;

#[derive(Debug, Args)]
pub struct InspectCmd {
    /// The model to describe.
    #[arg(long)]
    pub model: PathBuf,
    /// How many of the strongest terms to list per label.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
}

pub fn run(cmd: InspectCmd) -> Result<Outcome> {
    let pipeline = persist::load(&cmd.model)?;
    let meta = pipeline.meta();
    let cfg = &meta.config;
    println!("model          {}", cmd.model.display());
    println!("stance version {}", meta.tool_version);
    println!("classifier     {} (alpha {}, seed {})", cfg.train.classifier, cfg.train.alpha, cfg.train.seed);
    println!("labels         {}", pipeline.labels().join(", "));
    println!("trained on     {} ({} texts, text column '{}', label column '{}', {})", meta.data_path, meta.n_documents, meta.text_col, meta.label_col, meta.data_fingerprint);
    let counts: Vec<String> = meta.class_counts.iter().map(|(l, n)| format!("{l} {n}")).collect();
    println!("class counts   {}", counts.join(", "));
    println!("analyzer       stem {}, negation scope {}", cfg.analyzer.stem, if cfg.analyzer.negation_scope { "on" } else { "off" });
    let v = &cfg.vectorizer;
    println!(
        "vectorizer     {}-{} grams, min_df {}, max_df {}, max_features {}, sublinear_tf {}, binary {}, idf {}, norm {:?}",
        v.ngram_min,
        v.ngram_max,
        v.min_df,
        v.max_df,
        v.max_features.map(|m| m.to_string()).unwrap_or_else(|| "none".into()),
        v.sublinear_tf,
        v.binary,
        v.use_idf,
        v.norm
    );
    println!("features       {}", pipeline.vectorizer().n_features());
    if v.nb_weighting || cfg.train.balance != crate::model::Balance::None {
        println!("training       NB log-count-ratio features {}, balance {}", if v.nb_weighting { "on" } else { "off" }, cfg.train.balance);
    }
    if let Some(rule) = pipeline.decision_rule() {
        println!(
            "decision       {} when p({}) >= {:.4} (tuned for {} on {} validation texts){}",
            rule.positive_label,
            rule.positive_label,
            rule.threshold,
            rule.tuned_for,
            rule.n_validation,
            if rule.abstain_band > 0.0 { format!(", abstain within {}", rule.abstain_band) } else { String::new() }
        );
    }
    if let Some(t) = &meta.trained_at {
        println!("trained at     {t}");
    }
    let scorer = pipeline.scorer();
    let features = pipeline.vectorizer().features();
    for (c, label) in pipeline.labels().iter().enumerate() {
        let mut ranked: Vec<(f64, &str)> =
            (0..features.len()).map(|f| (scorer.contribution(f, 1.0, c), features[f].as_str())).collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        println!("\nstrongest terms for {label}:");
        for (w, term) in ranked.iter().take(cmd.top) {
            println!("  {w:>9.4}  {term}");
        }
    }
    Ok(Outcome::Ok)
}
