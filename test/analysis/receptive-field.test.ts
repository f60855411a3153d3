import { describe, expect, it } from 'vitest';
import {
  Conv2d,
  ConvTranspose2d,
  ghostnet,
  MaxPool2d,
  MobileNetV1,
  Module,
  ReLU,
  resnet50,
  receptiveField,
  Sequential,
  type Tensor,
  zeros,
} from '../../src/index.js';

const conv3 = (name: string, padding = 0) => ({ name, kernel: 3, stride: 1, padding, dilation: 1 });

/** A two-path block: `conv` on the main path and a `shortcut` beside it (the forward pass is not needed here). */
class Block extends Module {
  constructor(
    readonly conv: Module,
    readonly shortcut: Module,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x;
  }
}

describe('receptiveField', () => {
  it('grows by k − 1 per unstrided 3×3 layer: three of them see 7×7', () => {
    const rf = receptiveField([conv3('a'), conv3('b'), conv3('c')]);
    expect(rf.layers.map((l) => l.size)).toEqual([
      [3, 3],
      [5, 5],
      [7, 7],
    ]);
    expect(rf.jump).toEqual([1, 1]);
    // Without padding, output unit 0 is centred on input cell 3 and sees cells 0..6.
    expect(rf.start).toEqual([3, 3]);
    expect(rf.box(0, 0)).toEqual({ top: 0, left: 0, bottom: 6, right: 6 });
    expect(rf.box(2, 5)).toEqual({ top: 2, left: 5, bottom: 8, right: 11 });
  });

  it('gives conv7/s2 → pool3/s2 → conv3 a 19-cell field with jump 4', () => {
    const rf = receptiveField([
      { name: 'conv1', kernel: 7, stride: 2, padding: 3 },
      { name: 'pool', kernel: 3, stride: 2, padding: 1 },
      { name: 'conv2', kernel: 3, padding: 1 },
    ]);
    expect(rf.layers.map((l) => [l.jump[0], l.size[0], l.start[0]])).toEqual([
      [2, 7, 0],
      [4, 11, 0],
      [4, 19, 0],
    ]);
    expect(rf.box(1, 2)).toEqual({ top: -5, left: -1, bottom: 13, right: 17 });
  });

  it('reads the same stack from a Module, skipping layers without a window', () => {
    const model = new Sequential(
      new Conv2d(1, 4, 7, { stride: 2, padding: 3 }),
      new ReLU(),
      new MaxPool2d(3, { stride: 2, padding: 1 }),
      new Conv2d(4, 4, 3, { padding: 1 }),
    );
    const rf = receptiveField(model, { inputSize: 32 });
    expect(rf.layers.map((l) => l.name)).toEqual(['0 (Conv2d)', '2 (MaxPool2d)', '3 (Conv2d)']);
    expect(rf.size).toEqual([19, 19]);
    expect(rf.jump).toEqual([4, 4]);
    // The output shapes follow the layers' own forward pass.
    const y = model.forward(zeros([1, 1, 32, 32]));
    expect(rf.outputShape).toEqual(y.shape.slice(2));
    expect(rf.layers.map((l) => l.outputShape)).toEqual([
      [16, 16],
      [8, 8],
      [8, 8],
    ]);
    expect(rf.clippedBox(0, 0)).toEqual({ top: 0, left: 0, bottom: 9, right: 9 });
  });

  it('follows the main path of residual blocks and matches the published MobileNet v1 field', () => {
    const resnet = receptiveField(resnet50());
    // conv1, maxpool and the 48 convolutions of 16 bottlenecks; the projection shortcuts run beside them.
    expect(resnet.layers).toHaveLength(50);
    expect(resnet.layers.some((l) => l.name.includes('downsample'))).toBe(false);
    expect(resnet.jump).toEqual([32, 32]);
    expect(receptiveField(resnet50(), { skip: [] }).layers).toHaveLength(54);
    // Araujo et al. (Distill 2019), table of receptive fields: MobileNet v1 sees 315×315 with effective stride 32.
    const mobilenet = receptiveField(new MobileNetV1());
    expect(mobilenet.size).toEqual([315, 315]);
    expect(mobilenet.jump).toEqual([32, 32]);
  });

  it('handles rectangular kernels, dilation and same padding', () => {
    const rf = receptiveField([
      { kernel: [1, 5], padding: 'same' },
      { kernel: 3, dilation: [2, 1], padding: 'valid' },
      { kernel: 2, padding: 'same' },
    ]);
    expect(rf.layers[0]!.padding).toEqual([0, 2]);
    expect(rf.size).toEqual([1 + 4 + 1, 5 + 2 + 1]);
    expect(rf.layers[2]!.padding).toEqual([0, 0]);
    expect(rf.layers[2]!.paddingEnd).toEqual([1, 1]);
    expect(rf.start).toEqual([2.5, 1.5]);
    const b = rf.box(0, 0);
    expect(b.bottom - b.top + 1).toBe(6);
    expect(b.right - b.left + 1).toBe(8);
  });

  it("gives Araujo et al.'s effective padding, the sum of p·j over the layers", () => {
    // No padding: unit 0 starts at the first input cell.
    expect(receptiveField([conv3('a'), conv3('b'), conv3('c')]).effectivePadding).toEqual([0, 0]);
    // conv7/s2 p3 → pool3/s2 p1 → conv3 p1: 3·1 + 1·2 + 1·4 = 9 = (19 − 1)/2, centred on cell 0.
    const classic = receptiveField([
      { kernel: 7, stride: 2, padding: 3 },
      { kernel: 3, stride: 2, padding: 1 },
      { kernel: 3, padding: 1 },
    ]);
    expect(classic.effectivePadding).toEqual([9, 9]);
    // An unpadded 11/4 and 3/2 before a 5×5 padded by 2 at jump 8: P = 2·8 = 16, r = 11 + 2·4 + 4·8 = 51.
    const alex = receptiveField([
      { kernel: 11, stride: 4 },
      { kernel: 3, stride: 2 },
      { kernel: [5, 3], padding: [2, 0] },
    ]);
    expect(alex.size).toEqual([51, 35]);
    expect(alex.effectivePadding).toEqual([16, 0]);
  });

  it('takes the wider of two aligned paths through a block and refuses misaligned ones', () => {
    const stem = () => new Conv2d(1, 1, 3, { padding: 1 });
    // The shortcut's 5×5 is wider than the main 1×1: the block adds 4 cells, and its rows are the shortcut's.
    const wide = receptiveField(
      new Sequential(stem(), new Block(new Conv2d(1, 1, 1), new Conv2d(1, 1, 5, { padding: 2 }))),
    );
    expect(wide.size).toEqual([7, 7]);
    expect(wide.layers.map((l) => l.name)).toEqual(['0 (Conv2d)', '1.shortcut (Conv2d)']);
    // A strided main path with a strided 1×1 shortcut: aligned, and the main path (3 + 2·2 = 7) is the wider.
    const main = new Sequential(
      new Conv2d(1, 1, 3, { stride: 2, padding: 1 }),
      new Conv2d(1, 1, 3, { padding: 1 }),
    );
    const narrow = receptiveField(new Block(main, new Conv2d(1, 1, 1, { stride: 2 })));
    expect(narrow.size).toEqual([7, 7]);
    expect(narrow.jump).toEqual([2, 2]);
    expect(narrow.layers.some((l) => l.name.includes('shortcut'))).toBe(false);
    // Different strides, or the same stride with different centres, cannot be combined.
    expect(() =>
      receptiveField(new Block(new Conv2d(1, 1, 3, { stride: 2, padding: 1 }), new Conv2d(1, 1, 1))),
    ).toThrow(
      /receptiveField: the paths through the model are not aligned: the main path has stride 2×2 and centre 0, 0, the branch shortcut stride 1×1/,
    );
    expect(() =>
      receptiveField(new Sequential(stem(), new Block(new Conv2d(1, 1, 3), new Conv2d(1, 1, 1)))),
    ).toThrow(
      /paths through 1 are not aligned: the main path has stride 1×1 and centre 1, 1, the branch 1.shortcut/,
    );
  });

  it('reads torchvision ResNet-50 and GhostNet with every shortcut aligned', () => {
    // By hand: 7 + 2·2 = 11 after the stem, then 3×3s at jumps 4, 8, 16, 32 and the stride in the first 3×3 of a
    // stage: 11 + 8·3 + (8 + 16·3) + (16 + 32·5) + (32 + 64·2) = 427, centred on cell 0: P = 213.
    const tv = receptiveField(resnet50());
    expect(tv.size).toEqual([427, 427]);
    expect(tv.effectivePadding).toEqual([213, 213]);
    // Striding in the first 1×1 instead puts each stage's first 3×3 at the new jump: 2·(4 + 8 + 16) more.
    expect(receptiveField(resnet50({ variant: 'v1' })).size).toEqual([483, 483]);
    const ghost = receptiveField(ghostnet());
    expect(ghost.jump).toEqual([32, 32]);
    expect(ghost.layers.some((l) => l.name.includes('shortcut'))).toBe(false);
  });

  it('rejects what it cannot describe, naming the function and the argument', () => {
    expect(() => receptiveField([{ name: 'c', kernel: 0 }])).toThrow(
      /receptiveField: layer c kernel must be an integer >= 1 or a pair of them, got 0/,
    );
    expect(() => receptiveField([{ kernel: 3, stride: [1, 2, 3] }])).toThrow(/layer layer0 stride/);
    expect(() => receptiveField(new Sequential(new ConvTranspose2d(1, 1, 3)))).toThrow(
      /receptiveField: layer 0 \(ConvTranspose2d\) is a transposed convolution/,
    );
    expect(() => receptiveField([conv3('a')], { inputSize: 2 })).toThrow(
      /layer a gets a 2×2 input, too small/,
    );
    expect(() => receptiveField('conv' as never)).toThrow(/expected a Module or an array of layers/);
    expect(() => receptiveField([conv3('a')]).clippedBox(0, 0)).toThrow(/needs the inputSize option/);
  });
});
