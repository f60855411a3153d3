/**
 * What onnxruntime-node and onnxruntime-web share: the same one-node model per case, the input tensor made
 * once, and the output handed in preallocated (ORT writes into it instead of allocating per run) when the
 * binding accepts that.
 */
import { convModel } from '../onnx-model.mjs';

const size = (shape) => shape.reduce((a, b) => a * b, 1);

export async function prepareOrt(ort, sessionOptions, c, data) {
  if (c.backward) return { skip: 'no training API in this package' };
  const session = await ort.InferenceSession.create(convModel(c, data.w), sessionOptions);
  const x = new ort.Tensor('float32', data.x, c.x);
  const y = new ort.Tensor('float32', new Float32Array(size(c.y)), c.y);
  let last = y;
  const plain = async () => {
    last = (await session.run({ X: x })).Y;
  };
  let run = async () => {
    await session.run({ X: x }, { Y: y });
  };
  let note;
  try {
    await run();
    await plain();
    // onnxruntime-web 1.30 accepts a preallocated CPU output and returns it, yet leaves it unwritten; only
    // a binding that really fills it is timed that way.
    if (!last.data.every((v, i) => v === y.data[i]))
      throw new Error('the preallocated output was left unwritten');
    last = y;
  } catch (e) {
    note = `outputs not preallocated: ${e instanceof Error ? e.message : e}`;
    run = plain;
  }
  return {
    run,
    outputs: () => ({ y: last.data }),
    dispose: () => session.release(),
    ...(note ? { note } : {}),
  };
}
