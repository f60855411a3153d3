/**
 * The outputs the browser test displays, made by the library itself (seeded), so the test exercises exactly what
 * convlab emits: one bundle per renderer kind, the 256×56×56 stack of the draw-time measurement, and payloads a
 * renderer must refuse (truncated data, a hostile one carrying markup in its strings, an unknown kind).
 */
import {
  Conv2d,
  coverage,
  effectiveReceptiveField,
  type LayerSpec,
  MaxPool2d,
  manualSeed,
  type MimeBundle,
  MIME_TYPE,
  randn,
  receptiveField,
  Sequential,
  sampleImage,
  show,
} from '../../src/index.js';

/** conv7/s2 → pool3/s2 → conv3: field 19, jump 4 (the example of the issue). */
export const STEM: LayerSpec[] = [
  { name: 'conv1', kernel: 7, stride: 2, padding: 3 },
  { name: 'pool', kernel: 3, stride: 2, padding: 1 },
  { name: 'conv2', kernel: 3, padding: 1 },
];
/** Three 3×3 convolutions at dilation 2: the gridding example (reaches 49 of 169 cells). */
export const DILATED: LayerSpec[] = [1, 2, 3].map((i) => ({
  name: `conv${i}`,
  kernel: 3,
  dilation: 2,
  padding: 2,
}));
export const STEM_INPUT = 64;
export const DILATED_INPUT = 32;

export interface Fixture {
  name: string;
  /** The kind the renderer should report, or 'error' for payloads it must refuse. */
  expect: string;
  bundle: MimeBundle;
}

function bundleOf(display: { [k: symbol]: () => MimeBundle }): MimeBundle {
  return display[Symbol.for('Jupyter.display')]();
}

function broken(name: string, text: string, payload: unknown): Fixture {
  return { name, expect: 'error', bundle: { 'text/plain': text, [MIME_TYPE]: payload } as MimeBundle };
}

export function makeFixtures(): Fixture[] {
  manualSeed(7);
  const image = sampleImage('chelsea', { gray: true });
  const stem = new Sequential(
    new Conv2d(1, 4, 7, { stride: 2, padding: 3 }),
    new MaxPool2d(3, { stride: 2, padding: 1 }),
    new Conv2d(4, 1, 3, { padding: 1 }),
  );
  const input = randn([1, STEM_INPUT, STEM_INPUT]);
  const erf = effectiveReceptiveField(stem, input, [8, 8]);
  const conv = new Conv2d(1, 16, 5, { padding: 2 });
  const maps = conv.forward(image.reshape([1, ...image.shape]));

  const fixtures: Fixture[] = [
    { name: 'tensor', expect: 'tensor', bundle: bundleOf(show.tensor(randn([24, 32]), { name: 'noise' })) },
    {
      name: 'feature-maps',
      expect: 'feature-maps',
      bundle: bundleOf(show.featureMaps(maps, { name: 'conv 5×5 on chelsea' })),
    },
    {
      name: 'kernels',
      expect: 'kernels',
      bundle: bundleOf(show.kernels(new Conv2d(3, 8, 3), { name: 'Conv2d(3, 8, 3)' })),
    },
    {
      name: 'receptive-field',
      expect: 'receptive-field',
      bundle: bundleOf(
        show.receptiveField(erf, { input, name: 'conv7/s2 → pool3/s2 → conv3', units: [[2, 3]] }),
      ),
    },
    {
      name: 'gridding',
      expect: 'receptive-field',
      bundle: bundleOf(
        show.receptiveField(receptiveField(DILATED, { inputSize: DILATED_INPUT }), {
          name: 'dilation 2, 2, 2',
          input: randn([1, DILATED_INPUT, DILATED_INPUT]),
        }),
      ),
    },
    {
      name: 'coverage',
      expect: 'coverage',
      bundle: bundleOf(show.coverage(coverage(DILATED), { name: 'rates [2, 2, 2]' })),
    },
    {
      name: 'stack',
      expect: 'feature-maps',
      // Every value of the stack (past the default cap), so the draw time measures the largest output drawn.
      bundle: bundleOf(
        show.featureMaps(randn([256, 56, 56]), { name: 'stack 256×56×56', maxElements: 1 << 20 }),
      ),
    },
  ];
  const good = fixtures[0].bundle[MIME_TYPE] as unknown as Record<string, unknown>;
  fixtures.push(
    broken('truncated', 'a truncated tensor', { ...good, data: String(good.data).slice(0, 100) }),
    broken('hostile', 'a hostile payload', {
      ...good,
      kind: '<img src=x onerror="window.__convlabPwned=1">',
      name: '<script>window.__convlabPwned=1</script>',
    }),
    broken('malformed', 'a malformed payload', {
      version: 1,
      kind: 'coverage',
      mode: 'gridding',
      shape: [3, 3],
      counts: [1, 2],
    }),
  );
  return fixtures;
}
