/**
 * ONNX forms of the models and the variant layers, each the composition of standard operators that its forward
 * computes (see src/io/onnx.ts). Kernels computed from the input (CondConv, dynamic convolution, involution) are
 * graph values feeding Conv or Mul. OctaveConv (a high and a low input) and GCNConv (features and adjacency) export
 * with two inputs.
 */
import { ArgumentError } from '../errors.js';
import { ResNet, Bottleneck } from '../models/resnet.js';
import { GhostBottleneck, GhostNet, SqueezeExcite } from '../models/ghostnet.js';
import { MobileNetV1 } from '../models/mobilenet.js';
import { ShuffleNetV1 } from '../models/shufflenet.js';
import { ACBlock } from '../nn/acnet.js';
import type { Conv2d } from '../nn/conv.js';
import { CondConv2d } from '../nn/condconv.js';
import { DOConv2d } from '../nn/doconv.js';
import { DynamicConv2d } from '../nn/dynamic.js';
import { GhostModule } from '../nn/ghost.js';
import { GCNConv } from '../nn/graph.js';
import { HetConv } from '../nn/hetconv.js';
import { BasicConv2d, InceptionBlock } from '../nn/inception.js';
import { ConvModule, Involution } from '../nn/involution.js';
import { DepthwiseSeparableConv2d, SpatiallySeparableConv2d } from '../nn/conv.js';
import { type BatchNorm2d, Upsample } from '../nn/layers.js';
import type { Module } from '../nn/module.js';
import { OctaveConv } from '../nn/octave.js';
import { SCBottleneck, SCConv } from '../nn/scconv.js';
import { ShuffleNetUnit } from '../nn/shufflenet.js';
import { SplAtConv2d } from '../nn/splat.js';
import { avgPool2d, interpolate, maxPool2d } from '../ops/pool.js';
import { channelShuffle } from '../ops/shuffle.js';
import { hetPointwiseKernel } from '../ops/hetconv.js';
import { rSoftmax } from '../ops/splat.js';
import * as E from '../tensor/elementwise.js';
import { cat, split } from '../tensor/shape.js';
import { softmax } from '../tensor/reduce.js';
import type { Tensor } from '../tensor/tensor.js';
import { exportModule, type GraphBuilder, reshape, type Value } from './onnx.js';

const relu = (g: GraphBuilder, v: Value) => g.op('Relu', [v.name], E.relu(v.t));
const add = (g: GraphBuilder, a: Value, b: Value) => g.op('Add', [a.name, b.name], E.add(a.t, b.t));
const mul = (g: GraphBuilder, a: Value, b: Value) => g.op('Mul', [a.name, b.name], E.mul(a.t, b.t));
const concat = (g: GraphBuilder, vs: Value[]) =>
  g.op(
    'Concat',
    vs.map((v) => v.name),
    cat(
      vs.map((v) => v.t),
      1,
    ),
    { axis: 1 },
  );
const sliceChannels = (g: GraphBuilder, v: Value, start: number, end: number) =>
  g.op(
    'Slice',
    [v.name, g.ints('starts', [start]), g.ints('ends', [end]), g.ints('axes', [1])],
    v.t.slice(1, start, end),
  );
const convBn = (g: GraphBuilder, conv: Conv2d, bn: BatchNorm2d | null | undefined, x: Value) => {
  const y = exportModule(g, conv, x);
  return bn ? exportModule(g, bn, y) : y;
};
/** Nearest resize to the spatial size of `t` as PyTorch's interpolate does (floor of out·in/out). */
const resizeNearest = (g: GraphBuilder, v: Value, t: Tensor) =>
  g.op('Resize', [v.name, '', '', g.ints('sizes', t.shape)], t, {
    mode: 'nearest',
    coordinate_transformation_mode: 'asymmetric',
    nearest_mode: 'floor',
  });
const avgPool = (g: GraphBuilder, v: Value, k: number, s: number, p: number) =>
  g.op('AveragePool', [v.name], avgPool2d(v.t, k, { stride: s, padding: p }), {
    kernel_shape: [k, k],
    strides: [s, s],
    pads: [p, p, p, p],
    count_include_pad: 1,
  });

function bottleneck(g: GraphBuilder, m: Bottleneck, x: Value): Value {
  let y = relu(g, convBn(g, m.conv1, m.bn1, x));
  y = relu(g, convBn(g, m.conv2, m.bn2, y));
  y = convBn(g, m.conv3, m.bn3, y);
  return relu(g, add(g, y, m.downsample === null ? x : exportModule(g, m.downsample, x)));
}

function shuffleUnit(g: GraphBuilder, m: ShuffleNetUnit, x: Value): Value {
  let y = exportModule(g, m.branchMain1, x);
  if (m.groups > 1) {
    // channelShuffle(y, C / groups): reshape to [N, C/g, g, H, W], swap the channel dims, reshape back.
    const [n, c, h, w] = y.t.shape as [number, number, number, number];
    const parts = c / m.groups;
    const r = g.node('Reshape', [y.name, g.ints('shape', [n, parts, c / parts, h, w])])[0]!;
    const tr = g.node('Transpose', [r], { perm: [0, 2, 1, 3, 4] })[0]!;
    y = reshape(g, { name: tr, t: y.t }, channelShuffle(y.t, parts));
  }
  y = exportModule(g, m.branchMain2, y);
  if (m.stride === 1) return relu(g, add(g, y, x));
  return concat(g, [avgPool(g, x, 3, 2, 1), relu(g, y)]);
}

function ghost(g: GraphBuilder, m: GhostModule, x: Value): Value {
  const x1 = exportModule(g, m.primaryConv, x);
  const x2 = exportModule(g, m.cheapOperation, x1);
  return sliceChannels(g, concat(g, [x1, x2]), 0, m.outChannels);
}

function acBlock(g: GraphBuilder, m: ACBlock, x: Value): Value {
  if (m.fusedConv !== undefined) return exportModule(g, m.fusedConv, x);
  const square = convBn(g, m.squareConv!, m.squareBn, x);
  const c = m.crop;
  const crop = (axis: number) => {
    const end = x.t.shape[axis]! - c;
    return g.op(
      'Slice',
      [x.name, g.ints('starts', [c]), g.ints('ends', [end]), g.ints('axes', [axis])],
      x.t.slice(axis, c, end),
    );
  };
  const ver = convBn(g, m.verConv!, m.verBn, c > 0 ? crop(3) : x);
  const hor = convBn(g, m.horConv!, m.horBn, c > 0 ? crop(2) : x);
  return add(g, add(g, square, ver), hor);
}

/** OctaveConv's forward (the high output) from the high input and, when αin > 0, the low input. */
function octave(g: GraphBuilder, m: OctaveConv, x: Value, low?: Value): Value {
  if ((m.convL2h !== null) !== (low !== undefined))
    throw new ArgumentError(
      m.convL2h !== null
        ? 'exportOnnx: OctaveConv with alphaIn > 0 takes a (high, low) pair: give two input shapes'
        : 'exportOnnx: OctaveConv with alphaIn = 0 takes one input',
    );
  const xh = m.stride === 2 ? avgPool(g, x, 2, 2, 0) : x;
  const h2h = exportModule(g, m.convH2h, xh);
  if (low === undefined) return h2h;
  let l2h = exportModule(g, m.convL2h!, low);
  if (m.stride === 1) l2h = resizeNearest(g, l2h, interpolate(l2h.t, { scaleFactor: 2, mode: 'nearest' }));
  return add(g, l2h, h2h);
}

/** GCNConv's forward from the node features and a dense (normalised) adjacency: adj · (x · W) + b. */
function gcn(g: GraphBuilder, m: GCNConv, x: Value, adj: Value): Value {
  const xw = g.node('MatMul', [x.name, g.tensor('weight', m.weight)])[0]!;
  const out = m.forward(x.t, adj.t);
  const ax = g.node('MatMul', [adj.name, xw])[0]!;
  return m.bias === null ? { name: ax, t: out } : g.op('Add', [ax, g.tensor('bias', m.bias)], out);
}

/** A model called with several inputs (OctaveConv's pair, GCNConv's features and adjacency), or null. */
export function exportInputs(g: GraphBuilder, m: Module, xs: Value[]): Value | null {
  if (m instanceof OctaveConv && xs.length <= 2) return octave(g, m, xs[0]!, xs[1]);
  if (m instanceof GCNConv && xs.length === 2) return gcn(g, m, xs[0]!, xs[1]!);
  return null;
}

function scconv(g: GraphBuilder, m: SCConv, x: Value): Value {
  const k2 = exportModule(g, m.k2, x);
  const up = resizeNearest(g, k2, interpolate(k2.t, { size: [x.t.shape[2]!, x.t.shape[3]!] }));
  const calib = g.op('Sigmoid', [add(g, x, up).name], E.sigmoid(E.add(x.t, up.t)));
  return exportModule(g, m.k4, mul(g, exportModule(g, m.k3, x), calib));
}

function splat(g: GraphBuilder, m: SplAtConv2d, input: Value): Value {
  const x = relu(g, convBn(g, m.conv, m.bn0, input));
  const r = m.radix;
  const ch = m.channels;
  const b = x.t.shape[0]!;
  const splitValues = (v: Value, size: number): Value[] => {
    if (r === 1) return [v];
    const names = g.node('Split', [v.name, g.ints('split', new Array(r).fill(size))], { axis: 1 }, r);
    const ts = split(v.t, size, 1);
    return names.map((name, i) => ({ name, t: ts[i]! }));
  };
  const sum = (vs: Value[]) =>
    vs.length === 1
      ? vs[0]!
      : g.op(
          'Sum',
          vs.map((v) => v.name),
          vs.map((v) => v.t).reduce((a, t) => E.add(a, t)),
        );
  const splits = splitValues(x, ch);
  const gap = sum(splits);
  const pooled = g.op('GlobalAveragePool', [gap.name], gap.t.mean([2, 3], true));
  const z = relu(g, convBn(g, m.fc1, m.bn1, pooled));
  const logits = exportModule(g, m.fc2, z);
  let atten: Value;
  const attenT = rSoftmax(logits.t, r, m.cardinality).reshape([b, -1, 1, 1]);
  if (r === 1) atten = g.op('Sigmoid', [logits.name], attenT);
  else {
    const per = logits.t.size / b;
    const grouped = g.node('Reshape', [
      logits.name,
      g.ints('shape', [b, m.cardinality, r, per / (r * m.cardinality)]),
    ])[0]!;
    const tr = g.node('Transpose', [grouped], { perm: [0, 2, 1, 3] })[0]!;
    const sm = g.node('Softmax', [tr], { axis: 1 })[0]!;
    atten = reshape(g, { name: sm, t: attenT }, attenT);
  }
  if (r === 1) return mul(g, atten, x);
  const attens = splitValues(atten, ch);
  return sum(splits.map((s, i) => mul(g, attens[i]!, s)));
}

/** The ONNX form of a model or variant layer, or null when `m` is not one of them. */
export function exportVariant(g: GraphBuilder, m: Module, x: Value): Value | null {
  if (m instanceof ResNet) {
    let y = exportModule(g, m.maxpool, relu(g, convBn(g, m.conv1, m.bn1, x)));
    for (const stage of [m.layer1, m.layer2, m.layer3, m.layer4]) y = exportModule(g, stage, y);
    return exportModule(g, m.fc, exportModule(g, m.flatten, exportModule(g, m.avgpool, y)));
  }
  if (m instanceof Bottleneck) return bottleneck(g, m, x);
  const chain = (layers: Module[]) => layers.reduce((v, l) => exportModule(g, l, v), x);
  if (m instanceof MobileNetV1) return chain([m.features, m.pool, m.flatten, m.classifier]);
  if (m instanceof ShuffleNetV1)
    return chain([m.firstConv, m.maxPool, m.features, m.globalPool, m.flatten, m.classifier]);
  if (m instanceof GhostNet)
    return chain([
      m.convStem,
      m.bn1,
      m.act1,
      m.blocks,
      m.convLast,
      m.globalPool,
      m.convHead,
      m.act2,
      m.flatten,
      m.dropout,
      m.classifier,
    ]);
  if (m instanceof GhostBottleneck) {
    let y = exportModule(g, m.ghost1, x);
    if (m.convDw !== null) y = convBn(g, m.convDw, m.bnDw, y);
    if (m.se !== null) y = exportModule(g, m.se, y);
    y = exportModule(g, m.ghost2, y);
    return add(g, y, exportModule(g, m.shortcut, x));
  }
  if (m instanceof SqueezeExcite) {
    // x · hard_sigmoid(s) = x · clip(s + 3, 0, 6) / 6
    const s = exportModule(
      g,
      m.convExpand,
      relu(g, exportModule(g, m.convReduce, exportModule(g, m.avgPool, x))),
    );
    const shifted = g.node('Add', [s.name, g.constant('three', new Float32Array([3]), [])])[0]!;
    const clipped = g.node('Clip', [
      shifted,
      g.constant('min', new Float32Array([0]), []),
      g.constant('max', new Float32Array([6]), []),
    ])[0]!;
    const gate = g.node('Div', [clipped, g.constant('six', new Float32Array([6]), [])])[0]!;
    return g.op('Mul', [x.name, gate], m.forward(x.t));
  }
  if (m instanceof DepthwiseSeparableConv2d) return chain([m.depthwise, m.pointwise]);
  if (m instanceof SpatiallySeparableConv2d) return chain([m.column, m.row]);
  if (m instanceof Upsample) return upsample(g, m, x);
  if (m instanceof ShuffleNetUnit) return shuffleUnit(g, m, x);
  if (m instanceof GhostModule) return ghost(g, m, x);
  if (m instanceof BasicConv2d) return relu(g, convBn(g, m.conv, m.bn, x));
  if (m.constructor.name === 'MaxPool3x3')
    return g.op('MaxPool', [x.name], maxPool2d(x.t, 3, { stride: 1, padding: 1, ceilMode: true }), {
      kernel_shape: [3, 3],
      strides: [1, 1],
      pads: [1, 1, 1, 1],
      ceil_mode: 1,
    });
  if (m instanceof InceptionBlock)
    return concat(
      g,
      [m.branch1, m.branch2, m.branch3, m.branch4].map((b) => exportModule(g, b, x)),
    );
  if (m instanceof ACBlock) return acBlock(g, m, x);
  if (m instanceof OctaveConv) return octave(g, m, x);
  if (m instanceof SCConv) return scconv(g, m, x);
  if (m instanceof SCBottleneck) {
    const a = relu(g, exportModule(g, m.k1, relu(g, convBn(g, m.conv1A, m.bn1A, x))));
    const b = relu(g, exportModule(g, m.scconv, relu(g, convBn(g, m.conv1B, m.bn1B, x))));
    const out = convBn(g, m.conv3, m.bn3, concat(g, [a, b]));
    return relu(g, add(g, out, m.downsample === null ? x : exportModule(g, m.downsample, x)));
  }
  if (m instanceof SplAtConv2d) return splat(g, m, x);
  if (m instanceof DOConv2d) return exportModule(g, m.fuse(), x);
  if (m instanceof HetConv) return hetconv(g, m, x);
  if (m instanceof CondConv2d) {
    const pooled = g.op('GlobalAveragePool', [x.name], x.t.mean([2, 3], true));
    const flat = reshape(g, pooled, x.t.mean([2, 3]));
    const logits = exportModule(g, m.routing, flat);
    const r = g.op('Sigmoid', [logits.name], E.sigmoid(logits.t));
    return mixture(g, x, r, m.weight, m.bias, m.opts, m.forward(x.t));
  }
  if (m instanceof DynamicConv2d) {
    const pooled = g.op('GlobalAveragePool', [x.name], x.t.mean([2, 3], true));
    const flat = reshape(g, pooled, x.t.mean([2, 3]));
    const h = relu(g, exportModule(g, m.fc1, flat));
    const logits = exportModule(g, m.fc2, h);
    const scaled = g.op(
      'Div',
      [logits.name, g.constant('tau', new Float32Array([m.temperature]), [])],
      E.div(logits.t, m.temperature),
    );
    const att = g.op('Softmax', [scaled.name], softmax(scaled.t, 1), { axis: 1 });
    return mixture(g, x, att, m.weight, m.bias, m.opts, m.forward(x.t));
  }
  if (m instanceof ConvModule) {
    const y = exportModule(g, m.conv, x);
    return m.bn === null ? y : relu(g, exportModule(g, m.bn, y));
  }
  if (m instanceof Involution) return involution(g, m, x);
  if (m instanceof GCNConv)
    throw new ArgumentError(
      'exportOnnx: GCNConv takes the node features and the adjacency: give two input shapes',
    );
  return null;
}

function hetconv(g: GraphBuilder, m: HetConv, x: Value): Value {
  const k = m.kernelSize;
  const p = Math.floor(k / 2);
  const bias = m.bias ? [g.tensor('bias', m.bias)] : [];
  const y = m.forward(x.t);
  const kxk = g.node('Conv', [x.name, g.tensor('weight', m.weight), ...bias], {
    kernel_shape: [k, k],
    strides: [m.stride, m.stride],
    pads: [p, p, p, p],
    group: m.part,
  })[0]!;
  if (m.pointwise === null) return { name: kxk, t: y };
  const dense = hetPointwiseKernel(m.pointwise, m.part);
  const pw = g.node('Conv', [x.name, g.tensor('pointwise', dense)], {
    kernel_shape: [1, 1],
    strides: [m.stride, m.stride],
  })[0]!;
  return g.op('Add', [kxk, pw], y);
}

/**
 * condConv2d as a graph: the per-example kernels r·W ([N, E] × [E, …]) become the weight of one grouped Conv over
 * the batch folded into channels ([1, N·C, H, W], groups N·g), as the op itself computes them.
 */
function mixture(
  g: GraphBuilder,
  x: Value,
  r: Value,
  weight: Tensor,
  bias: Tensor | null,
  opts: { stride?: number; padding?: number; dilation?: number; groups?: number },
  out: Tensor,
): Value {
  const [n, c, h, w] = x.t.shape as [number, number, number, number];
  const [e, k, cpg, kh, kw] = weight.shape as [number, number, number, number, number];
  const groups = opts.groups ?? 1;
  const flatW = g.constant('experts', weight.data, [e, k * cpg * kh * kw]);
  const mixed = g.node('MatMul', [r.name, flatW])[0]!;
  const kernels = g.node('Reshape', [mixed, g.ints('shape', [n * k, cpg, kh, kw])])[0]!;
  const folded = g.node('Reshape', [x.name, g.ints('shape', [1, n * c, h, w])])[0]!;
  const p = opts.padding ?? 0;
  const s = opts.stride ?? 1;
  const d = opts.dilation ?? 1;
  if (typeof p !== 'number' || typeof s !== 'number' || typeof d !== 'number')
    throw new ArgumentError(
      'exportOnnx: a mixture convolution exports with integer stride, padding and dilation',
    );
  const conv = g.node('Conv', [folded, kernels], {
    kernel_shape: [kh, kw],
    strides: [s, s],
    pads: [p, p, p, p],
    dilations: [d, d],
    group: n * groups,
  })[0]!;
  const y = g.node('Reshape', [conv, g.ints('shape', out.shape)])[0]!;
  if (bias === null) return { name: y, t: out };
  const b = g.node('MatMul', [r.name, g.tensor('expert_bias', bias)])[0]!;
  const b4 = g.node('Reshape', [b, g.ints('shape', [n, k, 1, 1])])[0]!;
  return g.op('Add', [y, b4], out);
}

/**
 * Involution as a graph: the generated kernels [N, G·k², Ho, Wo] times the k² shifted (strided) slices of the
 * padded input (the unfold), summed over the taps.
 */
function involution(g: GraphBuilder, m: Involution, x: Value): Value {
  const s = m.stride;
  const k = m.kernelSize;
  const p = (k - 1) / 2;
  const t = s === 1 ? x : avgPool(g, x, s, s, 0);
  const kernels = exportModule(g, m.conv2, exportModule(g, m.conv1, t));
  const [n, c] = x.t.shape as [number, number];
  const [, , ho, wo] = kernels.t.shape as [number, number, number, number];
  const groups = m.groups;
  const padded = g.node('Pad', [x.name, g.ints('pads', [0, 0, p, p, 0, 0, p, p])])[0]!;
  const taps: string[] = [];
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const tap = g.node('Slice', [
        padded,
        g.ints('starts', [i, j]),
        g.ints('ends', [i + (ho - 1) * s + 1, j + (wo - 1) * s + 1]),
        g.ints('axes', [2, 3]),
        g.ints('steps', [s, s]),
      ])[0]!;
      taps.push(g.node('Reshape', [tap, g.ints('shape', [n, groups, c / groups, 1, ho, wo])])[0]!);
    }
  }
  const cols = g.node('Concat', taps, { axis: 3 })[0]!;
  const wk = g.node('Reshape', [kernels.name, g.ints('shape', [n, groups, 1, k * k, ho, wo])])[0]!;
  const prod = g.node('Mul', [wk, cols])[0]!;
  const summed = g.node('ReduceSum', [prod, g.ints('axes', [3])], { keepdims: 0 })[0]!;
  const out = m.forward(x.t);
  return reshape(g, { name: summed, t: out }, out);
}

/** interpolate as Resize: nearest (floor of the source coordinate) or bilinear (half-pixel or align-corners). */
function upsample(g: GraphBuilder, m: Upsample, x: Value): Value {
  const out = m.forward(x.t);
  const mode = m.opts.mode ?? 'nearest';
  const attrs: Record<string, string> =
    mode === 'nearest'
      ? { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }
      : {
          mode: 'linear',
          coordinate_transformation_mode: m.opts.alignCorners ? 'align_corners' : 'pytorch_half_pixel',
        };
  const sf = m.opts.scaleFactor;
  // With a scale factor PyTorch maps coordinates by it (not by out/in), as ONNX's scales input does.
  if (sf !== undefined) {
    const [sh, sw] = Array.isArray(sf) ? sf : [sf, sf];
    const scales = g.constant('scales', new Float32Array([1, 1, sh!, sw!]), [4]);
    return g.op('Resize', [x.name, '', scales], out, attrs);
  }
  return g.op('Resize', [x.name, '', '', g.ints('sizes', out.shape)], out, attrs);
}
