//! Checks against the two real seed articles in ../shared/seeds (beside the repository).
//!
//! How the expected counts were made: by reading each article by hand, one non-blank line
//! at a time (every line is a paragraph, headline or credit, so every line is at least one
//! sentence), and counting the sentence ends inside each line under the rules in
//! `src/lib.rs`. The per-line counts are written out below and the totals are their sums.
//!
//! article-1.txt: 34 non-blank lines, 55 sentences. Lines with more than one sentence:
//!   L1 2 (Kyiv. | Lavrov reiterated), L3 2 ("the U.S., Moscow" does not split), L4 2,
//!   L7 2, L8 2, L10 2 (em dashes do not split), L12 2, L15 2 ("the U.S. role/had" do not
//!   split), L16 3 ("The U.S. does" does not split; "Ukraine. Their" and "stated. “We" do),
//!   L19 2, L20 3, L23 2, L25 2 (the nested quote ‘I want everyone to stop dying.’ is
//!   followed by "That’s", so it splits; see the ambiguity note in lib.rs), L28 3, L30 2,
//!   L31 2, L34 3. The other 17 lines (the 9 headings among them) are 1 each.
//!   Headings: L2, L6, L9, L14, L18, L22, L27, L29, L33 (L34 is body text).
//!
//! article-2.txt: 30 non-blank lines, 35 sentences. Lines with more than one:
//!   photo caption "...December 6, 2024. Russian Foreign Ministry/Handout via REUTERS" 2,
//!   "And in any case ... want. We would like ... of course... especially ..." 2
//!   (the ellipsis before lowercase "especially" does not split),
//!   "No NATO, absolutely. No military bases. No military exercises ..." 3,
//!   "This article was produced by Reuters news agency. It has not been edited ..." 2.
//!   Everything else is 1 each, including the 7 lone "/" lines at the end (kept as spans;
//!   the caller decides what to do with them).

use stance::text::sentences::{split_sentences, SentenceSpan};

fn load(name: &str) -> String {
    let path = format!("{}/../shared/seeds/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

fn texts<'a>(t: &'a str, spans: &[SentenceSpan]) -> Vec<&'a str> {
    spans.iter().map(|s| s.text(t)).collect()
}

/// Sentence count per non-blank line, in order.
fn per_line_counts(t: &str, spans: &[SentenceSpan]) -> Vec<usize> {
    let mut counts = Vec::new();
    let mut offset = 0;
    for line in t.split('\n') {
        let (lo, hi) = (offset, offset + line.len());
        offset = hi + 1;
        if line.trim().is_empty() {
            continue;
        }
        counts.push(
            spans
                .iter()
                .filter(|s| s.start >= lo && s.end <= hi)
                .count(),
        );
    }
    counts
}

fn assert_invariants(t: &str, spans: &[SentenceSpan]) {
    let mut prev = 0;
    for s in spans {
        assert!(s.start >= prev && s.start < s.end && s.end <= t.len());
        assert!(t.is_char_boundary(s.start) && t.is_char_boundary(s.end));
        let x = s.text(t);
        assert_eq!(x.trim(), x);
        prev = s.end;
    }
}

fn assert_has(sents: &[&str], expected: &str) {
    assert!(
        sents.contains(&expected),
        "expected exactly one sentence {expected:?}; got:\n{sents:#?}"
    );
}

#[test]
fn article_1() {
    let t = load("article-1.txt");
    let spans = split_sentences(&t);
    assert_invariants(&t, &spans);
    let s = texts(&t, &spans);

    assert_has(
        &s,
        "Retired Lt. Gen. Keith Kellogg, a key advisor to Trump on Russia-Ukraine policy, argued in a policy paper that a ceasefire, though difficult for Ukraine to accept, would be the quickest way to end the conflict.",
    );
    for heading in [
        "Lavrov’s Warning on U.S. and Ukraine’s Role",
        "Hypersonic Missile Launch: A Strong Message to the West",
        "Conditions for Peace: Moscow’s Red Lines",
        "U.S. Hegemony and Ukraine’s Role in Global Politics",
        "Trump and U.S.-Russia Relations",
        "Trump’s Advisors Suggest Peace Plans for Ukraine",
        "Global Reactions to Lavrov’s Interview",
        "The Path to Peace: Uncertain and Complex",
        "Conclusion: Will Peace be Achieved?",
    ] {
        assert_has(&s, heading);
    }
    assert_has(
        &s,
        "“If Western powers don’t draw the right conclusions, we will continue to send further messages.”",
    );
    assert_has(
        &s,
        "“The Ukrainians wouldn’t be able to carry out these operations without the active involvement of American military personnel,” Lavrov stated.",
    );
    assert_has(&s, "“This escalation is a dangerous development.”");
    assert_has(
        &s,
        "Lavrov stressed that while Russia does not seek war with the U.S., Moscow will protect its interests by any means necessary.",
    );
    assert_has(&s, "“The U.S. does not care about the people of Ukraine.");
    assert_has(
        &s,
        "He reaffirmed that Moscow expects Ukraine to withdraw from the four regions it annexed in September 2022—Donetsk, Luhansk, Zaporizhzhia, and Kherson—and renounce its NATO ambitions.",
    );
    assert_has(
        &s,
        "He also condemned the West for ignoring Russia’s “red lines,” claiming that continuing to push these boundaries would be a “serious mistake.”",
    );
    // Documented ambiguity: the nested quote ends a sentence inside the outer quote.
    assert_has(
        &s,
        "“Ukraine may not get all of its territory back immediately, but as Trump has said, ‘I want everyone to stop dying.’",
    );
    assert_has(&s, "That’s our priority,” Kellogg wrote.");

    assert_eq!(
        per_line_counts(&t, &spans),
        [
            2, 1, 2, 2, 1, 1, 2, 2, 1, 2, // L1-L10
            1, 2, 1, 1, 2, 3, 1, 1, 2, 3, // L11-L20
            1, 1, 2, 1, 2, 1, 1, 3, 1, 2, // L21-L30
            2, 1, 1, 3, // L31-L34
        ]
    );
    assert_eq!(spans.len(), 55, "{s:#?}");
}

#[test]
fn article_2() {
    let t = load("article-2.txt");
    let spans = split_sentences(&t);
    assert_invariants(&t, &spans);
    let s = texts(&t, &spans);

    assert_has(
        &s,
        "Lavrov insists on Russian 'red lines' but puts out feelers to Trump",
    );
    assert_has(&s, "By Mark Trevelyan and Ronald Popeski");
    assert_has(&s, "PATTERN OF SIGNALS");
    assert_has(&s, "\"And in any case, this (war) is not what we want.");
    assert_has(
        &s,
        "We would like to have normal relations with all our neighbours, of course... especially with a great country like the United States,\" Lavrov said, adding he saw no reason why the two countries could not \"cooperate for the sake of the universe\".",
    );
    assert_has(
        &s,
        "Russia is open to talks with U.S. President-elect Donald Trump but will use \"any means\" to prevent Washington and its allies from defeating it in Ukraine, Foreign Minister Sergei Lavrov told U.S. journalist Tucker Carlson.",
    );
    assert_has(
        &s,
        "Russian Foreign Minister Sergei Lavrov gives an interview to U.S. journalist Tucker Carlson in Moscow, Russia, in this picture released by Russia's Foreign Ministry on December 6, 2024.",
    );
    assert_has(&s, "Russian Foreign Ministry/Handout via REUTERS");
    assert_has(&s, "\"No NATO, absolutely.");
    assert_has(&s, "No military bases.");
    assert_has(
        &s,
        "\"We will be ready to do anything to defend our legitimate interests.\"",
    );
    assert_has(
        &s,
        "Trump, Lavrov said, was \"a very strong person, a person who wants results\".",
    );
    assert!(s
        .iter()
        .any(|x| x.contains("Kyiv regime - they must understand")));
    assert_eq!(s.iter().filter(|x| **x == "/").count(), 7);
    assert_eq!(s.last(), Some(&"/"));

    assert_eq!(
        per_line_counts(&t, &spans),
        [
            1, 1, 2, 1, 1, 1, 1, 2, 1, 1, // headline .. "Trump, Lavrov said"
            1, 1, 1, 1, 1, 1, 1, 1, 3, 1, // "But Lavrov" .. "People close"
            1, 2, 1, 1, 1, 1, 1, 1, 1, 1, // "Russia currently" .. last "/"
        ]
    );
    assert_eq!(spans.len(), 35, "{s:#?}");
}
