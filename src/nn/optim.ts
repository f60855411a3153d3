/** Optimizers with torch.optim's update rules: SGD (momentum, dampening, Nesterov, weight decay) and Adam. */
import { getBackend } from '../backend/index.js';
import { ArgumentError } from '../errors.js';
import { bumpVersion, type Tensor } from '../tensor/tensor.js';

abstract class Optimizer {
  readonly params: Tensor[];

  constructor(params: Iterable<Tensor>, name: string) {
    this.params = [...params];
    if (this.params.length === 0) throw new ArgumentError(`${name}: got an empty parameter list`);
    // A frozen parameter (requiresGrad false) is accepted, as torch.optim does: it has no grad, so step skips it.
    this.params.forEach((p, i) => {
      if (!p.isLeaf)
        throw new ArgumentError(`${name}: parameter ${i} is not a leaf tensor (the output of an op)`);
    });
  }

  /** Clears every parameter's gradient (set to null, as PyTorch's set_to_none default). */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  abstract step(): void;
}

function checkLr(name: string, lr: number): void {
  if (!(lr >= 0) || !Number.isFinite(lr))
    throw new ArgumentError(`${name}: lr must be a non-negative number, got ${lr}`);
}

export class SGD extends Optimizer {
  private readonly velocity = new Map<Tensor, Float32Array>();
  lr: number;

  constructor(
    params: Iterable<Tensor>,
    readonly opts: {
      lr: number;
      momentum?: number;
      dampening?: number;
      weightDecay?: number;
      nesterov?: boolean;
    },
  ) {
    super(params, 'SGD');
    checkLr('SGD', opts.lr);
    this.lr = opts.lr;
    if ((opts.momentum ?? 0) < 0) throw new ArgumentError(`SGD: momentum must be >= 0, got ${opts.momentum}`);
    if (opts.nesterov && ((opts.momentum ?? 0) <= 0 || (opts.dampening ?? 0) !== 0)) {
      throw new ArgumentError('SGD: nesterov needs a positive momentum and zero dampening');
    }
  }

  step(): void {
    const { momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = this.opts;
    for (const p of this.params) {
      if (p.grad === null) continue;
      let buf = this.velocity.get(p) ?? null;
      const first = buf === null;
      if (momentum !== 0 && buf === null) {
        buf = new Float32Array(p.size);
        this.velocity.set(p, buf);
      }
      const step = { lr: this.lr, momentum, dampening, weightDecay, nesterov, first };
      getBackend().sgdStep(p.data, p.grad.data, momentum !== 0 ? buf : null, step);
      bumpVersion(p);
    }
  }
}

export class Adam extends Optimizer {
  private readonly m = new Map<Tensor, Float32Array>();
  private readonly v = new Map<Tensor, Float32Array>();
  private t = 0;
  lr: number;

  constructor(
    params: Iterable<Tensor>,
    readonly opts: { lr?: number; betas?: [number, number]; eps?: number; weightDecay?: number } = {},
  ) {
    super(params, 'Adam');
    this.lr = opts.lr ?? 1e-3;
    checkLr('Adam', this.lr);
    const [b1, b2] = opts.betas ?? [0.9, 0.999];
    if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1))
      throw new ArgumentError(`Adam: betas must be in [0, 1), got [${b1}, ${b2}]`);
  }

  step(): void {
    const [b1, b2] = this.opts.betas ?? [0.9, 0.999];
    const eps = this.opts.eps ?? 1e-8;
    const wd = this.opts.weightDecay ?? 0;
    this.t++;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    for (const p of this.params) {
      if (p.grad === null) continue;
      let m = this.m.get(p);
      let v = this.v.get(p);
      if (m === undefined || v === undefined) {
        m = new Float32Array(p.size);
        v = new Float32Array(p.size);
        this.m.set(p, m);
        this.v.set(p, v);
      }
      const step = { lr: this.lr, beta1: b1, beta2: b2, eps, weightDecay: wd, bias1: c1, bias2: c2 };
      getBackend().adamStep(p.data, p.grad.data, m, v, step);
      bumpVersion(p);
    }
  }
}
