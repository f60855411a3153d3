/**
 * The state of one browser kernel: the scope object holding the cells' top-level names, and `execute`, which
 * compiles a cell (compile.ts), runs it and reports what it printed, displayed and returned through `Host`.
 * It knows nothing of workers or Jupyter messages (worker.ts does), so it runs and is tested in Node as well.
 */
import { formatWithOptions, inspect } from 'node-inspect-extracted';
import type { Checker, TypeDiagnostic } from './check.js';
import { CellSyntaxError, type CompiledCell, compileCell } from './compile.js';

export type MimeBundle = Record<string, unknown>;

export interface DisplayOptions {
  displayId?: string;
  update?: boolean;
}

/** Where a running cell's effects go. */
export interface Host {
  stream(name: 'stdout' | 'stderr', text: string): void;
  display(bundle: MimeBundle, opts: DisplayOptions): void;
  /** Resolves `import … from specifier`. */
  importModule(specifier: string): Promise<unknown>;
  /** Called at every loop iteration of a cell; throws to interrupt it. */
  tick(): void;
}

export interface ExecuteError {
  ename: string;
  evalue: string;
  traceback: string[];
}

export type ExecuteResult = { ok: true; value: MimeBundle | null } | { ok: false; error: ExecuteError };

export const JUPYTER_DISPLAY = Symbol.for('Jupyter.display');

/** Text as the Node kernel shows it (Node's util.inspect, extracted for browsers). */
export function plainText(value: unknown): string {
  return inspect(value, { depth: 4, maxArrayLength: 100 });
}

/** The browser twin of kernel/format.ts: a value's own bundle, else its inspected text. */
export function format(value: unknown): MimeBundle {
  const display = (value as Record<symbol, unknown> | null)?.[JUPYTER_DISPLAY];
  if ((typeof value === 'object' || typeof value === 'function') && typeof display === 'function') {
    let supplied: unknown;
    try {
      supplied = display.call(value);
    } catch (err) {
      return { 'text/plain': `${plainText(value)}\n[Symbol.for('Jupyter.display')] threw: ${String(err)}` };
    }
    if (typeof supplied === 'object' && supplied !== null && !Array.isArray(supplied)) {
      const bundle: MimeBundle = {};
      for (const [mime, data] of Object.entries(supplied))
        if (data !== undefined) bundle[mime] = data instanceof Uint8Array ? base64(data) : data;
      if (!('text/plain' in bundle)) bundle['text/plain'] = plainText(value);
      return bundle;
    }
  }
  return { 'text/plain': plainText(value) };
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** A cell of console.table, as Node formats one: shallow, short arrays, on one line. */
function tableCell(v: unknown): string {
  const keys = v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v).length : 0;
  return inspect(v, { depth: keys > 2 ? -1 : 0, maxArrayLength: 3, breakLength: Number.POSITIVE_INFINITY });
}

/**
 * `console.table` drawn as Node draws it (box characters, left-aligned, an "(index)" column, a "Values" column
 * for rows that are not objects), so a notebook's stored output reads the same from either kernel.
 */
export function table(data: object, only?: string[]): string {
  const index: string[] = [];
  const columns: string[] = [];
  const rows: Map<string, string>[] = [];
  let values = false;
  for (const [key, row] of Object.entries(data)) {
    index.push(key);
    const cells = new Map<string, string>();
    if (row !== null && typeof row === 'object') {
      for (const [col, v] of Object.entries(row)) {
        if (only !== undefined && !only.includes(col)) continue;
        if (!columns.includes(col)) columns.push(col);
        cells.set(col, tableCell(v));
      }
    } else {
      values = true;
      cells.set('\u0000values', tableCell(row));
    }
    rows.push(cells);
  }
  const heads = ['(index)', ...(only ?? columns), ...(values ? ['Values'] : [])];
  const keys = ['', ...(only ?? columns), ...(values ? ['\u0000values'] : [])];
  const body = rows.map((cells, r) => keys.map((k, c) => (c === 0 ? index[r]! : (cells.get(k) ?? ''))));
  const widths = heads.map((h, c) => Math.max(h.length, ...body.map((row) => row[c]!.length)) + 2);
  const line = (l: string, m: string, r: string) => l + widths.map((w) => '─'.repeat(w)).join(m) + r;
  const row = (cells: string[]) => `│${cells.map((t, c) => ` ${t.padEnd(widths[c]! - 1)}`).join('│')}│`;
  return [line('┌', '┬', '┐'), row(heads), line('├', '┼', '┤'), ...body.map(row), line('└', '┴', '┘')].join(
    '\n',
  );
}

/** How many lines `new Function` puts before the body, measured once (engines differ). */
let headerLines: number | undefined;
function functionHeaderLines(): number {
  if (headerLines === undefined) {
    try {
      new Function('throw new Error()\n//# sourceURL=convlab-probe')();
    } catch (e) {
      const m = /convlab-probe:(\d+)/.exec(String((e as Error).stack));
      headerLines = m === null ? 2 : Number(m[1]) - 1;
    }
  }
  return headerLines!;
}

/** `%typecheck`, `%typecheck on` or `%typecheck off` on a cell's first line (an IPython-style line magic). */
const TYPECHECK = /^[ \t]*%typecheck(?:[ \t]+(\S+))?[ \t]*$/m;

/** A cell that does not type-check, as the Node kernel reports one: `line:col - message`, the line, a caret. */
function typeError(diagnostics: TypeDiagnostic[], source: string): ExecuteError {
  const lines = source.split('\n');
  const messages = diagnostics.map((d) => `${d.line}:${d.column} - ${d.message}`);
  const traceback = diagnostics.flatMap((d, i) => [
    messages[i]!,
    `    ${lines[d.line - 1]}`,
    `    ${' '.repeat(d.column - 1)}^`,
  ]);
  return { ename: 'TypeScriptError', evalue: messages.join('\n'), traceback };
}

export class Session {
  readonly scope: Record<string, unknown> = Object.create(null);
  private count = 0;
  /** Whether cells are type-checked before they run (`%typecheck on|off`). */
  private typecheck: boolean;

  /**
   * `checker`, when given, type-checks every cell before it runs (cells that do not check do not run); it may
   * still be loading, and if it fails to load the kernel says so once and runs cells unchecked.
   */
  constructor(
    private readonly host: Host,
    private checker?: Promise<Checker>,
  ) {
    this.typecheck = checker !== undefined;
    const print =
      (name: 'stdout' | 'stderr') =>
      (...args: unknown[]) =>
        host.stream(name, `${formatWithOptions({ depth: 4, maxArrayLength: 100 }, ...args)}\n`);
    this.scope.console = {
      ...console,
      table: (data: unknown, columns?: string[]) =>
        host.stream(
          'stdout',
          `${typeof data === 'object' && data !== null ? table(data, columns) : plainText(data)}\n`,
        ),
      log: print('stdout'),
      info: print('stdout'),
      debug: print('stdout'),
      warn: print('stderr'),
      error: print('stderr'),
    };
    this.scope.display = (value: unknown, opts: DisplayOptions = {}) => host.display(format(value), opts);
  }

  async execute(source: string): Promise<ExecuteResult> {
    const name = `In[${++this.count}]`;
    const magic = TYPECHECK.exec(source);
    if (magic !== null && source.slice(0, magic.index).trim() === '') {
      const mode = magic[1] ?? (this.typecheck ? 'on' : 'off');
      if (mode !== 'on' && mode !== 'off')
        return {
          ok: false,
          error: {
            ename: 'UsageError',
            evalue: `%typecheck: expected on or off, got '${mode}'`,
            traceback: [`UsageError: %typecheck: expected on or off, got '${mode}'`],
          },
        };
      if (mode === 'on' && this.checker === undefined)
        this.host.stream('stderr', 'type checking is not available in this kernel\n');
      else {
        this.typecheck = mode === 'on';
        this.host.stream('stdout', `type checking is ${mode}\n`);
      }
      // The magic's line stays, blank, so that every other line keeps its number.
      source = source.slice(0, magic.index) + source.slice(magic.index + magic[0].length);
    }
    let cell: CompiledCell;
    try {
      cell = compileCell(source);
    } catch (e) {
      if (e instanceof CellSyntaxError)
        return {
          ok: false,
          error: {
            ename: e.name,
            evalue: e.message,
            traceback: [`${name}:${e.line}`, `${e.name}: ${e.message}`],
          },
        };
      throw e;
    }
    const checker = await this.loadedChecker();
    if (checker !== undefined && this.typecheck) {
      const diagnostics = checker.check(source);
      if (diagnostics.length > 0) return { ok: false, error: typeError(diagnostics, source) };
    } else checker?.skip(source);
    for (const n of cell.names) if (!(n in this.scope)) this.scope[n] = undefined;
    try {
      // Sloppy-mode Function: `with` is what lets a cell's free names resolve to the kernel's scope.
      const run = new Function(
        '__scope',
        '__import',
        '__tick',
        `with (__scope) { return (async () => {\n${cell.code}\n})(); }\n//# sourceURL=${name}`,
      );
      const value = await run(
        this.scope,
        (s: string) => this.host.importModule(s),
        () => this.host.tick(),
      );
      return { ok: true, value: value === undefined ? null : format(value) };
    } catch (e) {
      return { ok: false, error: this.describe(e, name, cell) };
    }
  }

  /** The checker once loaded; undefined without one, or (said once, on stderr) when it failed to load. */
  private async loadedChecker(): Promise<Checker | undefined> {
    if (this.checker === undefined) return undefined;
    try {
      return await this.checker;
    } catch (e) {
      this.checker = undefined;
      this.typecheck = false;
      this.host.stream('stderr', `type checking is off: ${e instanceof Error ? e.message : String(e)}\n`);
      return undefined;
    }
  }

  /**
   * Completion from live values, as the browser allows (no language service here): names in scope and globals
   * after a bare identifier, the properties of a scope value (its prototype chain included) after `a.b.`.
   */
  complete(code: string, cursor: number): { matches: string[]; cursorStart: number } {
    const m = /((?:[A-Za-z_$][\w$]*\.)*)([A-Za-z_$][\w$]*)?$/.exec(code.slice(0, cursor))!;
    const prefix = m[2] ?? '';
    let candidates: string[];
    if (m[1] === '') candidates = [...Object.keys(this.scope), ...Object.getOwnPropertyNames(globalThis)];
    else {
      const target = this.lookup(m[1]!.slice(0, -1));
      candidates = [];
      for (
        let o = target;
        o !== null && o !== undefined && o !== Object.prototype;
        o = Object.getPrototypeOf(o)
      )
        candidates.push(...Object.getOwnPropertyNames(o));
    }
    const matches = [...new Set(candidates)]
      .filter((c) => c.startsWith(prefix) && c !== 'constructor')
      .sort();
    return { matches, cursorStart: cursor - prefix.length };
  }

  /** The value of the dotted name at the cursor, as text (Jupyter's inspect_request). */
  inspect(code: string, cursor: number): MimeBundle | null {
    const before = /[A-Za-z_$][\w$.]*$/.exec(code.slice(0, cursor))?.[0] ?? '';
    const after = /^[\w$]*/.exec(code.slice(cursor))![0];
    const value = this.lookup(before + after);
    return value === undefined ? null : { 'text/plain': plainText(value) };
  }

  private lookup(path: string): unknown {
    let value: unknown = this.scope;
    for (const [i, key] of path.split('.').entries()) {
      if (value === null || value === undefined) return undefined;
      const holder = i === 0 && !(key in this.scope) ? globalThis : value;
      value = (holder as Record<string, unknown>)[key];
    }
    return value;
  }

  /** An error as Jupyter's `error` content; frames in the cell give the cell's line. */
  private describe(e: unknown, name: string, cell: CompiledCell): ExecuteError {
    const err = e instanceof Error ? e : new Error(String(e));
    const offset = functionHeaderLines() + 1;
    const frames: string[] = [];
    const at = new RegExp(`${name.replace(/[[\]]/g, '\\$&')}:(\\d+):\\d+`);
    for (const line of String(err.stack ?? '')
      .split('\n')
      .slice(1)) {
      const m = at.exec(line);
      if (m !== null) frames.push(`${name} line ${cell.lineOf(Number(m[1]) - offset)}`);
    }
    return {
      ename: err.name,
      evalue: err.message,
      traceback: [...frames, `${err.name}: ${err.message}`],
    };
  }
}
