import { describe, expect, it } from 'vitest';
import { closeText, firstDifference } from '../../runner/compare.js';
import { normalizeNotebook } from '../../runner/normalize.js';

describe('notebook output comparison', () => {
  it('accepts a difference in the last printed digit and nothing more', () => {
    expect(closeText('mean 0.4522 std 0.1639', 'mean 0.4523 std 0.1639')).toBe(true);
    expect(closeText('mean 0.4522', 'mean 0.4622')).toBe(false);
    expect(closeText('loss 0.224', 'loss 0.225')).toBe(true);
    expect(closeText('loss 0.224', 'loss 0.226')).toBe(false);
    expect(closeText('7 of 9 cells', '8 of 9 cells')).toBe(false);
    expect(closeText('25557032 parameters', '25557033 parameters')).toBe(false);
    expect(closeText('accuracy 95.2 %', 'accuracy 95.2 ‰')).toBe(false);
    expect(closeText('[2, 16, 7, 7]', '[2, 16, 7, 8]')).toBe(false);
  });
  it('compares float payloads relative to their scale and names the first difference', () => {
    const enc = (xs: number[]) => Buffer.from(new Float32Array(xs).buffer).toString('base64');
    expect(firstDifference({ data: enc([1, 2, 3]) }, { data: enc([1, 2, 3.000001]) })).toBeNull();
    expect(firstDifference({ data: enc([1, 2, 3]) }, { data: enc([1, 2.5, 3]) })).toBe('.data[1]: 2 vs 2.5');
    expect(firstDifference({ kind: 'tensor' }, { kind: 'kernels' })).toMatch(/kind/);
  });
  it('drops the backend notice and durations, merges streams', () => {
    const cells = normalizeNotebook({
      cells: [
        {
          cell_type: 'code',
          id: 'a',
          source: 'x',
          outputs: [
            {
              output_type: 'stream',
              name: 'stderr',
              text: 'convlab: the native backend is unavailable (x); using wasm\n',
            },
            { output_type: 'stream', name: 'stdout', text: 'took 1.5 s\n' },
            { output_type: 'stream', name: 'stdout', text: 'done\n' },
          ],
        },
      ],
    });
    expect(cells[0]!.outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'took <duration>\ndone\n' },
    ]);
  });
});
