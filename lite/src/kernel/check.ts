/**
 * Type-checks a cell before it runs, with TypeScript's own checker over an in-memory file system (the ES and Web
 * Worker libraries and convlab's declarations, lite/types.mjs), as tslab does for the Node kernel:
 *
 *   - the checked file is the cell itself, then what earlier cells declared, then `export { names }`:
 *
 *         <the cell, unchanged: a diagnostic's position is the cell's own line and column>
 *         import { randn } from 'convlab';          earlier cells' imports, minus the names this cell declares
 *         declare let x: import("convlab").Tensor;  their declarations, as TypeScript's declaration emit wrote them
 *         export { y, f };                          this cell's names, so its declaration emit includes them
 *
 *     The file is a module, so top-level await checks, and a name the cell declares again is dropped from what
 *     follows it (a notebook may redeclare a name). Ambient declarations may be used before their position.
 *   - after a cell checks, its declaration emit is split into one statement list per name and kept for the next.
 *
 * The libraries and convlab's files are parsed once and shared by every cell's program; a cell costs its own
 * parse, a new checker and what it looks up.
 */
import ts from 'typescript';

/** path → text: the libraries under /lib, convlab under /node_modules/convlab. */
export type TypeFiles = Record<string, string>;

export interface TypeDiagnostic {
  /** 1-based, in the cell. */
  line: number;
  column: number;
  message: string;
  code: number;
}

/** The browser kernel's globals (session.ts puts them in every cell's scope). */
const GLOBALS = `interface ConvlabDisplayOptions {
  /** Names the output so a later call with the same id (and update: true) replaces it in place. */
  displayId?: string;
  /** Replace the output shown under displayId instead of adding a new one. */
  update?: boolean;
}
/** Shows a value as a rich output: its [Symbol.for('Jupyter.display')]() bundle, or its inspected text. */
declare function display(value: unknown, options?: ConvlabDisplayOptions): void;
// Modules imported by URL are typed by nothing the kernel can fetch ahead of running them.
declare module 'https://*';
declare module 'http://*';
`;

const CELL = '/cell.ts';
const GLOBALS_FILE = '/globals.d.ts';

const OPTIONS: ts.CompilerOptions = {
  // tslab's settings for the Node kernel (no strict mode), with a worker's globals in place of Node's.
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: [
    'lib.es2022.d.ts',
    'lib.webworker.d.ts',
    'lib.webworker.iterable.d.ts',
    'lib.webworker.asynciterable.d.ts',
  ],
  esModuleInterop: true,
  skipLibCheck: true,
  declaration: true,
  noEmitOnError: false,
  types: [],
};

export class Checker {
  private readonly parsed = new Map<string, ts.SourceFile>();
  /** Earlier cells' declarations, one statement list per name (types and values of one name share it). */
  private readonly declared = new Map<string, string[]>();
  private program: ts.Program | undefined;
  private readonly host: ts.CompilerHost;
  private cell: ts.SourceFile | undefined;

  constructor(private readonly files: TypeFiles) {
    const dirs = new Set<string>();
    for (const path of Object.keys(files))
      for (let i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) dirs.add(path.slice(0, i));
    this.host = {
      getSourceFile: (name) => (name === CELL ? this.cell : this.sourceFile(name)),
      getDefaultLibFileName: () => '/lib/lib.d.ts',
      writeFile: () => {},
      getCurrentDirectory: () => '/',
      getCanonicalFileName: (f) => f,
      useCaseSensitiveFileNames: () => true,
      getNewLine: () => '\n',
      fileExists: (f) => f === CELL || f === GLOBALS_FILE || f in files,
      readFile: (f) => (f === GLOBALS_FILE ? GLOBALS : files[f]),
      directoryExists: (d) => d === '/' || dirs.has(d),
      getDirectories: () => [],
    };
  }

  private sourceFile(name: string): ts.SourceFile | undefined {
    let sf = this.parsed.get(name);
    if (sf === undefined) {
      const text = name === GLOBALS_FILE ? GLOBALS : this.files[name];
      if (text === undefined) return undefined;
      sf = ts.createSourceFile(name, text, ts.ScriptTarget.ES2022, false);
      this.parsed.set(name, sf);
    }
    return sf;
  }

  /**
   * The cell's type errors, none when it checks. A cell that checks has its declarations kept for the cells
   * after it; one that does not leaves them as they were (it will not run).
   */
  check(source: string): TypeDiagnostic[] {
    const own = topLevelNames(source);
    const diagnostics = this.diagnose(source, own);
    if (diagnostics.length > 0) return diagnostics;
    let dts = '';
    this.program!.emit(this.cell, (_, t) => (dts = t), undefined, true);
    for (const name of own.names) this.declared.delete(name);
    for (const [name, statements] of own.imports) this.declared.set(name, statements);
    for (const [name, statements] of declarationsByName(dts))
      if (own.names.has(name)) this.declared.set(name, statements);
    return [];
  }

  /**
   * Parses the libraries and convlab's declarations and builds a first checker, keeping nothing: the worker
   * does this while the notebook opens, so that the first cell does not wait for it.
   */
  warm(): void {
    const cell = "import { randn } from 'convlab';\nrandn([1]).shape";
    this.diagnose(cell, topLevelNames(cell));
  }

  private diagnose(source: string, own: Names): TypeDiagnostic[] {
    const before = [...this.declared].filter(([name]) => !own.names.has(name)).flatMap(([, s]) => s);
    const exported = [...own.names].filter((n) => !own.imports.has(n) && !own.exported.has(n));
    const text = `${source}\n;${before.join('\n')}\nexport { ${exported.join(', ')} };\n`;
    this.cell = ts.createSourceFile(CELL, text, ts.ScriptTarget.ES2022, true);
    this.program = ts.createProgram({
      rootNames: [GLOBALS_FILE, CELL],
      options: OPTIONS,
      host: this.host,
      oldProgram: this.program,
    });
    return (
      [...this.program.getSyntacticDiagnostics(this.cell), ...this.program.getSemanticDiagnostics(this.cell)]
        // What lies after the cell was checked with the cell that wrote it; a later cell cannot fix it.
        .filter((d) => d.start !== undefined && d.start < source.length)
        .map((d) => {
          const at = this.cell!.getLineAndCharacterOfPosition(d.start!);
          return {
            line: at.line + 1,
            column: at.character + 1,
            message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
            code: d.code,
          };
        })
    );
  }

  /**
   * A cell that runs unchecked still declares its names for the cells after it: its imports as written, every
   * other name as `any`.
   */
  skip(source: string): void {
    const own = topLevelNames(source);
    for (const name of own.names)
      this.declared.set(
        name,
        own.imports.get(name) ??
          (own.types.has(name) ? [`type ${name} = any;`] : [`declare let ${name}: any;`]),
      );
  }
}

interface Names {
  /** Every name the cell declares at top level, values and types. */
  names: Set<string>;
  /** Names bound by an import, with the import statement that binds that name alone. */
  imports: Map<string, string[]>;
  /** Names that are types only (interface, type alias). */
  types: Set<string>;
  /** Names the cell exports itself (`export const …`): already in its declaration emit. */
  exported: Set<string>;
}

/** The name a function, class, enum, interface, type alias or namespace statement declares. */
function declaredName(s: ts.Statement): string | undefined {
  const named =
    ts.isFunctionDeclaration(s) ||
    ts.isClassDeclaration(s) ||
    ts.isEnumDeclaration(s) ||
    ts.isInterfaceDeclaration(s) ||
    ts.isTypeAliasDeclaration(s) ||
    ts.isModuleDeclaration(s);
  return named && s.name !== undefined && ts.isIdentifier(s.name) ? s.name.text : undefined;
}

function topLevelNames(source: string): Names {
  const sf = ts.createSourceFile('names.ts', source, ts.ScriptTarget.ES2022, true);
  const out: Names = { names: new Set(), imports: new Map(), types: new Set(), exported: new Set() };
  const bind = (name: ts.BindingName, exported: boolean): void => {
    if (ts.isIdentifier(name)) {
      out.names.add(name.text);
      if (exported) out.exported.add(name.text);
    } else for (const e of name.elements) if (!ts.isOmittedExpression(e)) bind(e.name, exported);
  };
  for (const s of sf.statements) {
    const exported =
      ts.canHaveModifiers(s) &&
      (ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false);
    if (ts.isImportDeclaration(s) && s.importClause !== undefined) {
      const from = s.moduleSpecifier.getText(sf);
      const clause = s.importClause;
      const type = clause.isTypeOnly ? 'type ' : '';
      const add = (name: string, what: string) => {
        out.names.add(name);
        out.imports.set(name, [`import ${type}${what} from ${from};`]);
      };
      if (clause.name !== undefined) add(clause.name.text, clause.name.text);
      const bindings = clause.namedBindings;
      if (bindings !== undefined && ts.isNamespaceImport(bindings))
        add(bindings.name.text, `* as ${bindings.name.text}`);
      else if (bindings !== undefined)
        for (const e of bindings.elements) add(e.name.text, `{ ${e.getText(sf)} }`);
    } else if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) bind(d.name, exported);
    } else {
      const name = declaredName(s);
      if (name === undefined) continue;
      out.names.add(name);
      if (exported) out.exported.add(name);
      if (ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s)) out.types.add(name);
    }
  }
  return out;
}

/** A declaration file split into one list of statements per declared name (overloads share one). */
function declarationsByName(dts: string): Map<string, string[]> {
  const sf = ts.createSourceFile('cell.d.ts', dts, ts.ScriptTarget.ES2022, true);
  const out = new Map<string, string[]>();
  const add = (name: string, statement: string) => out.set(name, [...(out.get(name) ?? []), statement]);
  for (const s of sf.statements) {
    // `export` modifiers go: the statements are read back as this module's own declarations.
    const text = s.getText(sf).replace(/^export\s+(default\s+)?/, '');
    if (ts.isVariableStatement(s)) {
      const list = s.declarationList;
      const keyword =
        list.flags & ts.NodeFlags.Const ? 'const' : list.flags & ts.NodeFlags.Let ? 'let' : 'var';
      for (const d of list.declarations)
        if (ts.isIdentifier(d.name)) add(d.name.text, `declare ${keyword} ${d.getText(sf)};`);
    } else {
      const name = declaredName(s);
      if (name !== undefined) add(name, text);
    }
  }
  return out;
}
