// Shared by the load generators: a sub-millisecond wall clock and latency summaries.
"use strict";

const { performance } = require("perf_hooks");

// Wall-clock milliseconds with sub-millisecond resolution (comparable across processes).
const now = () => performance.timeOrigin + performance.now();

// p50/p90/p99/max of a Float64Array (nearest rank, as bench/suite/stats.py).
function summarize(values) {
  const n = values.length;
  if (n === 0) return { count: 0, p50: null, p90: null, p99: null, max: null, mean: null };
  const sorted = Float64Array.from(values).sort();
  const pick = (q) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  const r = (x) => Math.round(x * 100) / 100;
  return { count: n, p50: r(pick(0.5)), p90: r(pick(0.9)), p99: r(pick(0.99)), max: r(sorted[n - 1]), mean: r(sum / n) };
}

module.exports = { now, summarize };
