/**
 * convlab through its public API: the backend is chosen with setBackend(name) and its thread count comes from
 * CONVLAB_THREADS, which run.js sets for this process. Forward runs under noGrad (no tape); backward times
 * `y.backward(gy)` alone, after an untimed forward that records the tape.
 */
import * as cl from '../../dist/src/index.js';

export async function createEngine({ backend }) {
  if (!cl.availableBackends().includes(backend)) {
    throw new Error(
      `convlab: backend '${backend}' is not available here (have ${cl.availableBackends().join(', ')})`,
    );
  }
  cl.setBackend(backend);
  // Which WASM module loaded (relaxed SIMD needs --experimental-wasm-relaxed-simd in Node 20): a label only,
  // read from the backend's own module since the public API does not say.
  let detail = '';
  if (backend === 'wasm') {
    const wasm = await import('../../dist/src/backend/wasm.js').catch(() => null);
    detail = wasm?.wasmVariant?.() ? ` (${wasm.wasmVariant()})` : '';
  }
  return { version: `convlab ${backend}${detail}`, prepare };
}

function prepare(c, data) {
  const x = cl.tensor(data.x, c.x, { requiresGrad: !!c.backward });
  const w = cl.tensor(data.w, c.w, { requiresGrad: !!c.backward });
  const conv =
    c.op === 'convT'
      ? () =>
          cl.convTranspose2d(x, w, {
            stride: c.stride,
            padding: c.padding,
            dilation: c.dilation,
            groups: c.groups,
          })
      : () =>
          cl.conv2d(x, w, { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups });
  if (c.backward) {
    const gy = cl.tensor(data.gy, c.y);
    let y = null;
    return {
      before: () => {
        x.grad = null;
        w.grad = null;
        y = conv();
      },
      run: () => y.backward(gy),
      outputs: () => ({ gx: x.grad.data, gw: w.grad.data }),
    };
  }
  let y = null;
  return {
    run: () => {
      y = cl.noGrad(conv);
    },
    outputs: () => ({ y: y.data }),
  };
}
