/**
 * What "the same outputs" means when a notebook is re-run: every output of every code cell, in order, with its
 * MIME data, except what legitimately changes between runs — durations printed by a cell, the one-line notice of
 * which backend convlab fell back to (it depends on the machine, not the notebook), and per-output metadata.
 */
type Json = Record<string, unknown>;

const DURATION = /\b\d+(\.\d+)?\s?(ms|µs|seconds?|s)\b/g;
const BACKEND_NOTICE = /^convlab: the \w+ backend is unavailable.*\n?/gm;

export interface NormalizedCell {
  id: string;
  source: string;
  outputs: Json[];
}

function text(v: unknown): string {
  return Array.isArray(v) ? v.join('') : String(v ?? '');
}

function normalizeOutput(o: Json): Json | null {
  switch (o.output_type) {
    case 'stream': {
      const t = text(o.text).replace(BACKEND_NOTICE, '').replace(DURATION, '<duration>');
      return t === '' ? null : { output_type: 'stream', name: o.name, text: t };
    }
    case 'error':
      return { output_type: 'error', ename: o.ename, evalue: o.evalue };
    case 'display_data':
    case 'execute_result': {
      const data: Json = {};
      for (const [mime, v] of Object.entries((o.data as Json) ?? {})) {
        data[mime] =
          mime === 'text/plain'
            ? text(v).replace(DURATION, '<duration>')
            : typeof v === 'string' || Array.isArray(v)
              ? text(v)
              : v;
      }
      // An execute_result and a display_data of the same bundle are the same output to a reader.
      return { output_type: 'display', data };
    }
    default:
      return { output_type: o.output_type };
  }
}

/** The code cells of a notebook with their normalised outputs (consecutive streams of one name merged). */
export function normalizeNotebook(nb: Json): NormalizedCell[] {
  const cells = (nb.cells as Json[]).filter((c) => c.cell_type === 'code');
  return cells.map((c) => {
    const outputs: Json[] = [];
    for (const raw of (c.outputs as Json[]) ?? []) {
      const o = normalizeOutput(raw);
      if (o === null) continue;
      const last = outputs.at(-1);
      if (o.output_type === 'stream' && last?.output_type === 'stream' && last.name === o.name) {
        last.text = String(last.text) + String(o.text);
      } else outputs.push(o);
    }
    return { id: String(c.id), source: text(c.source), outputs };
  });
}
