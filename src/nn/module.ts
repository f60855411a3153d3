/**
 * Module: the base of every layer, as torch.nn.Module. Parameters and sub-modules are found by walking the
 * instance's own fields in assignment order (a Tensor with requiresGrad is a parameter; a Module, or an array of
 * them, is a child), so a layer only assigns fields in its constructor. Buffers (running statistics) are named
 * with `registerBuffer`. Layers report their cost through `macs(inputShape, outputShape)`; `summary` and `flops`
 * trace one forward pass to learn every layer's shapes.
 */
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import { zeros } from '../tensor/create.js';
import { noGrad, numel, Tensor } from '../tensor/tensor.js';

export type StateDict = Map<string, Tensor>;

export abstract class Module {
  training = true;
  private readonly bufferNames = new Set<string>();

  abstract forward(...inputs: Tensor[]): Tensor;

  /**
   * Multiply-adds of this layer's own work for one forward pass, excluding its children's (leaf layers override;
   * 0 for free ops and plain containers).
   */
  macs(_inputShape: number[], _outputShape: number[]): number {
    return 0;
  }

  /** A short description of the configuration for summaries, as PyTorch's extra_repr. */
  extraRepr(): string {
    return '';
  }

  protected registerBuffer(name: string, value: Tensor): void {
    (this as unknown as Record<string, Tensor>)[name] = value;
    this.bufferNames.add(name);
  }

  /** [name, child] for direct sub-modules, in assignment order. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Module) out.push([key, value]);
      else if (Array.isArray(value)) {
        value.forEach((v, i) => {
          if (v instanceof Module) out.push([`${key}.${i}`, v]);
        });
      }
    }
    return out;
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** Every module in the tree (this first), with dotted paths. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.namedChildren())
      out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** This module's own parameters (or buffers), without its children's. */
  private ownTensors(buffers: boolean): [string, Tensor][] {
    return Object.entries(this).filter(
      (e): e is [string, Tensor] =>
        e[1] instanceof Tensor &&
        (buffers ? this.bufferNames.has(e[0]) : e[1].requiresGrad && !this.bufferNames.has(e[0])),
    );
  }

  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = this.ownTensors(false).map(([k, v]) => [prefix + k, v]);
    for (const [name, child] of this.namedChildren()) out.push(...child.namedParameters(`${prefix}${name}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = this.ownTensors(true).map(([k, v]) => [prefix + k, v]);
    for (const [name, child] of this.namedChildren()) out.push(...child.namedBuffers(`${prefix}${name}.`));
    return out;
  }

  /** Number of trainable parameters (or all elements when trainableOnly is false, as PyTorch counts them). */
  countParams(): number {
    return this.parameters().reduce((s, p) => s + p.size, 0);
  }

  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Parameters and buffers by dotted name, as torch's state_dict (tensors are copies). */
  stateDict(): StateDict {
    // Per module: its own parameters, then its own buffers, then its children's (PyTorch's key order).
    const sd: StateDict = new Map();
    const visit = (m: Module, prefix: string) => {
      for (const [name, t] of [...m.ownTensors(false), ...m.ownTensors(true)]) {
        sd.set(prefix + name, new Tensor(new Float32Array(t.data), t.shape));
      }
      for (const [name, child] of m.namedChildren()) visit(child, `${prefix}${name}.`);
    };
    visit(this, '');
    return sd;
  }

  /** Copies values into the parameters and buffers; strict (default) requires the exact same set of names. */
  loadStateDict(
    sd: StateDict | Record<string, Tensor>,
    opts: { strict?: boolean } = {},
  ): { missing: string[]; unexpected: string[] } {
    const entries = sd instanceof Map ? sd : new Map(Object.entries(sd));
    const own = new Map([...this.namedParameters(), ...this.namedBuffers()]);
    const missing = [...own.keys()].filter((k) => !entries.has(k));
    const unexpected = [...entries.keys()].filter((k) => !own.has(k));
    if ((opts.strict ?? true) && (missing.length > 0 || unexpected.length > 0)) {
      throw new ArgumentError(
        `loadStateDict: keys do not match: missing ${JSON.stringify(missing)}, unexpected ${JSON.stringify(unexpected)}`,
      );
    }
    for (const [name, target] of own) {
      const src = entries.get(name);
      if (src === undefined) continue;
      if (
        src.size !== target.size ||
        src.shape.some((d, i) => d !== target.shape[i]) ||
        src.ndim !== target.ndim
      ) {
        throw new ShapeError(
          `loadStateDict: ${name} has shape ${fmtShape(src.shape)} but the module expects ${fmtShape(target.shape)}`,
        );
      }
      target.data.set(src.data);
    }
    return { missing, unexpected };
  }

  /** FLOPs (2 × multiply-adds) of one forward pass on an input of the given shape. */
  flops(inputShape: number[]): number {
    return 2 * this.trace(inputShape).reduce((s, r) => s + r.macs, 0);
  }

  /** Multiply-adds of one forward pass, summed over the leaf layers. */
  totalMacs(inputShape: number[]): number {
    return this.trace(inputShape).reduce((s, r) => s + r.macs, 0);
  }

  /**
   * Runs one forward pass on zeros of `inputShape` and records, for every module called, its path, type,
   * input and output shapes, own parameters and multiply-adds (leaves only, so totals do not double count).
   */
  trace(inputShape: number[]): LayerRecord[] {
    const records: LayerRecord[] = [];
    const restore: (() => void)[] = [];
    for (const [path, m] of this.namedModules()) {
      const original = m.forward;
      const isLeaf = m.children().length === 0;
      const record = (inputs: Tensor[], out: Tensor) => {
        const own = Object.entries(m)
          .filter(([k, v]) => v instanceof Tensor && v.requiresGrad && !m.bufferNames.has(k))
          .reduce((s, [, v]) => s + (v as Tensor).size, 0);
        const inShape = inputs[0]?.shape ?? [];
        records.push({
          path: path || '(model)',
          type: m.constructor.name,
          depth: path === '' ? 0 : path.split('.').length,
          inputShape: inShape,
          outputShape: out.shape,
          params: own,
          // A composite layer's macs() counts only its own work (e.g. a deformable layer's sampling step), so
          // summing every record does not double count.
          macs: m.macs(inShape, out.shape),
          leaf: isLeaf,
          module: m,
        });
      };
      m.forward = (...inputs: Tensor[]) => {
        const index = records.length;
        const out = original.apply(m, inputs);
        record(inputs, out);
        // Keep call order (a parent's record before its children's), as PyTorch's summaries show.
        records.splice(index, 0, records.pop()!);
        return out;
      };
      restore.push(() => {
        // Remove the wrapper; put the original back only if it was an own field rather than the class method.
        delete (m as { forward?: unknown }).forward;
        if (m.forward !== original) m.forward = original;
      });
    }
    const wasTraining = this.training;
    this.eval();
    try {
      noGrad(() => this.forward(zeros(inputShape)));
    } finally {
      for (const r of restore) r();
      this.train(wasTraining);
    }
    return records;
  }

  /** A table of every layer: output shape, parameters, FLOPs, and the totals (PyTorch's parameter count). */
  summary(inputShape: number[]): ModelSummary {
    return new ModelSummary(this, inputShape, this.trace(inputShape));
  }

  toString(): string {
    const lines = [`${this.constructor.name}(${this.extraRepr()}`];
    const kids = this.namedChildren();
    if (kids.length === 0) return `${lines[0]})`;
    for (const [name, child] of kids) lines.push(`  (${name}): ${child.toString().split('\n').join('\n  ')}`);
    return `${lines.join('\n')}\n)`;
  }
}

export interface LayerRecord {
  path: string;
  type: string;
  depth: number;
  inputShape: number[];
  outputShape: number[];
  params: number;
  macs: number;
  leaf: boolean;
  module: Module;
}

/** The result of `model.summary(inputShape)`: rows per layer, totals, and a text and MIME rendering. */
export class ModelSummary {
  readonly totalParams: number;
  readonly totalMacs: number;
  readonly totalFlops: number;
  readonly rows: LayerRecord[];

  constructor(
    readonly model: Module,
    readonly inputShape: number[],
    records: LayerRecord[],
  ) {
    this.rows = records.filter((r) => r.depth > 0);
    this.totalParams = model.countParams();
    this.totalMacs = records.reduce((s, r) => s + r.macs, 0);
    this.totalFlops = 2 * this.totalMacs;
  }

  toString(): string {
    const header = ['Layer (type)', 'Output shape', 'Params', 'FLOPs'];
    const body = this.rows.map((r) => [
      `${'  '.repeat(r.depth - 1)}${r.path} (${r.type})`,
      fmtShape(r.outputShape),
      r.params.toLocaleString('en-US'),
      r.leaf || r.macs > 0 ? (2 * r.macs).toLocaleString('en-US') : '',
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
    const line = (cells: string[]) =>
      cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    const rule = '-'.repeat(widths.reduce((s, w) => s + w + 2, -2));
    return [
      `${this.model.constructor.name} on input ${fmtShape(this.inputShape)}`,
      rule,
      line(header),
      rule,
      ...body.map(line),
      rule,
      `Total params: ${this.totalParams.toLocaleString('en-US')}`,
      `Total FLOPs: ${this.totalFlops.toLocaleString('en-US')} (${(this.totalMacs / 1e6).toFixed(2)} M multiply-adds)`,
      `Input elements: ${numel(this.inputShape).toLocaleString('en-US')}`,
    ].join('\n');
  }

  [Symbol.for('Jupyter.display')](): Record<string, unknown> {
    return { 'text/plain': this.toString() };
  }
}
