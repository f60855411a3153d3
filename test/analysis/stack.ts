import { Conv2d, type LayerSpec, manualSeed, noGrad, randn, Sequential } from '../../src/index.js';

/** A single-channel stack of convolutions without nonlinearities, with all-ones or positive random kernels. */
export function linearStack(layers: LayerSpec[], opts: { ones?: boolean; seed?: number } = {}): Sequential {
  manualSeed(opts.seed ?? 0);
  const convs = layers.map((l) => {
    const conv = new Conv2d(1, 1, l.kernel, {
      stride: l.stride,
      padding: l.padding,
      dilation: l.dilation,
      bias: false,
    });
    noGrad(() => {
      // Positive weights keep the gradient free of cancellations, so its support is the full reachable set.
      const w = randn(conv.weight.shape);
      for (let i = 0; i < w.size; i++) conv.weight.data[i] = opts.ones ? 1 : 0.5 + Math.abs(w.data[i]!);
    });
    return conv;
  });
  return new Sequential(...convs);
}
