/**
 * `checkAnswer(label, answer, expected)`: the check behind a notebook's exercises. The reader replaces
 * `undefined` with an answer and re-runs the cell; one line says whether it is right. The expected value is computed
 * by the notebook from the library (a receptive field, a parameter count), never typed in, so the check stays right
 * when the reader changes the notebook's parameters.
 */
import { ArgumentError, describe } from './errors.js';

/** What an exercise can ask for: a number, a word, yes/no, or a list of them (a shape, a set of rates). */
export type Answer = number | string | boolean | readonly Answer[];

export interface CheckOptions {
  /** Relative tolerance for numbers (|a − e| ≤ tolerance · max(1, |e|)); default 1e-6, so 0.1 + 0.2 counts as 0.3. */
  tolerance?: number;
  /** One line shown after a wrong answer. */
  hint?: string;
}

/** ' at [2]' for an element of a list answer, '' for the answer itself. */
const where = (at: string) => (at ? ` at ${at}` : '');

/** Why `answer` differs from `expected`, or null when it does not. `at` names the element within a list. */
function difference(answer: unknown, expected: Answer, tolerance: number, at: string): string | null {
  if (Array.isArray(expected)) {
    if (!Array.isArray(answer))
      return `expected a list of ${expected.length}${where(at)}, got ${describe(answer)}`;
    if (answer.length !== expected.length)
      return `expected a list of ${expected.length}${where(at)}, got a list of ${answer.length}`;
    for (let i = 0; i < expected.length; i++) {
      const why = difference(answer[i], expected[i] as Answer, tolerance, `${at}[${i}]`);
      if (why) return why;
    }
    return null;
  }
  if (typeof expected === 'number') {
    if (typeof answer !== 'number') return `expected a number${where(at)}, got ${describe(answer)}`;
    if (Math.abs(answer - expected) <= tolerance * Math.max(1, Math.abs(expected))) return null;
    // Only the direction: the reader should still work out the value.
    return `${answer}${where(at)} is too ${answer < expected ? 'small' : 'large'}`;
  }
  if (typeof expected === 'string') {
    if (typeof answer !== 'string') return `expected a word${where(at)}, got ${describe(answer)}`;
    return answer.trim().toLowerCase() === expected.trim().toLowerCase()
      ? null
      : `${JSON.stringify(answer)}${where(at)} is not it`;
  }
  if (typeof answer !== 'boolean') return `expected true or false${where(at)}, got ${describe(answer)}`;
  return answer === expected ? null : `${answer}${where(at)} is not it`;
}

function checkExpected(v: unknown, at: string): void {
  if (typeof v === 'number') {
    if (!Number.isFinite(v))
      throw new ArgumentError(`checkAnswer: expected${at} must be a finite number, got ${v}`);
    return;
  }
  if (typeof v === 'string' || typeof v === 'boolean') return;
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) checkExpected(x, `${at}[${i}]`);
    return;
  }
  throw new ArgumentError(
    `checkAnswer: expected${at} must be a number, string, boolean or a list of them, got ${describe(v)}`,
  );
}

/**
 * Checks a reader's `answer` against `expected` and prints one line: right, wrong (with the direction for a number
 * and the hint), or not answered yet while `answer` is still `undefined`. Returns nothing, so a cell that ends
 * with the check shows only its line.
 */
export function checkAnswer(label: string, answer: unknown, expected: Answer, opts: CheckOptions = {}): void {
  if (typeof label !== 'string' || label.trim() === '')
    throw new ArgumentError(`checkAnswer: label must be a non-empty string, got ${describe(label)}`);
  checkExpected(expected, '');
  const tolerance = opts.tolerance ?? 1e-6;
  if (typeof tolerance !== 'number' || !(tolerance >= 0))
    throw new ArgumentError(`checkAnswer: tolerance must be a number ≥ 0, got ${describe(opts.tolerance)}`);
  if (opts.hint !== undefined && typeof opts.hint !== 'string')
    throw new ArgumentError(`checkAnswer: hint must be a string, got ${describe(opts.hint)}`);

  if (answer === undefined) {
    console.log(
      `Exercise ${label}: not answered yet. Replace \`undefined\` with your answer and run the cell again.`,
    );
    return;
  }
  const why = difference(answer, expected, tolerance, '');
  if (why === null) {
    console.log(`Exercise ${label}: right.`);
    return;
  }
  console.log(`Exercise ${label}: wrong, ${why}.${opts.hint ? ` Hint: ${opts.hint}` : ''}`);
}
