//! The on-device evaluator (`static/offline/criteria.js`) against the domain: for every
//! shipped criteria set, a seeded generator makes answer sets (complete and incomplete,
//! on thresholds and floors, with area variants, tags, earlier recognitions, bad values),
//! the domain evaluates each, the corpus is written as JSON, and node runs the script over it;
//! every outcome (passed, level, band, points, pass mark, summary, every explanation item's
//! scope, id, met, levels met, points, source, value, whether something is missing, confidence,
//! or the refused answers by kind and id) must be the same.

use hoctap_domain::criteria::{Answers, CriteriaSet, EvalError, Evaluation, IndicatorKind, Method, shipped_sets};
use jiff::civil::Date;
use serde_json::{Value, json};

/// A small deterministic generator (xorshift64*), so a failing case can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn hundredths_of(v: &Value) -> i64 {
    // Points and thresholds in the set's JSON are numbers with at most two decimals.
    v.as_f64().map(|f| (f * 100.0).round() as i64).unwrap_or(0)
}

fn number_json(hundredths: i64) -> Value {
    if hundredths % 100 == 0 {
        json!(hundredths / 100)
    } else {
        serde_json::Number::from_f64(hundredths as f64 / 100.0).map(Value::Number).unwrap_or(Value::Null)
    }
}

/// Points near what decides: 0, the maximum, floors, halves, and off-grid or out-of-range values.
fn gen_points(rng: &mut Rng, max: i64, floors: &[i64]) -> Value {
    match rng.below(20) {
        0 => json!(0),
        1..=3 => number_json(max),
        4..=5 if !floors.is_empty() => {
            let f = floors[rng.below(floors.len() as u64) as usize];
            number_json((f + rng.below(3) as i64 * 50 - 50).clamp(0, max))
        }
        6 => number_json(max + 50),
        7 => json!(-1),
        8 => serde_json::Number::from_f64(1.125).map(Value::Number).unwrap_or(Value::Null),
        9 => json!(true),
        _ => number_json((max - rng.below(6) as i64 * 25 * rng.below(4) as i64).max(0)),
    }
}

fn gen_number(rng: &mut Rng, thresholds: &[i64]) -> Value {
    match rng.below(10) {
        0 => json!(-5),
        1 => json!(false),
        2..=6 if !thresholds.is_empty() => {
            let t = thresholds[rng.below(thresholds.len() as u64) as usize];
            number_json((t + rng.below(5) as i64 * 25 - 50).max(0))
        }
        _ => number_json(rng.below(10_001) as i64),
    }
}

fn date_text(d: Date) -> String {
    d.to_string()
}

/// One answer set for `set` (as JSON) and the evaluation date.
fn gen_case(rng: &mut Rng, set: &CriteriaSet, set_json: &Value) -> (Value, String) {
    let from = set.legal_basis.effective_from;
    let to = set.legal_basis.effective_to.unwrap_or(jiff::civil::date(2031, 12, 31));
    let span = (to - from).get_days().max(1);
    let on = match rng.below(25) {
        0 => from.checked_sub(jiff::Span::new().days(1)).unwrap_or(from),
        1 => from,
        2 => to,
        _ => from.checked_add(jiff::Span::new().days(rng.below(span as u64) as i64)).unwrap_or(from),
    };
    let floors: Vec<i64> = set_json["points"]["floors"]
        .as_array()
        .map(|fs| fs.iter().flat_map(|f| [&f["at_least"], &f["above"]]).filter(|v| !v.is_null()).map(hundredths_of).collect())
        .unwrap_or_default();
    let complete = rng.chance(70);
    let mut answers = serde_json::Map::new();
    for (_, ind) in set.indicators() {
        if !complete && rng.chance(15) {
            continue;
        }
        let has_formula = ind.formula.is_some();
        let has_condition = ind.requirements.iter().any(|r| r.condition.is_some());
        let v = match ind.kind {
            IndicatorKind::Points => {
                let max = ind.max_points.map(|p| p.hundredths()).unwrap_or(0);
                if complete && rng.chance(90) {
                    number_json(max - rng.below(3) as i64 * 50).max_zero()
                } else {
                    gen_points(rng, max, &floors)
                }
            }
            IndicatorKind::YesNo => {
                if has_condition && rng.chance(60) {
                    continue;
                }
                if complete { json!(rng.chance(88)) } else { json!(rng.chance(60)) }
            }
            IndicatorKind::Number => {
                if has_formula && rng.chance(60) {
                    continue;
                }
                let thresholds: Vec<i64> = ind
                    .requirements
                    .iter()
                    .flat_map(|r| [r.at_least, r.at_most])
                    .flatten()
                    .filter_map(|n| hoctap_domain::criteria::Points::try_from(n).ok().map(|p| p.hundredths()))
                    .collect();
                if complete && rng.chance(85) {
                    let t = thresholds.iter().copied().max().unwrap_or(0);
                    number_json(t + rng.below(3) as i64 * 100)
                } else {
                    gen_number(rng, &thresholds)
                }
            }
        };
        answers.insert(ind.id.clone(), v);
    }
    if rng.chance(3) {
        answers.insert("KHONG.CO".into(), json!(1));
    }
    let mut data = serde_json::Map::new();
    for var in &set.variables {
        match rng.below(12) {
            0 if !complete => {}
            1 => {
                data.insert(var.id.clone(), json!(0));
            }
            2 if !complete => {
                data.insert(var.id.clone(), json!(-3));
            }
            3 => {
                data.insert(var.id.clone(), json!(rng.below(1000) as f64 + 0.5));
            }
            _ => {
                data.insert(var.id.clone(), json!(200 + rng.below(800)));
            }
        }
    }
    // Ratios that land on a threshold exactly: a numerator equal to a share of the denominator.
    if rng.chance(30) {
        let ids: Vec<String> = data.keys().cloned().collect();
        if let (Some(a), Some(b)) = (ids.first(), ids.get(1)) {
            data.insert(a.clone(), json!(700));
            data.insert(b.clone(), json!(1000));
        }
    }
    let mut area = Vec::new();
    for a in ["mien_nui", "dac_biet_kho_khan", "dan_toc_thieu_so"] {
        if rng.chance(25) {
            area.push(json!(a));
        }
    }
    let mut tags = Vec::new();
    for t in &set.tags {
        if rng.chance(35) {
            tags.push(json!(t.id));
        }
    }
    if rng.chance(2) {
        tags.push(json!("nhan_la"));
    }
    let mut previous = Vec::new();
    let ids: Vec<&str> = set.levels.iter().map(|l| l.id.as_str()).chain(set.bands.iter().map(|b| b.id.as_str())).collect();
    for _ in 0..rng.below(3) {
        if ids.is_empty() {
            break;
        }
        let level = if rng.chance(3) { "khong_co" } else { ids[rng.below(ids.len() as u64) as usize] };
        let back = rng.below(72) as i64 - 1;
        let decided = on.checked_sub(jiff::Span::new().months(back)).unwrap_or(on);
        let decided = if rng.chance(30) { decided.first_of_month().last_of_month() } else { decided };
        previous.push(json!({"level": level, "decided_on": date_text(decided)}));
    }
    let mut v = json!({"answers": answers});
    if !data.is_empty() {
        v["data"] = Value::Object(data);
    }
    if !area.is_empty() {
        v["area"] = Value::Array(area);
    }
    if !tags.is_empty() {
        v["tags"] = Value::Array(tags);
    }
    if !previous.is_empty() {
        v["previous"] = Value::Array(previous);
    }
    (v, date_text(on))
}

trait MaxZero {
    fn max_zero(self) -> Value;
}

impl MaxZero for Value {
    fn max_zero(self) -> Value {
        if self.as_f64().is_some_and(|f| f < 0.0) { json!(0) } else { self }
    }
}

fn error_key(e: &Value) -> String {
    let kind = e["error"].as_str().unwrap_or("");
    let which = ["id", "name", "index", "path"].iter().map(|k| &e[*k]).find(|v| !v.is_null()).cloned().unwrap_or(json!(""));
    let which = match which {
        Value::String(s) => s,
        other => other.to_string(),
    };
    format!("{kind}:{which}")
}

fn exact(v: &hoctap_domain::criteria::AnswerValue) -> String {
    match v {
        hoctap_domain::criteria::AnswerValue::Bool(b) => b.to_string(),
        hoctap_domain::criteria::AnswerValue::Number(n) => n.to_exact(),
    }
}

fn code<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// The comparable outcome of the domain, the shape `outcome` of criteria.js makes.
fn outcome(r: Result<Evaluation, Vec<Value>>) -> Value {
    let e = match r {
        Err(errors) => return json!({"ok": false, "errors": errors.iter().map(error_key).collect::<Vec<_>>()}),
        Ok(e) => e,
    };
    let p = |x: Option<hoctap_domain::criteria::Points>| x.map(|p| json!(p.hundredths())).unwrap_or(Value::Null);
    let items: Vec<String> = e
        .explanation
        .iter()
        .map(|i| {
            [
                code(&i.scope),
                i.id.clone(),
                i.met.map_or("-".into(), |m| m.to_string()),
                i.met_levels.join("+"),
                i.points.map_or("-".into(), |p| p.hundredths().to_string()),
                i.max_points.map_or("-".into(), |p| p.hundredths().to_string()),
                i.source.as_ref().map_or("-".into(), code),
                i.value.as_ref().map_or("-".into(), exact),
                if i.missing.is_some() { "missing".into() } else { String::new() },
                i.confidence.as_ref().map_or("-".into(), code),
            ]
            .join("|")
        })
        .collect();
    json!({
        "ok": true, "passed": e.passed, "level": e.level, "band": e.band, "total_points": p(e.total_points),
        "max_points": p(e.max_points), "pass_mark": p(e.pass_mark), "confidence": code(&e.confidence),
        "summary": e.summary, "items": items,
    })
}

fn evaluate(set: &CriteriaSet, answers: &Value, on: &str) -> Value {
    let parsed =
        Answers::from_json_value(answers).map_err(|errs| errs.iter().map(|e| serde_json::to_value(e).unwrap_or_default()).collect());
    let on: Date = on.parse().unwrap_or(jiff::civil::date(2025, 12, 31));
    outcome(parsed.and_then(|a| {
        set.evaluate(&a, on).map_err(|e| match e {
            EvalError::Answers(errs) => errs.iter().map(|e| serde_json::to_value(e).unwrap_or_default()).collect(),
            EvalError::NotInForce { .. } => vec![json!({"error": "not_in_force"})],
            EvalError::InvalidSet(_) => vec![json!({"error": "invalid_set"})],
        })
    }))
}

/// Answer sets per shipped set.
const CASES: usize = 400;

#[test]
fn the_device_evaluator_gives_the_servers_result_on_every_shipped_set() {
    let sets = shipped_sets().unwrap_or_default();
    assert!(sets.len() >= 20, "the shipped sets load");
    let mut rng = Rng(0x5EED_0FF1_1E00_0018);
    let mut corpus = Vec::new();
    let (mut passed, mut refused, mut levels_reached) = (0usize, 0usize, 0usize);
    for set in &sets {
        let set_json = serde_json::to_value(set).unwrap_or_default();
        for _ in 0..CASES {
            let (answers, on) = gen_case(&mut rng, set, &set_json);
            let expected = evaluate(set, &answers, &on);
            passed += usize::from(expected["passed"] == json!(true));
            refused += usize::from(expected["ok"] == json!(false));
            levels_reached += usize::from(set.method == Method::Levels && !expected["level"].is_null());
            corpus.push(json!({"set": set.id, "on": on, "answers": answers, "expected": expected}));
        }
    }
    // The corpus must exercise both verdicts and refusals, or it proves little.
    let total = corpus.len();
    assert!(passed > total / 10 && refused > total / 10 && refused < total * 9 / 10, "passed {passed}, refused {refused} of {total}");
    assert!(levels_reached > 100, "levels reached {levels_reached}");
    let sets_json: serde_json::Map<String, Value> =
        sets.iter().map(|s| (s.id.clone(), serde_json::to_value(s).unwrap_or_default())).collect();
    let dir = std::env::temp_dir().join(format!("hoctap-offline-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let corpus_path = dir.join("corpus.json");
    std::fs::write(&corpus_path, json!({"sets": sets_json, "cases": corpus}).to_string()).expect("corpus written");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/static/offline/criteria.js");
    let runner = r#"
const c = require(process.argv[1]);
const data = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const canon = (v) => Array.isArray(v) ? v.map(canon) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v;
let bad = 0;
for (const [i, k] of data.cases.entries()) {
  let got;
  try { got = c.outcome(c.evaluate(data.sets[k.set], k.answers, k.on)); } catch (e) { got = {threw: String(e && e.stack || e)}; }
  if (JSON.stringify(canon(got)) !== JSON.stringify(canon(k.expected))) {
    if (bad < 5) console.log(JSON.stringify({case: i, set: k.set, on: k.on, answers: k.answers, expected: k.expected, got: got}));
    bad++;
  }
}
console.log('checked ' + data.cases.length + ', different ' + bad);
process.exit(bad ? 1 : 0);
"#;
    let out = std::process::Command::new("node").arg("-e").arg(runner).arg(script).arg(&corpus_path).output().expect("node runs");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the device evaluator differs from the domain:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(&format!("checked {total}, different 0")), "{stdout}");
}
