/**
 * The functional form of each family (src/ops, weights passed in) against the golden cases of test/variants:
 * each case's layer is loaded with the reference state, then the function is called with the layer's weights as
 * plain stages (conv2d runs from the weight; only the batch norm is the layer's own module, which keeps the
 * training-mode statistics of the case), and must give the reference output within 1e-5.
 */
import { describe, expect, it } from 'vitest';
import {
  ACBlock,
  acBlock,
  type BatchNorm2d,
  type Conv2d,
  type ConvStage,
  GhostModule,
  ghostModule,
  InceptionBlock,
  inceptionBlock,
  type Module,
  OctaveConv,
  octaveConv2d,
  SCConv,
  scConv,
  type Sequential,
  ShuffleNetUnit,
  shuffleNetUnit,
  SplAtConv2d,
  splAtConv2d,
  type Tensor,
  zeros,
} from '../../src/index.js';
import { type Case, fixture, loadFamily, loadLayer, relativeError, type Suite } from './harness.js';

/** A plain stage: the weights, and the norm module's forward (or none). */
const stage = (conv: Conv2d, norm?: Module | null): ConvStage => ({
  weight: conv.weight,
  bias: conv.bias,
  norm: norm ? (y: Tensor) => norm.forward(y) : null,
});
const seq = (s: Sequential, i: number) => stage(s.layers[i] as Conv2d, s.layers[i + 1] as BatchNorm2d);

function family<M extends Module>(
  name: string,
  filter: (c: Case) => boolean,
  build: (a: Case['args']) => M,
  call: (m: M, xs: Tensor[], a: Case['args']) => (Tensor | null)[],
) {
  const suite: Suite = loadFamily(name);
  describe(`${name}: functional form (torch ${suite.header.torch})`, () => {
    for (const c of suite.cases.filter((k) => k.layer !== undefined && filter(k))) {
      it(c.name, () => {
        const m = loadLayer(suite, c, build);
        const ys = call(
          m,
          c.inputs.map((r) => fixture(suite, r)),
          c.args,
        ).filter((y): y is Tensor => y !== null);
        expect(ys.length).toBe(c.outputs.length);
        ys.forEach((y, i) => {
          const ref = c.outputs[i]!;
          expect(y.shape).toEqual(ref.shape);
          const n = ref.shape.reduce((a, b) => a * b, 1);
          expect(relativeError(y.data, suite.values(ref.offset, n))).toBeLessThanOrEqual(1e-5);
        });
      });
    }
  });
}

family(
  'ghost',
  () => true,
  (a) => new GhostModule(a.inChannels, a.outChannels, a),
  (m, [x], a) => [
    ghostModule(x!, { primary: seq(m.primaryConv, 0), cheap: seq(m.cheapOperation, 0) }, a as never),
  ],
);

family(
  'octave',
  () => true,
  (a) => new OctaveConv(a.inChannels, a.outChannels, a.kernelSize, a),
  (m, [xh, xl], a) => {
    const s = (c: Conv2d | null) => (c === null ? null : stage(c));
    return octaveConv2d(
      xh!,
      xl,
      { h2h: stage(m.convH2h), h2l: s(m.convH2l), l2h: s(m.convL2h), l2l: s(m.convL2l) },
      a,
    );
  },
);

family(
  'scconv',
  (c) => c.layer === 'SCConv',
  (a) => new SCConv(a.inChannels, a.outChannels, a),
  (m, [x], a) => [scConv(x!, { k2: seq(m.k2, 1), k3: seq(m.k3, 0), k4: seq(m.k4, 0) }, a)],
);

family(
  'inception',
  () => true,
  (a) => {
    const { branch3Kernel, ...channels } = a;
    return new InceptionBlock({ ...channels, branch3Kernel } as never);
  },
  (m, [x]) => {
    const basic = (b: Module) => {
      const { conv, bn } = b as unknown as { conv: Conv2d; bn: BatchNorm2d };
      return stage(conv, bn);
    };
    return [
      inceptionBlock(x!, {
        branch1: basic(m.branch1),
        branch2: [basic(m.branch2.layers[0]!), basic(m.branch2.layers[1]!)],
        branch3: [basic(m.branch3.layers[0]!), basic(m.branch3.layers[1]!)],
        branch4: basic(m.branch4.layers[1]!),
      }),
    ];
  },
);

family(
  'shufflenet',
  () => true,
  (a) => new ShuffleNetUnit(a.inChannels, a.outChannels, a),
  (m, [x], a) => [
    shuffleNetUnit(
      x!,
      { conv1: seq(m.branchMain1, 0), depthwise: seq(m.branchMain1, 3), conv2: seq(m.branchMain2, 0) },
      { groups: a.groups, stride: a.stride },
    ),
  ],
);

family(
  'splat',
  () => true,
  (a) => new SplAtConv2d(a.inChannels, a.channels, a.kernelSize, a),
  (m, [x], a) => [
    splAtConv2d(x!, { conv: stage(m.conv, m.bn0), fc1: stage(m.fc1, m.bn1), fc2: stage(m.fc2) }, a),
  ],
);

family(
  'acnet',
  () => true,
  (a) => new ACBlock(a.inChannels, a.outChannels, a.kernelSize, a),
  (m: ACBlock, [x], a) => [
    acBlock(
      x!,
      {
        square: stage(m.squareConv!, m.squareBn),
        ver: stage(m.verConv!, m.verBn),
        hor: stage(m.horConv!, m.horBn),
      },
      a,
    ),
  ],
);

describe('functional forms: arguments', () => {
  it('a weight that does not fit the input is refused naming the op and the stage', () => {
    const m = new GhostModule(4, 8);
    const [primary] = m.primaryConv.layers as [Conv2d];
    expect(() =>
      ghostModule(
        zeros([1, 3, 5, 5]),
        { primary: stage(primary), cheap: seq(m.cheapOperation, 0) },
        { outChannels: 8 },
      ),
    ).toThrow(/ghostModule: primary\.weight \[4, 4, 1, 1\] does not fit an input of \[1, 3, 5, 5\]/);
  });
});
