/**
 * The request dispatcher: one switch on `msg_type`, every handler between a `busy` and a `finally` `idle` status
 * on iopub. Requests that need the TypeScript engine are forwarded to it; the rest are answered here, so
 * `kernel_info`, `interrupt` and `shutdown` are answered even while a cell blocks the engine's thread.
 */
import type { EngineRequestType } from './protocol.js';
import type { Message } from './wire.js';

export type Channel = 'shell' | 'control';

export interface DispatchContext {
  kernelInfo: Record<string, unknown>;
  reply(channel: Channel, request: Message, content: Record<string, unknown>): void;
  publish(msgType: string, content: Record<string, unknown>, parent: Message): void;
  engine(msgType: EngineRequestType, request: Message): Promise<Record<string, unknown>>;
  interrupt(): void;
  shutdown(restart: boolean): void;
  /** True while more shell messages are already waiting (used to abort the queue after a failed cell). */
  moreQueued(): boolean;
  log(text: string): void;
}

export function createDispatcher(ctx: DispatchContext) {
  let aborting = false;

  async function handle(channel: Channel, msg: Message): Promise<void> {
    const type = msg.header.msg_type;
    ctx.publish('status', { execution_state: 'busy' }, msg);
    try {
      switch (type) {
        case 'kernel_info_request':
          ctx.reply(channel, msg, ctx.kernelInfo);
          break;
        case 'execute_request': {
          if (aborting) {
            ctx.reply(channel, msg, { status: 'aborted', execution_count: null });
            break;
          }
          const content = await ctx.engine(type, msg);
          ctx.reply(channel, msg, content);
          // A failed cell aborts the cells already queued behind it, unless the request opted out.
          if (content.status === 'error' && msg.content.stop_on_error !== false) aborting = true;
          break;
        }
        case 'complete_request':
        case 'inspect_request':
        case 'is_complete_request':
        case 'history_request':
          ctx.reply(channel, msg, await ctx.engine(type, msg));
          break;
        case 'comm_info_request':
          ctx.reply(channel, msg, { status: 'ok', comms: {} });
          break;
        case 'comm_open':
          // No comm targets are registered: closing at once tells the frontend not to wait for this comm.
          ctx.publish('comm_close', { comm_id: msg.content.comm_id, data: {} }, msg);
          break;
        case 'comm_msg':
        case 'comm_close':
          break;
        case 'interrupt_request':
          ctx.interrupt();
          ctx.reply(channel, msg, { status: 'ok' });
          break;
        case 'shutdown_request': {
          const restart = msg.content.restart === true;
          ctx.reply(channel, msg, { status: 'ok', restart });
          ctx.shutdown(restart);
          break;
        }
        default:
          ctx.log(`unsupported message type ${type}`);
          if (type.endsWith('_request')) {
            ctx.reply(channel, msg, {
              status: 'error',
              ename: 'NotImplemented',
              evalue: `convlab does not handle ${type}`,
              traceback: [],
            });
          }
      }
    } catch (err) {
      ctx.log(`${type} failed: ${err instanceof Error ? err.stack : String(err)}`);
    } finally {
      ctx.publish('status', { execution_state: 'idle' }, msg);
      if (channel === 'shell' && !ctx.moreQueued()) aborting = false;
    }
  }

  return { handle };
}

export function replyType(msgType: string): string {
  return msgType.replace(/_request$/, '_reply');
}
