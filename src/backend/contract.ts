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

export interface Backend {
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
