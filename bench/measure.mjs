/**
 * Warm-up, then repeated timed runs; the median is what counts, because the machine is shared and noisy and a
 * mean would be dragged by the runs another process interrupted.
 */
import { performance } from 'node:perf_hooks';

/**
 * Times `run` (sync or async). `before`, when given, runs untimed before each timed run (the forward pass that a
 * backward measurement needs). Runs at least `samples` times and keeps going until `minTimeMs` has passed,
 * up to `maxSamples`.
 */
export async function measure({ run, before }, { warmup, samples, minTimeMs, maxSamples = 500 }) {
  for (let i = 0; i < warmup; i++) {
    if (before) await before();
    await run();
  }
  const times = [];
  const start = performance.now();
  while (times.length < samples || (performance.now() - start < minTimeMs && times.length < maxSamples)) {
    if (before) await before();
    const t0 = performance.now();
    const pending = run();
    if (pending && typeof pending.then === 'function') await pending;
    times.push(performance.now() - t0);
  }
  return { medianMs: median(times), minMs: Math.min(...times), samples: times.length };
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
