/**
 * Fuzzing the variant convolutions of src/ops (CondConv, dynamic, deformable, GCN, HetConv, involution): valid
 * argument sets with one or two random corruptions each (a garbage option, a tensor of the wrong shape, a
 * non-tensor). Every call ends in a well-formed, finite tensor or a ShapeError/ArgumentError naming the op.
 */
import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  condConv2d,
  deformConv2d,
  dynamicConv2d,
  gcnConv,
  hetConv2d,
  involution2d,
  ShapeError,
  type Tensor,
} from '../../src/index.js';
import { garbage, intOrTuple, notATensor, Rng, randTensor, show } from './gen.js';

const SEED = 0xfade;
const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);
const out = (size: number, k: number, s: number, p: number, d: number) =>
  Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;

/** A valid call: its tensors (by argument name), its options, and how to make the call from them. */
interface Draw {
  tensors: Record<string, Tensor | null>;
  opts: Record<string, unknown>;
  call: (t: Record<string, unknown>, opts: Record<string, unknown>) => Tensor;
}

/** Corrupts one or two things: an option becomes garbage, or a tensor gets a wrong shape or stops being one. */
function corrupt(r: Rng, d: Draw): { tensors: Record<string, unknown>; opts: Record<string, unknown> } {
  const tensors: Record<string, unknown> = { ...d.tensors };
  const opts = { ...d.opts };
  for (let n = r.int(0, 2); n > 0; n--) {
    const keys = [...Object.keys(tensors), ...Object.keys(opts)];
    const key = r.pick(keys);
    if (key in opts && !(opts[key] instanceof Object && 'shape' in (opts[key] as object))) {
      opts[key] = r.chance(0.5) ? garbage(r) : intOrTuple(r, 2, 0, 3, 0.7);
      continue;
    }
    const holder = key in tensors ? tensors : opts;
    const t = holder[key] as Tensor | null;
    const shape = t?.shape ?? [2];
    const roll = r.next();
    if (roll < 0.25) holder[key] = notATensor(r, shape);
    else if (roll < 0.5) holder[key] = randTensor(r, shape.slice(1));
    else if (roll < 0.75) holder[key] = randTensor(r, [...shape, 1]);
    else
      holder[key] = randTensor(
        r,
        shape.map((s, i) => (i === r.int(0, shape.length - 1) ? s + r.int(1, 2) : s)),
      );
  }
  return { tensors, opts };
}

const draws: Record<string, (r: Rng) => Draw> = {
  condConv2d(r) {
    const [n, e, groups] = [r.int(1, 2), r.int(1, 4), r.pick([1, 2])];
    const [c, k, kh, kw] = [groups * r.int(1, 2), groups * r.int(1, 2), r.int(1, 3), r.int(1, 3)];
    const [h, w] = [r.int(kh, 7), r.int(kw, 7)];
    return {
      tensors: {
        x: randTensor(r, [n, c, h, w]),
        routing: randTensor(r, [n, e]),
        weight: randTensor(r, [e, k, c / groups, kh, kw]),
      },
      opts: {
        bias: r.chance(0.5) ? randTensor(r, [e, k]) : null,
        stride: r.int(1, 2),
        padding: r.int(0, 1),
        dilation: 1,
        groups,
      },
      call: (t, o) => condConv2d(t.x as Tensor, t.routing as Tensor, t.weight as Tensor, o as never),
    };
  },
  dynamicConv2d(r) {
    const [n, kk, c, k] = [r.int(1, 2), r.int(1, 4), r.int(1, 3), r.int(1, 3)];
    const [h, w] = [r.int(3, 7), r.int(3, 7)];
    return {
      tensors: {
        x: randTensor(r, [n, c, h, w]),
        attention: randTensor(r, [n, kk]),
        weight: randTensor(r, [kk, k, c, 3, 3]),
      },
      opts: { padding: 1, stride: r.int(1, 2) },
      call: (t, o) => dynamicConv2d(t.x as Tensor, t.attention as Tensor, t.weight as Tensor, o as never),
    };
  },
  deformConv2d(r) {
    const [n, groups, og] = [r.int(1, 2), r.pick([1, 2]), r.pick([1, 2])];
    const [c, k, kh, kw] = [groups * og * r.int(1, 2), groups * r.int(1, 2), r.int(1, 3), r.int(1, 3)];
    const [s, p, d] = [r.int(1, 2), r.int(0, 1), r.int(1, 2)];
    const [h, w] = [r.int(d * (kh - 1) + 1, 7), r.int(d * (kw - 1) + 1, 7)];
    const [ho, wo] = [out(h, kh, s, p, d), out(w, kw, s, p, d)];
    return {
      tensors: {
        x: randTensor(r, [n, c, h, w]),
        offset: randTensor(r, [n, 2 * og * kh * kw, ho, wo]),
        weight: randTensor(r, [k, c / groups, kh, kw]),
      },
      opts: {
        stride: s,
        padding: p,
        dilation: d,
        bias: r.chance(0.5) ? randTensor(r, [k]) : null,
        mask: r.chance(0.5) ? randTensor(r, [n, og * kh * kw, ho, wo]) : null,
      },
      call: (t, o) => deformConv2d(t.x as Tensor, t.offset as Tensor, t.weight as Tensor, o as never),
    };
  },
  gcnConv(r) {
    const [nodes, f, g] = [r.int(1, 6), r.int(1, 4), r.int(1, 4)];
    const batch = r.chance(0.3) ? [r.int(1, 2)] : [];
    return {
      tensors: {
        x: randTensor(r, [...batch, nodes, f]),
        adj: randTensor(r, [nodes, nodes]),
        weight: randTensor(r, [f, g]),
      },
      opts: { bias: r.chance(0.5) ? randTensor(r, [g]) : null },
      call: (t, o) => gcnConv(t.x as Tensor, t.adj as Tensor, t.weight as Tensor, o as never),
    };
  },
  hetConv2d(r) {
    const part = r.pick([1, 2, 4]);
    const [n, c, k, kk] = [r.int(1, 2), part * r.int(1, 2), part * r.int(1, 2), r.pick([1, 3])];
    const [h, w] = [r.int(3, 7), r.int(3, 7)];
    return {
      tensors: {
        x: randTensor(r, [n, c, h, w]),
        weight: randTensor(r, [k, c / part, kk, kk]),
        pointwise: part > 1 ? randTensor(r, [k, c - c / part, 1, 1]) : null,
      },
      opts: { part, stride: r.int(1, 2), bias: r.chance(0.5) ? randTensor(r, [k]) : null },
      call: (t, o) => hetConv2d(t.x as Tensor, t.weight as Tensor, t.pointwise as Tensor | null, o as never),
    };
  },
  involution2d(r) {
    const [n, g, k] = [r.int(1, 2), r.pick([1, 2]), r.pick([1, 3])];
    const c = g * r.int(1, 2);
    const [s, p, d] = [r.int(1, 2), (k - 1) / 2, 1];
    const [h, w] = [r.int(3, 7), r.int(3, 7)];
    return {
      tensors: {
        x: randTensor(r, [n, c, h, w]),
        weight: randTensor(r, [n, g, k * k, out(h, k, s, p, d), out(w, k, s, p, d)]),
      },
      opts: { kernelSize: k, stride: s, padding: p, dilation: d },
      call: (t, o) => involution2d(t.x as Tensor, t.weight as Tensor, o as never),
    };
  },
};

describe('fuzz: the variant convolutions end in a well-formed result or a named error', () => {
  Object.entries(draws).forEach(([name, draw], j) => {
    it(`${name}: 1000 corrupted argument sets`, () => {
      const r = new Rng(SEED + j);
      const failures: string[] = [];
      let results = 0;
      let errors = 0;
      for (let i = 0; i < 1000; i++) {
        const d = draw(r);
        const { tensors, opts } = corrupt(r, d);
        const where = `#${i} ${Object.entries({ ...tensors, ...opts })
          .map(([k, v]) => `${k}=${show(v)}`)
          .join(' ')}`;
        if (process.env.FUZZ_TRACE) process.stderr.write(`${name} ${where}\n`);
        let y: Tensor;
        try {
          y = d.call(tensors, opts);
        } catch (e) {
          errors++;
          if (!(e instanceof ShapeError || e instanceof ArgumentError))
            failures.push(`${where}: threw ${String(e)}`);
          else if (!e.message.startsWith(`${name}: `))
            failures.push(`${where}: message does not name the op: ${e.message}`);
          continue;
        }
        results++;
        if (!y.shape.every((s) => Number.isSafeInteger(s) && s >= 1) || y.data.length !== numel(y.shape))
          failures.push(`${where}: malformed result of shape ${show(y.shape)}`);
        else if (!y.data.every(Number.isFinite))
          failures.push(`${where}: non-finite values from a finite input`);
      }
      expect(failures.slice(0, 12).join('\n')).toBe('');
      expect(results).toBeGreaterThan(100);
      expect(errors).toBeGreaterThan(100);
    });
  });
});
