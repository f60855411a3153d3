/**
 * Module: the base of every layer, as torch.nn.Module. A layer assigns its parts to fields in its constructor:
 * a `Parameter` is a parameter (whether or not it requires grad, so a frozen weight stays in `parameters()` and
 * the state dict), a Module or an array of them is a child, and a tensor named with `registerBuffer` is a buffer
 * (persistent ones go into the state dict). Every other field, plain tensors included, is not state. Names in
 * `namedParameters`, `namedModules` and the state dict are PyTorch's: the camelCase field `runningMean` is the key
 * `running_mean` (see `stateKey`), so a PyTorch checkpoint loads by name. Layers report their cost through
 * `macs(inputShape, outputShape)`; `summary` and `flops` trace one forward pass to learn every layer's shapes.
 */
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import { zeros } from '../tensor/create.js';
import { bumpVersion, noGrad, numel, Tensor } from '../tensor/tensor.js';

export type StateDict = Map<string, Tensor>;

let modeSwitches = 0;

/**
 * How many `train()` / `eval()` calls have changed some module's mode. Caches of eval-mode forms (folded batch
 * norms) are dropped when it changes, so a model edited through `.data` (which no version counter sees) in
 * training mode and then put in eval mode never runs stale weights; calling `eval()` on a model already in eval
 * mode, as inference loops often do, keeps them.
 */
export function modeSwitchCount(): number {
  return modeSwitches;
}

/**
 * A tensor that is a module's parameter, as torch.nn.Parameter: a leaf that requires grad unless created (or
 * later set with `requiresGrad_(false)`) otherwise. Freezing it does not make it stop being a parameter.
 */
export class Parameter extends Tensor {
  constructor(data: Float32Array, shape: readonly number[], requiresGrad = true) {
    super(data, shape, { requiresGrad });
  }

  /**
   * A parameter with `t`'s values, copied into memory of its own: `t` may be an op output whose buffer a scope
   * returns to the storage pool, which must never back a parameter.
   */
  static from(t: Tensor, requiresGrad = true): Parameter {
    if (!(t instanceof Tensor)) throw new ArgumentError(`Parameter.from: expected a Tensor, got ${typeof t}`);
    return new Parameter(new Float32Array(t.data), t.shape, requiresGrad);
  }
}

/**
 * The state-dict key of a camelCase field: each capital after the first character becomes "_" and its lower
 * case (`runningMean` → `running_mean`, `conv1A` → `conv1_a`, `DDiag` → `D_diag`, `W` → `W`), the inverse of
 * how convlab spells PyTorch's snake_case names.
 */
export function stateKey(field: string): string {
  return field.slice(0, 1) + field.slice(1).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export abstract class Module {
  training = true;
  /** Buffer fields and whether each is persistent (saved in the state dict). */
  private readonly bufferNames = new Map<string, boolean>();
  /** Keys that `stateKey` cannot derive from the field's name (set with `setStateKey`). */
  private readonly stateKeys = new Map<string, string>();

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

  /**
   * Names a tensor field as a buffer (running statistics and other state that is not trained), as PyTorch's
   * register_buffer: a persistent buffer is saved in and loaded from the state dict, a non-persistent one is
   * listed by `namedBuffers` only. The key is `stateKey(name)` unless set with `setStateKey`.
   */
  registerBuffer(name: string, value: Tensor | null, opts: { persistent?: boolean } = {}): void {
    if (value !== null && !(value instanceof Tensor))
      throw new ArgumentError(`registerBuffer: ${name} must be a Tensor or null, got ${typeof value}`);
    if (value instanceof Parameter)
      throw new ArgumentError(
        `registerBuffer: ${name} is a Parameter; a tensor is either a parameter or a buffer`,
      );
    (this as unknown as Record<string, Tensor | null>)[name] = value;
    this.bufferNames.set(name, opts.persistent ?? true);
  }

  /**
   * Assigns a parameter field, as register_parameter; a plain tensor becomes a Parameter with a copy of its values
   * that requires grad, as `nn.Parameter(t)` (which shares them; a copy here keeps pooled op outputs out of the
   * module's state).
   */
  registerParameter(name: string, value: Tensor | null): void {
    if (value !== null && !(value instanceof Tensor))
      throw new ArgumentError(`registerParameter: ${name} must be a Tensor or null, got ${typeof value}`);
    if (this.bufferNames.has(name)) throw new ArgumentError(`registerParameter: ${name} is already a buffer`);
    (this as unknown as Record<string, Tensor | null>)[name] =
      value === null || value instanceof Parameter ? value : Parameter.from(value);
  }

  /**
   * Gives a field a state-dict key other than `stateKey(field)`, for a reference whose snake_case name does not
   * come back from its camelCase spelling (`branch_main_1` is spelt `branchMain1`, whose derived key is
   * `branch_main1`).
   */
  protected setStateKey(field: string, key: string): void {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      throw new ArgumentError(
        `setStateKey: key must be an identifier without dots, got ${JSON.stringify(key)}`,
      );
    this.stateKeys.set(field, key);
  }

  private keyOf(field: string): string {
    return this.stateKeys.get(field) ?? stateKey(field);
  }

  /** [key, child] for direct sub-modules, in assignment order (keys as in PyTorch's state dict). */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [field, value] of Object.entries(this)) {
      if (value instanceof Module) out.push([this.keyOf(field), value]);
      else if (Array.isArray(value)) {
        value.forEach((v, i) => {
          if (v instanceof Module) out.push([`${this.keyOf(field)}.${i}`, v]);
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

  /** This module's own parameters, without its children's, by key. */
  private ownParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [field, value] of Object.entries(this))
      if (value instanceof Parameter && !this.bufferNames.has(field)) out.push([this.keyOf(field), value]);
    return out;
  }

  /** This module's own buffers (persistent ones only when `persistentOnly`), by key. */
  private ownBuffers(persistentOnly: boolean): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [field, persistent] of this.bufferNames) {
      const value = (this as unknown as Record<string, unknown>)[field];
      if (value instanceof Tensor && (persistent || !persistentOnly)) out.push([this.keyOf(field), value]);
    }
    return out;
  }

  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = this.ownParameters().map(([k, v]) => [prefix + k, v]);
    for (const [name, child] of this.namedChildren()) out.push(...child.namedParameters(`${prefix}${name}.`));
    return out;
  }

  /** Every parameter, frozen ones included (filter on `requiresGrad` for an optimizer, as in PyTorch). */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Every buffer, persistent or not. */
  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = this.ownBuffers(false).map(([k, v]) => [prefix + k, v]);
    for (const [name, child] of this.namedChildren()) out.push(...child.namedBuffers(`${prefix}${name}.`));
    return out;
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** Number of parameter elements, frozen ones included, as `sum(p.numel() for p in m.parameters())`. */
  countParams(): number {
    return this.parameters().reduce((s, p) => s + p.size, 0);
  }

  train(mode = true): this {
    const modules = this.modules();
    if (modules.some((m) => m.training !== mode)) modeSwitches++;
    for (const m of modules) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Sets `requiresGrad` on every parameter (false freezes the module), as requires_grad_. */
  requiresGrad_(flag = true): this {
    for (const p of this.parameters()) p.requiresGrad_(flag);
    return this;
  }

  /** The parameters and persistent buffers this module saves and loads, by key, without copying. */
  private stateTensors(): [string, Tensor][] {
    // Per module: its own parameters, then its own buffers, then its children's (PyTorch's key order).
    const out: [string, Tensor][] = [];
    const visit = (m: Module, prefix: string) => {
      for (const [name, t] of [...m.ownParameters(), ...m.ownBuffers(true)]) out.push([prefix + name, t]);
      for (const [name, child] of m.namedChildren()) visit(child, `${prefix}${name}.`);
    };
    visit(this, '');
    return out;
  }

  /** Parameters and persistent buffers by PyTorch's dotted key, as torch's state_dict (tensors are copies). */
  stateDict(): StateDict {
    return new Map(this.stateTensors().map(([k, t]) => [k, new Tensor(new Float32Array(t.data), t.shape)]));
  }

  /**
   * Copies values into the parameters and persistent buffers by key. Strict (the default) requires exactly the
   * module's keys and throws listing the missing and the unexpected ones; non-strict loads the keys both have.
   * Shapes must match in either mode.
   */
  loadStateDict(
    sd: StateDict | Record<string, Tensor>,
    opts: { strict?: boolean } = {},
  ): { missing: string[]; unexpected: string[] } {
    const fn = `${this.constructor.name}.loadStateDict`;
    if (sd === null || typeof sd !== 'object')
      throw new ArgumentError(`${fn}: state dict must be a Map or an object of tensors, got ${sd}`);
    const entries = sd instanceof Map ? sd : new Map(Object.entries(sd));
    const own = new Map(this.stateTensors());
    const missing = [...own.keys()].filter((k) => !entries.has(k));
    const unexpected = [...entries.keys()].filter((k) => !own.has(k));
    if ((opts.strict ?? true) && (missing.length > 0 || unexpected.length > 0)) {
      const list = (ks: string[]) =>
        ks.length <= 20
          ? JSON.stringify(ks)
          : `${JSON.stringify(ks.slice(0, 20)).slice(0, -1)}, … ${ks.length - 20} more]`;
      throw new ArgumentError(
        `${fn}: keys do not match (strict): missing ${missing.length} ${list(missing)}, unexpected ${unexpected.length} ${list(unexpected)}`,
      );
    }
    for (const [name, target] of own) {
      const src = entries.get(name);
      if (src === undefined) continue;
      if (!(src instanceof Tensor))
        throw new ArgumentError(`${fn}: ${name} must be a Tensor, got ${typeof src}`);
      if (src.ndim !== target.ndim || src.shape.some((d, i) => d !== target.shape[i])) {
        throw new ShapeError(
          `${fn}: ${name} has shape ${fmtShape(src.shape)} but the module expects ${fmtShape(target.shape)}`,
        );
      }
    }
    for (const [name, target] of own) {
      const src = entries.get(name);
      if (src === undefined) continue;
      target.data.set(src.data);
      bumpVersion(target);
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
        const own = m.ownParameters().reduce((s, [, v]) => s + v.size, 0);
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
