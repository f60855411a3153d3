/**
 * Makes `convlab`, `@types/node` and the kernel's global declarations visible to tslab's type checker wherever
 * the kernel is started. Jupyter starts a kernel in the notebook's folder, and tslab resolves modules and type
 * roots from there, so a notebook outside this project would not find `convlab` or node's types (`console` would
 * not type-check). The overlay adds virtual entries under `<cwd>/node_modules/` that point into this package,
 * and only where the folder has no real entry of that name.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export interface OverlayTargets {
  /** Root of the convlab package (holds package.json and dist/). */
  convlabRoot: string;
  /** A real @types/node directory. */
  typesNode: string;
  /** Text of a .d.ts declaring the kernel's globals. */
  globalsDts: string;
}

type Sys = {
  fileExists(p: string): boolean;
  directoryExists(p: string): boolean;
  readFile(p: string, encoding?: string): string | undefined;
  getDirectories(p: string): string[];
  realpath?(p: string): string;
};

export const GLOBALS_PACKAGE = 'convlab-kernel-globals';

export function installOverlay(sys: Sys, cwd: string, t: OverlayTargets): void {
  const nm = path.join(cwd, 'node_modules');
  const types = path.join(nm, '@types');
  const globalsDir = path.join(types, GLOBALS_PACKAGE);
  const globalsFile = path.join(globalsDir, 'index.d.ts');
  const links = new Map<string, string>();
  if (!existsSync(path.join(nm, 'convlab'))) links.set(path.join(nm, 'convlab'), t.convlabRoot);
  if (!existsSync(path.join(types, 'node'))) links.set(path.join(types, 'node'), t.typesNode);

  const orig = {
    fileExists: sys.fileExists.bind(sys),
    directoryExists: sys.directoryExists.bind(sys),
    readFile: sys.readFile.bind(sys),
    getDirectories: sys.getDirectories.bind(sys),
    realpath: sys.realpath?.bind(sys),
  };
  const map = (p: string): string => {
    for (const [from, to] of links) {
      if (p === from || p.startsWith(`${from}/`)) return to + p.slice(from.length);
    }
    return p;
  };
  const virtualDirs = new Set([nm, types, globalsDir]);

  sys.fileExists = (p) => p === globalsFile || orig.fileExists(map(p));
  sys.directoryExists = (p) => virtualDirs.has(p) || orig.directoryExists(map(p));
  sys.readFile = (p, enc) => (p === globalsFile ? t.globalsDts : orig.readFile(map(p), enc));
  sys.getDirectories = (p) => {
    const real = orig.directoryExists(map(p)) ? orig.getDirectories(map(p)) : [];
    if (p === types) return [...new Set([...real, 'node', GLOBALS_PACKAGE])];
    if (p === nm) return [...new Set([...real, '@types', 'convlab'])];
    return real;
  };
  if (orig.realpath) {
    const realpath = orig.realpath;
    sys.realpath = (p) => (p.startsWith(`${globalsDir}/`) ? p : realpath(map(p)));
  }
}
