/**
 * One send in flight per zeromq socket: zeromq 6 rejects a second concurrent `send` with EBUSY, so every send on a
 * socket goes through one promise chain, in call order.
 */
export interface Sender {
  send(frames: Buffer[]): Promise<void>;
}

export class SendQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: Sender,
    private readonly onError: (err: unknown) => void,
  ) {}

  send(frames: Buffer[]): Promise<void> {
    this.tail = this.tail.then(() => this.socket.send(frames)).catch(this.onError);
    return this.tail;
  }

  /** Resolves when everything queued so far has been handed to zeromq. */
  drain(): Promise<void> {
    return this.tail;
  }
}
