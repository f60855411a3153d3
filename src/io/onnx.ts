/**
 * exportOnnx: a model as the bytes of an ONNX model (opset 17; 19 when it holds a DeformConv2d, the first opset
 * with DeformConv), encoded with the ONNX protobuf schema of the onnx-proto package. The model runs once in eval
 * mode on zeros of the input shape while its graph is written, so every value's shape is known; each layer maps
 * to ONNX operators (Conv, ConvTranspose, BatchNormalization, pooling, Gemm, activations, Concat, Reshape,
 * Transpose, Split, Slice, Softmax, Resize, DeformConv), and the variant layers to compositions of them. A layer
 * with no mapping is refused by name.
 */
import onnxProto from 'onnx-proto';
import { ArgumentError, fmtShape } from '../errors.js';
import { Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d } from '../nn/conv.js';
import { DeformConv2d } from '../nn/deformable.js';
import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Dropout,
  Flatten,
  Identity,
  LeakyReLU,
  Linear,
  MaxPool2d,
  ReLU,
  ReLU6,
  Sequential,
  Sigmoid,
  Softmax,
  Tanh,
} from '../nn/layers.js';
import type { Module } from '../nn/module.js';
import { zeros } from '../tensor/create.js';
import { noGrad, type Tensor } from '../tensor/tensor.js';
import { exportInputs, exportVariant } from './onnx-variants.js';

const { onnx } = onnxProto;
const FN = 'exportOnnx';

/** A value of the graph: its ONNX name and the tensor convlab computed for it (for shapes). */
export interface Value {
  name: string;
  t: Tensor;
}

type Attr = number | number[] | string;

/** Builds the nodes and initializers of one graph. */
export class GraphBuilder {
  readonly nodes: onnxProto.onnx.INodeProto[] = [];
  readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  opset = 17;
  private count = 0;

  fresh(hint: string): string {
    return `${hint}_${this.count++}`;
  }

  /** A float32 initializer (copied). */
  constant(hint: string, data: Float32Array, dims: number[]): string {
    const name = this.fresh(hint);
    const raw = new Uint8Array(new Float32Array(data).buffer);
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw });
    return name;
  }

  /** An int64 initializer (shapes, axes, split sizes). */
  ints(hint: string, values: number[]): string {
    const name = this.fresh(hint);
    const raw = new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer);
    this.initializers.push({
      name,
      dims: [values.length],
      dataType: onnx.TensorProto.DataType.INT64,
      rawData: raw,
    });
    return name;
  }

  tensor(hint: string, t: Tensor): string {
    return this.constant(hint, t.data, t.shape);
  }

  /** Adds a node; returns its output names. */
  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, outputs = 1): string[] {
    const names = Array.from({ length: outputs }, () => this.fresh(op.toLowerCase()));
    const attribute = Object.entries(attrs).map(([name, v]) => attribute_(name, v));
    this.nodes.push({ opType: op, input: inputs, output: names, attribute, name: this.fresh(`${op}_node`) });
    return names;
  }

  /** A node with one output whose convlab value is `t`. */
  op(op: string, inputs: string[], t: Tensor, attrs: Record<string, Attr> = {}): Value {
    return { name: this.node(op, inputs, attrs)[0]!, t };
  }
}

function attribute_(name: string, v: Attr): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  return Number.isInteger(v) ? { name, type: T.INT, i: v } : { name, type: T.FLOAT, f: v };
}

/** Exports one module applied to `x`; throws naming the layer when it has no ONNX form. */
export function exportModule(g: GraphBuilder, m: Module, x: Value): Value {
  const y = () => m.forward(x.t);
  if (m instanceof Sequential) return m.layers.reduce((v, l) => exportModule(g, l, v), x);
  if (m instanceof Conv1d || m instanceof Conv2d || m instanceof Conv3d) return convNode(g, m, x, y());
  if (m instanceof ConvTranspose1d || m instanceof ConvTranspose2d || m instanceof ConvTranspose3d) {
    const inputs = [x.name, g.tensor('weight', m.weight), ...(m.bias ? [g.tensor('bias', m.bias)] : [])];
    return g.op('ConvTranspose', inputs, y(), {
      kernel_shape: m.kernelSize,
      strides: m.stride,
      pads: [...m.padding, ...m.padding],
      dilations: m.dilation,
      output_padding: m.outputPadding,
      group: m.groups,
    });
  }
  if (m instanceof BatchNorm1d || m instanceof BatchNorm2d) return batchNormNode(g, m, x, y());
  if (m instanceof ReLU) return g.op('Relu', [x.name], y());
  if (m instanceof ReLU6)
    return g.op(
      'Clip',
      [x.name, g.constant('min', new Float32Array([0]), []), g.constant('max', new Float32Array([6]), [])],
      y(),
    );
  if (m instanceof LeakyReLU) return g.op('LeakyRelu', [x.name], y(), { alpha: m.negativeSlope });
  if (m instanceof Sigmoid) return g.op('Sigmoid', [x.name], y());
  if (m instanceof Tanh) return g.op('Tanh', [x.name], y());
  if (m instanceof Softmax) return g.op('Softmax', [x.name], y(), { axis: m.dim });
  if (m instanceof Identity || m instanceof Dropout) return g.op('Identity', [x.name], y());
  if (m instanceof Flatten) return reshape(g, x, y());
  if (m instanceof Linear) return linearNode(g, m, x, y());
  if (m instanceof MaxPool2d || m instanceof AvgPool2d) return poolNode(g, m, x, y());
  if (m instanceof AdaptiveAvgPool2d) {
    const out = y();
    if (out.shape[2] === 1 && out.shape[3] === 1) return g.op('GlobalAveragePool', [x.name], out);
    const [h, w] = [x.t.shape[2]!, x.t.shape[3]!];
    const [oh, ow] = [out.shape[2]!, out.shape[3]!];
    if (h % oh !== 0 || w % ow !== 0)
      throw new ArgumentError(
        `${FN}: AdaptiveAvgPool2d from ${h}×${w} to ${oh}×${ow} has unequal windows, which ONNX pooling cannot express`,
      );
    return g.op('AveragePool', [x.name], out, { kernel_shape: [h / oh, w / ow], strides: [h / oh, w / ow] });
  }
  if (m instanceof DeformConv2d) return deformNode(g, m, x, y());
  const v = exportVariant(g, m, x);
  if (v !== null) return v;
  throw new ArgumentError(`${FN}: ${m.constructor.name} has no ONNX form here; it cannot be exported`);
}

/** Reshape to the shape convlab gave. */
export function reshape(g: GraphBuilder, x: Value, t: Tensor): Value {
  return g.op('Reshape', [x.name, g.ints('shape', t.shape)], t);
}

function explicitPads(m: Conv1d | Conv2d | Conv3d): number[] {
  if (m.padding === 'valid') return new Array(2 * m.kernelSize.length).fill(0);
  if (m.padding === 'same') {
    // PyTorch puts the odd unit of 'same' padding at the end.
    const total = m.kernelSize.map((k, i) => m.dilation[i]! * (k - 1));
    return [...total.map((t) => Math.floor(t / 2)), ...total.map((t) => t - Math.floor(t / 2))];
  }
  const p = m.padding as number[];
  return [...p, ...p];
}

function convNode(g: GraphBuilder, m: Conv1d | Conv2d | Conv3d, x: Value, out: Tensor): Value {
  let pads = explicitPads(m);
  let input = x.name;
  if (m.paddingMode !== 'zeros') {
    const mode = { reflect: 'reflect', replicate: 'edge' }[m.paddingMode as string];
    if (mode === undefined)
      throw new ArgumentError(`${FN}: Conv paddingMode '${m.paddingMode}' has no ONNX Pad mode at opset 17`);
    const nd = m.kernelSize.length;
    const full = [0, 0, ...pads.slice(0, nd), 0, 0, ...pads.slice(nd)];
    input = g.node('Pad', [x.name, g.ints('pads', full)], { mode })[0]!;
    pads = pads.map(() => 0);
  }
  const inputs = [input, g.tensor('weight', m.weight), ...(m.bias ? [g.tensor('bias', m.bias)] : [])];
  return g.op('Conv', inputs, out, {
    kernel_shape: m.kernelSize,
    strides: m.stride,
    pads,
    dilations: m.dilation,
    group: m.groups,
  });
}

function batchNormNode(g: GraphBuilder, m: BatchNorm1d | BatchNorm2d, x: Value, out: Tensor): Value {
  const c = m.numFeatures;
  const scale = m.weight
    ? g.tensor('bn_scale', m.weight)
    : g.constant('bn_scale', new Float32Array(c).fill(1), [c]);
  const bias = m.bias ? g.tensor('bn_bias', m.bias) : g.constant('bn_bias', new Float32Array(c), [c]);
  const inputs = [x.name, scale, bias, g.tensor('bn_mean', m.runningMean), g.tensor('bn_var', m.runningVar)];
  return g.op('BatchNormalization', inputs, out, { epsilon: m.eps });
}

function linearNode(g: GraphBuilder, m: Linear, x: Value, out: Tensor): Value {
  const w = g.tensor('weight', m.weight);
  if (x.t.ndim === 2)
    return g.op('Gemm', [x.name, w, ...(m.bias ? [g.tensor('bias', m.bias)] : [])], out, { transB: 1 });
  const mm = g.node('MatMul', [x.name, g.node('Transpose', [w], { perm: [1, 0] })[0]!])[0]!;
  return m.bias ? g.op('Add', [mm, g.tensor('bias', m.bias)], out) : { name: mm, t: out };
}

function pair(v: number | number[]): number[] {
  return Array.isArray(v) ? v : [v, v];
}

function poolNode(g: GraphBuilder, m: MaxPool2d | AvgPool2d, x: Value, out: Tensor): Value {
  const p = pair(m.padding as number | number[]);
  const attrs: Record<string, Attr> = {
    kernel_shape: pair(m.kernelSize as number | number[]),
    strides: pair(m.stride as number | number[]),
    pads: [...p, ...p],
    ceil_mode: m.ceilMode ? 1 : 0,
  };
  if (m instanceof MaxPool2d)
    return g.op('MaxPool', [x.name], out, { ...attrs, dilations: pair(m.dilation as number | number[]) });
  return g.op('AveragePool', [x.name], out, { ...attrs, count_include_pad: m.countIncludePad ? 1 : 0 });
}

function deformNode(g: GraphBuilder, m: DeformConv2d, x: Value, out: Tensor): Value {
  g.opset = Math.max(g.opset, 19);
  const o = exportModule(g, m.convOffset, x);
  const n = 2 * m.offsetGroups * m.kernelSize[0] * m.kernelSize[1];
  let offset = o.name;
  const extra: string[] = [];
  if (m.modulated) {
    const [off, logits] = g.node('Split', [o.name, g.ints('split', [n, o.t.shape[1]! - n])], { axis: 1 }, 2);
    offset = off!;
    extra.push(g.node('Sigmoid', [logits!])[0]!);
  }
  const bias = m.bias
    ? g.tensor('bias', m.bias)
    : g.constant('bias', new Float32Array(m.outChannels), [m.outChannels]);
  return g.op('DeformConv', [x.name, g.tensor('weight', m.weight), offset, bias, ...extra], out, {
    kernel_shape: m.kernelSize,
    strides: m.stride,
    pads: [...m.padding, ...m.padding],
    dilations: m.dilation,
    group: m.groups,
    offset_group: m.offsetGroups,
  });
}

/**
 * The ONNX model of `model` for inputs of `inputShape` (batch included), in eval mode: one float32 input
 * "input" and one output "output". A model called with two tensors (OctaveConv's high and low maps, GCNConv's
 * features and adjacency) takes a list of shapes and gets inputs "input_0", "input_1". Throws naming the first
 * layer ONNX cannot express.
 */
export function exportOnnx(model: Module, inputShape: number[] | number[][]): Uint8Array {
  if (typeof (model as Module | null)?.forward !== 'function')
    throw new ArgumentError(`${FN}: model must be a Module, got ${typeof model}`);
  const shapes =
    Array.isArray(inputShape) && Array.isArray(inputShape[0])
      ? (inputShape as number[][])
      : [inputShape as number[]];
  for (const shape of shapes) {
    if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1))
      throw new ArgumentError(
        `${FN}: inputShape must be positive integers (or a list of such shapes), got ${JSON.stringify(inputShape)}`,
      );
  }
  const names = shapes.length === 1 ? ['input'] : shapes.map((_, i) => `input_${i}`);
  const g = new GraphBuilder();
  const wasTraining = model.training;
  model.eval();
  let out: Value;
  try {
    out = noGrad(() => {
      const xs = shapes.map((shape, i) => ({ name: names[i]!, t: zeros(shape) }));
      const multi = exportInputs(g, model, xs);
      if (multi !== null) return multi;
      if (xs.length !== 1)
        throw new ArgumentError(`${FN}: ${model.constructor.name} takes one input, got ${xs.length} shapes`);
      return exportModule(g, model, xs[0]!);
    });
  } finally {
    model.train(wasTraining);
  }
  const io = (name: string, shape: number[]): onnxProto.onnx.IValueInfoProto => ({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: shape.map((d) => ({ dimValue: d })) },
      },
    },
  });
  g.nodes.push({ opType: 'Identity', input: [out.name], output: ['output'], name: 'output_node' });
  const graph = {
    name: model.constructor.name,
    node: g.nodes,
    initializer: g.initializers,
    input: shapes.map((shape, i) => io(names[i]!, shape)),
    output: [io('output', out.t.shape)],
  };
  const message = onnx.ModelProto.create({
    irVersion: g.opset >= 19 ? 9 : 8,
    producerName: 'convlab',
    opsetImport: [{ domain: '', version: g.opset }],
    graph,
  });
  const err = onnx.ModelProto.verify(message);
  if (err)
    throw new ArgumentError(
      `${FN}: the model message is invalid (${err}) for input ${shapes.map(fmtShape).join(', ')}`,
    );
  return onnx.ModelProto.encode(message).finish();
}
