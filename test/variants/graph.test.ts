/** Graph convolution (row 9) against Kipf & Welling's pygcn GraphConvolution, dense and sparse adjacency. */
import { describe, expect, it } from 'vitest';
import {
  GCNConv,
  gcnCost,
  normalizeAdjacency,
  ShapeError,
  sparseCoo,
  type Tensor,
  tensor,
  toSparse,
} from '../../src/index.js';
import { layerTests, loadFamily, opTests } from './harness.js';

const suite = loadFamily('graph');
const normalize = (a: Tensor, args: Record<string, unknown>) => {
  const opts = { mode: args.normalization as 'symmetric' | 'row', selfLoops: args.selfLoops as boolean };
  return args.sparse ? normalizeAdjacency(toSparse(a), opts) : normalizeAdjacency(a, opts);
};

describe(`graph: golden GCN (torch ${suite.header.torch})`, () => {
  opTests(suite, (c, [a]) => {
    const n = normalize(a!, c.args);
    return 'toDense' in n ? n.toDense() : n;
  });
  layerTests(
    suite,
    (a) => new GCNConv(a.inChannels, a.outChannels, { bias: a.bias }),
    (m, [x, a], c) => m.forward(x!, normalize(a!, c.args)),
  );
});

describe('graph: semantics and errors', () => {
  it('symmetric normalisation of a path graph by hand', () => {
    const a = tensor([0, 1, 0, 1, 0, 1, 0, 1, 0], [3, 3]);
    const n = normalizeAdjacency(a).data;
    // degrees of A + I: 2, 3, 2
    expect(n[0]).toBeCloseTo(1 / 2, 6);
    expect(n[1]).toBeCloseTo(1 / Math.sqrt(6), 6);
    expect(n[4]).toBeCloseTo(1 / 3, 6);
    const rows = normalizeAdjacency(a, { mode: 'row' }).data;
    expect(rows[3]! + rows[4]! + rows[5]!).toBeCloseTo(1, 6);
  });
  it('duplicate COO entries add up, as in torch.sparse_coo_tensor', () => {
    const s = sparseCoo([0, 0, 1], [1, 1, 0], [1, 2, 3], [2, 2]);
    expect(Array.from(s.toDense().data)).toEqual([0, 3, 3, 0]);
  });
  it('rejects an adjacency of the wrong size', () => {
    const layer = new GCNConv(3, 2);
    expect(() =>
      layer.forward(
        tensor(new Float32Array(12), [4, 3]),
        normalizeAdjacency(tensor(new Float32Array(9), [3, 3])),
      ),
    ).toThrow(ShapeError);
    expect(() => layer.forward(tensor(new Float32Array(12), [4, 3]))).toThrow(
      /GCNConv: forward needs the adjacency/,
    );
  });
  it('cost: nodes·in·out + entries·out multiply-adds', () => {
    expect(gcnCost(10, 4, 3, 25).macs).toBe(10 * 4 * 3 + 25 * 3);
    expect(new GCNConv(4, 3).countParams()).toBe(4 * 3 + 3);
  });
});
