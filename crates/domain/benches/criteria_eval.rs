//! Scoring 1,000,000 "Công dân học tập" self-assessments in one process.
//!
//! `cargo bench -p hoctap-domain --bench criteria_eval` (plain `harness = false`: no
//! framework, the timing lives here and not in the domain crate). Prints evaluations per
//! second for the allocation-free fast path and for the explaining path.

use std::hint::black_box;
use std::time::Instant;

use hoctap_domain::area::AreaAttribute;
use hoctap_domain::criteria::{Answers, AreaSet, Points, shipped_set};

/// A small deterministic generator (xorshift), so runs are comparable without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn main() {
    let n: usize = std::env::args().filter_map(|a| a.parse().ok()).next().unwrap_or(1_000_000);
    let Some(set) = shipped_set("cdht-congdan") else {
        eprintln!("cdht-congdan is not shipped");
        return;
    };
    let scorer = match set.points_scorer() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return;
        }
    };
    let width = scorer.len();
    // Inputs are generated before timing: 10 indices of 3–10 points in steps of 0.5.
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut points = Vec::with_capacity(n * width);
    let mut areas = Vec::with_capacity(n);
    for _ in 0..n {
        for _ in 0..width {
            points.push(Points::from_hundredths(300 + 50 * (rng.next() % 15) as i64));
        }
        areas.push(if rng.next().is_multiple_of(5) { AreaSet::of(&[AreaAttribute::MienNui]) } else { AreaSet::NONE });
    }

    let start = Instant::now();
    let mut passed = 0usize;
    let mut errors = 0usize;
    for (row, area) in points.chunks_exact(width).zip(&areas) {
        match scorer.score(black_box(row), *area) {
            Ok(o) => passed += usize::from(o.passed),
            Err(_) => errors += 1,
        }
    }
    let fast = start.elapsed();
    println!(
        "fast path (PointsScorer::score): {n} evaluations in {:.3} s = {:.0} evaluations/s ({passed} passed, {errors} errors)",
        fast.as_secs_f64(),
        n as f64 / fast.as_secs_f64()
    );

    // The explaining path on a sample: it builds the explanation, so it allocates.
    let sample = n.min(100_000);
    let evaluator = match set.evaluator() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{e}");
            return;
        }
    };
    let ids: Vec<String> = set.indicators().map(|(_, i)| i.id.clone()).collect();
    let on = jiff::civil::date(2024, 12, 31);
    let start = Instant::now();
    let mut slow_passed = 0usize;
    for (row, area) in points.chunks_exact(width).zip(&areas).take(sample) {
        let mut answers = ids.iter().zip(row).fold(Answers::new(), |a, (id, p)| a.number(id, p.to_number()));
        if *area != AreaSet::NONE {
            answers = answers.with_area(AreaAttribute::MienNui);
        }
        if let Ok(e) = evaluator.evaluate(black_box(&answers), on) {
            slow_passed += usize::from(e.passed);
        }
    }
    let slow = start.elapsed();
    println!(
        "explaining path (Evaluator::evaluate): {sample} evaluations in {:.3} s = {:.0} evaluations/s ({slow_passed} passed)",
        slow.as_secs_f64(),
        sample as f64 / slow.as_secs_f64()
    );
}
