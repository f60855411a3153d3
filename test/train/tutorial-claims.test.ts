/**
 * Claims the tutorials once got wrong, checked against their stored sources and outputs (which the notebooks suite
 * shows to reproduce): each check fails on the old wording or number.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

interface Cell {
  id: string;
  cell_type: string;
  source: string[] | string;
  outputs?: { output_type: string; text?: string[] | string }[];
}

const NOTEBOOKS = path.resolve(import.meta.dirname, '../../notebooks');
const cells = (name: string): Cell[] => JSON.parse(readFileSync(path.join(NOTEBOOKS, name), 'utf8')).cells;
const text = (v: string[] | string | undefined) => (Array.isArray(v) ? v.join('') : (v ?? ''));
const cell = (name: string, id: string) => {
  const c = cells(name).find((c) => c.id === id);
  if (c === undefined) throw new Error(`${name}: no cell ${id}`);
  return c;
};
const printed = (name: string, id: string) =>
  (cell(name, id).outputs ?? [])
    .filter((o) => o.output_type === 'stream')
    .map((o) => text(o.text))
    .join('');
const prose = (name: string) =>
  cells(name)
    .filter((c) => c.cell_type === 'markdown')
    .map((c) => text(c.source))
    .join('\n');
const numbersAfter = (s: string, label: RegExp) => [...s.matchAll(label)].map((m) => Number(m[1]));

describe('tutorial claims', () => {
  it('17-scconv: a K4 window across two pooled cells reaches 16 pixels, computed, not 14', () => {
    expect(prose('17-scconv.ipynb')).not.toMatch(/up to 14/);
    expect(prose('17-scconv.ipynb')).toMatch(/16 pixels/);
    expect(printed('17-scconv.ipynb', '17-08')).toMatch(/one pooled cell\): reach 16, 12, 12, 16 pixels/);
  });

  it('14-condconv: routing is shown after training, where it differs by class', () => {
    const out = printed('14-condconv.ipynb', '14-05b');
    const before = numbersAfter(out, /over classes ([\d.]+) before training/g);
    const after = numbersAfter(out, /before training, ([\d.]+) after/g);
    expect(after.length).toBeGreaterThanOrEqual(3);
    after.forEach((a, i) => {
      expect(a).toBeGreaterThan(0.02);
      expect(a).toBeGreaterThan(5 * before[i]!);
    });
  });

  it('15-dynamic: attention is trained, not scaled up to imitate training', () => {
    const sources = cells('15-dynamic.ipynb').map((c) => text(c.source));
    expect(sources.join('\n')).not.toMatch(/mul\(10\)/);
    expect(sources.join('\n')).not.toMatch(/mimic a trained/);
    const out = printed('15-dynamic.ipynb', '15-05b');
    const after = numbersAfter(out, /untrained, ([\d.]+) trained/g);
    expect(after.length).toBeGreaterThanOrEqual(3);
    for (const a of after) expect(a).toBeGreaterThan(0.02);
  });

  it('18-doconv: the kernel shown "after training" comes from training, and the random D is called random', () => {
    const c = cells('18-doconv.ipynb');
    const heading = c.findIndex(
      (x) => x.cell_type === 'markdown' && /^#+ .*training/i.test(text(x.source).split('\n')[0]!),
    );
    expect(heading).toBeGreaterThan(-1);
    expect(text(c[heading + 1]!.source)).toMatch(/trainOnDigits/);
    for (const [i, x] of c.entries()) {
      if (x.cell_type === 'code' && /randn\(layer\.D/.test(text(x.source)))
        expect(text(c[i - 1]!.source)).toMatch(/random, not trained/);
    }
    expect(printed('18-doconv.ipynb', '18-05b')).toMatch(/‖W′ − W‖ \/ ‖W′‖ after training/);
  });

  it('20-involution: kernels shown as different content are uncorrelated, the near-identical ones are called so', () => {
    expect(text(cell('20-involution.ipynb', '20-04').source)).not.toMatch(
      /different content, different kernels/,
    );
    expect(printed('20-involution.ipynb', '20-04')).toMatch(/untrained: correlation .* 0\.99/);
    const out = printed('20-involution.ipynb', '20-15');
    const correlations = (/kernel correlation ([-\d., ]+) \(seeds/.exec(out)?.[1] ?? '')
      .split(', ')
      .map(Number);
    expect(correlations.length).toBeGreaterThanOrEqual(3);
    expect(correlations.reduce((s, v) => s + v, 0) / correlations.length).toBeLessThan(0.5);
  });

  it('every tutorial 11–20 has a parameters cell of numbers including its training budget', () => {
    for (const name of [
      '11-acnet',
      '12-octave',
      '13-hetconv',
      '14-condconv',
      '15-dynamic',
      '16-ghost',
      '17-scconv',
      '18-doconv',
      '19-split-attention',
      '20-involution',
    ]) {
      const params = cells(`${name}.ipynb`).filter((c) =>
        (c as { metadata?: { tags?: string[] } }).metadata?.tags?.includes('parameters'),
      );
      expect(params, name).toHaveLength(1);
      const lines = text(params[0]!.source).split('\n');
      for (const line of lines) expect(line, name).toMatch(/^let [A-Za-z]\w* = -?[\d.e-]+;( \/\/ .*)?$/);
      expect(
        lines.some((l) => /^let steps = /.test(l)),
        name,
      ).toBe(true);
    }
  });
});
