// The criteria engine on the device: evaluates answers against a criteria set sent as data
// (the JSON of /api/v1/criteria-sets/{id}), with the rules of crates/domain/src/criteria/engine.rs.
// One source of truth: the server's results; crates/web/src/offline.rs generates a corpus of
// answer sets for every shipped set, evaluates them with the domain and runs this file over it
// under node, asserting the same outcome (passed, level, band, points, every item, the summary).
// Numbers are exact fractions on BigInt, as in the domain: floats never decide.
(function (root) {
  'use strict';

  // ---- exact numbers ----------------------------------------------------------------------
  function gcd(a, b) {
    if (a < 0n) a = -a;
    if (b < 0n) b = -b;
    while (b !== 0n) { var t = a % b; a = b; b = t; }
    return a;
  }
  function frac(n, d) {
    if (d === 0n) throw { arith: 'chia cho 0' };
    var g = gcd(n, d);
    if (g === 0n) g = 1n;
    n = n / g; d = d / g;
    if (d < 0n) { n = -n; d = -d; }
    return { n: n, d: d };
  }
  var ZERO = { n: 0n, d: 1n };
  function add(a, b) { return frac(a.n * b.d + b.n * a.d, a.d * b.d); }
  function sub(a, b) { return frac(a.n * b.d - b.n * a.d, a.d * b.d); }
  function mul(a, b) { return frac(a.n * b.n, a.d * b.d); }
  function div(a, b) { if (b.n === 0n) throw { arith: 'chia cho 0' }; return frac(a.n * b.d, a.d * b.n); }
  function cmp(a, b) { var x = a.n * b.d, y = b.n * a.d; return x < y ? -1 : x > y ? 1 : 0; }
  function eqNum(a, b) { return a.n === b.n && a.d === b.d; }

  // Number::parse: "70", "70.5", "70,5", "-1"; at most 12 decimals. Returns null when malformed.
  function parseNumber(input) {
    var s = String(input).trim();
    var neg = false, body = s;
    if (body.charAt(0) === '-') { neg = true; body = body.slice(1); } else if (body.charAt(0) === '+') { body = body.slice(1); }
    var m = /^([0-9]*)(?:[.,]([0-9]*))?$/.exec(body);
    if (!m) return null;
    var int = m[1], fr = m[2] === undefined ? '' : m[2];
    if (int === '' && fr === '') return null;
    if (/[.,]$/.test(body) || fr.length > 12 || int.length > 18) return null;
    var n = BigInt((int + fr) || '0');
    return frac(neg ? -n : n, 10n ** BigInt(fr.length));
  }
  // A JSON number as the domain reads it: through its shortest decimal text.
  function numberOfJson(x) { return parseNumber(String(x)); }

  // Points: an integer count of hundredths (Number); null when not exactly two decimals.
  function pointsOf(num) {
    var scaled = num.n * 100n;
    if (scaled % num.d !== 0n) return null;
    return Number(scaled / num.d);
  }
  function pointsText(h) {
    var sign = h < 0 ? '-' : '';
    var abs = Math.abs(h), int = Math.floor(abs / 100), f = abs % 100;
    if (f === 0) return sign + int;
    if (f % 10 === 0) return sign + int + ',' + (f / 10);
    return sign + int + ',' + (f < 10 ? '0' : '') + f;
  }
  function exact(num) { return num.d === 1n ? String(num.n) : num.n + '/' + num.d; }

  // ---- dates (civil, as jiff) -------------------------------------------------------------
  function parseDate(s) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || '');
    return m ? { y: +m[1], m: +m[2], d: +m[3] } : null;
  }
  function dkey(a) { return a.y * 10000 + a.m * 100 + a.d; }
  function daysIn(y, m) { return new Date(Date.UTC(y, m, 0)).getUTCDate(); }
  function addMonths(a, months) {
    var t = a.y * 12 + (a.m - 1) + months;
    var y = Math.floor(t / 12), m = t % 12 + 1;
    return { y: y, m: m, d: Math.min(a.d, daysIn(y, m)) };
  }
  function minusDay(a) {
    var t = new Date(Date.UTC(a.y, a.m - 1, a.d - 1));
    return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
  }

  // ---- the formula language (crates/domain/src/criteria/expr.rs) --------------------------
  function lex(src) {
    var out = [], i = 0;
    while (i < src.length) {
      var c = src.charAt(i), start = i;
      if (/\s/.test(c)) { i++; continue; }
      if (/[0-9]/.test(c)) {
        while (i < src.length && /[0-9.]/.test(src.charAt(i))) i++;
        out.push({ num: parseNumber(src.slice(start, i)) });
        continue;
      }
      if (/[A-Za-z_]/.test(c)) {
        while (i < src.length && /[A-Za-z0-9_.]/.test(src.charAt(i))) i++;
        var w = src.slice(start, i);
        out.push(w === 'and' || w === 'or' ? { op: w } : { name: w });
        continue;
      }
      var two = src.slice(i, i + 2);
      if (two === '>=' || two === '<=' || two === '==' || two === '!=') { out.push({ op: two }); i += 2; continue; }
      if ('<>+-*/'.indexOf(c) >= 0) { out.push({ op: c }); i++; continue; }
      if (c === '(') { out.push({ lp: true }); i++; continue; }
      if (c === ')') { out.push({ rp: true }); i++; continue; }
      throw new Error('ký tự không được phép ' + c);
    }
    return out;
  }
  function parseExpr(src) {
    var toks = lex(src), pos = 0;
    function isOp(ops) { var t = toks[pos]; return t && t.op && ops.indexOf(t.op) >= 0 ? t.op : null; }
    function binary(ops, next) {
      var left = next(), op;
      while ((op = isOp(ops))) { pos++; left = { bin: op, l: left, r: next() }; }
      return left;
    }
    function or() { return binary(['or'], and); }
    function and() { return binary(['and'], compare); }
    function compare() {
      var left = sum(), op = isOp(['<', '<=', '>', '>=', '==', '!=']);
      if (op) { pos++; return { bin: op, l: left, r: sum() }; }
      return left;
    }
    function sum() { return binary(['+', '-'], product); }
    function product() { return binary(['*', '/'], unary); }
    function unary() { if (isOp(['-'])) { pos++; return { neg: unary() }; } return primary(); }
    function primary() {
      var t = toks[pos++];
      if (!t) throw new Error('công thức kết thúc giữa chừng');
      if (t.num) return { num: t.num };
      if (t.name) return { name: t.name };
      if (t.lp) { var e = or(); if (!toks[pos] || !toks[pos].rp) throw new Error('thiếu dấu )'); pos++; return e; }
      throw new Error('công thức lỗi');
    }
    var root = or();
    return { source: src, root: root };
  }
  function names(node, out) {
    if (node.name) { if (out.indexOf(node.name) < 0) out.push(node.name); }
    else if (node.neg) names(node.neg, out);
    else if (node.bin) { names(node.l, out); names(node.r, out); }
    return out;
  }
  // Values: {num: fraction} or {bool: b}. Errors thrown: {missing: name} or {arith: text}.
  function evalNode(node, env) {
    if (node.num) return { num: node.num };
    if (node.name) { var v = env(node.name); if (!v) throw { missing: node.name }; return v; }
    if (node.neg) { var x = evalNode(node.neg, env); return { num: frac(-x.num.n, x.num.d) }; }
    var l = evalNode(node.l, env);
    if (node.bin === 'and' && !l.bool) return { bool: false };
    if (node.bin === 'or' && l.bool) return { bool: true };
    var r = evalNode(node.r, env);
    switch (node.bin) {
      case '+': return { num: add(l.num, r.num) };
      case '-': return { num: sub(l.num, r.num) };
      case '*': return { num: mul(l.num, r.num) };
      case '/': return { num: div(l.num, r.num) };
      case '<': return { bool: cmp(l.num, r.num) < 0 };
      case '<=': return { bool: cmp(l.num, r.num) <= 0 };
      case '>': return { bool: cmp(l.num, r.num) > 0 };
      case '>=': return { bool: cmp(l.num, r.num) >= 0 };
      case '==': return { bool: sameValue(l, r) };
      case '!=': return { bool: !sameValue(l, r) };
      default: return { bool: !!r.bool };
    }
  }
  function sameValue(a, b) {
    if (a.num && b.num) return eqNum(a.num, b.num);
    if (a.num || b.num) return false;
    return a.bool === b.bool;
  }

  // ---- answers ------------------------------------------------------------------------------
  var AREAS = ['mien_nui', 'dac_biet_kho_khan', 'dan_toc_thieu_so'];
  // Reads `{"answers", "data", "area", "tags", "previous"}`; returns {answers} or {errors}.
  function readAnswers(v) {
    var errors = [], out = { values: {}, data: {}, area: [], tags: [], previous: [] };
    function shape(path) { errors.push({ error: 'shape', path: path }); }
    if (!v || typeof v !== 'object' || Array.isArray(v)) return { errors: [{ error: 'shape', path: '' }] };
    Object.keys(v).forEach(function (k) { if (['answers', 'data', 'area', 'tags', 'previous'].indexOf(k) < 0) shape(k); });
    if (v.answers === undefined) shape('answers');
    else if (v.answers && typeof v.answers === 'object' && !Array.isArray(v.answers)) {
      Object.keys(v.answers).sort().forEach(function (id) {
        var x = v.answers[id];
        if (typeof x === 'boolean') out.values[id] = { bool: x };
        else if (typeof x === 'number') {
          var n = numberOfJson(x);
          if (n) out.values[id] = { num: n }; else errors.push({ error: 'bad_value', id: id });
        } else errors.push({ error: 'wrong_type', id: id });
      });
    } else shape('answers');
    if (v.data !== undefined) {
      if (v.data && typeof v.data === 'object' && !Array.isArray(v.data)) {
        Object.keys(v.data).sort().forEach(function (k) {
          var n = typeof v.data[k] === 'number' ? numberOfJson(v.data[k]) : null;
          if (n) out.data[k] = n; else shape('data.' + k);
        });
      } else shape('data');
    }
    if (v.area !== undefined) {
      if (Array.isArray(v.area)) v.area.forEach(function (a, i) {
        if (typeof a === 'string' && AREAS.indexOf(a.trim()) >= 0) { if (out.area.indexOf(a.trim()) < 0) out.area.push(a.trim()); }
        else shape('area[' + i + ']');
      }); else shape('area');
    }
    if (v.tags !== undefined) {
      if (Array.isArray(v.tags)) v.tags.forEach(function (t, i) { if (typeof t === 'string') out.tags.push(t); else shape('tags[' + i + ']'); });
      else shape('tags');
    }
    if (v.previous !== undefined) {
      if (Array.isArray(v.previous)) v.previous.forEach(function (p, i) {
        if (!p || typeof p.level !== 'string') { shape('previous[' + i + '].level'); return; }
        var d = typeof p.decided_on === 'string' ? parseDate(p.decided_on) : null;
        if (d) out.previous.push({ level: p.level, decided_on: d }); else shape('previous[' + i + '].decided_on');
      }); else shape('previous');
    }
    return errors.length ? { errors: errors } : { answers: out };
  }

  // ---- the engine ---------------------------------------------------------------------------
  var RANK = { verified: 0, partially_recalled: 1, guessed: 2 };
  function weaker(a, b) { return RANK[b] > RANK[a] ? b : a; }
  function hundredths(p) { return p === undefined || p === null ? null : pointsOf(numberOfJson(p)); }
  function indicatorsOf(set) {
    var out = [];
    set.criteria.forEach(function (c, ci) { c.indicators.forEach(function (i) { out.push({ c: c, ci: ci, ind: i }); }); });
    return out;
  }
  function item(scope, id, name) {
    return { scope: scope, id: id, name: name, value: null, source: null, points: null, max_points: null, met: null, met_levels: [], missing: null, confidence: null };
  }
  function keptUntil(set, decided) {
    var months = set.timing && set.timing.validity_months;
    if (months === undefined || months === null) return null;
    return minusDay(addMonths(decided, months));
  }
  function levelIndex(levels, id) { for (var i = 0; i < levels.length; i++) if (levels[i].id === id) return i; return -1; }

  function recognitionItems(set, ans, on) {
    return ans.previous.map(function (p) {
      var l = (set.levels || []).filter(function (x) { return x.id === p.level; })[0] || (set.bands || []).filter(function (x) { return x.id === p.level; })[0];
      var it = item('recognition', p.level, l ? l.name : p.level);
      var until = keptUntil(set, p.decided_on);
      it.met = until ? dkey(on) <= dkey(until) : null;
      it.confidence = (set.timing && set.timing.validity_confidence) || null;
      return it;
    });
  }

  function commonChecks(set, ans, on) {
    var errors = [], all = indicatorsOf(set);
    Object.keys(ans.values).sort().forEach(function (id) {
      if (!all.some(function (x) { return x.ind.id === id; })) errors.push({ error: 'unknown_indicator', id: id });
    });
    Object.keys(ans.data).sort().forEach(function (name) {
      if (!(set.variables || []).some(function (v) { return v.id === name; })) errors.push({ error: 'unknown_variable', name: name });
      else if (ans.data[name].n < 0n) errors.push({ error: 'negative_data', name: name });
    });
    ans.tags.forEach(function (t, index) {
      if (!(set.tags || []).some(function (x) { return x.id === t; })) errors.push({ error: 'unknown_tag', index: index });
    });
    ans.previous.forEach(function (p, index) {
      var known = (set.levels || []).some(function (l) { return l.id === p.level; }) || (set.bands || []).some(function (b) { return b.id === p.level; });
      if (!known) errors.push({ error: 'unknown_level', index: index });
      if (dkey(p.decided_on) > dkey(on)) errors.push({ error: 'future_decision', index: index });
    });
    return errors;
  }

  function evaluatePoints(set, ans, on, errors) {
    var rules = set.points;
    var points = [];
    indicatorsOf(set).forEach(function (x) {
      var ind = x.ind, max = hundredths(ind.max_points) || 0, v = ans.values[ind.id];
      if (!v) errors.push({ error: 'missing', id: ind.id });
      else if (v.bool !== undefined) errors.push({ error: 'wrong_type', id: ind.id });
      else {
        var p = pointsOf(v.num);
        if (p === null || Math.abs(p) > 1e14) errors.push({ error: 'bad_value', id: ind.id });
        else if (p < 0) errors.push({ error: 'negative', id: ind.id });
        else if (p > max) errors.push({ error: 'above_max', id: ind.id });
        else points.push(p);
      }
    });
    if (errors.length) return null;
    var floors = (rules.floors || []).map(function (f) {
      var v = f.at_least !== undefined && f.at_least !== null ? { value: hundredths(f.at_least), strict: false } : f.above !== undefined && f.above !== null ? { value: hundredths(f.above), strict: true } : null;
      return { f: f, spec: v };
    });
    function floorOk(spec, v) { return spec.strict ? v > spec.value : v >= spec.value; }
    // The decision (PointsScorer::score).
    var total = 0, floorsMet = true, idx = 0;
    set.criteria.forEach(function (c) {
      var s = 0;
      c.indicators.forEach(function () {
        var v = points[idx++];
        s += v;
        floors.forEach(function (fl) { if (fl.spec && fl.f.scope === 'indicator' && !floorOk(fl.spec, v)) floorsMet = false; });
      });
      floors.forEach(function (fl) { if (fl.spec && fl.f.scope === 'criterion' && !floorOk(fl.spec, s)) floorsMet = false; });
      total += s;
    });
    var area = ans.area;
    var passMark = null;
    if (rules.pass_mark !== undefined && rules.pass_mark !== null) {
      passMark = hundredths(rules.pass_mark);
      (rules.pass_mark_by_area || []).forEach(function (a) {
        if (a.area.some(function (x) { return area.indexOf(x) >= 0; })) passMark = Math.min(passMark, hundredths(a.pass_mark));
      });
    }
    var bands = set.bands || [], bandIdx = null;
    for (var i = 0; i < bands.length; i++) {
      var min = hundredths(bands[i].min);
      if (min === null || (floorsMet && total >= min)) { bandIdx = i; break; }
    }
    var passed = passMark !== null ? floorsMet && total >= passMark : bandIdx !== null && bands[bandIdx].passes;

    // The explanation around the decision.
    var confidence = weaker(set.confidence, rules.confidence);
    function applyFloors(it, scope, v) {
      var met = true, any = false;
      floors.filter(function (fl) { return fl.f.scope === scope; }).forEach(function (fl) {
        any = true;
        confidence = weaker(confidence, fl.f.confidence);
        if (!fl.spec) return;
        if (!floorOk(fl.spec, v)) { met = false; it.missing = true; }
      });
      if (any) it.met = met;
    }
    var items = [], k = 0;
    set.criteria.forEach(function (c) {
      var sum = 0, cItems = [];
      c.indicators.forEach(function (ind) {
        var p = points[k++];
        sum += p;
        var it = item('indicator', ind.id, ind.name);
        it.value = { num: frac(BigInt(p), 100n) };
        it.source = 'answered';
        it.points = p;
        it.max_points = hundredths(ind.max_points) || 0;
        it.confidence = ind.confidence;
        confidence = weaker(confidence, ind.confidence);
        applyFloors(it, 'indicator', p);
        cItems.push(it);
      });
      var it = item('criterion', c.id, c.name);
      it.points = sum;
      it.max_points = c.max_points !== undefined && c.max_points !== null ? hundredths(c.max_points)
        : c.indicators.reduce(function (a, i) { return a + (hundredths(i.max_points) || 0); }, 0);
      it.confidence = c.confidence;
      confidence = weaker(confidence, c.confidence);
      applyFloors(it, 'criterion', sum);
      items.push(it);
      items.push.apply(items, cItems);
    });
    var missing = false;
    if (passMark !== null) {
      (rules.pass_mark_by_area || []).forEach(function (a) {
        if (a.area.some(function (x) { return area.indexOf(x) >= 0; })) confidence = weaker(confidence, a.confidence);
      });
      if (total < passMark) missing = true;
      if (!floorsMet && items.some(function (i) { return i.met === false && i.missing; })) missing = true;
    }
    var band = bandIdx !== null ? bands[bandIdx] : null;
    if (band) {
      confidence = weaker(confidence, band.confidence);
      var next = bandIdx > 0 ? bands[bandIdx - 1] : null;
      if (next && next.min !== undefined && next.min !== null) {
        if (total < hundredths(next.min) || !floorsMet) missing = true;
      }
    }
    var maxTotal = hundredths(rules.max_total);
    var head = item('set', set.id, set.title);
    head.points = total;
    head.max_points = maxTotal;
    head.met = passed;
    head.missing = missing;
    head.confidence = confidence;
    var summary = (passed ? 'Đạt' : 'Chưa đạt') + ': ' + pointsText(total) + '/' + pointsText(maxTotal) + ' điểm' + (band ? ', xếp loại ' + band.name : '');
    return {
      passed: passed, level: null, level_name: null, band: band ? band.id : null, band_name: band ? band.name : null,
      total_points: total, max_points: maxTotal, pass_mark: passMark, confidence: confidence, summary: summary,
      explanation: [head].concat(items, recognitionItems(set, ans, on))
    };
  }

  function selectRequirement(reqs, level, area, tags) {
    var at = [];
    (reqs || []).forEach(function (r, i) { if (r.level === level) at.push([i, r]); });
    var variant = at.filter(function (x) {
      var r = x[1], ra = r.area || [], rt = r.tags || [];
      return (ra.length || rt.length) && (!ra.length || ra.some(function (a) { return area.indexOf(a) >= 0; })) && rt.every(function (t) { return tags.indexOf(t) >= 0; });
    })[0];
    return variant || at.filter(function (x) { return !(x[1].area || []).length && !(x[1].tags || []).length; })[0] || null;
  }
  function applies(ind, tags) {
    return (ind.applies_to || []).every(function (t) { return tags.indexOf(t) >= 0; }) && !(ind.excluded_for || []).some(function (t) { return tags.indexOf(t) >= 0; });
  }

  function evaluateLevels(set, ans, on, errors) {
    var levels = set.levels || [], L = levels.length;
    function env(name) {
      if (ans.data[name]) return { num: ans.data[name] };
      var v = ans.values[name];
      return v ? (v.bool !== undefined ? { bool: v.bool } : { num: v.num }) : null;
    }
    function tryEval(e, id) {
      try { return evalNode(e.root, env); } catch (err) {
        if (err && err.missing) errors.push({ error: 'missing_data', id: id });
        else if (err && err.arith) errors.push({ error: 'arithmetic', id: id });
        else throw err;
        return null;
      }
    }
    var rows = [];
    indicatorsOf(set).forEach(function (x) {
      var ind = x.ind, reqs = ind.requirements || [];
      var formula = ind.formula ? parseExpr(ind.formula) : null;
      var conds = reqs.map(function (r) { return r.condition ? parseExpr(r.condition) : null; });
      var row = { crit: x.ci, ind: ind, value: null, source: 'answered', met: [], needs: [] };
      for (var i = 0; i < L; i++) { row.met.push(true); row.needs.push(false); }
      if (!applies(ind, ans.tags)) { row.source = 'not_applicable'; rows.push(row); return; }
      var a = ans.values[ind.id];
      var hasConditions = conds.some(function (c) { return c; });
      if (ind.kind === 'yes_no' && a && a.bool !== undefined) row.value = a;
      else if (ind.kind === 'number' && a && a.num) {
        if (a.num.n < 0n) { errors.push({ error: 'negative', id: ind.id }); return; }
        row.value = a;
      } else if (a) { errors.push({ error: 'wrong_type', id: ind.id }); return; }
      else if (ind.kind === 'number' && formula) {
        row.source = 'computed';
        var v = tryEval(formula, ind.id);
        if (!v || !v.num) return;
        row.value = { num: v.num };
      } else if (ind.kind === 'yes_no' && hasConditions) row.source = 'computed';
      else { errors.push({ error: 'missing', id: ind.id }); return; }
      levels.forEach(function (level, li) {
        var sel = selectRequirement(reqs, level.id, ans.area, ans.tags);
        var met, need = false;
        if (ind.kind === 'yes_no' && !sel && !reqs.length) { met = !!(row.value && row.value.bool === true); need = !met; }
        else if (!sel) met = true;
        else if (ind.kind === 'yes_no') {
          var cond = conds[sel[0]];
          if (row.value && row.value.bool !== undefined) { met = row.value.bool; need = !met; }
          else if (cond) {
            var r = tryEval(cond, ind.id);
            if (r && r.bool !== undefined) { met = r.bool; need = !met; } else met = false;
          } else met = false;
        } else {
          if (!row.value || !row.value.num) return;
          var req = sel[1], val = row.value.num;
          met = true;
          if (req.at_least !== undefined && req.at_least !== null && cmp(val, numberOfJson(req.at_least)) < 0) { met = false; need = true; }
          if (req.at_most !== undefined && req.at_most !== null && cmp(val, numberOfJson(req.at_most)) > 0) { met = false; need = true; }
        }
        row.met[li] = met;
        row.needs[li] = need;
      });
      rows.push(row);
    });
    if (errors.length) return null;

    function levelMet(li) { return rows.every(function (r) { return r.met[li]; }); }
    var reached = null;
    for (var li = 0; li < L; li++) { if (levelMet(li)) reached = li; else break; }
    var byCriteria = reached;
    var timingItem = null, confidence = set.confidence;
    var up = set.timing && set.timing.upgrade;
    if (up && reached !== null) {
      var from = levelIndex(levels, up.from), to = levelIndex(levels, up.to);
      if (from >= 0 && to >= 0 && reached >= to) {
        confidence = weaker(confidence, up.confidence);
        var qualifying = null;
        ans.previous.forEach(function (p) {
          var pr = levelIndex(levels, p.level);
          if (pr < 0 || pr < from) return;
          var until = keptUntil(set, p.decided_on);
          if (until && dkey(on) > dkey(until)) return;
          if (!qualifying || dkey(p.decided_on) >= dkey(qualifying.decided_on)) qualifying = p;
        });
        var ok = false, missing = null;
        if (!qualifying) missing = true;
        else {
          var earliest = addMonths(qualifying.decided_on, up.min_months);
          ok = dkey(on) >= dkey(earliest);
          missing = !ok;
        }
        if (!ok) reached = to >= 1 ? to - 1 : null;
        timingItem = item('recognition', up.to, levels[to].name);
        timingItem.met = ok;
        timingItem.missing = missing;
        timingItem.confidence = up.confidence;
      }
    }
    var next = reached === null ? 0 : reached + 1 < L ? reached + 1 : null;
    var items = [];
    set.criteria.forEach(function (c, ci) {
      var cr = rows.filter(function (r) { return r.crit === ci; });
      var metLevels = levels.filter(function (l, li) { return cr.every(function (r) { return r.met[li]; }); }).map(function (l) { return l.id; });
      var firstMet = L > 0 && metLevels.indexOf(levels[0].id) >= 0;
      var failing = cr.filter(function (r) { return next !== null && !r.met[next]; });
      var it = item('criterion', c.id, c.name);
      it.met = firstMet;
      it.met_levels = metLevels;
      it.confidence = c.confidence;
      confidence = weaker(confidence, c.confidence);
      it.missing = failing.length > 0 && next !== null && next < L;
      items.push(it);
      cr.forEach(function (r) {
        var ii = item('indicator', r.ind.id, r.ind.name);
        ii.value = r.value;
        ii.source = r.source;
        ii.met = L > 0 ? r.met[0] : true;
        ii.met_levels = levels.filter(function (l, li) { return r.met[li]; }).map(function (l) { return l.id; });
        ii.confidence = r.ind.confidence;
        if (r.source !== 'not_applicable') confidence = weaker(confidence, r.ind.confidence);
        ii.missing = next !== null && next < L && r.needs[next];
        items.push(ii);
      });
    });
    var level = reached !== null ? levels[reached] : null;
    var head = item('set', set.id, set.title);
    head.met = !!level;
    head.missing = false;
    if (next !== null && next < L) {
      var failingAll = rows.filter(function (r) { return !r.met[next]; });
      if (failingAll.length) head.missing = true;
      else if (timingItem) head.missing = !!timingItem.missing;
    }
    head.confidence = confidence;
    void byCriteria;
    var summary = level ? 'Đạt ' + level.name + (level.alias ? ' (' + level.alias + ')' : '') : 'Chưa đạt';
    return {
      passed: !!level, level: level ? level.id : null, level_name: level ? level.name : null, band: null, band_name: null,
      total_points: null, max_points: null, pass_mark: null, confidence: confidence, summary: summary,
      explanation: [head].concat(items, timingItem ? [timingItem] : [], recognitionItems(set, ans, on))
    };
  }

  // Evaluates answers JSON against a set (JSON) on a date ("yyyy-mm-dd").
  // Returns {ok: true, evaluation} or {ok: false, errors: [{error, id|name|index|path}]}.
  function evaluate(set, answersJson, onText) {
    var on = parseDate(onText);
    var read = readAnswers(answersJson);
    if (read.errors) return { ok: false, errors: read.errors };
    var lb = set.legal_basis;
    if (dkey(parseDate(lb.effective_from)) > dkey(on) || (lb.effective_to && dkey(on) > dkey(parseDate(lb.effective_to)))) {
      return { ok: false, errors: [{ error: 'not_in_force' }] };
    }
    var ans = read.answers;
    var errors = commonChecks(set, ans, on);
    var result = set.method === 'points' ? evaluatePoints(set, ans, on, errors) : evaluateLevels(set, ans, on, errors);
    if (errors.length || !result) return { ok: false, errors: errors };
    return { ok: true, evaluation: result };
  }

  // The comparable outcome, the same shape crates/web/src/offline.rs makes from the domain's.
  function outcome(r) {
    if (!r.ok) return { ok: false, errors: r.errors.map(function (e) { return e.error + ':' + (e.id !== undefined ? e.id : e.name !== undefined ? e.name : e.index !== undefined ? e.index : e.path !== undefined ? e.path : ''); }) };
    var e = r.evaluation;
    function pts(p) { return p === null || p === undefined ? null : p; }
    return {
      ok: true, passed: e.passed, level: e.level, band: e.band, total_points: pts(e.total_points), max_points: pts(e.max_points),
      pass_mark: pts(e.pass_mark), confidence: e.confidence, summary: e.summary,
      items: e.explanation.map(function (i) {
        var v = i.value ? (i.value.bool !== undefined ? String(i.value.bool) : exact(i.value.num)) : null;
        return [i.scope, i.id, i.met === null ? '-' : String(i.met), i.met_levels.join('+'), i.points === null ? '-' : String(i.points),
          i.max_points === null ? '-' : String(i.max_points), i.source || '-', v === null ? '-' : v, i.missing ? 'missing' : '', i.confidence || '-'].join('|');
      })
    };
  }

  var api = { evaluate: evaluate, outcome: outcome, parseNumber: parseNumber, pointsText: pointsText };
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
  else root.HoctapCriteria = api;
})(typeof self !== 'undefined' ? self : this);
