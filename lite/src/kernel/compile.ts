/**
 * A TypeScript cell to JavaScript that keeps its top-level names between cells. TypeScript's own `transpileModule`
 * strips the types (in milliseconds; check.ts type-checks the cell before it runs); then the top-level
 * statements of its output are rewritten so that they bind names in the kernel's scope object instead of the
 * cell's function:
 *
 *   import { conv2d as c } from 'convlab'   →  ({ conv2d: c } = await __import("convlab"));
 *   const x = 1, { a } = o                  →  (x = 1), ({ a } = o);
 *   class A {}                              →  A = class A {};
 *   function f() {}                         →  kept, and `__scope.f = f;` first (declarations are hoisted)
 *   last expression e                       →  return (e);   (the cell's value, shown as its execute_result)
 *
 * The body runs as `with (__scope) { return (async () => { BODY })(); }`, so top-level await works and later
 * cells read and assign those names. Every loop body starts with `__tick()`, where the worker checks for an
 * interrupt. Edits never add or remove a line, so TypeScript's source map still maps an error's line back to the
 * cell's line.
 */
import ts from 'typescript';

export interface CompiledCell {
  /** The body of the cell's async function. */
  code: string;
  /** The names the cell declares at top level (the runner creates them in the scope before the call). */
  names: string[];
  /** Generated line (1-based) → the cell's line (1-based). */
  lineOf(generatedLine: number): number;
}

/** A cell that does not parse: the message names its line, as a traceback would. */
export class CellSyntaxError extends SyntaxError {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'SyntaxError';
  }
}

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  // Keep every import that is not written `import type`: a name imported in one cell is used in the next.
  verbatimModuleSyntax: true,
  sourceMap: true,
};

export function compileCell(source: string): CompiledCell {
  const out = ts.transpileModule(source, {
    compilerOptions: OPTIONS,
    reportDiagnostics: true,
    fileName: 'cell.ts',
  });
  const first = out.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (first !== undefined) {
    const line =
      first.file && first.start !== undefined
        ? first.file.getLineAndCharacterOfPosition(first.start).line + 1
        : 1;
    throw new CellSyntaxError(ts.flattenDiagnosticMessageText(first.messageText, '\n'), line);
  }
  const js = out.outputText.replace(/\/\/# sourceMappingURL=.*\s*$/, '');
  const { code, names } = rewrite(js);
  const lines = sourceLines(JSON.parse(out.sourceMapText!).mappings as string);
  return { code, names, lineOf: (g) => lines[g - 1] ?? g };
}

interface Edit {
  at: number;
  end: number;
  text: string;
}

function rewrite(js: string): { code: string; names: string[] } {
  const file = ts.createSourceFile('cell.js', js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const edits: Edit[] = [];
  const names: string[] = [];
  const hoisted: string[] = [];
  const insert = (at: number, text: string) => edits.push({ at, end: at, text });
  const statements = file.statements;

  statements.forEach((s, i) => {
    const exported = ts.canHaveModifiers(s)
      ? ts.getModifiers(s)?.find((m) => m.kind === ts.SyntaxKind.ExportKeyword)
      : undefined;
    if (exported !== undefined) edits.push({ at: exported.getStart(), end: exported.end, text: '' });
    if (ts.isImportDeclaration(s)) {
      edits.push({ at: s.getStart(), end: s.end, text: importText(s, names) });
    } else if (ts.isVariableStatement(s)) {
      const list = s.declarationList;
      const keyword = list.getFirstToken()!;
      edits.push({ at: keyword.getStart(), end: keyword.end, text: '' });
      for (const d of list.declarations) {
        bound(d.name, names);
        insert(d.getStart(), '(');
        insert(d.end, d.initializer === undefined ? ' = undefined)' : ')');
      }
    } else if (ts.isFunctionDeclaration(s) && s.name !== undefined) {
      names.push(s.name.text);
      hoisted.push(s.name.text);
    } else if (ts.isClassDeclaration(s) && s.name !== undefined) {
      names.push(s.name.text);
      insert(s.getStart(), `${s.name.text} = `);
      insert(s.end, ';');
    } else if (ts.isExpressionStatement(s) && i === statements.length - 1) {
      insert(s.expression.getStart(), 'return (');
      insert(s.expression.end, ')');
    }
  });
  instrumentLoops(file, insert);

  const prologue = hoisted.map((n) => `__scope.${n} = ${n};`).join(' ');
  edits.sort((a, b) => a.at - b.at || a.end - b.end);
  let code = '';
  let pos = 0;
  for (const e of edits) {
    code += js.slice(pos, e.at) + e.text;
    pos = Math.max(pos, e.end);
  }
  code += js.slice(pos);
  return { code: prologue + code, names };
}

/** An import as a destructuring of the module the kernel resolves (`__import`), on the import's own lines. */
function importText(s: ts.ImportDeclaration, names: string[]): string {
  const from = `await __import(${s.moduleSpecifier.getText()})`;
  const clause = s.importClause;
  if (clause === undefined) return `${from};`;
  const parts: string[] = [];
  if (clause.name !== undefined) {
    names.push(clause.name.text);
    parts.push(`(${clause.name.text} = __module.default)`);
  }
  const bindings = clause.namedBindings;
  if (bindings !== undefined && ts.isNamespaceImport(bindings)) {
    names.push(bindings.name.text);
    parts.push(`(${bindings.name.text} = __module)`);
  } else if (bindings !== undefined) {
    const fields = bindings.elements.map((e) => {
      names.push(e.name.text);
      return e.propertyName === undefined ? e.name.text : `${e.propertyName.getText()}: ${e.name.text}`;
    });
    parts.push(`({ ${fields.join(', ')} } = __module)`);
  }
  return `{ const __module = ${from}; ${parts.join('; ')}; }`;
}

/** The identifiers a binding (a name or a destructuring pattern) declares. */
function bound(name: ts.BindingName, names: string[]): void {
  if (ts.isIdentifier(name)) names.push(name.text);
  else for (const e of name.elements) if (!ts.isOmittedExpression(e)) bound(e.name, names);
}

/** `__tick();` first in every loop body, anywhere in the cell (loops in functions it defines too). */
function instrumentLoops(file: ts.SourceFile, insert: (at: number, text: string) => void): void {
  const visit = (node: ts.Node): void => {
    if (ts.isIterationStatement(node, false)) {
      const body = node.statement;
      if (ts.isBlock(body)) insert(body.getStart() + 1, ' __tick();');
      else {
        insert(body.getStart(), '{ __tick(); ');
        insert(body.end, ' }');
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** For each generated line, the source line of its first mapped segment (1-based), from a v3 source map. */
function sourceLines(mappings: string): number[] {
  const lines: number[] = [];
  let sourceLine = 0;
  for (const line of mappings.split(';')) {
    let first: number | undefined;
    for (const segment of line.split(',')) {
      if (segment === '') continue;
      const fields = vlq(segment);
      if (fields.length >= 4) {
        sourceLine += fields[2]!;
        first ??= sourceLine;
      }
    }
    lines.push((first ?? sourceLine) + 1);
  }
  return lines;
}

function vlq(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = B64.indexOf(ch);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}
