/**
 * `{ lr }` written out as `{ lr: lr }` before a cell is converted. tslab's converter rewrites a name declared by
 * an earlier cell into `exports.lr`, but a shorthand property has no expression to rewrite, so `{ lr }` ran
 * against an undefined local (`lr is not defined`). Spelt out, the name is an expression like any other; the
 * meaning is the same in object literals and in destructuring assignments. Only text is added inside lines,
 * and `toCell` maps a position in the expanded text back to the cell the user wrote.
 */

// The TypeScript AST is read structurally here (tslab's typescript build ships no types we import).
// biome-ignore lint/suspicious/noExplicitAny: the compiler API object and its AST nodes
type Ts = any;

export interface Expanded {
  text: string;
  /** Maps a (0-based) line and character of `text` to the cell's own. */
  toCell(line: number, character: number): number;
}

export function expandShorthands(ts: Ts, src: string): Expanded {
  const sf = ts.createSourceFile('cell.ts', src, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const names: { end: number; name: string }[] = [];
  const visit = (n: Ts) => {
    if (ts.isShorthandPropertyAssignment(n)) names.push({ end: n.name.end, name: n.name.text });
    ts.forEachChild(n, visit);
  };
  visit(sf);
  if (names.length === 0) return { text: src, toCell: (_, c) => c };
  names.sort((a, b) => a.end - b.end);
  // Insertions per line, in the expanded text's characters: where each starts and how long it is.
  const inserted = new Map<number, { at: number; length: number; name: number }[]>();
  let text = '';
  let from = 0;
  for (const { end, name } of names) {
    const add = `: ${name}`;
    const { line, character } = ts.getLineAndCharacterOfPosition(sf, end);
    const onLine = inserted.get(line) ?? [];
    const shift = onLine.reduce((s, i) => s + i.length, 0);
    onLine.push({ at: character + shift, length: add.length, name: name.length });
    inserted.set(line, onLine);
    text += src.slice(from, end) + add;
    from = end;
  }
  text += src.slice(from);
  return {
    text,
    toCell(line, character) {
      let c = character;
      for (const { at, length, name } of inserted.get(line) ?? []) {
        if (character >= at + length) c -= length;
        // Inside the added `: name`: the start of the shorthand name itself.
        else if (character >= at) c -= character - at + name;
      }
      return c;
    },
  };
}
