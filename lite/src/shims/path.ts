/** The two POSIX path functions the library calls (node:path), for the browser build's virtual file system. */
export function join(...parts: string[]): string {
  const out: string[] = [];
  for (const seg of parts.join('/').split('/')) {
    if (seg === '..') out.pop();
    else if (seg !== '' && seg !== '.') out.push(seg);
  }
  return `/${out.join('/')}`;
}

export function dirname(path: string): string {
  const i = path.replace(/\/+$/, '').lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Paths of the virtual file system are absolute already; a relative one is taken from its root. */
export function resolve(...parts: string[]): string {
  return join(...parts);
}

export const sep = '/';

export function isAbsolute(path: string): boolean {
  return path.startsWith('/');
}

/** The path from `from` to `to`, both taken from the root as `resolve` does. */
export function relative(from: string, to: string): string {
  const a = join(from).split('/').filter(Boolean);
  const b = join(to).split('/').filter(Boolean);
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  return [...a.slice(common).map(() => '..'), ...b.slice(common)].join('/');
}

export default { join, dirname, resolve, relative, isAbsolute, sep };
