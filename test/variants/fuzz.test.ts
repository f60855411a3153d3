/**
 * Fuzzing the fourteen variant families with random configurations and inputs, valid and invalid alike (α outside
 * [0, 1), groups, radix or P not dividing the channels, offsets and kernels of the wrong shape, inputs with the
 * wrong channel count). Every call must end in a finite output with the batch preserved, or in a ShapeError or
 * ArgumentError whose message starts with the name of the op or layer that rejected it; never another exception.
 */
import { describe, expect, it } from 'vitest';
import {
  ACBlock,
  ArgumentError,
  CondConv2d,
  DeformConv2d,
  DOConv2d,
  DynamicConv2d,
  deformConv2d,
  GCNConv,
  Generator,
  GhostModule,
  HetConv,
  InceptionBlock,
  Involution,
  involution2d,
  normalizeAdjacency,
  OctaveConv,
  randn,
  SCConv,
  ShapeError,
  ShuffleNetUnit,
  SplAtConv2d,
  type Tensor,
  toSparse,
} from '../../src/index.js';

const SEED = 20261128;
const ROUNDS = 30;

class Draw {
  private readonly g = new Generator(SEED);
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.g.uniform() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(0, xs.length - 1)]!;
  }
  chance(p: number): boolean {
    return this.g.uniform() < p;
  }
  /** Usually `good`, sometimes a nearby wrong value. */
  mostly(good: number, bad: number[]): number {
    return this.chance(0.8) ? good : this.pick(bad);
  }
  input(n: number, c: number, h: number, w: number): Tensor {
    return randn([n, c, h, w], { generator: this.g });
  }
}

type Trial = (d: Draw) => { label: string; run: () => Tensor | (Tensor | null)[] };

const trials: Record<string, Trial> = {
  deformable: (d) => {
    const c = d.int(1, 4);
    const k = d.int(1, 3);
    const [n, h, w] = [d.int(1, 2), d.int(2, 7), d.int(2, 7)];
    const stride = d.int(1, 2);
    const padding = d.int(0, 2);
    const ho = Math.floor((h + 2 * padding - k) / stride) + 1;
    const wo = Math.floor((w + 2 * padding - k) / stride) + 1;
    const og = d.mostly(1, [0, 3]);
    if (d.chance(0.3)) {
      const layer = () =>
        new DeformConv2d(c, d.int(1, 4), k, {
          stride,
          padding,
          modulated: d.chance(0.5),
          groups: d.mostly(1, [2, 3]),
        });
      return { label: `DeformConv2d c${c} k${k}`, run: () => layer().forward(d.input(n, c, h, w)) };
    }
    const offset = [n, d.mostly(2 * og * k * k, [2 * k * k + 1, k * k]), d.mostly(ho, [ho + 1]), wo];
    return {
      label: `deformConv2d c${c} k${k} offset [${offset}]`,
      run: () =>
        deformConv2d(
          d.input(n, c, h, w),
          randn(offset.map((v) => Math.max(v, 1))),
          randn([d.int(1, 3), c, k, k]),
          {
            stride,
            padding,
          },
        ),
    };
  },
  graph: (d) => {
    const nodes = d.int(1, 6);
    const f = d.int(1, 4);
    const adj = randn([nodes, d.mostly(nodes, [nodes + 1])]).relu();
    const sparse = d.chance(0.5);
    return {
      label: `GCNConv ${nodes} nodes${sparse ? ' sparse' : ''}`,
      run: () =>
        new GCNConv(f, d.int(1, 3)).forward(
          randn([nodes, d.mostly(f, [f + 1])]),
          sparse ? normalizeAdjacency(toSparse(adj)) : normalizeAdjacency(adj),
        ),
    };
  },
  inception: (d) => {
    const c = d.int(1, 4);
    const ch = () => d.mostly(d.int(1, 3), [0]);
    return {
      label: `InceptionBlock c${c}`,
      run: () =>
        new InceptionBlock({
          inChannels: c,
          ch1x1: ch(),
          ch3x3red: ch(),
          ch3x3: ch(),
          ch5x5red: ch(),
          ch5x5: ch(),
          poolProj: ch(),
          branch3Kernel: d.mostly(5, [3, 4]),
        }).forward(d.input(2, d.mostly(c, [c + 1]), d.int(3, 6), d.int(3, 6))),
    };
  },
  acnet: (d) => {
    const g = d.int(1, 3);
    const c = g * d.int(1, 2);
    const k = d.pick([1, 3, 5]);
    return {
      label: `ACBlock c${c} k${k} g${g}`,
      run: () =>
        new ACBlock(d.mostly(c, [c + 1]), g * d.int(1, 2), k, {
          padding: d.int(0, 2),
          stride: d.int(1, 2),
          groups: g,
        }).forward(d.input(2, c, d.int(5, 8), d.int(5, 8))),
    };
  },
  octave: (d) => {
    const alphaIn = d.pick([0, 0.25, 0.5, 1, -0.5, 1.5]);
    const alphaOut = d.pick([0, 0.5, 0.75, 1]);
    const c = d.int(2, 8);
    const layer = () =>
      new OctaveConv(c, d.int(2, 8), 3, { alphaIn, alphaOut, padding: 1, stride: d.mostly(1, [2, 3]) });
    const low = Math.floor(alphaIn * c);
    return {
      label: `OctaveConv c${c} α ${alphaIn}/${alphaOut}`,
      run: () =>
        layer().forwardPair(
          d.input(2, c - low, 8, 8),
          low > 0 ? d.input(2, low, d.mostly(4, [8]), 4) : undefined,
        ),
    };
  },
  hetconv: (d) => {
    const p = d.int(1, 5);
    const c = d.int(1, 8);
    return {
      label: `HetConv c${c} P${p}`,
      run: () => new HetConv(c, d.int(1, 8), 3, { part: p }).forward(d.input(2, c, 5, 5)),
    };
  },
  condconv: (d) => {
    const c = d.int(1, 6);
    const g = d.int(1, 3);
    return {
      label: `CondConv2d c${c} g${g}`,
      run: () =>
        new CondConv2d(c, d.int(1, 6), 3, { numExperts: d.mostly(3, [0]), groups: g, padding: 1 }).forward(
          d.input(2, c, 5, 4),
        ),
    };
  },
  dynamic: (d) => {
    const c = d.int(1, 6);
    return {
      label: `DynamicConv2d c${c}`,
      run: () =>
        new DynamicConv2d(c, d.int(1, 6), 3, {
          temperature: d.mostly(30, [0, -1]),
          groups: d.int(1, 2),
          padding: 1,
        }).forward(d.input(2, c, 5, 4)),
    };
  },
  ghost: (d) => {
    const c = d.int(1, 6);
    return {
      label: `GhostModule c${c}`,
      run: () =>
        new GhostModule(c, d.int(1, 9), {
          ratio: d.mostly(2, [1, 0]),
          kernelSize: d.pick([1, 3]),
          stride: d.int(1, 2),
        }).forward(d.input(2, c, 5, 6)),
    };
  },
  scconv: (d) => {
    const c = d.int(1, 6);
    return {
      label: `SCConv c${c}`,
      run: () =>
        new SCConv(c, d.mostly(c, [c + 1]), {
          groups: d.int(1, 3),
          poolingR: d.mostly(2, [0, 4]),
          stride: d.int(1, 2),
        }).forward(d.input(2, c, d.int(4, 8), d.int(4, 8))),
    };
  },
  doconv: (d) => {
    const c = d.int(1, 6);
    const k = d.int(1, 3);
    return {
      label: `DOConv2d c${c} k${k}`,
      run: () =>
        new DOConv2d(c, d.int(1, 6), k, {
          DMul: d.pick([null, k * k, k * k + 2, k * k - 1]),
          groups: d.int(1, 2),
        }).forward(d.input(2, c, 5, 5)),
    };
  },
  splat: (d) => {
    const c = d.int(1, 8);
    return {
      label: `SplAtConv2d c${c}`,
      run: () =>
        new SplAtConv2d(c, d.int(1, 8), 3, { radix: d.int(1, 4), groups: d.int(1, 2), padding: 1 }).forward(
          d.input(2, c, 4, 4),
        ),
    };
  },
  involution: (d) => {
    const c = d.pick([8, 16, 12]);
    if (d.chance(0.5)) {
      const k = d.pick([3, 5]);
      return {
        label: `involution2d c${c} k${k}`,
        run: () =>
          involution2d(d.input(1, c, 5, 5), randn([1, d.mostly(4, [3, 5]), k * k, 5, d.mostly(5, [4])]), {
            kernelSize: k,
            padding: (k - 1) / 2,
          }),
      };
    }
    return {
      label: `Involution c${c}`,
      run: () =>
        new Involution(c, d.pick([3, 4]), { groupChannels: d.pick([4, 8, 16]), stride: d.int(1, 2) }).forward(
          d.input(2, c, 6, 6),
        ),
    };
  },
  shufflenet: (d) => {
    const g = d.int(1, 4);
    const stride = d.int(1, 3);
    const cin = g * d.int(1, 3);
    return {
      label: `ShuffleNetUnit g${g} stride ${stride}`,
      run: () =>
        new ShuffleNetUnit(cin, d.mostly(stride === 2 ? 2 * cin : cin, [cin + 1]), {
          groups: g,
          midChannels: d.mostly(g * 2, [g * 2 + 1]),
          stride,
        }).forward(d.input(2, cin, 6, 6)),
    };
  },
};

describe('variants: fuzzed arguments end in an output or a named error', () => {
  for (const [family, trial] of Object.entries(trials)) {
    it(`${family}: ${ROUNDS} random configurations`, () => {
      const d = new Draw();
      let ok = 0;
      for (let i = 0; i < ROUNDS; i++) {
        const { label, run } = trial(d);
        try {
          const result = run();
          const outs = (Array.isArray(result) ? result : [result]).filter((t): t is Tensor => t !== null);
          for (const y of outs) {
            expect(y.data.every(Number.isFinite), `${label}: finite output`).toBe(true);
          }
          ok++;
        } catch (e) {
          const named = e instanceof ShapeError || e instanceof ArgumentError;
          expect(named, `${label}: threw ${(e as Error).name}: ${(e as Error).message}`).toBe(true);
          expect((e as Error).message, `${label}: the error names the op`).toMatch(/^[A-Za-z][\w.]*: /);
        }
      }
      // the draws are mostly valid, so most calls must succeed
      expect(ok, `${family}: successful calls`).toBeGreaterThan(0);
    });
  }
});
