import { describe, expect, it } from 'vitest';
import { History } from '../../kernel/history';

function filled(): History {
  const h = new History();
  ['let a = 1', '6*7', 'a + 1', '6*7'].forEach((code, i) => {
    h.add(i + 1, code);
  });
  h.setOutput(2, '42');
  return h;
}

describe('History', () => {
  it('returns the last n entries for tail', () => {
    expect(filled().query({ hist_access_type: 'tail', n: 2 })).toEqual([
      [1, 3, 'a + 1'],
      [1, 4, '6*7'],
    ]);
  });

  it('returns [input, output] pairs when output is asked for', () => {
    expect(filled().query({ hist_access_type: 'range', start: 2, stop: 3, output: true })).toEqual([
      [1, 2, ['6*7', '42']],
    ]);
  });

  it('searches with a glob, optionally unique', () => {
    const h = filled();
    expect(h.query({ hist_access_type: 'search', pattern: '6*7' }).map((e) => e[1])).toEqual([2, 4]);
    expect(h.query({ hist_access_type: 'search', pattern: '6*7', unique: true })).toEqual([[1, 4, '6*7']]);
    expect(h.query({ hist_access_type: 'search', pattern: 'a*' }).map((e) => e[2])).toEqual(['a + 1']);
  });

  it('answers an unknown access type with an empty history', () => {
    expect(filled().query({ hist_access_type: 'session' })).toEqual([]);
  });
});
