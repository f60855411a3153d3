/**
 * The package's public surface: every name src/index.ts exports, with its kind and the file that defines it,
 * must equal the committed report test/api/api-report.txt, so an added, removed or re-kinded export shows in
 * review as a change of that file. After a deliberate change, regenerate the report with
 *     UPDATE_API_REPORT=1 npx vitest run test/api/api-report.test.ts
 * and commit it with the change.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const reportPath = fileURLToPath(new URL('./api-report.txt', import.meta.url));

function kindOf(s: ts.Symbol): string {
  const F = ts.SymbolFlags;
  if (s.flags & F.Class) return 'class';
  if (s.flags & F.Function) return 'function';
  if (s.flags & F.Enum) return 'enum';
  if (s.flags & F.Variable) return 'const';
  if (s.flags & F.Interface) return 'interface';
  if (s.flags & F.TypeAlias) return 'type';
  return 'other';
}

let cached: string | undefined;

/** One line per export: name, kind, defining file; sorted by name. */
function report(): string {
  if (cached !== undefined) return cached;
  const entry = `${root}src/index.ts`;
  const program = ts.createProgram([entry], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
  const lines = checker.getExportsOfModule(moduleSymbol).map((e) => {
    const s = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
    const file = s.declarations?.[0]?.getSourceFile().fileName.slice(root.length) ?? '?';
    return `${e.name}\t${kindOf(s)}\t${file}`;
  });
  lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  cached = `${lines.join('\n')}\n`;
  return cached;
}

describe('public API', () => {
  it('src/index.ts exports exactly what test/api/api-report.txt lists', () => {
    const current = report();
    if (process.env.UPDATE_API_REPORT) writeFileSync(reportPath, current);
    const committed = readFileSync(reportPath, 'utf8');
    expect(
      current,
      'the public surface changed: if deliberate, run UPDATE_API_REPORT=1 npx vitest run test/api/api-report.test.ts and commit test/api/api-report.txt',
    ).toBe(committed);
  }, 60_000);

  it('keeps internals out of the surface and exports what a browser host needs', () => {
    const names = new Set(
      report()
        .split('\n')
        .map((l) => l.split('\t')[0]),
    );
    for (const internal of ['step', 'ntuple', 'to3d', 'MAX_ELEMENTS', 'planConv', 'biasGrad', 'checkTensor'])
      expect(names.has(internal), internal).toBe(false);
    for (const name of ['initWasmBackend', 'loadCheckpoint', 'Parameter', 'conv2d', 'Tensor'])
      expect(names.has(name), name).toBe(true);
  }, 60_000);
});
