/**
 * The backend contract: the few heavy primitives every convolution is built from.
 *
 * Everything else in convlab (padding modes, bias, activations, the twenty convolution families, autograd) is
 * written once in TypeScript on top of these. A backend receives plain Float32Arrays laid out row-major and writes
 * every element of an output it is given (whatever it held before), so callers own every allocation and can reuse
 * buffers, or hand over uninitialised ones.
 *
 * Convolutions are described in 3-D (depth, height, width): a 2-D convolution is a 3-D one with depth 1 and a
 * 1-D convolution has depth and height 1. Padding here is always zero padding, given per spatial dim as the
 * number of zeros before the first element; the zeros after are implied by the output size. Other padding modes
 * are applied by the caller before the backend sees the input.
 */

/** Geometry of one grouped N-d convolution, NC(D)HW input, K C/groups (kD)kHkW weight, NK(D)HW output. */
export interface ConvGeometry {
  /** batch */
  n: number;
  /** input channels (all groups) */
  c: number;
  /** output channels (all groups) */
  k: number;
  groups: number;
  /** input spatial size [D, H, W] */
  inSize: [number, number, number];
  /** output spatial size [D, H, W] */
  outSize: [number, number, number];
  /** kernel spatial size [kD, kH, kW] */
  kernel: [number, number, number];
  stride: [number, number, number];
  /** zeros before the first input element, per spatial dim */
  padding: [number, number, number];
  dilation: [number, number, number];
}

/** Geometry of the sampling step of a deformable convolution (torchvision semantics, 2-D only). */
export interface DeformGeometry {
  n: number;
  c: number;
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  offsetGroups: number;
}

export interface Backend extends NormPoolOps, EltwiseOps {
  readonly name: 'ts' | 'wasm' | 'native';
  /** Threads used by this backend's parallel primitives. */
  readonly threads: number;

  /**
   * C = alpha · op(A) · op(B) + beta · C, op(X) = X or Xᵀ; A is M×K (or K×M when transA), B is K×N (or N×K when
   * transB), C is M×N; all row-major with leading dimensions lda, ldb, ldc. Offsets select a sub-matrix in a
   * larger buffer so batched callers need no copies.
   */
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    aOffset: number,
    lda: number,
    b: Float32Array,
    bOffset: number,
    ldb: number,
    beta: number,
    c: Float32Array,
    cOffset: number,
    ldc: number,
  ): void;

  /** y[n, k, o] = Σ x[n, c, i] · w[k, c/g, r] (+ bias[k]); y is overwritten. */
  convForward(
    g: ConvGeometry,
    x: Float32Array,
    w: Float32Array,
    bias: Float32Array | null,
    y: Float32Array,
  ): void;

  /** gradInput of convForward for upstream gy; gx is overwritten. Also the forward of a transposed convolution. */
  convBackwardData(g: ConvGeometry, gy: Float32Array, w: Float32Array, gx: Float32Array): void;

  /** gradWeight of convForward for upstream gy; gw is overwritten. */
  convBackwardFilter(g: ConvGeometry, x: Float32Array, gy: Float32Array, gw: Float32Array): void;

  /**
   * Deformable im2col: columns[(c·kH·kW), (n·outH·outW)] of bilinear samples of x at the offset positions,
   * multiplied by mask when given (v2). Samples outside the input read as zero.
   */
  deformIm2col(
    g: DeformGeometry,
    x: Float32Array,
    offset: Float32Array,
    mask: Float32Array | null,
    columns: Float32Array,
  ): void;

  /**
   * The adjoints of deformIm2col for an upstream gradient of the columns: accumulates into gx (+=), and writes
   * gOffset and gMask (when given) in full.
   */
  deformCol2im(
    g: DeformGeometry,
    x: Float32Array,
    offset: Float32Array,
    mask: Float32Array | null,
    gColumns: Float32Array,
    gx: Float32Array,
    gOffset: Float32Array,
    gMask: Float32Array | null,
  ): void;
}

// ---------------------------------------------------------------------------------------------------------------
// Batch norm, pooling, resampling and copies: the memory-bound ops around the convolutions. Outputs are written in
// full (gradients of pooling and resampling included: a backend zeroes gx before scattering into it).

/** A tensor of rank ≥ 2 viewed as [n, c, inner]: batch norm's statistics are per channel over n · inner values. */
export interface NormGeometry {
  n: number;
  c: number;
  /** product of the dims after the channel dim (1 for [N, C]) */
  inner: number;
}

/** A 2-D pooling window slid over `planes` (N·C) planes of h×w, giving oh×ow each (src/ops/pool.ts plans it). */
export interface PoolGeometry {
  planes: number;
  h: number;
  w: number;
  oh: number;
  ow: number;
  kernel: [number, number];
  stride: [number, number];
  /** implicit padding before the first row / column (max: -∞, avg: zeros) */
  padding: [number, number];
  dilation: [number, number];
}

/** Resizing `planes` planes of h×w to oh×ow (F.interpolate, 2-D). */
export interface ResampleGeometry {
  planes: number;
  h: number;
  w: number;
  oh: number;
  ow: number;
  mode: 'nearest' | 'bilinear';
  alignCorners: boolean;
  /** input step per output step: in/out for a given size, 1/scaleFactor for a given factor (PyTorch's rule) */
  scaleH: number;
  scaleW: number;
}

export interface NormPoolOps {
  /**
   * Batch norm forward. training: per-channel mean and biased variance over n·inner values; saveMean and saveInvStd
   * (1/√(var + eps)) receive them, and runningMean / runningVar (when given) are updated in place as PyTorch does:
   * r ← (1 − momentum)·r + momentum·s, with the unbiased variance. Eval: the running stats normalise (saveMean and
   * saveInvStd still receive them, for the backward). y = (x − mean)·invStd·weight + bias; weight and bias are
   * optional (1 and 0).
   */
  batchNormForward(
    g: NormGeometry,
    x: Float32Array,
    weight: Float32Array | null,
    bias: Float32Array | null,
    runningMean: Float32Array | null,
    runningVar: Float32Array | null,
    training: boolean,
    momentum: number,
    eps: number,
    y: Float32Array,
    saveMean: Float32Array,
    saveInvStd: Float32Array,
  ): void;

  /**
   * Batch norm backward from the saved statistics: gWeight = Σ gy·x̂, gBias = Σ gy per channel; gx = weight·invStd·
   * (gy − gBias/m − x̂·gWeight/m) in training (m = n·inner: the statistics depend on x), weight·invStd·gy in eval.
   * Any of gx, gWeight, gBias may be null (not wanted).
   */
  batchNormBackward(
    g: NormGeometry,
    x: Float32Array,
    gy: Float32Array,
    weight: Float32Array | null,
    saveMean: Float32Array,
    saveInvStd: Float32Array,
    training: boolean,
    gx: Float32Array | null,
    gWeight: Float32Array | null,
    gBias: Float32Array | null,
  ): void;

  /**
   * Max over each window (taps in the padding never win; a larger value or a NaN takes the window, as PyTorch).
   * indices, when given, get each argmax's offset in its h·w plane (-1: no tap inside the input).
   */
  maxPool2dForward(g: PoolGeometry, x: Float32Array, y: Float32Array, indices: Int32Array | null): void;
  /**
   * gx = Σ of gy at each window's argmax, found again from x: recomputing costs less than keeping an index per
   * output alive from the forward until a backward that may never come.
   */
  maxPool2dBackward(g: PoolGeometry, x: Float32Array, gy: Float32Array, gx: Float32Array): void;

  /**
   * Mean over each window (dilation 1). The divisor is divisorOverride when > 0, else the window size clipped to the
   * padded input (countIncludePad) or to the input.
   */
  avgPool2dForward(
    g: PoolGeometry,
    countIncludePad: boolean,
    divisorOverride: number,
    x: Float32Array,
    y: Float32Array,
  ): void;
  avgPool2dBackward(
    g: PoolGeometry,
    countIncludePad: boolean,
    divisorOverride: number,
    gy: Float32Array,
    gx: Float32Array,
  ): void;

  /** Adaptive average pooling to oh×ow: window i spans [⌊i·h/oh⌋, ⌈(i+1)·h/oh⌉). Kernel fields are ignored. */
  adaptiveAvgPool2dForward(g: PoolGeometry, x: Float32Array, y: Float32Array): void;
  adaptiveAvgPool2dBackward(g: PoolGeometry, gy: Float32Array, gx: Float32Array): void;

  /** Nearest (⌊o·scale⌋) or bilinear (half-pixel, or corner-aligned) resampling, and its adjoint. */
  interpolate2dForward(g: ResampleGeometry, x: Float32Array, y: Float32Array): void;
  interpolate2dBackward(g: ResampleGeometry, gy: Float32Array, gx: Float32Array): void;

  /**
   * dst[dstOffset + Σ iₖ·dstStrides[k]] = src[srcOffset + Σ iₖ·srcStrides[k]] for every index i of `shape` (at most
   * 8 dims; strides in elements, non-negative): permute, slice, cat and constant pad are each one such copy.
   */
  stridedCopy(
    shape: readonly number[],
    src: Float32Array,
    srcOffset: number,
    srcStrides: readonly number[],
    dst: Float32Array,
    dstOffset: number,
    dstStrides: readonly number[],
  ): void;
}

// ---------------------------------------------------------------------------------------------------------------
// Element-wise arithmetic, activations, reductions, softmax, the negative log-likelihood and the optimizer updates:
// the memory-bound ops of a training step. Outputs are written in full; the optimizer updates work in place.

/** Binary ops with broadcasting; `maximum`/`minimum` return NaN when either operand is NaN (Math.max's rule). */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum' | 'pow';

/**
 * Unary maps. alpha is leakyRelu's negative slope; clamp takes [alpha, beta] (±Infinity for a missing bound; relu6 is
 * clamp(0, 6)).
 */
export type UnaryOp =
  | 'relu'
  | 'leakyRelu'
  | 'sigmoid'
  | 'tanh'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'abs'
  | 'neg'
  | 'clamp';

/** Reductions along the middle axis of an [outer, n, inner] view. */
export type ReduceOp = 'sum' | 'max' | 'min';

/** torch.optim.SGD's hyper-parameters for one step; `first` is the step that creates the momentum buffer. */
export interface SgdStep {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  first: boolean;
}

/** torch.optim.Adam's hyper-parameters for one step; bias1 = 1 − β₁ᵗ and bias2 = 1 − β₂ᵗ. */
export interface AdamStep {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  bias1: number;
  bias2: number;
}

export interface EltwiseOps {
  /**
   * y[i] = a[Σ iₖ·aStrides[k]] op b[Σ iₖ·bStrides[k]] for every index i of `shape` (at most 8 dims, y contiguous);
   * a stride is 0 where that operand is broadcast, so a scalar operand is a 1-element array with all strides 0.
   */
  binary(
    op: BinaryOp,
    shape: readonly number[],
    a: Float32Array,
    aStrides: readonly number[],
    b: Float32Array,
    bStrides: readonly number[],
    y: Float32Array,
  ): void;

  /** y = op(x) over y.length elements (see UnaryOp for alpha and beta). */
  unary(op: UnaryOp, x: Float32Array, y: Float32Array, alpha: number, beta: number): void;

  /**
   * The gradient of unary for upstream g, from the input x or the output y, whichever the rule needs: relu,
   * leakyRelu, abs, log and clamp read x; sigmoid, tanh, exp and sqrt read y. gx is overwritten.
   */
  unaryBackward(
    op: UnaryOp,
    g: Float32Array,
    x: Float32Array,
    y: Float32Array,
    gx: Float32Array,
    alpha: number,
    beta: number,
  ): void;

  /**
   * y[o, i] = op over k of x[o, k, i] (x viewed as [outer, n, inner], n ≥ 1). For max and min the first NaN wins
   * and, when index is given, it receives k of the chosen element (the first one on ties).
   */
  reduce(
    op: ReduceOp,
    outer: number,
    n: number,
    inner: number,
    x: Float32Array,
    y: Float32Array,
    index: Int32Array | null,
  ): void;

  /** softmax (or logSoftmax when log) of x along the middle axis of [outer, n, inner], max-subtracted. */
  softmax(log: boolean, outer: number, n: number, inner: number, x: Float32Array, y: Float32Array): void;

  /** Its gradient from the output y: softmax gx = y·(g − Σ g·y), logSoftmax gx = g − exp(y)·Σ g. */
  softmaxBackward(
    log: boolean,
    outer: number,
    n: number,
    inner: number,
    g: Float32Array,
    y: Float32Array,
    gx: Float32Array,
  ): void;

  /**
   * Negative log-likelihood per position: y[i, j] = −logProbs[i, target[i, j], j] for logProbs [n, c, inner] and
   * class indices target [n, inner] (integers in [0, c), checked by the caller).
   */
  nllLoss(
    n: number,
    c: number,
    inner: number,
    logProbs: Float32Array,
    target: Float32Array,
    y: Float32Array,
  ): void;

  /** Its gradient: gx[i, target[i, j], j] = −g[i, j], zero elsewhere (gx overwritten). */
  nllLossBackward(
    n: number,
    c: number,
    inner: number,
    g: Float32Array,
    target: Float32Array,
    gx: Float32Array,
  ): void;

  /**
   * One torch.optim.SGD step in place: d = g + wd·w; with momentum, buf = d on the first step, else
   * momentum·buf + (1 − dampening)·d, and d = d + momentum·buf (Nesterov) or buf; w −= lr·d. Computed in double and
   * rounded to float32 at each store, so every backend gives the same bits.
   */
  sgdStep(w: Float32Array, g: Float32Array, buf: Float32Array | null, step: SgdStep): void;

  /**
   * One torch.optim.Adam step in place: d = g + wd·w, m = β₁m + (1 − β₁)d, v = β₂v + (1 − β₂)d², w −= lr·(m/bias1) /
   * (√(v/bias2) + eps); double arithmetic rounded at each store, as sgdStep.
   */
  adamStep(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, step: AdamStep): void;
}
