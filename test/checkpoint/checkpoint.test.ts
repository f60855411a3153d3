/**
 * loadCheckpoint against files PyTorch wrote (test/checkpoint/generate.py): every variant reference module of the
 * golden suite loads strictly from torch.save and from safetensors and gives the reference's output within 1e-5
 * of its scale in eval mode; dtypes and views decode exactly; hostile pickles are refused.
 */
import { readFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  ACBlock,
  CondConv2d,
  DeformConv2d,
  DOConv2d,
  DynamicConv2d,
  GCNConv,
  GhostModule,
  HetConv,
  InceptionBlock,
  Involution,
  loadCheckpoint,
  type Module,
  normalizeAdjacency,
  OctaveConv,
  resnet50,
  resnext50_32x4d,
  SCBottleneck,
  SCConv,
  ShuffleNetUnit,
  SplAtConv2d,
  type Tensor,
  tensor,
  UnpicklingError,
} from '../../src/index.js';

const dir = new URL('./fixtures/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, dir));
const json = (name: string) => JSON.parse(read(name).toString('utf8'));

interface T {
  shape: number[];
  data: number[];
}
interface Layer {
  case: string;
  layer: string;
  // biome-ignore lint/suspicious/noExplicitAny: each layer's arguments as the golden generator wrote them
  args: Record<string, any>;
  keys: string[];
  inputs: T[];
  outputs: T[];
}

// biome-ignore lint/suspicious/noExplicitAny: as above
type Args = Record<string, any>;
/** Each layer built and called as its golden test in test/variants does. */
const LAYERS: Record<
  string,
  { build: (a: Args) => Module; call?: (m: never, xs: Tensor[], a: Args) => Tensor[] }
> = {
  ACBlock: { build: (a) => new ACBlock(a.inChannels, a.outChannels, a.kernelSize, a) },
  CondConv2d: { build: (a) => new CondConv2d(a.inChannels, a.outChannels, a.kernelSize, a) },
  DeformConv2d: { build: (a) => new DeformConv2d(a.inChannels, a.outChannels, a.kernelSize, a) },
  DOConv2d: { build: (a) => new DOConv2d(a.inChannels, a.outChannels, a.kernelSize, a) },
  DynamicConv2d: { build: (a) => new DynamicConv2d(a.inChannels, a.outChannels, a.kernelSize, a) },
  GCNConv: {
    build: (a) => new GCNConv(a.inChannels, a.outChannels, { bias: a.bias }),
    call: (m: GCNConv, [x, adj], a) => [
      m.forward(x!, normalizeAdjacency(adj!, { mode: a.normalization, selfLoops: a.selfLoops })),
    ],
  },
  GhostModule: { build: (a) => new GhostModule(a.inChannels, a.outChannels, a) },
  HetConv: { build: (a) => new HetConv(a.inChannels, a.outChannels, a.kernelSize, a as { part: number }) },
  InceptionBlock: { build: (a) => new InceptionBlock(a as never) },
  Involution: { build: (a) => new Involution(a.channels, a.kernelSize, a) },
  OctaveConv: {
    build: (a) => new OctaveConv(a.inChannels, a.outChannels, a.kernelSize, a),
    call: (m: OctaveConv, [xh, xl]) => m.forwardPair(xh!, xl).filter((y): y is Tensor => y !== null),
  },
  SCBottleneck: { build: (a) => new SCBottleneck(a.inChannels, a.planes, a) },
  SCConv: { build: (a) => new SCConv(a.inChannels, a.outChannels, a) },
  ShuffleNetUnit: { build: (a) => new ShuffleNetUnit(a.inChannels, a.outChannels, a) },
  SplAtConv2d: { build: (a) => new SplAtConv2d(a.inChannels, a.channels, a.kernelSize, a) },
};

/** Largest |actual − expected| over the largest |expected|. */
function relativeError(actual: Float32Array, expected: number[]): number {
  const scale = Math.max(...expected.map(Math.abs)) || 1;
  let worst = 0;
  expected.forEach((e, i) => {
    worst = Math.max(worst, Math.abs(actual[i]! - e));
  });
  return actual.some(Number.isNaN) ? Number.POSITIVE_INFINITY : worst / scale;
}

const variants = json('variants.json') as { torch: string; layers: Layer[] };

describe(`loadCheckpoint: the golden suite's reference modules (torch ${variants.torch})`, () => {
  it('covers every layer of the golden suite', () => {
    expect(variants.layers.map((l) => l.layer).sort()).toEqual(Object.keys(LAYERS).sort());
  });
  for (const l of variants.layers) {
    for (const format of ['pt', 'safetensors']) {
      it(`${l.case} from .${format}: strict load, eval output within 1e-5`, () => {
        const sd = loadCheckpoint(new Uint8Array(read(`${l.layer}.${format}`)));
        expect([...sd.keys()]).toEqual(l.keys);
        const spec = LAYERS[l.layer]!;
        const m = spec.build(l.args);
        m.loadStateDict(sd);
        m.eval();
        const xs = l.inputs.map((x) => tensor(x.data, x.shape));
        const ys = spec.call ? spec.call(m as never, xs, l.args) : [m.forward(...xs)];
        expect(ys.length).toBe(l.outputs.length);
        ys.forEach((y, i) => {
          expect(y.shape).toEqual(l.outputs[i]!.shape);
          expect(relativeError(y.data, l.outputs[i]!.data)).toBeLessThanOrEqual(1e-5);
        });
      });
    }
  }
  it('reads a path as well as bytes', () => {
    const path = new URL('GhostModule.pt', dir).pathname;
    expect([...loadCheckpoint(path).keys()]).toEqual([
      ...loadCheckpoint(new Uint8Array(read('GhostModule.pt'))).keys(),
    ]);
  });
});

describe('loadCheckpoint: dtypes and views', () => {
  const expected = json('dtypes.json').tensors as Record<string, T & { stride: number[]; offset: number }>;
  const pt = loadCheckpoint(new Uint8Array(read('dtypes.pt')));
  for (const [name, t] of Object.entries(expected)) {
    it(`${name}: shape ${JSON.stringify(t.shape)}, stride ${JSON.stringify(t.stride)}, offset ${t.offset}`, () => {
      const got = pt.get(name)!;
      expect(got.shape).toEqual(t.shape);
      expect([...got.data]).toEqual(t.data.map((v) => Math.fround(v)));
    });
  }
  it('safetensors holds the same values', () => {
    const st = loadCheckpoint(new Uint8Array(read('dtypes.safetensors')));
    for (const name of ['f32', 'f64', 'f16', 'bf16', 'i64'])
      expect([...st.get(name)!.data]).toEqual([...pt.get(name)!.data]);
  });
});

describe('loadCheckpoint: refuses what a state dict does not need', () => {
  const refuse = (file: string, message: RegExp) => {
    const bytes = new Uint8Array(read(file));
    expect(() => loadCheckpoint(bytes)).toThrow(UnpicklingError);
    expect(() => loadCheckpoint(bytes)).toThrow(message);
  };
  it('a GLOBAL of os.system (pickled by Python as posix.system)', () => {
    refuse('hostile/os_system.pt', /refused the global posix\.system/);
  });
  it('builtins.eval named by STACK_GLOBAL', () => {
    refuse('hostile/eval.pt', /refused the global builtins\.eval/);
  });
  it('a REDUCE of an allowed global that is not a tensor rebuild', () => {
    refuse('hostile/reduce_storage.pt', /refused REDUCE of torch\.FloatStorage/);
  });
  it('a whole nn.Module instead of its state dict', () => {
    refuse('hostile/module.pt', /refused the global torch\.nn\.modules\.container\.Sequential/);
  });
  /** A torch.save-shaped archive around pickle opcodes given as a byte string. */
  const archive = (pkl: string) =>
    zipSync({ 'archive/data.pkl': Uint8Array.from(pkl, (c) => c.charCodeAt(0)) }, { level: 0 });
  it('a GLOBAL of os.system written by hand', () => {
    expect(() => loadCheckpoint(archive('\x80\x02cos\nsystem\nX\x02\x00\x00\x00ls\x85R.'))).toThrow(
      /refused the global os\.system/,
    );
  });
  it('opcodes that build objects: INST, OBJ and NEWOBJ, even of an allowed class', () => {
    for (const [body, op] of [
      ['(ios\nsystem\n', 'INST'],
      ['(ccollections\nOrderedDict\no', 'OBJ'],
      ['ccollections\nOrderedDict\n)\x81', 'NEWOBJ'],
    ]) {
      expect(() => loadCheckpoint(archive(`\x80\x02${body}.`))).toThrow(new RegExp(`refused opcode ${op}`));
    }
  });
  it('a state dict whose values are not tensors, naming them', () => {
    // {'epoch': 3}
    expect(() => loadCheckpoint(archive('\x80\x02}X\x05\x00\x00\x00epochK\x03s.'))).toThrow(
      /1 values are not tensors \(epoch\); for a training checkpoint pass opts.key/,
    );
  });
  it('the legacy (pre-1.6) torch.save format and an archive without data.pkl, naming the problem', () => {
    expect(() => loadCheckpoint(Uint8Array.from([0x80, 0x02, 0x8a, 0x0a]))).toThrow(
      /legacy \(pre-1\.6\) format/,
    );
    expect(() =>
      loadCheckpoint(zipSync({ 'archive/version': Uint8Array.from([0x33]) }, { level: 0 })),
    ).toThrow(/expected one <name>\/data\.pkl in the archive, found 0/);
  });
  it('a REDUCE of OrderedDict with arguments (only OrderedDict() builds a dict)', () => {
    expect(() => loadCheckpoint(archive('\x80\x02ccollections\nOrderedDict\n]\x85R.'))).toThrow(
      /REDUCE of collections\.OrderedDict with arguments/,
    );
  });
  it('a truncated pickle', () => {
    expect(() => loadCheckpoint(archive('\x80\x02}X\x05\x00'))).toThrow(/the pickle ends early/);
  });
});

describe('loadCheckpoint: torchvision ResNet keys', () => {
  const models = json('resnet_keys.json').models as Record<string, [string, number[]][]>;
  for (const [name, make] of [
    ['resnet50', resnet50],
    ['resnext50_32x4d', resnext50_32x4d],
  ] as const) {
    it(`${name}'s state dict has torchvision's keys and shapes, in order`, () => {
      const sd = make().stateDict();
      expect([...sd.entries()].map(([k, t]) => [k, t.shape])).toEqual(models[name]);
    });
  }
});
