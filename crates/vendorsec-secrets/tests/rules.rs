//! Every rule's positive and negative examples, through the whole engine.

use vendorsec_secrets::{Engine, RuleSet};

fn engine() -> Engine {
    let e = Engine::new(RuleSet::builtin().expect("built-in rules load")).expect("rules parse");
    e.compile_all().expect("rules compile");
    e
}

#[test]
fn builtin_rules_load_and_number_at_least_100() {
    let rules = RuleSet::builtin().unwrap();
    assert!(rules.rules.len() >= 100, "{} rules", rules.rules.len());
    for r in &rules.rules {
        assert!(
            vendorsec_core::catalog::item(&r.guideline).is_some(),
            "{}: unknown guideline {}",
            r.id,
            r.guideline
        );
    }
}

#[test]
fn every_example_behaves() {
    let e = engine();
    let failures = e.check_examples();
    let rules = RuleSet::builtin().unwrap();
    let mut report = String::new();
    for f in &failures {
        let rule = rules.rules.iter().find(|r| r.id == f.rule).unwrap();
        let text = if f.positive {
            &rule.examples[f.example_index]
        } else {
            &rule.negative_examples[f.example_index]
        };
        report.push_str(&format!(
            "{} {} example {}: {}\n",
            f.rule,
            if f.positive { "positive" } else { "negative" },
            f.example_index,
            text.chars().take(120).collect::<String>()
        ));
    }
    assert!(
        failures.is_empty(),
        "{} failing examples:\n{report}",
        failures.len()
    );
}
