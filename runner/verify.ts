/**
 * `convlab verify NOTEBOOK…`: re-executes each notebook from a clean kernel (here or on a server) and compares
 * every output with the one stored in the file, within the tolerances of the notebook tests (compare.ts: float
 * rounding, colour steps; normalize.ts: durations, the backend notice). It prints, per cell, what drifted and by
 * how much, and exits 1 when any notebook drifted. The file itself is never written.
 */
import { firstDifference } from './compare.js';
import { kernelSource, expand, pool, type ServerOptions, shutDownOnSignals } from './run.js';
import { executeNotebook, normalise, type Notebook, readNotebook } from './notebook.js';
import { normalizeNotebook } from './normalize.js';

export interface VerifyOptions {
  timeoutSeconds?: number;
  jobs?: number;
  server?: ServerOptions;
  print?: (line: string) => void;
}

/** Per drifting cell, `cell N (id X): <path>: <actual> vs <stored>`; empty when the outputs agree. */
export function drift(executed: Notebook, stored: Notebook): string[] {
  const now = normalizeNotebook(executed as unknown as Record<string, unknown>);
  const before = normalizeNotebook(stored as unknown as Record<string, unknown>);
  const lines: string[] = [];
  if (now.length !== before.length)
    return [`${now.length} code cells, the stored notebook has ${before.length}`];
  // Cells are numbered as `convlab run` numbers them: among all cells, markdown included.
  const codeAt = stored.cells.flatMap((c, i) => (c.cell_type === 'code' ? [i + 1] : []));
  now.forEach((cell, i) => {
    const d = firstDifference(cell.outputs, before[i]!.outputs, 'outputs');
    if (d) lines.push(`cell ${codeAt[i]} (id ${cell.id}): ${d}`);
  });
  return lines;
}

export async function verifyNotebooks(inputs: string[], o: VerifyOptions): Promise<number> {
  const print = o.print ?? ((l: string) => console.log(l));
  if (inputs.length === 0) throw new Error('convlab verify: give at least one notebook or folder');
  const { files } = expand(inputs, 'convlab verify');
  const kernels = await kernelSource(o.server);
  const stopOnSignal = shutDownOnSignals(kernels, print);
  let drifted = 0;
  try {
    await pool(
      files,
      o.jobs ?? 1,
      async (file) => {
        try {
          const stored = readNotebook(file, 'convlab verify');
          const nb = structuredClone(stored);
          normalise(nb);
          // The stored parameters (an injected cell) run as they are: verify checks the notebook as shared.
          const { failure } = await executeNotebook(nb, file, kernels, {
            timeoutSeconds: o.timeoutSeconds,
            parameters: [],
          });
          const lines = drift(nb, stored);
          if (failure && lines.length === 0) lines.push(`run failed at ${failure}`);
          return lines;
        } catch (err) {
          return [err instanceof Error ? err.message : String(err)];
        }
      },
      (lines, file) => {
        if (lines.length === 0) print(`${file}: ok`);
        else {
          drifted++;
          print(`${file}: DRIFTED`);
          for (const l of lines) print(`  ${l}`);
        }
      },
    );
  } finally {
    stopOnSignal();
    await kernels.close();
  }
  print(
    `${files.length} notebook${files.length === 1 ? '' : 's'} verified: ${files.length - drifted} ok, ${drifted} drifted`,
  );
  return drifted > 0 ? 1 : 0;
}
