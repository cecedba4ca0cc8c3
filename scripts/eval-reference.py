#!/usr/bin/env python3
"""Independent reference for slam's evaluation consistency figures.

Given a file written by `slam sessions export` (JSON lines, one stored answer
-- a "cell" -- per line), this script computes, per model: cell / ok / error
counts and the error rate, latency statistics (ttft_ms, e2e_ms, tpot_ms,
decode_tokens_per_s), answer stability across repetitions of the same input
(identical share, mean normalised Levenshtein similarity) and latency drift
per minute since the start of the file.

It was written from a plain-text specification only, without reading the Rust
implementation under src/, so the two are independent: the tests compare the
figures slam computes against the figures this script prints for the same
export. It uses only the Python standard library and numpy (percentiles with
numpy's default linear interpolation, std with ddof=1).

Run (from the repository root; the tests do the same with their own export):

    python3 -m venv /tmp/evalref
    /tmp/evalref/bin/pip install numpy
    /tmp/evalref/bin/python scripts/eval-reference.py EXPORT.jsonl

It prints one JSON object to stdout (sorted keys, `null` for undefined
figures):

    {"models": {MODEL: {"cells", "ok", "errors", "error_rate", "latency",
                        "stability", "drift"}}}
"""

import datetime as _dt
import json
import math
import re
import sys

import numpy as np

METRICS = ("ttft_ms", "e2e_ms", "tpot_ms", "decode_tokens_per_s")
PERCENTILES = (("p50", 50.0), ("p90", 90.0), ("p95", 95.0), ("p99", 99.0))

_TS_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)


def parse_timestamp(s):
    """Parse an RFC 3339 timestamp ("2026-11-29T11:23:32.123Z") to an aware
    UTC datetime. A missing offset is taken as UTC; digits past microseconds
    are truncated."""
    m = _TS_RE.match(s.strip())
    if not m:
        raise ValueError("unparsable created_at: %r" % (s,))
    year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
    frac = m.group(7) or ""
    micro = int((frac + "000000")[:6])
    off = m.group(8)
    tz = _dt.timezone.utc
    if off and off != "Z":
        sign = 1 if off[0] == "+" else -1
        digits = off[1:].replace(":", "")
        tz = _dt.timezone(sign * _dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    d = _dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    return d.astimezone(_dt.timezone.utc)


def elapsed_micros(t, t0):
    """Whole microseconds from t0 to t, in exact integer arithmetic."""
    td = t - t0
    return (td.days * 86400 + td.seconds) * 1000000 + td.microseconds


# ---------------------------------------------------------------- Levenshtein


def levenshtein_plain(a, b):
    """Classic dynamic programme, unit costs, over Unicode code points."""
    if a == b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return len(a)
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1,                  # delete ca
                           cur[j - 1] + 1,               # insert cb
                           prev[j - 1] + (ca != cb)))    # substitute / match
        prev = cur
    return prev[-1]


def levenshtein_rows(a, b):
    """The same dynamic programme, one row at a time with numpy.

    Row i: tmp[j] = min(prev[j] + 1, prev[j-1] + cost(i, j)), tmp[0] = i;
    the insertion chain cur[j] = min(tmp[j], cur[j-1] + 1) unrolls to
    cur[j] = min_{k<=j}(tmp[k] + j - k) = j + cummin(tmp[k] - k).
    """
    if a == b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return len(a)
    bs = np.array([ord(c) for c in b], dtype=np.int64)
    n = len(b)
    idx = np.arange(n + 1, dtype=np.int64)
    prev = idx.copy()
    tmp = np.empty(n + 1, dtype=np.int64)
    for i, ca in enumerate(a, 1):
        cost = (bs != ord(ca)).astype(np.int64)
        tmp[0] = i
        np.minimum(prev[1:] + 1, prev[:-1] + cost, out=tmp[1:])
        prev = np.minimum.accumulate(tmp - idx) + idx
    return int(prev[-1])


def levenshtein(a, b):
    # Small inputs: the plain loop; larger ones: the row-vectorised form of
    # the same recurrence (identical results, checked against each other).
    if len(a) * len(b) <= 4096:
        return levenshtein_plain(a, b)
    return levenshtein_rows(a, b)


def similarity(a, b):
    m = max(len(a), len(b))
    if m == 0:
        return 1.0
    return 1.0 - levenshtein(a, b) / m


# ---------------------------------------------------------------- figures


def fnum(x):
    return None if x is None else float(x)


def stats(values):
    n = len(values)
    out = {"n": n}
    if n == 0:
        for k in ("mean", "std", "cv", "min", "max"):
            out[k] = None
        for k, _ in PERCENTILES:
            out[k] = None
        return out
    arr = np.asarray(values, dtype=np.float64)
    mean = float(np.mean(arr))
    std = float(np.std(arr, ddof=1)) if n >= 2 else None
    out["mean"] = mean
    out["std"] = std
    out["cv"] = None if (std is None or mean == 0) else std / mean
    pcts = np.percentile(arr, [p for _, p in PERCENTILES])
    for (k, _), v in zip(PERCENTILES, pcts):
        out[k] = float(v)
    out["min"] = float(np.min(arr))
    out["max"] = float(np.max(arr))
    return out


def metric_value(cell, name):
    m = cell.get("metrics")
    if not isinstance(m, dict):
        return None
    v = m.get(name)
    if v is None or isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v)


def median_or_none(values):
    if not values:
        return None
    return float(np.percentile(np.asarray(values, dtype=np.float64), 50))


def stability(ok_cells):
    by_input = {}
    for c in ok_cells:
        uid = (c.get("prompt") or {}).get("uid")
        by_input.setdefault(uid, []).append((c.get("text") or "").rstrip())
    groups = [texts for texts in by_input.values() if len(texts) >= 2]
    inputs = len(groups)
    if inputs == 0:
        return {"inputs": 0, "identical_share": None, "mean_edit_similarity": None}
    identical = 0
    per_input = []
    for texts in groups:
        if all(t == texts[0] for t in texts):
            identical += 1
        sims = []
        for i in range(len(texts)):
            for j in range(i + 1, len(texts)):
                sims.append(similarity(texts[i], texts[j]))
        per_input.append(math.fsum(sims) / len(sims))
    return {
        "inputs": inputs,
        "identical_share": identical / inputs,
        "mean_edit_similarity": math.fsum(per_input) / inputs,
    }


def drift(ok_cells, t0):
    minutes = {}
    for c in ok_cells:
        minute = elapsed_micros(c["_t"], t0) // 60000000
        minutes.setdefault(minute, []).append(c)
    out = []
    for minute in sorted(minutes):
        cells = minutes[minute]
        e2e = [v for v in (metric_value(c, "e2e_ms") for c in cells) if v is not None]
        ttft = [v for v in (metric_value(c, "ttft_ms") for c in cells) if v is not None]
        out.append({
            "minute": int(minute),
            "n": len(cells),
            "e2e_p50": median_or_none(e2e),
            "ttft_p50": median_or_none(ttft),
        })
    return out


def evaluate(cells):
    if not cells:
        return {"models": {}}
    for c in cells:
        c["_t"] = parse_timestamp(c["created_at"])
    t0 = min(c["_t"] for c in cells)
    by_model = {}
    for c in cells:
        by_model.setdefault(c["model"], []).append(c)
    models = {}
    for model, mc in by_model.items():
        ok_cells = [c for c in mc if c.get("error_kind") is None]
        errors = {}
        for c in mc:
            k = c.get("error_kind")
            if k is not None:
                errors[k] = errors.get(k, 0) + 1
        latency = {}
        for name in METRICS:
            vals = [v for v in (metric_value(c, name) for c in ok_cells) if v is not None]
            latency[name] = stats(vals)
        models[model] = {
            "cells": len(mc),
            "ok": len(ok_cells),
            "errors": errors,
            "error_rate": (len(mc) - len(ok_cells)) / len(mc),
            "latency": latency,
            "stability": stability(ok_cells),
            "drift": drift(ok_cells, t0),
        }
    return {"models": models}


def read_cells(path):
    cells = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                cells.append(json.loads(line))
            except ValueError as e:
                raise SystemExit("%s:%d: bad JSON: %s" % (path, lineno, e))
    return cells


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: %s EXPORT.jsonl\n" % argv[0])
        return 2
    result = evaluate(read_cells(argv[1]))
    sys.stdout.write(json.dumps(result, sort_keys=True, allow_nan=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
