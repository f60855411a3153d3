/**
 * A restricted unpickler for the `data.pkl` of a torch.save archive. It understands only what a state dict
 * needs: the opcodes that build dicts, lists, tuples, strings, numbers and the memo, a persistent id naming a
 * storage, and calls (REDUCE) of exactly three globals: collections.OrderedDict, torch._utils._rebuild_tensor_v2
 * and torch._utils._rebuild_parameter. No global is ever looked up or run: a GLOBAL is checked against the
 * allow-list and becomes a marker, and every other opcode or global (os.system, builtins.eval, a model class, …)
 * is refused with an UnpicklingError naming it. Python's pickletools documents the opcodes.
 *
 * No maintained npm package offers a pickle reader that refuses instead of resolving unknown globals, so this
 * allow-list reader is written here; it is a few hundred lines because a state dict uses few opcodes.
 */

/** The error for a pickle this reader refuses or cannot parse. */
export class UnpicklingError extends Error {
  override name = 'UnpicklingError';
}

/** A global the allow-list admits, kept as its name. */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A storage named by a persistent id: ('storage', <dtype's storage class>, key, location, numel). */
export interface StorageRef {
  kind: 'storage';
  dtype: string;
  key: string;
  location: string;
  numel: number;
}

/** A tensor to rebuild from a storage: torch._utils._rebuild_tensor_v2's arguments. */
export interface TensorRef {
  kind: 'tensor';
  storage: StorageRef;
  offset: number;
  shape: number[];
  stride: number[];
}

/** A dict as the pickle built it (insertion order kept); OrderedDict and dict are alike here. */
export class PickleDict extends Map<unknown, unknown> {}

/** The storage classes torch.save names, and the dtype each holds. */
export const STORAGE_DTYPES: Record<string, string> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

const CALLABLE = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
]);

function allowed(module: string, name: string): boolean {
  return CALLABLE.has(`${module}.${name}`) || (module === 'torch' && name in STORAGE_DTYPES);
}

const OPNAMES: Record<number, string> = {
  40: 'MARK',
  46: 'STOP',
  48: 'POP',
  49: 'POP_MARK',
  50: 'DUP',
  70: 'FLOAT',
  73: 'INT',
  74: 'BININT',
  75: 'BININT1',
  76: 'LONG',
  77: 'BININT2',
  78: 'NONE',
  80: 'PERSID',
  81: 'BINPERSID',
  82: 'REDUCE',
  83: 'STRING',
  84: 'BINSTRING',
  85: 'SHORT_BINSTRING',
  86: 'UNICODE',
  88: 'BINUNICODE',
  97: 'APPEND',
  98: 'BUILD',
  99: 'GLOBAL',
  100: 'DICT',
  125: 'EMPTY_DICT',
  101: 'APPENDS',
  103: 'GET',
  104: 'BINGET',
  105: 'INST',
  106: 'LONG_BINGET',
  108: 'LIST',
  93: 'EMPTY_LIST',
  111: 'OBJ',
  112: 'PUT',
  113: 'BINPUT',
  114: 'LONG_BINPUT',
  115: 'SETITEM',
  116: 'TUPLE',
  41: 'EMPTY_TUPLE',
  117: 'SETITEMS',
  71: 'BINFLOAT',
  128: 'PROTO',
  129: 'NEWOBJ',
  130: 'EXT1',
  131: 'EXT2',
  132: 'EXT4',
  133: 'TUPLE1',
  134: 'TUPLE2',
  135: 'TUPLE3',
  136: 'NEWTRUE',
  137: 'NEWFALSE',
  138: 'LONG1',
  139: 'LONG4',
  140: 'SHORT_BINUNICODE',
  141: 'BINUNICODE8',
  142: 'BINBYTES8',
  143: 'EMPTY_SET',
  144: 'ADDITEMS',
  145: 'FROZENSET',
  146: 'NEWOBJ_EX',
  147: 'STACK_GLOBAL',
  148: 'MEMOIZE',
  149: 'FRAME',
  66: 'BINBYTES',
  67: 'SHORT_BINBYTES',
};

/**
 * Parses a state-dict pickle into plain values: PickleDict, arrays (lists; tuples are frozen arrays), strings,
 * numbers, booleans, null, TensorRef. Throws UnpicklingError on anything else.
 */
export function unpickleStateDict(bytes: Uint8Array): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;

  const fail = (what: string): never => {
    throw new UnpicklingError(`loadCheckpoint: ${what} (at byte ${pos} of the pickle)`);
  };
  const need = (n: number) => {
    if (pos + n > bytes.length) fail(`the pickle ends early (${n} more bytes needed)`);
  };
  const u8 = () => {
    need(1);
    return bytes[pos++]!;
  };
  const u16 = () => {
    need(2);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = () => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const text = (n: number) => {
    need(n);
    const s = decoder.decode(bytes.subarray(pos, pos + n));
    pos += n;
    return s;
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('a text argument has no end of line');
    const s = decoder.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = () => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1]!))
      fail('the stack is empty');
    return stack.pop();
  };
  const popMark = () => {
    const m = marks.pop();
    if (m === undefined) fail('no MARK to pop to');
    return stack.splice(m!);
  };
  const top = () => {
    if (stack.length === 0) fail('the stack is empty');
    return stack[stack.length - 1];
  };
  const tuple = (items: unknown[]) => Object.freeze(items);
  const setItems = (d: unknown, items: unknown[]) => {
    if (!(d instanceof PickleDict)) fail('SETITEM(S) on something that is not a dict');
    if (items.length % 2 !== 0) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) (d as PickleDict).set(items[i], items[i + 1]);
  };
  const global = (module: string, name: string) => {
    if (!allowed(module, name))
      fail(
        `refused the global ${module}.${name}: a state dict needs only collections.OrderedDict, torch._utils._rebuild_tensor_v2 and torch storage classes (save model.state_dict(), not a model or arbitrary objects)`,
      );
    return new PickleGlobal(module, name);
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('unsupported pickle protocol');
        break;
      case 0x95: // FRAME
        need(8);
        pos += 8;
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) fail(`STOP with ${stack.length} values on the stack`);
        return stack[0];
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        need(4);
        stack.push(view.getInt32(pos, true));
        pos += 4;
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: {
        // LONG1: a little-endian two's-complement integer of n bytes
        const n = u8();
        need(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[pos + i]!);
        if (n > 0 && bytes[pos + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
        pos += n;
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER))
          fail('an integer beyond 2^53');
        stack.push(Number(v));
        break;
      }
      case 0x49: {
        // INT (text): also how protocol 0 writes booleans
        const s = line();
        stack.push(s === '01' ? true : s === '00' ? false : Number.parseInt(s, 10));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        stack.push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8()));
        break;
      case 0x55: // SHORT_BINSTRING (protocol 2 str of Python 2; ASCII in practice)
        stack.push(text(u8()));
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(tuple([]));
        break;
      case 0x85: // TUPLE1
        stack.push(tuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push(tuple([pop(), b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(tuple([pop(), b, c]));
        break;
      }
      case 0x74: // TUPLE
        stack.push(tuple(popMark()));
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        const l = top();
        if (!Array.isArray(l) || Object.isFrozen(l)) fail('APPEND to something that is not a list');
        (l as unknown[]).push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const l = top();
        if (!Array.isArray(l) || Object.isFrozen(l)) fail('APPENDS to something that is not a list');
        (l as unknown[]).push(...items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new PickleDict());
        break;
      case 0x64: {
        // DICT
        const d = new PickleDict();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const i = op === 0x68 ? u8() : u32();
        if (!memo.has(i)) fail(`memo entry ${i} was never stored`);
        stack.push(memo.get(i));
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL of non-strings');
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x51: // BINPERSID
        stack.push(storageRef(pop(), fail));
        break;
      case 0x52: {
        // REDUCE: only the allow-listed callables, with the arguments a state dict gives them
        const args = pop();
        const fn = pop();
        stack.push(reduce(fn, args, fail));
        break;
      }
      case 0x62: {
        // BUILD: state on an OrderedDict (its _metadata attribute, which a loader does not need) is dropped
        const state = pop();
        const target = top();
        if (!(target instanceof PickleDict)) fail('BUILD on something other than a dict');
        if (!(state instanceof PickleDict) && state !== null) fail('BUILD with a state that is not a dict');
        break;
      }
      default:
        pos = at;
        fail(
          `refused opcode ${OPNAMES[op] ?? `0x${op.toString(16)}`}: a state dict does not need it (only dicts, lists, tuples, strings, numbers and tensors are read)`,
        );
    }
  }
}

function storageRef(pid: unknown, fail: (what: string) => never): StorageRef {
  if (!Array.isArray(pid) || pid.length < 5 || pid[0] !== 'storage')
    fail('a persistent id that is not a storage');
  const [, type, key, location, numel] = pid as unknown[];
  if (!(type instanceof PickleGlobal) || type.module !== 'torch' || !(type.name in STORAGE_DTYPES))
    fail('a storage whose type is not a torch storage class');
  if (typeof key !== 'string' || !/^[A-Za-z0-9_]+$/.test(key)) fail('a storage key that is not a plain name');
  if (typeof numel !== 'number' || !Number.isInteger(numel) || numel < 0) fail('a storage with a bad size');
  return {
    kind: 'storage',
    dtype: STORAGE_DTYPES[(type as PickleGlobal).name]!,
    key: key as string,
    location: String(location),
    numel: numel as number,
  };
}

function ints(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0);
}

function reduce(fn: unknown, args: unknown, fail: (what: string) => never): unknown {
  if (!(fn instanceof PickleGlobal)) return fail('REDUCE of something that is not an allowed global');
  if (!Array.isArray(args)) return fail(`REDUCE of ${fn.qualified} without an argument tuple`);
  switch (fn.qualified) {
    case 'collections.OrderedDict':
      if (args.length !== 0) fail('REDUCE of collections.OrderedDict with arguments');
      return new PickleDict();
    case 'torch._utils._rebuild_tensor_v2': {
      // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      const [storage, offset, shape, stride] = args as unknown[];
      if (args.length < 4 || (storage as StorageRef)?.kind !== 'storage')
        fail('_rebuild_tensor_v2 without a storage');
      if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0)
        fail('_rebuild_tensor_v2 with a bad storage offset');
      if (!ints(shape) || !ints(stride) || shape.length !== stride.length)
        fail('_rebuild_tensor_v2 with a bad size or stride');
      return {
        kind: 'tensor',
        storage: storage as StorageRef,
        offset: offset as number,
        shape: [...(shape as number[])],
        stride: [...(stride as number[])],
      } satisfies TensorRef;
    }
    case 'torch._utils._rebuild_parameter': {
      // (data, requires_grad, backward_hooks): a parameter is its tensor here
      const data = args[0] as TensorRef | undefined;
      if (data?.kind !== 'tensor') fail('_rebuild_parameter without a tensor');
      return data;
    }
    default:
      return fail(
        `refused REDUCE of ${fn.qualified}: only the tensor rebuild functions and OrderedDict are called`,
      );
  }
}
