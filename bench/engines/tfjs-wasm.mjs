/**
 * TF.js with its WASM backend (XNNPACK kernels, SIMD), one thread: in Node the backend loads its single-threaded
 * SIMD build. TF.js convolves NHWC with HWIO filters, so inputs and weights are re-laid out once, untimed, and
 * the output is laid back to NCHW only for the correctness check. TF.js has no grouped convolution: case D is
 * what a TF.js user writes, a split into groups, one conv2d each and a concat (all timed).
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';

export async function createEngine({ threads }) {
  if (threads !== 1) throw new Error(`tfjs-wasm: runs single-threaded in Node, asked for ${threads} threads`);
  // TF.js warns that tfjs-node would be faster; that is a different (native) peer, not this one.
  const warn = console.warn;
  console.warn = () => {};
  await tf.setBackend('wasm');
  await tf.ready();
  console.warn = warn;
  const { version } = JSON.parse(
    readFileSync(new URL('../node_modules/@tensorflow/tfjs-backend-wasm/package.json', import.meta.url)),
  );
  return { version: `tfjs-backend-wasm ${version}`, prepare };
}

/** NCHW → NHWC. */
const toNHWC = (data, [n, c, h, w]) =>
  tf.tidy(() => tf.transpose(tf.tensor4d(data, [n, c, h, w]), [0, 2, 3, 1]));

function prepare(c, data) {
  if (c.backward) return { skip: 'no Conv2DBackpropFilter kernel in tfjs-backend-wasm' };
  const x = toNHWC(data.x, c.x);
  const [n, , ho, wo] = c.y;
  const k = c.y[1];
  let forward;
  let filter;
  let note;
  if (c.op === 'convT') {
    // PyTorch [C, K, R, S] → TF.js [R, S, K, C]
    filter = tf.tidy(() => tf.transpose(tf.tensor4d(data.w, c.w), [2, 3, 1, 0]));
    forward = () => tf.conv2dTranspose(x, filter, [n, ho, wo, k], c.stride, c.padding);
  } else if (c.groups === 1) {
    // PyTorch [K, C, R, S] → TF.js [R, S, C, K]
    filter = tf.tidy(() => tf.transpose(tf.tensor4d(data.w, c.w), [2, 3, 1, 0]));
    forward = () => tf.conv2d(x, filter, c.stride, c.padding, 'NHWC', c.dilation);
  } else if (c.groups === c.x[1] && c.w[0] === c.groups) {
    // depthwise: PyTorch [C, 1, R, S] → TF.js [R, S, C, 1]
    filter = tf.tidy(() => tf.transpose(tf.tensor4d(data.w, c.w), [2, 3, 0, 1]));
    forward = () => tf.depthwiseConv2d(x, filter, c.stride, c.padding, 'NHWC', c.dilation);
  } else {
    const full = tf.tidy(() => tf.transpose(tf.tensor4d(data.w, c.w), [2, 3, 1, 0]));
    filter = tf.split(full, c.groups, 3);
    full.dispose();
    note = `groups emulated: split into ${c.groups} conv2d + concat`;
    forward = () =>
      tf.tidy(() => {
        const parts = tf.split(x, c.groups, 3);
        return tf.concat(
          parts.map((p, g) => tf.conv2d(p, filter[g], c.stride, c.padding, 'NHWC', c.dilation)),
          3,
        );
      });
  }
  let y = null;
  return {
    // The WASM backend runs each kernel synchronously when the op is called; disposing the previous output
    // returns its memory to the WASM heap so every run reuses it.
    run: () => {
      if (y) y.dispose();
      y = forward();
    },
    outputs: () => ({ y: tf.tidy(() => tf.transpose(y, [0, 3, 1, 2])).dataSync() }),
    dispose: () => tf.dispose([x, filter, y]),
    ...(note ? { note } : {}),
  };
}
