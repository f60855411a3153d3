/**
 * One-node ONNX models (Conv or ConvTranspose, weight as an initializer so ONNX Runtime can pre-pack it, no
 * bias) built in memory with the onnx-proto package's generated protobuf classes.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

const valueInfo = (name, shape) =>
  onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: shape.map((d) => ({ dimValue: d })) } } },
  });

const ints = (name, v) =>
  onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v });
const int = (name, v) =>
  onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: v });

/** The serialized model of a case: input X (NCHW), output Y, weight W from `w`. */
export function convModel(c, w) {
  const [r, s] = [c.w[2], c.w[3]];
  const node = onnx.NodeProto.create({
    opType: c.op === 'convT' ? 'ConvTranspose' : 'Conv',
    input: ['X', 'W'],
    output: ['Y'],
    attribute: [
      ints('kernel_shape', [r, s]),
      ints('strides', [c.stride, c.stride]),
      ints('pads', [c.padding, c.padding, c.padding, c.padding]),
      ints('dilations', [c.dilation, c.dilation]),
      int('group', c.groups),
    ],
  });
  const weight = onnx.TensorProto.create({
    name: 'W',
    dataType: FLOAT,
    dims: c.w,
    rawData: new Uint8Array(w.buffer, w.byteOffset, w.byteLength),
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'convlab-bench',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: `case_${c.id}`,
      node: [node],
      initializer: [weight],
      input: [valueInfo('X', c.x)],
      output: [valueInfo('Y', c.y)],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
