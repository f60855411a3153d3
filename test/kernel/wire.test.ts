import { describe, expect, it } from 'vitest';
import { decode, encode, newHeader, WireError } from '../../kernel/wire';

const KEY = 'secret';
const msg = () => ({
  idents: [Buffer.from('client-1')],
  header: newHeader('execute_request', 'session-1'),
  parent_header: {},
  metadata: {},
  content: { code: '1 + 1' },
  buffers: [Buffer.from([1, 2, 3])],
});

describe('wire', () => {
  it('decodes what it encodes', () => {
    const m = msg();
    const back = decode(encode(m, KEY), KEY);
    expect(back).toEqual(m);
  });

  it('drops a message signed with another key', () => {
    expect(() => decode(encode(msg(), 'other'), KEY)).toThrow(WireError);
  });

  it('drops a tampered message', () => {
    const frames = encode(msg(), KEY);
    frames[frames.length - 2] = Buffer.from('{"code":"process.exit()"}');
    expect(() => decode(frames, KEY)).toThrow(/signature/);
  });

  it('checks the signature before parsing the JSON', () => {
    const frames = encode(msg(), KEY);
    frames[3] = Buffer.from('not json');
    expect(() => decode(frames, KEY)).toThrow(/signature/);
  });

  it('rejects frames without a delimiter or with too few parts', () => {
    expect(() => decode([Buffer.from('x')], KEY)).toThrow(/delimiter/);
    expect(() => decode([Buffer.from('<IDS|MSG>'), Buffer.from('sig')], KEY)).toThrow(/at least 5 frames/);
  });

  it('signs nothing when the connection key is empty', () => {
    const frames = encode(msg(), '');
    expect(frames[2].toString()).toBe('');
    expect(decode(frames, '').content).toEqual({ code: '1 + 1' });
  });
});
