import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkAnswer } from '../../src/index.js';

/** The one line checkAnswer prints. */
function verdict(...args: Parameters<typeof checkAnswer>): string {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    checkAnswer(...args);
    expect(log).toHaveBeenCalledTimes(1);
    return String(log.mock.calls[0]![0]);
  } finally {
    log.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('checkAnswer', () => {
  it('says not answered while the answer is undefined', () => {
    expect(verdict('05.1', undefined, 15)).toBe(
      'Exercise 05.1: not answered yet. Replace `undefined` with your answer and run the cell again.',
    );
  });

  it('says right within the tolerance and wrong outside it, with the direction for a number', () => {
    expect(verdict('a', 0.1 + 0.2, 0.3)).toBe('Exercise a: right.');
    expect(verdict('a', 13, 15)).toBe('Exercise a: wrong, 13 is too small.');
    expect(verdict('a', 17, 15, { hint: 'count the taps' })).toBe(
      'Exercise a: wrong, 17 is too large. Hint: count the taps',
    );
    expect(verdict('a', 0.26, 0.25, { tolerance: 0.05 })).toBe('Exercise a: right.');
    expect(verdict('a', 0.31, 0.25, { tolerance: 0.05 })).toBe('Exercise a: wrong, 0.31 is too large.');
  });

  it('compares lists element by element and names the element that differs', () => {
    expect(verdict('s', [1, 64, 28, 28], [1, 64, 28, 28])).toBe('Exercise s: right.');
    expect(verdict('s', [1, 64, 27, 28], [1, 64, 28, 28])).toBe('Exercise s: wrong, 27 at [2] is too small.');
    expect(verdict('s', [1, 64, 28], [1, 64, 28, 28])).toBe(
      'Exercise s: wrong, expected a list of 4, got a list of 3.',
    );
    expect(verdict('s', 28, [28, 28])).toBe('Exercise s: wrong, expected a list of 2, got 28.');
  });

  it('compares words without case or surrounding space, and yes/no', () => {
    expect(verdict('w', ' Depthwise ', 'depthwise')).toBe('Exercise w: right.');
    expect(verdict('w', 'pointwise', 'depthwise')).toBe('Exercise w: wrong, "pointwise" is not it.');
    expect(verdict('w', 3, 'depthwise')).toBe('Exercise w: wrong, expected a word, got 3.');
    expect(verdict('b', false, true)).toBe('Exercise b: wrong, false is not it.');
    expect(verdict('b', 'yes', true)).toBe('Exercise b: wrong, expected true or false, got "yes".');
  });

  it('rejects a bad label, expected value or tolerance with a clear error', () => {
    expect(() => checkAnswer('', 1, 1)).toThrow('checkAnswer: label must be a non-empty string, got ""');
    expect(() => checkAnswer('x', 1, Number.NaN)).toThrow(
      'checkAnswer: expected must be a finite number, got NaN',
    );
    expect(() => checkAnswer('x', 1, [1, {} as never])).toThrow(
      'checkAnswer: expected[1] must be a number, string, boolean or a list of them, got Object',
    );
    expect(() => checkAnswer('x', 1, 1, { tolerance: -1 })).toThrow(
      'checkAnswer: tolerance must be a number ≥ 0, got -1',
    );
  });
});
