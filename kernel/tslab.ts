/**
 * The one module that touches tslab's internals: its converter (TypeScript to CommonJS with the previous cells'
 * declarations), its TypeScript build, the `__tslab__` slot the converted code reads, the display hook of
 * `import * as tslab from 'tslab'`, the patched `ts.sys`, and the shape of what its converter emits. Upgrading
 * or replacing tslab is a change here; test/kernel/tslab.test.ts pins the contract.
 *
 * The executor is our own (tslab's drops every declaration of a cell that throws). Cells keep what ran: the
 * converted code assigns each top-level binding to the shared `exports` right after its statement, so the
 * bindings assigned before a throw are the ones the next cell may see, and only their declarations are committed.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { transpileFirstCell } from './first-cell.js';
import { installOverlay, type OverlayTargets } from './overlay.js';
import { type Expanded, expandShorthands } from './shorthand.js';

const require = createRequire(import.meta.url);

/** The tslab release this adapter is written against (package.json pins it exactly). */
export const TSLAB_VERSION = '1.0.22';

export interface Diagnostic {
  /** Relative path of another file (a local module the cell imports); absent for the cell itself. */
  file?: string;
  /** 1-based line and column in the cell (or in `file`). */
  line: number;
  column: number;
  message: string;
  code: number;
}

export type Outcome =
  /** The cell ran; `value` holds the last expression's value when there is one worth showing. */
  | { kind: 'ok'; value?: { value: unknown } }
  /** The cell did not type-check: nothing ran and nothing was declared. */
  | { kind: 'diagnostics'; diagnostics: Diagnostic[] }
  /** The cell threw (or was interrupted) part way; bindings made before that stay defined. */
  | { kind: 'thrown'; error: unknown; interrupted: boolean };

export interface QuickInfo {
  displayParts?: { text: string }[];
  documentation?: { text: string }[];
  tags?: { name: string; text?: { text: string }[] }[];
}

export interface DisplayData {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  transient?: { display_id?: string };
}

export interface TsRepl {
  /**
   * Runs a cell. The first cell may run before the type checker exists (checked after it, see first-cell.ts)
   * unless `checked` asks for the checker first.
   */
  execute(src: string, opts?: { checked?: boolean }): Promise<Outcome>;
  inspect(src: string, position: number): QuickInfo | undefined;
  complete(src: string, position: number): { start: number; end: number; candidates: string[] };
  isComplete(code: string): { status: 'complete' | 'incomplete' | 'invalid'; indent?: string };
  printQuickInfo(info: QuickInfo): string;
  /** Stops a running cell: a busy loop through vm's breakOnSigint (on SIGINT), a pending await here. */
  interrupt(): void;
  /** The cells' top-level bindings by name. */
  readonly locals: Record<string, unknown>;
  /** Type-checks (without running) a cell, so the checker has loaded what a first cell will need. */
  warm(src: string): void;
}

export interface TsReplOptions extends Omit<OverlayTargets, 'globalsDts'> {
  globalsDts: string;
  /** Modules served by the kernel itself (e.g. `convlab`) before normal resolution. */
  builtins: Record<string, unknown>;
  /** Receives `tslab.display.*` outputs. */
  onDisplay(d: DisplayData, update: boolean): void;
}

interface TsModule {
  version: string;
  sys: Parameters<typeof installOverlay>[0] & { getCurrentDirectory(): string };
  createSourceFile(
    name: string,
    text: string,
    target: number,
    setParents?: boolean,
    kind?: number,
  ): SourceFile;
  ScriptTarget: { Latest: number };
  ScriptKind: { TS: number };
  NodeFlags: { Const: number; Let: number };
  isVariableStatement(n: Node): boolean;
  isImportDeclaration(n: Node): boolean;
  isNamespaceImport(n: Node): boolean;
  isInterfaceDeclaration(n: Node): boolean;
  isTypeAliasDeclaration(n: Node): boolean;
}
interface Node {
  kind: number;
  getText(sf?: SourceFile): string;
}
interface SourceFile extends Node {
  statements: Node[];
  parseDiagnostics?: unknown[];
}
interface ConvertResult {
  output?: string;
  declOutput?: string;
  diagnostics: {
    start: { line: number; character: number };
    messageText: string;
    code: number;
    fileName?: string;
  }[];
  hasToplevelAwait?: boolean;
  sideOutputs?: { path: string; data: string }[];
  lastExpressionVar?: string;
}
interface Converter {
  convert(prevDecl: string, src: string): ConvertResult;
  inspect(prevDecl: string, src: string, position: number): QuickInfo | undefined;
  complete(
    prevDecl: string,
    src: string,
    position: number,
  ): { start: number; end: number; candidates: string[] };
  addModule(name: string, src: string, meta: unknown): ConvertResult['diagnostics'];
  close(): void;
}

let saveCompileCache = () => {};

/**
 * tslab's TypeScript (9 MB of JavaScript), loaded through a V8 code cache kept in the temporary folder: compiling
 * it, and the compiler functions a first cell runs, is a large part of a kernel's start-up. The cache is written
 * once, after the warm-up cell, so it holds those functions compiled; V8 rejects a cache from another Node or
 * other flags, and the module is then compiled as usual.
 */
export function typescript(): TsModule {
  const file = require.resolve('@tslab/typescript-for-tslab');
  if (require.cache[file]) return require(file) as TsModule;
  const cacheFile = path.join(
    tmpdir(),
    `convlab-typescript-${typescriptVersion()}-${process.version}-${process.arch}.v8cache`,
  );
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  const mod = new Module(file);
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(d: string): string[] })._nodeModulePaths(
    path.dirname(file),
  );
  script
    .runInThisContext()
    .call(mod.exports, mod.exports, createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  require.cache[file] = mod;
  if (cachedData === undefined || script.cachedDataRejected) {
    saveCompileCache = () => {
      saveCompileCache = () => {};
      const tmp = `${cacheFile}.${process.pid}`;
      try {
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
      } catch {
        rmSync(tmp, { force: true });
      }
    };
  }
  return mod.exports as TsModule;
}

export function typescriptVersion(): string {
  return (require('@tslab/typescript-for-tslab/package.json') as { version: string }).version;
}

function toDiagnostic(d: ConvertResult['diagnostics'][number], cell?: Expanded): Diagnostic {
  const inCell = d.fileName === undefined && cell !== undefined;
  return {
    file: d.fileName,
    line: d.start.line + 1,
    column: (inCell ? cell.toCell(d.start.line, d.start.character) : d.start.character) + 1,
    message: d.messageText,
    code: d.code,
  };
}

/**
 * The converter's output starts by setting every binding the cell declares to `void 0` (CommonJS export
 * hoisting). Those lines are dropped: they would wipe the previous value of a name the cell redeclares but never
 * reaches, and the names they list are exactly the cell's own bindings.
 */
export function splitExportInit(output: string): { body: string; declared: string[] } {
  const lines = output.split('\n');
  const declared: string[] = [];
  let i = 0;
  while (i < lines.length && /^Object\.defineProperty\(exports, "__esModule"/.test(lines[i])) i++;
  while (i < lines.length && /^(?:exports\.[\w$]+ = )+void 0;$/.test(lines[i])) {
    for (const m of lines[i].matchAll(/exports\.([\w$]+) = /g)) declared.push(m[1]);
    lines.splice(i, 1);
  }
  return { body: lines.join('\n'), declared };
}

/**
 * One declaration statement per name: the converter's .d.ts text split so that names can be kept or dropped one
 * by one. Statements that declare no value (interfaces, type aliases) come back under the key ''.
 */
function declarationsByName(ts: TsModule, text: string): Map<string, string[]> {
  const sf = ts.createSourceFile('decl.d.ts', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out = new Map<string, string[]>();
  const add = (name: string, stmt: string) => out.set(name, [...(out.get(name) ?? []), stmt]);
  for (const st of sf.statements) {
    // The TypeScript AST is read structurally here (tslab's typescript build ships no types we import).
    // biome-ignore lint/suspicious/noExplicitAny: AST nodes of several kinds, narrowed by the ts.is* guards
    const node = st as Node & Record<string, any>;
    if (ts.isVariableStatement(node)) {
      const list = node.declarationList;
      const keyword =
        list.flags & ts.NodeFlags.Const ? 'const' : list.flags & ts.NodeFlags.Let ? 'let' : 'var';
      for (const d of list.declarations) add(d.name.getText(sf), `declare ${keyword} ${d.getText(sf)};`);
    } else if (ts.isImportDeclaration(node) && node.importClause) {
      const from = node.moduleSpecifier.getText(sf);
      const clause = node.importClause;
      const type = clause.isTypeOnly ? 'type ' : '';
      if (clause.name) add(clause.name.getText(sf), `import ${type}${clause.name.getText(sf)} from ${from};`);
      const nb = clause.namedBindings;
      if (nb && ts.isNamespaceImport(nb))
        add(nb.name.getText(sf), `import ${type}* as ${nb.name.getText(sf)} from ${from};`);
      else if (nb)
        for (const el of nb.elements)
          add(el.name.getText(sf), `import ${type}{ ${el.getText(sf)} } from ${from};`);
    } else if (node.name && !ts.isInterfaceDeclaration(node) && !ts.isTypeAliasDeclaration(node)) {
      // Functions (one statement per overload), classes, enums, namespaces.
      add(node.name.getText(sf), node.getText(sf));
    } else {
      add('', node.getText(sf));
    }
  }
  return out;
}

/**
 * The declarations to carry on after a cell that stopped part way: the new cell's for the names it assigned,
 * the previous ones for the names it declared but never reached.
 */
export function commitReached(
  ts: TsModule,
  prevDecl: string,
  cellDecl: string,
  unreached: Set<string>,
): string {
  if (unreached.size === 0) return cellDecl;
  const now = declarationsByName(ts, cellDecl);
  const before = declarationsByName(ts, prevDecl);
  const lines: string[] = [];
  for (const [name, stmts] of now) if (!unreached.has(name)) lines.push(...stmts);
  for (const name of unreached) lines.push(...(before.get(name) ?? []));
  return `${lines.join('\n')}\n`;
}

export async function createTsRepl(o: TsReplOptions): Promise<TsRepl> {
  const ts = typescript();
  const cwd = ts.sys.getCurrentDirectory();
  installOverlay(ts.sys, cwd, o);
  const { createConverter, isCompleteCode } = require('tslab/dist/converter');
  const { getCodeMetadata } = require('tslab/dist/metadata');
  const { printQuickInfo } = require('tslab/dist/inspect');
  const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData: unknown };
  jupyter.lastWriteDisplayData = (d: DisplayData, update: boolean) => o.onDisplay(d, update);

  // Built on first need (a cell after the first, completion, inspection) or when the kernel idles: see warm().
  let checker: Converter | null = null;
  const node = (): Converter => {
    checker ??= createConverter() as Converter;
    return checker;
  };
  let browser: Converter | null = null;
  const converter = (src: string): Converter => {
    settleFirstCell();
    if (getCodeMetadata(src).mode !== 'browser') return node();
    browser ??= createConverter({ isBrowser: true }) as Converter;
    return browser;
  };

  // The shared scope: converted code defines its bindings on it, and reads earlier cells' through it.
  const store: Record<string, unknown> = {};
  let touched: Set<string> | null = null;
  const locals = new Proxy(store, {
    // Named imports arrive as accessor properties; they are read once so names stay rebindable.
    defineProperty: (target, prop, attrs) => {
      if (prop === '__esModule') return true;
      target[prop as string] = attrs.get ? attrs.get() : attrs.value;
      if (typeof prop === 'string') touched?.add(prop);
      return true;
    },
  });

  // Local .ts/.js files a cell imports are converted with it and loaded from memory.
  const sideOutputs = new Map<string, string>();
  const sideModules = new Map<string, Module>();
  const baseRequire = Module.createRequire(path.join(cwd, 'src.js'));
  const wrapRequire = (req: NodeJS.Require, dir: string): NodeJS.Require =>
    new Proxy(req, {
      apply: (target, thisArg, args: unknown[]) => {
        const id = args[0];
        if (args.length !== 1 || typeof id !== 'string') return Reflect.apply(target, thisArg, args);
        if (id === 'tslab') return require('tslab');
        if (Object.hasOwn(o.builtins, id)) return o.builtins[id];
        let file = path.join(dir, id);
        if (path.extname(file) === '') file += '.js';
        const cached = sideModules.get(file);
        if (cached) return cached.exports;
        const code = sideOutputs.get(file);
        if (code === undefined) return Reflect.apply(target, thisArg, args);
        const mod = new Module(file) as Module & { _compile(code: string, file: string): void };
        mod.filename = file;
        mod.paths = (Module as unknown as { _nodeModulePaths(d: string): string[] })._nodeModulePaths(
          path.dirname(file),
        );
        mod.require = wrapRequire(mod.require as NodeJS.Require, path.dirname(file)) as typeof mod.require;
        mod._compile(code, file);
        sideModules.set(file, mod);
        return mod.exports;
      },
    });
  // The converted code reads its scope and require through this global slot (tslab's convention).
  vm.runInThisContext('(x) => { globalThis.__tslab__ = x; }')({
    exports: locals,
    require: wrapRequire(baseRequire, cwd),
  });

  let prevDecl = '';
  let rejectPending: (e: unknown) => void = () => {};
  const interrupted = Object.assign(new Error('execution interrupted'), { name: 'KeyboardInterrupt' });

  async function run(body: string, isAsync: boolean): Promise<unknown> {
    // Wrapped in a function so a cell may redeclare the previous cells' let/const.
    const wrapped = `(${isAsync ? 'async ' : ''}function(exports, require) { ${body}\n})(__tslab__.exports, __tslab__.require)`;
    const ret = vm.runInThisContext(wrapped, { breakOnSigint: true, filename: 'cell.js' });
    if (!isAsync) return undefined;
    const stop = new Promise((_, reject) => {
      rejectPending = reject;
    });
    try {
      return await Promise.race([ret, stop]);
    } finally {
      rejectPending = () => {};
    }
  }

  /**
   * The first cell ran before the checker existed (first-cell.ts): check it now, before anything reads the
   * declarations. Its bindings are declared as if the checker had converted it; what the checker finds wrong is
   * said once, at the top of the next cell's output.
   */
  let firstCell: { src: string; unreached: Set<string> } | null = null;
  let notice: string | null = null;
  function settleFirstCell(): void {
    if (firstCell === null) return;
    const { src, unreached } = firstCell;
    firstCell = null;
    const c = node().convert('', src);
    if (c.diagnostics.length > 0) {
      const lines = c.diagnostics
        .map((d) => toDiagnostic(d))
        .map((d) => `  ${d.line}:${d.column} ${d.message}`);
      notice =
        `The first cell ran before the type checker was ready; checking it now found:\n${lines.join('\n')}\n` +
        'Its bindings stay defined but are not typed for later cells: fix it and run it again.';
      return;
    }
    prevDecl = commitReached(ts, '', c.declOutput ?? '', unreached);
  }

  async function execute(src: string, opts: { checked?: boolean } = {}): Promise<Outcome> {
    const meta = getCodeMetadata(src);
    if (meta.module) {
      const diagnostics = converter(src)
        .addModule(meta.module, src, meta)
        .map((d) => toDiagnostic(d));
      return diagnostics.length ? { kind: 'diagnostics', diagnostics } : { kind: 'ok' };
    }
    if (meta.mode === 'browser') return { kind: 'ok' };
    const first = !opts.checked && checker === null && prevDecl === '' && firstCell === null && !meta.mode;
    const fast = first ? transpileFirstCell(ts, src) : null;
    if (!fast) settleFirstCell();
    if (notice !== null) {
      console.error(notice);
      notice = null;
    }
    let cell: Expanded | undefined;
    let c: ConvertResult;
    if (fast) c = { ...fast, diagnostics: [] };
    else {
      cell = expandShorthands(ts, src);
      c = node().convert(prevDecl, cell.text);
    }
    for (const s of c.sideOutputs ?? []) {
      sideModules.delete(s.path);
      sideOutputs.set(s.path, s.data);
    }
    if (c.diagnostics.length > 0)
      return { kind: 'diagnostics', diagnostics: c.diagnostics.map((d) => toDiagnostic(d, cell)) };
    if (!c.output) {
      if (fast) firstCell = { src, unreached: new Set() };
      else prevDecl = c.declOutput ?? '';
      return { kind: 'ok' };
    }
    const { body, declared } = splitExportInit(c.output);
    const reached = new Set<string>();
    touched = reached;
    let failure: { error: unknown } | null = null;
    try {
      await run(body, c.hasToplevelAwait === true);
    } catch (error) {
      failure = { error };
    } finally {
      touched = null;
    }
    const last = c.lastExpressionVar;
    const value = last !== undefined && Object.hasOwn(store, last) ? store[last] : undefined;
    if (last !== undefined) delete store[last];
    if (failure) {
      const unreached = new Set(declared.filter((n) => n !== last && !reached.has(n)));
      if (fast) firstCell = { src, unreached };
      else prevDecl = commitReached(ts, prevDecl, c.declOutput ?? '', unreached);
      const e = failure.error as { code?: string } | null;
      const isInterrupt = e === interrupted || e?.code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED';
      return { kind: 'thrown', error: isInterrupt ? interrupted : failure.error, interrupted: isInterrupt };
    }
    if (fast) firstCell = { src, unreached: new Set() };
    else prevDecl = c.declOutput ?? '';
    return value == null ? { kind: 'ok' } : { kind: 'ok', value: { value } };
  }

  return {
    execute,
    inspect: (src, position) => converter(src).inspect(prevDecl, src, position),
    complete: (src, position) => converter(src).complete(prevDecl, src, position),
    isComplete(code) {
      const r = isCompleteCode(code) as { completed: boolean; indent?: string };
      if (!r.completed) return { status: 'incomplete', indent: r.indent ?? '' };
      const file = ts.createSourceFile('cell.ts', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
      return file.parseDiagnostics?.length ? { status: 'invalid' } : { status: 'complete' };
    },
    printQuickInfo,
    interrupt: () => rejectPending(interrupted),
    locals,
    warm(src) {
      if (firstCell) settleFirstCell();
      else if (checker === null) node().convert(prevDecl, src);
      saveCompileCache();
    },
  };
}
