/**
 * The first cell, run before the type checker exists. Building tslab's checker (parsing the ES library and
 * @types/node, about 2 MB of declarations) takes seconds; a cell sent with the kernel start should not wait
 * for it. Before any cell has declared anything there is nothing earlier to resolve, so such a cell can be
 * transpiled on its own into exactly the shape tslab's converter emits: its top-level bindings exported right
 * after their statements, its last expression stored in `tsLastExpr`. The checker is built after it and
 * type-checks it then (tslab.ts reports what it finds).
 *
 * Only plain cells take this path: a cell with anything whose emit needs type information or the previous
 * declarations (namespaces, enums, `declare`, `export`, local module imports, `var` hoisted out of a block, a
 * syntax error) returns null and waits for the checker.
 */

// The TypeScript AST is read structurally here (tslab's typescript build ships no types we import).
// biome-ignore lint/suspicious/noExplicitAny: the compiler API object and its AST nodes
type Ts = any;
// biome-ignore lint/suspicious/noExplicitAny: AST nodes of many kinds, narrowed by the ts.is* guards
type AstNode = any;

export interface FirstCell {
  /** CommonJS in the converter's shape (the `exports.x = void 0` line first). */
  output: string;
  lastExpressionVar?: string;
  hasToplevelAwait: boolean;
}

const LAST_EXPR = 'tsLastExpr';

/** Node kinds whose bodies are not the cell's top level (an `await` or `var` inside one is not the cell's). */
function isFunctionLike(ts: Ts, n: AstNode): boolean {
  return (
    ts.isFunctionDeclaration(n) ||
    ts.isFunctionExpression(n) ||
    ts.isArrowFunction(n) ||
    ts.isMethodDeclaration(n) ||
    ts.isConstructorDeclaration(n) ||
    ts.isGetAccessorDeclaration(n) ||
    ts.isSetAccessorDeclaration(n) ||
    ts.isClassStaticBlockDeclaration(n)
  );
}

function bindingNames(ts: Ts, name: AstNode, out: string[]): void {
  if (ts.isIdentifier(name)) out.push(name.text);
  else for (const el of name.elements) if (!ts.isOmittedExpression(el)) bindingNames(ts, el.name, out);
}

/** Whether `n`, outside nested functions, holds a top-level await or a `var` (which would hoist to the top). */
function scan(ts: Ts, n: AstNode, found: { await: boolean; hoisted: boolean }): void {
  if (isFunctionLike(ts, n)) return;
  if (ts.isAwaitExpression(n) || (ts.isForOfStatement(n) && n.awaitModifier)) found.await = true;
  if (ts.isVariableDeclarationList(n) && !(n.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)))
    found.hoisted = true;
  ts.forEachChild(n, (c: AstNode) => scan(ts, c, found));
}

const hasModifier = (n: AstNode, kind: number) => (n.modifiers ?? []).some((m: AstNode) => m.kind === kind);

/** The names a top-level statement declares, or null when the statement needs the checker to convert. */
function declaredNames(ts: Ts, st: AstNode, found: { await: boolean; hoisted: boolean }): string[] | null {
  const k = ts.SyntaxKind;
  if (hasModifier(st, k.ExportKeyword) || hasModifier(st, k.DeclareKeyword)) return null;
  if (ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) return [];
  if (ts.isImportDeclaration(st)) {
    const from = st.moduleSpecifier.text as string;
    if (from.startsWith('.') || from.startsWith('/')) return null;
    const clause = st.importClause;
    if (!clause || clause.isTypeOnly) return [];
    const names: string[] = [];
    if (clause.name) names.push(clause.name.text);
    const nb = clause.namedBindings;
    if (nb && ts.isNamespaceImport(nb)) names.push(nb.name.text);
    else if (nb) for (const el of nb.elements) if (!el.isTypeOnly) names.push(el.name.text);
    return names;
  }
  if (ts.isVariableStatement(st)) {
    const names: string[] = [];
    for (const d of st.declarationList.declarations) {
      bindingNames(ts, d.name, names);
      if (d.initializer) scan(ts, d.initializer, found);
    }
    return names;
  }
  if (ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) {
    if (!st.name) return null;
    if (ts.isClassDeclaration(st)) ts.forEachChild(st, (c: AstNode) => scan(ts, c, found));
    return [st.name.text];
  }
  const plain =
    ts.isExpressionStatement(st) ||
    ts.isIfStatement(st) ||
    ts.isForStatement(st) ||
    ts.isForOfStatement(st) ||
    ts.isForInStatement(st) ||
    ts.isWhileStatement(st) ||
    ts.isDoStatement(st) ||
    ts.isBlock(st) ||
    ts.isTryStatement(st) ||
    ts.isSwitchStatement(st) ||
    ts.isThrowStatement(st) ||
    ts.isLabeledStatement(st) ||
    ts.isEmptyStatement(st);
  if (!plain) return null;
  scan(ts, st, found);
  return found.hoisted ? null : [];
}

/** The cell transpiled as tslab's converter would emit it, or null when it needs the checker. */
export function transpileFirstCell(ts: Ts, src: string): FirstCell | null {
  const sf = ts.createSourceFile('cell.ts', src, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  if (sf.parseDiagnostics?.length) return null;
  const found = { await: false, hoisted: false };
  const names = new Set<string>();
  for (const st of sf.statements) {
    const declared = declaredNames(ts, st, found);
    if (declared === null || found.hoisted) return null;
    for (const n of declared) names.add(n);
  }
  // The converter's own prefix: the cell is a module even when it imports and exports nothing.
  let text = src;
  let lastExpressionVar: string | undefined;
  const last = sf.statements[sf.statements.length - 1];
  if (last && ts.isExpressionStatement(last)) {
    lastExpressionVar = LAST_EXPR;
    for (let i = 0; names.has(lastExpressionVar); i++) lastExpressionVar = `${LAST_EXPR}${i}`;
    const start = last.getStart(sf);
    text = `${src.slice(0, start)}export const ${lastExpressionVar} = ${src.slice(start)}`;
  }
  if (names.size > 0) text += `\nexport { ${[...names].join(', ')} };`;
  const out = ts.transpileModule(`export {};\n${text}`, {
    fileName: 'cell.ts',
    reportDiagnostics: true,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      esModuleInterop: true,
      target: ts.ScriptTarget.ES2022,
      newLine: ts.NewLineKind.LineFeed,
      noImplicitUseStrict: true,
    },
  });
  // Diagnostics about the options (noImplicitUseStrict's deprecation, as tslab sets it too) carry no file.
  if ((out.diagnostics ?? []).some((d: AstNode) => d.file)) return null;
  return { output: out.outputText, lastExpressionVar, hasToplevelAwait: found.await };
}
