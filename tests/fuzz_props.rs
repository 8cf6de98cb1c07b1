//! Property tests: random bytes and random text thrown at everything that reads untrusted input.
//! The property is always the same: no panic, and whatever comes back is well formed.

mod common;

use std::io::Cursor;
use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;
use stance::data::{Columns, InputFormat, ReadOptions, RecordReader};
use stance::persist;
use stance::score::{self, resume, InputSource, InputSpec, RowFormat, ScoreOptions, Scorer, Silent, Unit};
use stance::pipeline::{DataSource, Pipeline, PipelineConfig, Workspace};
use stance::text::sentences::split_sentences;
use stance::text::{Analysis, Analyzer, AnalyzerConfig, StemLanguage};

/// Cases per property; each property runs this many random inputs. `PROPTEST_CASES=N` in the
/// environment runs N instead (for a long local run).
const CASES: u32 = 2000;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(CASES)
}

fn model() -> &'static (Pipeline, Vec<u8>) {
    static MODEL: OnceLock<(Pipeline, Vec<u8>)> = OnceLock::new();
    MODEL.get_or_init(|| {
        let (texts, labels) = common::corpus_sample(30);
        let mut config = PipelineConfig::default();
        config.train = stance::model::TrainParams::for_classifier(stance::model::ClassifierKind::Nb);
        let p = Pipeline::fit(&config, &texts, &labels, &DataSource::default()).unwrap();
        let bytes = persist::to_bytes(&p).unwrap();
        (p, bytes)
    })
}

/// The output of scoring a few awkward records with `scorer`.
fn scored_output(scorer: &Scorer<'_>) -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("stance-fuzz-resume-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("in.csv");
    if !input.exists() {
        let tmp = dir.join(format!("in.csv.{:?}", std::thread::current().id()));
        std::fs::write(&tmp, "id,text\na,Troops shelled the town. Talks failed.\n\"b,\nc\",Both sides agreed to a ceasefire.\nd,\n=e,\"He said \"\"no\"\". Missiles struck.\"\n").unwrap();
        std::fs::rename(&tmp, &input).unwrap();
    }
    let mut spec = InputSpec::new(input.to_str().unwrap());
    spec.id_col = Some("id".into());
    let mut out = Vec::new();
    score::score_stream(scorer, InputSource::open(&spec).unwrap(), &mut out, &mut Silent).unwrap();
    out
}

/// Text with the characters that break tokenizers: quotes, dots, apostrophes, hyphens, CJK,
/// Arabic, combining marks, emoji, control characters, NUL.
fn nasty_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("U.S.".to_string()),
            Just("Lt. Gen.".to_string()),
            Just("don't".to_string()),
            Just("’".to_string()),
            Just("-".to_string()),
            Just("...".to_string()),
            Just("“".to_string()),
            Just("\"".to_string()),
            Just("\n".to_string()),
            Just("\r\n".to_string()),
            Just("\0".to_string()),
            Just("3.5".to_string()),
            Just("停火。".to_string()),
            Just("وقف إطلاق النار".to_string()),
            Just("e\u{301}".to_string()),
            Just("🕊️".to_string()),
            Just("not".to_string()),
            "\\PC{0,12}",
            "[a-zA-Z ]{0,20}",
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn model_loader_never_panics_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = persist::from_bytes(&bytes, Path::new("random.model"));
    }

    #[test]
    fn model_loader_never_panics_on_mutated_models(flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8), cut in any::<prop::sample::Index>()) {
        let good = &model().1;
        let mut bytes = good.clone();
        for (i, v) in &flips {
            let at = i.index(bytes.len());
            bytes[at] ^= v | 1;
        }
        let _ = persist::from_bytes(&bytes, Path::new("mutated.model"));
        let len = cut.index(good.len());
        prop_assert!(persist::from_bytes(&good[..len], Path::new("cut.model")).is_err());
    }

    #[test]
    fn analyzer_terms_are_in_bounds(text in nasty_text(), negation in any::<bool>()) {
        for stem in [StemLanguage::English, StemLanguage::None, StemLanguage::Arabic] {
            let analyzer = Analyzer::new(AnalyzerConfig { stem, negation_scope: negation });
            let mut a = Analysis::new();
            analyzer.analyze(&text, &mut a);
            let mut last_end = 0;
            for t in a.terms() {
                prop_assert!(t.start < t.end && t.end <= text.len());
                prop_assert!(t.start >= last_end);
                prop_assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
                last_end = t.end;
            }
        }
    }

    #[test]
    fn splitter_spans_are_ordered_trimmed_and_on_char_boundaries(text in nasty_text()) {
        let spans = split_sentences(&text);
        let mut last = 0;
        for s in &spans {
            prop_assert!(s.start >= last && s.start < s.end && s.end <= text.len());
            prop_assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
            let t = s.text(&text);
            prop_assert_eq!(t, t.trim());
            last = s.end;
        }
    }

    #[test]
    fn scoring_any_text_gives_probabilities(text in nasty_text()) {
        let (p, _) = model();
        let mut ws = Workspace::default();
        let label = p.predict(&text, &mut ws);
        prop_assert!(label < p.labels().len());
        let sum: f64 = ws.probabilities.iter().sum();
        prop_assert!((sum - 1.0).abs() < 1e-9);
        prop_assert!(ws.probabilities.iter().all(|x| x.is_finite()));
        let _ = p.explain(&text, label, 5, &mut ws);
    }

    #[test]
    fn readers_account_for_input_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..400), fmt in 0usize..4) {
        let format = [InputFormat::Csv, InputFormat::Tsv, InputFormat::Jsonl, InputFormat::Text][fmt];
        let options = ReadOptions {
            format,
            columns: Columns { text: "text".into(), label: Some("label".into()), id: None },
            max_record_bytes: 64,
            lossy: false,
        };
        let input = Box::new(Cursor::new(bytes.clone()));
        if let Ok(reader) = RecordReader::from_reader("fuzz", input, options) {
            let mut last_line = 0;
            for item in reader {
                let item = item.expect("in-memory reads cannot fail");
                let line = match &item { Ok(r) => r.line, Err(e) => e.line };
                prop_assert!(line >= last_line, "lines go forward");
                last_line = line;
            }
        }
    }

    #[test]
    fn delimited_reader_skips_long_lines_and_keeps_counting(lens in proptest::collection::vec(0usize..120, 0..40), max in 7usize..80, tsv in any::<bool>()) {
        let sep = if tsv { '\t' } else { ',' };
        let mut bytes = format!("id{sep}text\n").into_bytes();
        for (i, len) in lens.iter().enumerate() {
            bytes.extend_from_slice(format!("r{i}{sep}{}\n", "x".repeat(*len)).as_bytes());
        }
        let format = if tsv { InputFormat::Tsv } else { InputFormat::Csv };
        let options = ReadOptions { format, columns: Columns { text: "text".into(), label: None, id: Some("id".into()) }, max_record_bytes: max, lossy: false };
        let reader = RecordReader::from_reader("long", Box::new(Cursor::new(bytes)), options).unwrap();
        let items: Vec<_> = reader.map(|i| i.unwrap()).collect();
        prop_assert_eq!(items.len(), lens.len());
        for (i, (item, len)) in items.iter().zip(&lens).enumerate() {
            let line_len = format!("r{i}").len() + 1 + len;
            match item {
                Ok(r) => {
                    prop_assert!(line_len <= max);
                    prop_assert_eq!(r.line, i as u64 + 2);
                    prop_assert_eq!(&r.id, &format!("r{i}"));
                    prop_assert_eq!(r.text.len(), *len);
                }
                Err(e) => {
                    prop_assert!(line_len > max);
                    prop_assert_eq!(e.line, i as u64 + 2);
                    prop_assert!(e.message.contains(&format!("line of {line_len} bytes exceeds the limit of {max}")), "{}", e.message);
                }
            }
        }
    }

    #[test]
    fn resume_scan_never_panics_on_damaged_output(bytes in proptest::collection::vec(any::<u8>(), 0..600), flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6), cut in any::<prop::sample::Index>(), kind in 0usize..6, real in any::<bool>()) {
        let (p, _) = model();
        let unit = [Unit::Record, Unit::Sentence, Unit::Article][kind % 3];
        let format = if kind < 3 { RowFormat::Csv } else { RowFormat::Jsonl };
        let scorer = Scorer::new(p, ScoreOptions { unit, format, explain: 2, ..ScoreOptions::default() }).unwrap();
        let mut file = if real { scored_output(&scorer) } else { bytes };
        for (i, v) in &flips {
            if !file.is_empty() {
                let at = i.index(file.len());
                file[at] ^= v | 1;
            }
        }
        file.truncate(cut.index(file.len() + 1));
        if let Ok(found) = resume::scan(&file[..], Path::new("fuzz.out"), &scorer, 1 << 20) {
            prop_assert!(found.keep <= found.len && found.len == file.len() as u64);
        }
    }

    #[test]
    fn text_reader_yields_one_item_per_line(lines in proptest::collection::vec(proptest::collection::vec(prop_oneof![0u8..=9, 11u8..=255], 0..30), 0..30)) {
        let mut bytes = Vec::new();
        for l in &lines {
            bytes.extend_from_slice(l);
            bytes.push(b'\n');
        }
        let options = ReadOptions { format: InputFormat::Text, columns: Columns { text: "text".into(), label: None, id: None }, max_record_bytes: 20, lossy: false };
        let reader = RecordReader::from_reader("lines", Box::new(Cursor::new(bytes)), options).unwrap();
        let items: Vec<_> = reader.map(|i| i.unwrap()).collect();
        prop_assert_eq!(items.len(), lines.len());
    }
}
