#!/usr/bin/env python3
"""Independent reference and checker for `slam report`.

Given a file written by `slam sessions export` (JSON lines, one stored answer
per line), a LiteLLM-shaped price file and slam's TOML config, this script
computes every figure a report carries, under the keys the report uses:
per model the cell and error counts, per check (never pooled across checks)
the passed and total results and pass rate with a Wilson interval, latency
percentiles, human scores (t intervals clipped to [1, 5]) and sweep
throughput; per candidate the head-to-head human votes against the baseline
(Wilson on wins + ties/2) and the p95 ratio; the cost model (API per-request
prices or self-hosted instances at a utilisation, a 730-hour month, daily
volumes 1k..1M, savings and break-even; a self-hosted model's capacity counts
only at a p95 that meets the target, else it misses the target and its lowest
p95 is given instead of monthly figures); the per-answer figures (checks
passed/total, mean score); the similarity to the baseline from the answers'
sentence embeddings (the embedder on the most lines; per candidate answer the
mean float64 cosine with the baseline's ok answers to the same input, per
candidate their mean with a t interval, not clipped); the pairwise judge
verdicts (per judge, candidate and criterion, ok verdicts in both orders make
a pair, its winner the agreed one or else a tie; share of candidate wins +
ties/2 over pairs, Wilson interval); and the provenance of the run (per
model the repetitions, the lowest seed and each sampling parameter that all
its plain cells share, as stored: 32-bit floats read back as float64).

It can then check a report written by slam:

  --html  every <data value=RAW data-key=KEY>DISPLAY</data> outside <svg>:
          KEY is a computed figure, RAW equals it (relative/absolute 1e-9) and
          is plain decimal notation, all occurrences of a key share one RAW,
          DISPLAY shows the value correctly rounded (`70%` shows RAW 0.7;
          the shortest float32 decimal `0.7` shows RAW 0.699999988079071);
          every computed figure appears at least once; no bare number in the
          text outside <data>, <svg>, <style>, <title>, <script> and
          class="verbatim" elements; nothing external (no http(s):// or //
          in any attribute but the SVG/XLink namespace declarations, no
          non-data: `src`, no <script>, no CSS url( or @import).
  --md    every DISPLAY string of the HTML's <data> elements occurs in the
          Markdown report (needs --html).

It was written from the plain-text specification of the report only
(scripts/report-figures.md: every key and its definition), without
reading the Rust implementation under src/, so the two are independent. It
reuses the timestamp parser of scripts/eval-reference.py (itself an
independent reference). It needs Python 3.11 (tomllib), numpy, html5lib for
--html, and scipy if present (otherwise the Student t quantile is computed
here by inverting the regularised incomplete beta function).

Run (from the repository root):

    ~/.cache/slam/venv/bin/python scripts/report-reference.py \\
        --export EXPORT.jsonl --prices src/config/model_table.json \\
        [--prices OVERRIDE.json] --config slam.toml --baseline smollm2 \\
        [--utilisation 0.7] [--p95-target MS] \\
        [--html report.html] [--md report.md] [--json]

With --json it prints {"figures": {KEY: VALUE}} (sorted keys; undefined
figures are absent) to stdout. Problems go to stderr, one per line, and the
exit status is 1; on success a one-line summary goes to stderr and the exit
status is 0.
"""

import argparse
import importlib.util
import json
import math
import os
import re
import sys
import tomllib

import numpy as np

# ------------------------------------------------------------------ constants

Z = 1.959963984540054          # Wilson z (statsmodels' default alpha=0.05)
HOURS_PER_MONTH = 730
DAILY_VOLUMES = (1000, 10000, 100000, 1000000)
PRICE_FIELDS = ("input_cost_per_token", "output_cost_per_token",
                "cache_read_input_token_cost", "output_cost_per_reasoning_token")
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XMLNS_NS = "http://www.w3.org/2000/xmlns/"

# A standalone number: not glued to a word character (or a decimal point) on
# either side. `smollm2`, `p95`, `10k`, `v1.2` are not numbers; `12`, `0.5`,
# `$3`, `70%`, `1.5×` are. The lookahead also refuses "1" in "1.5x".
NUMBER_RE = re.compile(r"(?<![\w.])[-+\u2212]?\$?\d+(?:\.\d+)?(?!\w|\.\d)")
# RAW: plain decimal notation, as Rust's `{}` prints an integer or an f64.
RAW_RE = re.compile(r"^-?\d+(?:\.\d+)?$")


def _load_eval_reference():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "eval-reference.py")
    spec = importlib.util.spec_from_file_location("eval_reference", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_evalref = _load_eval_reference()
parse_timestamp = _evalref.parse_timestamp
elapsed_micros = _evalref.elapsed_micros


# ------------------------------------------------------------------ statistics


def percentile(values, q):
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def mean(values):
    return float(np.mean(np.asarray(values, dtype=np.float64)))


def std1(values):
    return float(np.std(np.asarray(values, dtype=np.float64), ddof=1))


def wilson(successes, n):
    """Wilson score interval without continuity correction (statsmodels'
    formula), successes possibly fractional; low is exactly 0 when
    successes == 0 and high exactly 1 when successes == n."""
    p = successes / n
    z2 = Z * Z
    denom = 1.0 + z2 / n
    center = (p + z2 / (2.0 * n)) / denom
    dist = Z * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denom
    low, high = center - dist, center + dist
    if successes == 0:
        low = 0.0
    if successes == n:
        high = 1.0
    return low, high


def _betacf(a, b, x):
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return h


def _betainc(a, b, x, y):
    """Regularised incomplete beta I_x(a, b), given x and y = 1 - x (both
    passed so that neither is computed by cancellation)."""
    if x <= 0.0:
        return 0.0
    if y <= 0.0:
        return 1.0
    lbt = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
           + a * math.log(x) + b * math.log(y))
    bt = math.exp(lbt)
    if x < (a + 1.0) / (a + b + 2.0):
        return bt * _betacf(a, b, x) / a
    return 1.0 - bt * _betacf(b, a, y) / b


def _t_cdf(t, df):
    """Student t CDF: for t >= 0, 1 - I_{df/(df+t^2)}(df/2, 1/2) / 2."""
    t2 = t * t
    x = df / (df + t2)
    y = t2 / (df + t2)
    tail = 0.5 * _betainc(df / 2.0, 0.5, x, y)
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p, df):
    """Student t quantile for p > 0.5 (scipy when installed; else closed
    forms for df 1 and 2 and bisection of the CDF to 1e-13 otherwise)."""
    try:
        from scipy.stats import t as _t  # optional dependency
        return float(_t.ppf(p, df))
    except ImportError:
        pass
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2.0 * p - 1.0) / math.sqrt(2.0 * p * (1.0 - p))
    lo, hi = 0.0, 2.0
    while _t_cdf(hi, df) < p:
        lo, hi = hi, hi * 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-13 * hi:
            break
    return 0.5 * (lo + hi)


# ------------------------------------------------------------------ input


def read_lines(path):
    lines = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                lines.append(json.loads(line))
            except ValueError as e:
                raise SystemExit("%s:%d: bad JSON: %s" % (path, lineno, e))
    return lines


def num(v):
    """A JSON number as a float, or None (null, absent, bool, non-number)."""
    if v is None or isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v)


def metric(line, name):
    m = line.get("metrics")
    return num(m.get(name)) if isinstance(m, dict) else None


def cell_level(line):
    """(is a cell, sweep level or None)."""
    cell = line.get("cell")
    if not isinstance(cell, dict):
        return False, None
    return True, cell.get("level")


def is_ok(line):
    return line.get("error_kind") is None


def level_label(level):
    if isinstance(level, float) and level.is_integer():
        level = int(level)
    return str(level)


def load_prices(path):
    """NAME -> price entry, skipping metadata (`_...`), non-objects and
    entries with none of the four price fields."""
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    prices = {}
    for name, entry in raw.items():
        if name.startswith("_") or not isinstance(entry, dict):
            continue
        if not any(num(entry.get(k)) is not None for k in PRICE_FIELDS):
            continue
        prices[name] = entry
    return prices


def load_config(path):
    with open(path, "rb") as f:
        cfg = tomllib.load(f)
    models = {}
    for entry in cfg.get("models") or []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            models.setdefault(entry["name"], dict(entry))   # first entry of a name wins
    # `[cost_per_hour]` NAME = DOLLARS prices models configured elsewhere (built-in or
    # discovered); an entry's own cost_per_hour wins.
    for name, dollars in (cfg.get("cost_per_hour") or {}).items():
        models.setdefault(name, {"name": name}).setdefault("cost_per_hour", dollars)
    return models


def collect_ratings(lines, kind):
    """Active overall ratings of a kind (no `criterion`), deduplicated by the
    rating's uid (first occurrence kept), in file order."""
    seen = set()
    out = []
    for line in lines:
        for r in line.get("ratings") or []:
            if not isinstance(r, dict):
                continue
            if r.get("kind") != kind or r.get("status") != "active":
                continue
            # A vote on one criterion (clarity, …) is not an overall vote.
            if r.get("criterion") is not None:
                continue
            uid = r.get("uid")
            if uid is not None:
                if uid in seen:
                    continue
                seen.add(uid)
            out.append(r)
    return out


# ------------------------------------------------------------------ figures


def compute(lines, prices, config, baseline, u, p95_target=None):
    fig = {}
    models = sorted({l.get("model") for l in lines if isinstance(l.get("model"), str)})
    if baseline not in models:
        raise SystemExit("baseline %r has no answers in the export (models: %s)"
                         % (baseline, ", ".join(models)))
    candidates = [m for m in models if m != baseline]
    model_of = {}                       # generation uid -> model
    for l in lines:
        if l.get("uid") is not None:
            model_of.setdefault(l["uid"], l.get("model"))

    plain = {m: [] for m in models}
    sweep = {m: {} for m in models}     # model -> level -> lines
    for l in lines:
        is_cell, level = cell_level(l)
        if not is_cell or l.get("model") not in plain:
            continue
        if level is None:
            plain[l["model"]].append(l)
        else:
            sweep[l["model"]].setdefault(level, []).append(l)

    # Per model: cells, errors, checks, latency.
    for m in models:
        cells = plain[m]
        fig["cells.%s" % m] = len(cells)
        fig["errors.%s" % m] = sum(1 for c in cells if not is_ok(c))

        # Checks, per check name: unlike checks are not trials of one thing, so
        # there is no figure over all checks together.
        results = [r for c in cells if isinstance(c.get("checks"), list)
                   for r in c["checks"] if isinstance(r, dict)]
        by_name = {}
        for r in results:
            p_t = by_name.setdefault(r.get("check"), [0, 0])
            p_t[0] += r.get("passed") is True
            p_t[1] += 1
        for name, (passed, total) in by_name.items():
            prefix = "check.%s.%s" % (m, name)
            fig[prefix + ".passed"] = passed
            fig[prefix + ".total"] = total
            fig[prefix + ".rate"] = passed / total
            fig[prefix + ".low"], fig[prefix + ".high"] = wilson(passed, total)

        ok = [c for c in cells if is_ok(c)]

        def values(name):
            return [v for v in (metric(c, name) for c in ok) if v is not None]

        e2e = values("e2e_ms")
        if e2e:
            fig["latency.%s.e2e.p50" % m] = percentile(e2e, 50)
            fig["latency.%s.e2e.p95" % m] = percentile(e2e, 95)
            mu = fig["latency.%s.e2e.mean" % m] = mean(e2e)
            if len(e2e) >= 2 and mu != 0:
                fig["latency.%s.e2e.cv" % m] = std1(e2e) / mu
        ttft = values("ttft_ms")
        if ttft:
            fig["latency.%s.ttft.p50" % m] = percentile(ttft, 50)
            fig["latency.%s.ttft.p95" % m] = percentile(ttft, 95)
        dec = values("decode_tokens_per_s")
        if dec:
            fig["latency.%s.decode.p50" % m] = percentile(dec, 50)
        out = values("output_tokens")
        if out:
            fig["latency.%s.output_tokens.mean" % m] = mean(out)

    # Human scores.
    scores = collect_ratings(lines, "score")
    score_by_model = {m: [] for m in models}
    score_by_gen = {}
    for r in scores:
        s = num(r.get("score"))
        gen = r.get("generation")
        if s is None or gen is None:
            continue
        score_by_gen.setdefault(gen, []).append(s)
        mm = model_of.get(gen)
        if mm in score_by_model:
            score_by_model[mm].append(s)
    for m in models:
        s = score_by_model[m]
        if not s:
            continue
        n = len(s)
        fig["score.%s.n" % m] = n
        mu = fig["score.%s.mean" % m] = mean(s)
        if n >= 2:
            half = t_quantile(0.975, n - 1) * std1(s) / math.sqrt(n)
            fig["score.%s.low" % m] = min(5.0, max(1.0, mu - half))
            fig["score.%s.high" % m] = min(5.0, max(1.0, mu + half))

    # The confidence level every interval is given at.
    fig["confidence"] = 0.95

    # Sweeps.
    sweep_rps = {m: {} for m in models}
    sweep_p95 = {m: {} for m in models}
    for m in models:
        for level, cells in sweep[m].items():
            lab = level_label(level)
            for c in cells:
                c.setdefault("_t", parse_timestamp(c["created_at"]))
            latest = max(c["_t"] for c in cells)
            # The level lasts from its first request sent (a cell's finish minus its e2e
            # latency, the earliest of them) to its last answer finished.
            seconds = max(
                elapsed_micros(latest, c["_t"]) / 1e6 + (metric(c, "e2e_ms") or 0.0) / 1000.0
                for c in cells
            )
            ok = [c for c in cells if is_ok(c)]
            if seconds > 0:
                rps = fig["sweep.%s.%s.rps" % (m, lab)] = len(ok) / seconds
                sweep_rps[m][level] = rps
            e2e = [v for v in (metric(c, "e2e_ms") for c in ok) if v is not None]
            if e2e:
                p95 = fig["sweep.%s.%s.e2e_p95" % (m, lab)] = percentile(e2e, 95)
                sweep_p95[m][level] = p95

    # Head to head with the baseline.
    pairs = collect_ratings(lines, "pair")
    for m in candidates:
        wins = ties = losses = 0
        for r in pairs:
            a, b = model_of.get(r.get("gen_a")), model_of.get(r.get("gen_b"))
            if {a, b} != {m, baseline}:
                continue
            outcome = r.get("outcome")
            if outcome in ("tie", "bothbad"):
                ties += 1
            elif outcome in ("a", "b"):
                winner = a if outcome == "a" else b
                if winner == m:
                    wins += 1
                else:
                    losses += 1
        n = wins + ties + losses
        fig["human.%s.votes" % m] = n
        fig["human.%s.wins" % m] = wins
        fig["human.%s.ties" % m] = ties
        fig["human.%s.losses" % m] = losses
        if n >= 1:
            succ = wins + ties / 2
            fig["human.%s.share" % m] = succ / n
            fig["human.%s.low" % m], fig["human.%s.high" % m] = wilson(succ, n)

        bp95 = fig.get("latency.%s.e2e.p95" % baseline)
        mp95 = fig.get("latency.%s.e2e.p95" % m)
        if bp95 and mp95 is not None:
            fig["latency.%s.p95_ratio" % m] = mp95 / bp95

    # Cost.
    fig["cost.utilisation"] = u
    fig["cost.hours_per_month"] = HOURS_PER_MONTH
    target = p95_target if p95_target is not None else fig.get("latency.%s.e2e.p95" % baseline)
    if target is not None:
        fig["cost.p95_target"] = target

    def volume(d):
        return d * HOURS_PER_MONTH / 24

    monthly = {m: {} for m in models}
    pricing = {}                        # m -> ("api", per_request) | ("self", h, capacity)
    for m in models:
        entry = config.get(m, {})
        h = num(entry.get("cost_per_hour"))
        if h is not None:
            fig["cost.%s.per_hour" % m] = entry["cost_per_hour"]
            # Capacity counts only at a p95 that meets the target (with no target
            # known, every level and the unswept figure qualify); a model that
            # misses it has no capacity and shows the lowest p95 it reached.
            capacity = None
            missed = None
            levels = [L for L, r in sweep_rps[m].items() if r > 0]
            if levels:
                meeting = [L for L in levels
                           if target is None
                           or (L in sweep_p95[m] and sweep_p95[m][L] <= target)]
                if meeting:
                    capacity = sweep_rps[m][max(meeting)] * 3600
                else:
                    shown = [sweep_p95[m][L] for L in levels if L in sweep_p95[m]]
                    if shown:
                        missed = min(shown)
            else:
                p50 = fig.get("latency.%s.e2e.p50" % m)
                p95 = fig.get("latency.%s.e2e.p95" % m)
                if p95_target is not None and p95 is not None and p95 > p95_target:
                    missed = p95        # one request at a time is already too slow
                elif p50:
                    capacity = 3600000 / p50
            pricing[m] = ("self", h, capacity)
            if missed is not None:
                fig["cost.%s.missed_p95" % m] = missed
            if capacity is not None:
                fig["cost.%s.capacity" % m] = capacity
                for d in DAILY_VOLUMES:
                    v = volume(d)
                    inst = max(1, math.ceil((v / HOURS_PER_MONTH) / (capacity * u)))
                    monthly[m][d] = inst * h * HOURS_PER_MONTH
        else:
            model_id = entry.get("model") if isinstance(entry.get("model"), str) else None
            price = prices.get(model_id) if model_id is not None else None
            if price is None:
                price = prices.get(m)
            if price is None:
                continue
            p_in = num(price.get("input_cost_per_token"))
            p_out = num(price.get("output_cost_per_token"))
            if p_in is None and p_out is None:
                continue
            p_in = p_in or 0.0
            p_out = p_out or 0.0
            p_cache = num(price.get("cache_read_input_token_cost"))
            p_cache = p_in if p_cache is None else p_cache
            p_reason = num(price.get("output_cost_per_reasoning_token"))
            p_reason = p_out if p_reason is None else p_reason
            costs = []
            for c in plain[m]:
                prompt = metric(c, "prompt_tokens")
                if prompt is None:
                    continue
                cached = metric(c, "cached_prompt_tokens") or 0.0
                thinking = metric(c, "thinking_tokens") or 0.0
                output = metric(c, "output_tokens") or 0.0
                costs.append((prompt - cached) * p_in + cached * p_cache
                             + (output - thinking) * p_out + thinking * p_reason)
            if not costs:
                continue
            per_request = fig["cost.%s.per_request" % m] = math.fsum(costs) / len(costs)
            pricing[m] = ("api", per_request)
            for d in DAILY_VOLUMES:
                monthly[m][d] = per_request * volume(d)
        for d, v in monthly[m].items():
            fig["cost.%s.monthly.%d" % (m, d)] = v
        if 10000 in monthly[m]:
            per_1k = fig["cost.%s.per_1k" % m] = monthly[m][10000] / volume(10000) * 1000
            otm = fig.get("latency.%s.output_tokens.mean" % m)
            if otm:
                fig["cost.%s.per_mtok" % m] = per_1k / 1000 / otm * 1e6

    for m in candidates:
        for d in DAILY_VOLUMES:
            b, c = monthly[baseline].get(d), monthly[m].get(d)
            if b is not None and c is not None and c > 0:
                fig["cost.%s.savings.%d" % (m, d)] = b / c
        pm, pb = pricing.get(m), pricing.get(baseline)
        if pm and pm[0] == "self" and pm[2] is not None and pb and pb[0] == "api" and pb[1] > 0:
            h, capacity = pm[1], pm[2]
            be = math.ceil(h * HOURS_PER_MONTH / pb[1])
            if be <= capacity * u * HOURS_PER_MONTH:
                fig["cost.%s.break_even" % m] = be

    # Per answer.
    for m in models:
        for c in plain[m]:
            g = c.get("uid")
            checks = c.get("checks")
            if isinstance(checks, list) and checks:
                fig["answer.%s.checks_passed" % g] = sum(
                    1 for r in checks if isinstance(r, dict) and r.get("passed") is True)
                fig["answer.%s.checks_total" % g] = len(checks)
            if g in score_by_gen:
                fig["answer.%s.score" % g] = mean(score_by_gen[g])

    similarity(lines, plain, baseline, candidates, fig)
    judges(lines, fig)
    provenance(plain, models, fig)
    stopped(lines, fig)
    return fig


def stopped(lines, fig):
    """`run.cells_left` (and for a stop at max_cost `run.spent`, `run.max_cost`)
    when the run's session says it stopped before its plan ran out."""
    first = lines[0] if lines else {}
    stop = (first.get("session") or {}).get("stopped")
    if not isinstance(stop, dict):
        return
    if num(stop.get("cells_left")) is not None:
        fig["run.cells_left"] = stop["cells_left"]
    if stop.get("why") == "max_cost":
        for key in ("spent", "max_cost"):
            if num(stop.get(key)) is not None:
                fig["run.%s" % key] = stop[key]


SAMPLING_PARAMS = ("temperature", "top_p", "top_k", "min_p", "repeat_penalty", "max_tokens")


def provenance(plain, models, fig):
    """`provenance.M.repetitions`, `.seed` and the sampling parameters all of
    M's plain cells share. The values are kept as stored (an integer stays an
    integer; a float parameter is the float32 read back as float64, e.g.
    0.699999988079071)."""

    def stored(v):
        return v if num(v) is not None else None

    for m in models:
        cells = plain[m]
        if not cells:
            continue
        params = [c.get("params") if isinstance(c.get("params"), dict) else {} for c in cells]
        reps = [r for r in (stored(c.get("repetition")) for c in cells) if r is not None]
        if reps:
            fig["provenance.%s.repetitions" % m] = 1 + max(reps)
        seeds = [s for s in (stored(p.get("seed")) for p in params) if s is not None]
        if seeds:
            fig["provenance.%s.seed" % m] = min(seeds)
        for name in SAMPLING_PARAMS:
            vals = [stored(p.get(name)) for p in params]
            # Absent or null on some cell counts as a different value.
            if vals[0] is not None and all(v is not None and v == vals[0] for v in vals):
                fig["provenance.%s.%s" % (m, name)] = vals[0]


def vector(v):
    """A JSON list of numbers as a float64 array, or None. The components are
    32-bit floats written as their shortest decimal, so each is read back as
    that float32 value first."""
    if not isinstance(v, list) or not v:
        return None
    out = [num(x) for x in v]
    if any(x is None for x in out):
        return None
    return np.asarray(out, dtype=np.float32).astype(np.float64)


def cosine(a, b):
    """dot / (|a|·|b|) in float64; None when undefined (a zero vector, or
    vectors of different lengths)."""
    if a.shape != b.shape:
        return None
    na = math.sqrt(math.fsum(a * a))
    nb = math.sqrt(math.fsum(b * b))
    if na == 0.0 or nb == 0.0:
        return None
    return math.fsum(a * b) / (na * nb)


def similarity(lines, plain, baseline, candidates, fig):
    """`answer.G.similarity` and `similarity.M.mean/low/high`."""
    # The embedder: the id on the most lines (any line of the export), ties
    # to the first by name.
    counts = {}
    for l in lines:
        emb = l.get("embeddings")
        if isinstance(emb, dict):
            for name in emb:
                counts[name] = counts.get(name, 0) + 1
    if not counts:
        return
    embedder = sorted(counts, key=lambda name: (-counts[name], name))[0]

    def ok_vectors(m):
        """(prompt uid, generation uid, vector) of M's ok plain cells with a vector."""
        out = []
        for c in plain[m]:
            if not is_ok(c) or not isinstance(c.get("embeddings"), dict):
                continue
            vec = vector(c["embeddings"].get(embedder))
            if vec is None:
                continue
            prompt = c.get("prompt")
            pu = prompt.get("uid") if isinstance(prompt, dict) else None
            out.append((pu, c.get("uid"), vec))
        return out

    base_by_prompt = {}
    for pu, _, vec in ok_vectors(baseline):
        if pu is not None:
            base_by_prompt.setdefault(pu, []).append(vec)
    for m in candidates:
        per_answer = []
        for pu, g, vec in ok_vectors(m):
            sims = [s for s in (cosine(vec, b) for b in base_by_prompt.get(pu, []))
                    if s is not None]
            if not sims:
                continue
            s = fig["answer.%s.similarity" % g] = mean(sims)
            per_answer.append(s)
        if not per_answer:
            continue
        n = len(per_answer)
        mu = fig["similarity.%s.mean" % m] = mean(per_answer)
        if n >= 2:
            half = t_quantile(0.975, n - 1) * std1(per_answer) / math.sqrt(n)
            fig["similarity.%s.low" % m] = mu - half
            fig["similarity.%s.high" % m] = mu + half


def judges(lines, fig):
    """`judge.J.M.C.share/low/high` from the pairwise verdicts."""
    # (judge, recipe) -> (M, C, candidate uid, baseline uid) -> {candidate_first: winner}
    groups = {}
    for l in lines:
        for v in l.get("verdicts") or []:
            if not isinstance(v, dict):
                continue
            judge, vd = v.get("judge"), v.get("verdict")
            if not isinstance(judge, str) or not isinstance(vd, dict):
                continue
            if vd.get("mode") != "pairwise" or vd.get("status") != "ok":
                continue
            if vd.get("winner") not in ("candidate", "baseline", "tie"):
                continue
            first = vd.get("candidate_first")
            if not isinstance(first, bool):
                continue
            recipe = vd.get("recipe_sha256")
            if recipe is None:
                recipe = vd.get("template_sha256")
            criterion = vd.get("criterion")
            if criterion is None:
                criterion = "overall"
            key = (vd.get("candidate_model"), criterion, vd.get("candidate"), vd.get("baseline"))
            # The last ok verdict of an order in file order counts.
            groups.setdefault((judge, recipe), {}).setdefault(key, {})[first] = vd["winner"]

    owner = {}                          # figure key -> (judge, recipe) that wrote it
    for (judge, recipe), by_group in sorted(groups.items(), key=lambda kv: repr(kv[0])):
        tally = {}                      # (M, C) -> [wins + ties/2, pairs]
        for (m, criterion, _, _), orders in by_group.items():
            if True not in orders or False not in orders:
                continue                # not a pair: one order only
            a, b = orders[True], orders[False]
            t = tally.setdefault((m, criterion), [0.0, 0])
            t[0] += 1.0 if (a == b == "candidate") else (0.5 if (a != b or a == "tie") else 0.0)
            t[1] += 1
        for (m, criterion), (succ, n) in tally.items():
            prefix = "judge.%s.%s.%s" % (judge, m, criterion)
            if prefix in owner and owner[prefix] != (judge, recipe):
                sys.stderr.write("warning: judge %s has several recipes; %s.* collide\n"
                                 % (judge, prefix))
            owner[prefix] = (judge, recipe)
            fig[prefix + ".share"] = succ / n
            fig[prefix + ".low"], fig[prefix + ".high"] = wilson(succ, n)


# ------------------------------------------------------------------ checks


def close(a, b):
    return abs(a - b) <= max(1e-9 * max(abs(a), abs(b)), 1e-9)


def local(tag):
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else None


def namespace(tag):
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else None


def text_of(elem):
    return "".join(elem.itertext())


def first_number(display):
    m = NUMBER_RE.search(display)
    if not m:
        return None, 0
    s = m.group(0).replace("$", "").replace("\u2212", "-")
    decimals = len(s.split(".", 1)[1]) if "." in s else 0
    return float(s), decimals


def check_html(path, fig, problems):
    """Returns the list of (key, raw, display) of the <data> elements outside
    <svg>."""
    import html5lib
    with open(path, encoding="utf-8") as f:
        doc = html5lib.parse(f.read(), namespaceHTMLElements=False)

    datas = []
    bare = []

    def visit_text(text, where):
        found = NUMBER_RE.findall(text or "")
        if found:
            bare.append("bare number%s %s outside <data> in text %r (in <%s>)"
                        % ("s" if len(found) > 1 else "", ", ".join(map(repr, found)),
                           " ".join(text.split()), where))

    def walk(elem, in_svg, text_excluded):
        tag = local(elem.tag)
        if tag is None:                 # comment / processing instruction
            return
        in_svg = in_svg or tag == "svg"
        classes = (elem.get("class") or "").split()
        excluded = (text_excluded or in_svg or "verbatim" in classes
                    or tag in ("data", "svg", "style", "title", "script"))

        # (e) nothing external
        if tag == "script":
            problems.append("external: <script> element present")
        for name, value in elem.attrib.items():
            ns, lname = namespace(name), local(name)
            if ns == XMLNS_NS or lname == "xmlns" or lname.startswith("xmlns:"):
                if value not in (SVG_NS, XLINK_NS):
                    problems.append("external: namespace attribute %s=%r on <%s>"
                                    % (name, value, tag))
                continue
            v = value.strip().lower()
            if "http://" in v or "https://" in v or v.startswith("//"):
                problems.append("external: attribute %s=%r on <%s>" % (lname, value, tag))
            elif lname in ("src", "srcset") and not v.startswith("data:"):
                problems.append("external: %s=%r on <%s> is not a data: URI"
                                % (lname, value, tag))
            elif lname == "style" and ("url(" in v or "@import" in v):
                problems.append("external: style attribute %r on <%s>" % (value, tag))
        if tag == "link" and not (elem.get("href") or "").strip().lower().startswith(("data:", "#")):
            problems.append("external: <link href=%r>" % (elem.get("href"),))
        if tag == "style":
            css = text_of(elem).lower()
            if "url(" in css or "@import" in css:
                problems.append("external: url( or @import in <style>")

        # (a) the <data> figures outside svg
        if tag == "data" and not in_svg:
            datas.append(elem)

        # (d) bare numbers in text nodes: the element's own text, then each
        # child's tail (which belongs to this element, not to the child).
        if not excluded:
            visit_text(elem.text, tag)
        for child in elem:
            walk(child, in_svg, excluded)
            if not excluded:
                visit_text(child.tail, tag)

    walk(doc, False, False)
    problems.extend(bare)

    seen_raw = {}
    out = []
    for d in datas:
        key, raw = d.get("data-key"), d.get("value")
        display = text_of(d).strip()
        if key is None or raw is None:
            problems.append("<data> without data-key or value: key=%r value=%r display=%r"
                            % (key, raw, display))
            continue
        out.append((key, raw, display))
        if key in seen_raw and seen_raw[key] != raw:
            problems.append("%s: occurrences disagree: value=%r and value=%r"
                            % (key, seen_raw[key], raw))
        seen_raw.setdefault(key, raw)
        if key not in fig:
            problems.append("%s: not a figure the reference computes (value=%r, display=%r)"
                            % (key, raw, display))
            continue
        expected = float(fig[key])
        if not RAW_RE.match(raw.strip()):
            problems.append("%s: value=%r is not plain decimal notation (expected %r)"
                            % (key, raw, fig[key]))
            continue
        found = float(raw)
        if not close(found, expected):
            problems.append("%s: expected %r, found value=%r" % (key, fig[key], raw))
        # (c) DISPLAY shows the value, rounded as shown
        shown, decimals = first_number(display)
        if shown is None:
            problems.append("%s: display %r shows no number (expected %r)"
                            % (key, display, fig[key]))
            continue
        target = expected * 100 if display.endswith("%") else expected
        tol = 0.5 * 10 ** -decimals + 1e-9 + 1e-12 * abs(target)
        if abs(shown - target) > tol:
            problems.append("%s: display %r does not round %r (expected %s to %d decimals)"
                            % (key, display, fig[key], ("%%.%df" % decimals) % target, decimals))

    # (b) nothing missing
    for key in sorted(set(fig) - set(seen_raw)):
        problems.append("%s: missing from the HTML (expected %r)" % (key, fig[key]))
    return out


def check_md(path, datas, problems):
    with open(path, encoding="utf-8") as f:
        md = f.read()
    for display in sorted({d for _, _, d in datas}):
        if display not in md:
            keys = sorted({k for k, _, d in datas if d == display})
            problems.append("markdown: display %r (%s) not found" % (display, ", ".join(keys)))


# ------------------------------------------------------------------ main


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--export", required=True)
    ap.add_argument("--prices", required=True, action="append",
                    help="a LiteLLM-shaped file; given again, a later file's entries "
                         "replace earlier ones of the same name (an override)")
    ap.add_argument("--config", required=True)
    ap.add_argument("--baseline", required=True)
    ap.add_argument("--utilisation", type=float, default=0.7)
    ap.add_argument("--p95-target", type=float,
                    help="ms a self-hosted instance's p95 must meet (default: the baseline's p95)")
    ap.add_argument("--html")
    ap.add_argument("--md")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv[1:])
    if not args.utilisation > 0:
        ap.error("--utilisation must be > 0")
    if args.md and not args.html:
        ap.error("--md needs --html (the DISPLAY strings come from the HTML)")

    prices = {}
    for path in args.prices:
        prices.update(load_prices(path))
    fig = compute(read_lines(args.export), prices,
                  load_config(args.config), args.baseline, args.utilisation, args.p95_target)
    if args.json:
        sys.stdout.write(json.dumps({"figures": fig}, sort_keys=True, allow_nan=False) + "\n")

    problems = []
    datas = []
    if args.html:
        datas = check_html(args.html, fig, problems)
    if args.md:
        check_md(args.md, datas, problems)
    if problems:
        for p in problems:
            sys.stderr.write(p + "\n")
        sys.stderr.write("%d problem(s)\n" % len(problems))
        return 1
    sys.stderr.write("%d figures checked, %d data elements\n" % (len(fig), len(datas)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
