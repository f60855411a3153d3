/**
 * Coalesces stdout/stderr writes into few `stream` messages. A cell that logs 50,000 lines would otherwise queue
 * 50,000 messages; instead consecutive writes to the same stream are joined and flushed a few milliseconds later, when they pass `maxChars`, or before any other iopub message (so output order is kept).
 */
export type StreamName = 'stdout' | 'stderr';

export class StreamCoalescer {
  private name: StreamName | null = null;
  private chunks: string[] = [];
  private size = 0;
  private scheduled = false;

  constructor(
    private readonly emit: (name: StreamName, text: string) => void,
    private readonly maxChars = 256 * 1024,
    private readonly delayMs = 5,
  ) {}

  write(name: StreamName, text: string): void {
    if (text.length === 0) return;
    if (this.name !== null && this.name !== name) this.flush();
    this.name = name;
    this.chunks.push(text);
    this.size += text.length;
    if (this.size >= this.maxChars) {
      this.flush();
    } else if (!this.scheduled) {
      this.scheduled = true;
      // A short timer rather than setImmediate: writes arrive from the engine thread one event at a time, and a
      // few milliseconds let a burst of them join one message.
      setTimeout(() => {
        this.scheduled = false;
        this.flush();
      }, this.delayMs);
    }
  }

  flush(): void {
    if (this.name === null) return;
    const name = this.name;
    const text = this.chunks.join('');
    this.name = null;
    this.chunks = [];
    this.size = 0;
    this.emit(name, text);
  }
}
