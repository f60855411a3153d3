import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StreamCoalescer } from '../../kernel/stream';

describe('StreamCoalescer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('joins a burst of writes into one message after the delay', () => {
    const sent: [string, string][] = [];
    const s = new StreamCoalescer((name, text) => sent.push([name, text]));
    for (let i = 0; i < 1000; i++) s.write('stdout', `${i}\n`);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(10);
    expect(sent).toHaveLength(1);
    expect(sent[0][1].split('\n').slice(0, -1)).toEqual(Array.from({ length: 1000 }, (_, i) => String(i)));
  });

  it('keeps the order of stdout and stderr by flushing when the stream changes', () => {
    const sent: [string, string][] = [];
    const s = new StreamCoalescer((name, text) => sent.push([name, text]));
    s.write('stdout', 'a');
    s.write('stdout', 'b');
    s.write('stderr', 'c');
    s.write('stdout', 'd');
    s.flush();
    expect(sent).toEqual([
      ['stdout', 'ab'],
      ['stderr', 'c'],
      ['stdout', 'd'],
    ]);
  });

  it('flushes at once past maxChars, and ignores empty writes', () => {
    const sent: [string, string][] = [];
    const s = new StreamCoalescer((name, text) => sent.push([name, text]), 4);
    s.write('stdout', '');
    s.write('stdout', 'abcd');
    expect(sent).toEqual([['stdout', 'abcd']]);
    s.flush();
    expect(sent).toHaveLength(1);
  });
});
