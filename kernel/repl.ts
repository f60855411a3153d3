/**
 * TypeScript-in-a-REPL on tslab's converter and executor (used as a library; its wire layer is not used).
 * Sets up module resolution so `convlab`, node's types and the kernel's globals type-check from any folder, and
 * so `import … from 'convlab'` runs against this package's own build.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { installOverlay } from './overlay.js';

const require = createRequire(import.meta.url);

/** The convlab package root: dist/kernel/ -> two levels up. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const GLOBALS_DTS = `// Globals of the convlab kernel.
interface ConvlabDisplayOptions {
  /** Names the output so a later call with the same id (and update: true) replaces it in place. */
  displayId?: string;
  /** Replace the output shown under displayId instead of adding a new one. */
  update?: boolean;
}
/** Shows a value as a rich output: its [Symbol.for('Jupyter.display')]() bundle, or util.inspect text. */
declare function display(value: unknown, options?: ConvlabDisplayOptions): void;
/** Clears this cell's output, at once or (wait: true) just before the next output arrives: for live plots. */
declare function clearOutput(wait?: boolean): void;
/** Asks the notebook user for a line of text (a Jupyter input_request); null when input is not allowed. */
declare function prompt(message?: string, defaultValue?: string): string | null;
`;

export interface TsQuickInfo {
  displayParts?: { text: string }[];
  documentation?: { text: string }[];
  tags?: { name: string; text?: { text: string }[] }[];
}

export interface Executor {
  execute(src: string): Promise<boolean>;
  inspect(src: string, position: number): TsQuickInfo | undefined;
  complete(src: string, position: number): { start: number; end: number; candidates: string[] };
  interrupt(): void;
}

export interface ReplConsole {
  log(value: unknown): void;
  error(...args: unknown[]): void;
}

export interface Repl {
  executor: Executor;
  isComplete(code: string): { status: 'complete' | 'incomplete' | 'invalid'; indent?: string };
  printQuickInfo(info: TsQuickInfo): string;
  typescriptVersion: string;
  tslab: { lastWriteDisplayData: unknown };
}

export async function createRepl(out: ReplConsole): Promise<Repl> {
  const ts = require('@tslab/typescript-for-tslab');
  const cwd: string = ts.sys.getCurrentDirectory();
  const typesNode = path.dirname(require.resolve('@types/node/package.json'));
  installOverlay(ts.sys, cwd, { convlabRoot: PACKAGE_ROOT, typesNode, globalsDts: GLOBALS_DTS });

  const { createConverter, isCompleteCode } = require('tslab/dist/converter');
  const { createExecutor } = require('tslab/dist/executor');
  const { printQuickInfo } = require('tslab/dist/inspect');
  const jupyter = require('tslab/dist/jupyter');

  // Preload convlab itself (an ES module) so cells can `import … from 'convlab'`: tslab emits CommonJS `require`.
  const convlab = await import(path.join(PACKAGE_ROOT, 'dist', 'src', 'index.js'));

  const node = createConverter();
  let browser: unknown = null;
  const convs = {
    node,
    get browser() {
      browser ??= createConverter({ isBrowser: true });
      return browser;
    },
    close() {
      node.close();
    },
  };
  const executor: Executor = createExecutor(cwd, convs, out);
  const slot = (globalThis as unknown as { __tslab__: { require: NodeJS.Require } }).__tslab__;
  const baseRequire = slot.require;
  slot.require = new Proxy(baseRequire, {
    apply: (target, thisArg, args: unknown[]) =>
      args[0] === 'convlab' ? convlab : Reflect.apply(target, thisArg, args),
  });

  return {
    executor,
    isComplete(code) {
      const r = isCompleteCode(code) as { completed: boolean; indent?: string };
      if (!r.completed) return { status: 'incomplete', indent: r.indent ?? '' };
      const file = ts.createSourceFile('cell.ts', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
      return file.parseDiagnostics?.length ? { status: 'invalid' } : { status: 'complete' };
    },
    printQuickInfo,
    typescriptVersion: ts.version,
    tslab: jupyter,
  };
}
