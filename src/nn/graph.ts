/** GCNConv: one graph convolution layer (pygcn's GraphConvolution), weight [in, out] and bias U(±1/√out). */
import { ArgumentError } from '../errors.js';
import { gcnConv, gcnCost, type SparseCOO } from '../ops/graph.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { uniformParameter } from './init.js';
import { Module } from './module.js';

export class GCNConv extends Module {
  weight: Tensor;
  bias: Tensor | null;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    opts: { bias?: boolean; generator?: Generator } = {},
  ) {
    super();
    for (const [name, v] of [
      ['inChannels', inChannels],
      ['outChannels', outChannels],
    ] as const) {
      if (!Number.isInteger(v) || v < 1)
        throw new ArgumentError(`GCNConv: ${name} must be a positive integer, got ${v}`);
    }
    const bound = 1 / Math.sqrt(outChannels);
    this.weight = uniformParameter([inChannels, outChannels], bound, opts.generator);
    this.bias = opts.bias === false ? null : uniformParameter([outChannels], bound, opts.generator);
  }

  /** x [nodes, in] or [B, nodes, in]; adj normalised with normalizeAdjacency (dense or SparseCOO). */
  forward(x: Tensor, adj?: Tensor | SparseCOO): Tensor {
    if (adj === undefined)
      throw new ArgumentError('GCNConv: forward needs the adjacency as its second argument');
    return gcnConv(x, adj, this.weight, { bias: this.bias });
  }

  /** Counted with a dense adjacency (the sparse product costs nnz · out instead of nodes² · out). */
  override macs(inputShape: number[]): number {
    const nodes = inputShape[inputShape.length - 2]!;
    const batch = inputShape.slice(0, -2).reduce((a, b) => a * b, 1);
    return gcnCost(nodes, this.inChannels, this.outChannels, nodes * nodes, batch).macs;
  }
}
