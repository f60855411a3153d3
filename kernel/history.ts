/** Input history for `history_request`: tail, range and glob search over this kernel's cells. */
export type HistoryEntry = [session: number, line: number, input: string];
type Reply = [session: number, line: number, inputOrPair: string | [string, string | null]];

export class History {
  private readonly entries: HistoryEntry[] = [];
  private readonly outputs = new Map<number, string>();
  /** Jupyter numbers sessions; a kernel keeps only its own, numbered 1. */
  private readonly session = 1;

  add(line: number, input: string): void {
    this.entries.push([this.session, line, input]);
  }

  setOutput(line: number, text: string): void {
    this.outputs.set(line, text);
  }

  /** With `output: true` each entry carries `[input, output]`, the output being the cell's text/plain result. */
  query(content: Record<string, unknown>): Reply[] {
    const hits = this.select(content);
    if (content.output !== true) return hits;
    return hits.map(([s, line, input]) => [s, line, [input, this.outputs.get(line) ?? null]]);
  }

  private select(content: Record<string, unknown>): HistoryEntry[] {
    const n = typeof content.n === 'number' ? content.n : 10;
    switch (content.hist_access_type) {
      case 'tail':
        return n > 0 ? this.entries.slice(-n) : [];
      case 'range': {
        const start = typeof content.start === 'number' ? content.start : 0;
        const stop = typeof content.stop === 'number' ? content.stop : Number.POSITIVE_INFINITY;
        return this.entries.filter(([, line]) => line >= start && line < stop);
      }
      case 'search': {
        const re = globToRegExp(String(content.pattern ?? '*'));
        let hits = this.entries.filter(([, , input]) => re.test(input));
        if (content.unique === true) {
          const seen = new Set<string>();
          hits = hits.reverse().filter(([, , input]) => !seen.has(input) && seen.add(input) !== undefined);
          hits.reverse();
        }
        return n > 0 ? hits.slice(-n) : hits;
      }
      default:
        return [];
    }
  }
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[\\s\\S]*')
    .replace(/\?/g, '[\\s\\S]');
  return new RegExp(`^${body}$`);
}
