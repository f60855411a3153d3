/**
 * GFLOP/s per case and configuration, the ratios against the best peer at the same thread count, and the
 * table printed by run.js (Markdown, so it pastes into an issue as is).
 */

const NATIVE_PEERS = ['torch', 'ort-node'];
const WASM_PEERS = ['tfjs-wasm', 'ort-web'];

/** Column labels; README.md explains each. */
function label(cfg) {
  if (cfg.engine === 'convlab') return cfg.backend === 'ts' ? 'convlab ts' : `${cfg.backend} ${cfg.threads}t`;
  return `${cfg.engine} ${cfg.threads}t`;
}

const ratioColumns = [
  { key: 'native/peer 1t', mine: 'convlab-native-1t', peers: [...NATIVE_PEERS, ...WASM_PEERS], t: 1 },
  { key: 'native/peer 2t', mine: 'convlab-native-2t', peers: [...NATIVE_PEERS, ...WASM_PEERS], t: 2 },
  { key: 'wasm/wasm-peer 1t', mine: 'convlab-wasm-1t', peers: WASM_PEERS, t: 1 },
  { key: 'wasm/wasm-peer 2t', mine: 'convlab-wasm-2t', peers: WASM_PEERS, t: 2 },
];

/**
 * Per case: GFLOP/s of every configuration that ran and gave a right answer (a wrong one is reported and left
 * out of the ratios), the best peer at each thread count and convlab's ratios against it.
 */
export function summarize(cases, runs, checks) {
  const perCase = {};
  const wrong = [];
  const notes = [];
  // An engine's remark (e.g. how it ran a case) is said once, with the configurations and cases it concerns.
  const engineNotes = new Map();
  for (const c of cases) {
    const row = { gflops: {}, status: {}, best: {}, ratios: {} };
    for (const [key, run] of Object.entries(runs)) {
      const r = run.results[c.id];
      if (!r) continue;
      if (r.skip) row.status[key] = 'skip';
      else if (r.error) {
        row.status[key] = 'error';
        notes.push(`${key} ${c.id}: error: ${r.error}`);
      } else {
        row.gflops[key] = c.flops / (r.medianMs * 1e6);
        const check = checks.cases[c.id]?.[key];
        row.status[key] = check && !check.ok ? 'wrong' : 'ok';
        if (check && !check.ok) {
          wrong.push(`${key} ${c.id}`);
          notes.push(
            `${key} ${c.id}: WRONG, max abs diff ${check.maxAbsDiff} > ${check.tol} against ${checks.reference}`,
          );
        }
        if (r.note && run.engine !== 'torch') {
          const seen = engineNotes.get(r.note) ?? { keys: new Set(), cases: new Set() };
          seen.keys.add(key);
          seen.cases.add(c.id);
          engineNotes.set(r.note, seen);
        }
      }
    }
    const valid = (key) => row.status[key] === 'ok';
    for (const col of ratioColumns) {
      const peerKeys = col.peers.map((p) => `${p}-${col.t}t`).filter(valid);
      const best = peerKeys.reduce((b, k) => (b === null || row.gflops[k] > row.gflops[b] ? k : b), null);
      row.best[col.key] = best;
      if (best !== null && valid(col.mine)) row.ratios[col.key] = row.gflops[col.mine] / row.gflops[best];
    }
    perCase[c.id] = row;
  }
  for (const [note, { keys, cases: ids }] of engineNotes) {
    notes.push(`${[...keys].join(', ')} (${[...ids].join(', ')}): ${note}`);
  }
  // Backward against forward time (issue 5's target: ≤ 2.5×) for each convlab configuration.
  const bwd = cases.find((c) => c.backward);
  const fwd = bwd && cases.find((c) => !c.backward && c.id === bwd.id.replace(/bwd$/, ''));
  const backwardOverForward = {};
  if (bwd && fwd) {
    for (const [key, run] of Object.entries(runs)) {
      const b = run.results[bwd.id];
      const f = run.results[fwd.id];
      if (b?.medianMs && f?.medianMs) backwardOverForward[key] = b.medianMs / f.medianMs;
    }
    const parts = Object.entries(backwardOverForward).map(([k, v]) => `${k} ${v.toFixed(2)}×`);
    if (parts.length) notes.push(`${bwd.id} time / ${fwd.id} time: ${parts.join(', ')}`);
  }
  // Two threads against one, for convlab's threaded backends (target for wasm: ≥ 1.8×).
  for (const backend of ['wasm', 'native']) {
    const one = `convlab-${backend}-1t`;
    const two = `convlab-${backend}-2t`;
    const parts = cases
      .filter((c) => perCase[c.id].gflops[one] && perCase[c.id].gflops[two])
      .map((c) => `${c.id} ${(perCase[c.id].gflops[two] / perCase[c.id].gflops[one]).toFixed(2)}×`);
    if (parts.length) notes.push(`${backend} 2t / 1t: ${parts.join(', ')}`);
  }
  return { perCase, backwardOverForward, wrong, notes };
}

function fmtGflops(v) {
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  return v.toPrecision(3);
}

/** The Markdown table: rows are cases, columns GFLOP/s per configuration, then convlab's ratios. */
export function formatTable(cases, configs, summary) {
  const header = ['case', ...configs.map(label), ...ratioColumns.map((r) => r.key)];
  const rows = cases.map((c) => {
    const row = summary.perCase[c.id];
    const cells = configs.map((cfg) => {
      const s = row.status[cfg.key];
      if (s === undefined) return '—';
      if (s === 'skip') return 'n/a';
      if (s === 'error') return 'error';
      return `${fmtGflops(row.gflops[cfg.key])}${s === 'wrong' ? ' WRONG' : ''}`;
    });
    const ratios = ratioColumns.map((r) =>
      row.ratios[r.key] === undefined ? '—' : `${row.ratios[r.key].toFixed(2)}×`,
    );
    return [c.id === 'Abwd' ? 'A bwd' : c.id, ...cells, ...ratios];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) =>
    `| ${cells.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return `GFLOP/s (median of repeated runs; higher is better)\n\n${[line(header), rule, ...rows.map(line)].join('\n')}\n\n`;
}
