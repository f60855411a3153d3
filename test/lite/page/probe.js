// One computation, run by the browser test both in Chromium (on the browser build) and in Node (on dist/), so the
// two results can be compared: bench case A (1×64×56×56, 64 filters 3×3, pad 1), one Adam step of the digits net
// on the first batch of loadDigits, and a sample photograph; all three exercise the data loaders and the backend.

/** `L` is the convlab module; returns plain numbers and the convolution's output as base64 float32. */
export function probe(L) {
  L.manualSeed(0);
  const x = L.randn([1, 64, 56, 56]);
  const w = L.randn([64, 64, 3, 3]);
  const t0 = performance.now();
  const y = L.conv2d(x, w, { padding: 1 });
  const convMs = performance.now() - t0;

  const digits = L.loadDigits({ seed: 0 });
  const net = new L.Sequential(
    new L.Conv2d(1, 8, 3, { padding: 1 }),
    new L.ReLU(),
    new L.MaxPool2d(2),
    new L.Conv2d(8, 16, 3, { padding: 1 }),
    new L.ReLU(),
    new L.MaxPool2d(2),
    new L.Flatten(),
    new L.Linear(16 * 7 * 7, 10),
  );
  const optimizer = new L.Adam(net.parameters(), { lr: 2e-3 });
  const xb = digits.trainImages.narrow(0, 0, 64);
  const yb = digits.trainLabels.narrow(0, 0, 64);
  const t1 = performance.now();
  const loss = L.crossEntropy(net.forward(xb), yb);
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
  const stepMs = performance.now() - t1;
  const after = L.crossEntropy(net.forward(xb), yb).item();

  const image = L.sampleImage('chelsea');
  return {
    conv: toBase64(y.data),
    convMs,
    trainCount: digits.trainImages.shape[0],
    labelSum: digits.trainLabels.sum().item(),
    pixelSum: digits.trainImages.sum().item(),
    lossBefore: loss.item(),
    lossAfter: after,
    stepMs,
    imageShape: image.shape,
    imageMean: image.mean().item(),
  };
}

function toBase64(f32) {
  const bytes = new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
