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

export default { join, dirname, resolve };
