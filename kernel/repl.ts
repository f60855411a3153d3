/**
 * The kernel's TypeScript REPL: convlab, node's types and the kernel's globals type-check from any folder, and
 * `import … from 'convlab'` runs against this package's own build. The REPL itself is tslab's converter behind
 * the adapter in tslab.ts.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTsRepl, type TsRepl, type TsReplOptions } from './tslab.js';

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
/** Stores a scalar or small table under name in this run's outputs (convlab's record; sweeps gather them). */
declare function record(name: string, value: number | string | boolean | null | object): void;
/** Clears this cell's output, at once or (wait: true) just before the next output arrives: for live plots. */
declare function clearOutput(wait?: boolean): void;
/** Asks the notebook user for a line of text (a Jupyter input_request); null when input is not allowed. */
declare function prompt(message?: string, defaultValue?: string): string | null;
`;

export type { Outcome, TsRepl as Repl } from './tslab.js';

/** A first cell usually imports convlab: checking one while the kernel waits loads its declarations early. */
export const WARM_CELL = "import { randn } from 'convlab';\nrandn([1]).shape";

export async function createRepl(onDisplay: TsReplOptions['onDisplay']): Promise<TsRepl> {
  // Preloaded (an ES module) so cells can `import … from 'convlab'`: converted cells use CommonJS `require`.
  const convlab = await import(path.join(PACKAGE_ROOT, 'dist', 'src', 'index.js'));
  const typesNode = path.dirname(require.resolve('@types/node/package.json'));
  return createTsRepl({
    convlabRoot: PACKAGE_ROOT,
    typesNode,
    globalsDts: GLOBALS_DTS,
    builtins: { convlab },
    onDisplay,
  });
}
