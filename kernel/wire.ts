/**
 * Jupyter wire protocol 5.3 framing: `[ids…, '<IDS|MSG>', hmac, header, parent, metadata, content, buffers…]`.
 * `encode` and `decode` are a matching pair; `decode` checks the HMAC-SHA256 signature before it parses anything,
 * because an unsigned message could come from any local process that can reach the port, and parsing its JSON
 * first would let it steer the kernel.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

export const PROTOCOL_VERSION = '5.3';
const DELIMITER = Buffer.from('<IDS|MSG>');

export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

export interface Message {
  idents: Buffer[];
  header: Header;
  parent_header: Partial<Header>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
  buffers: Buffer[];
}

/** Why a frame set was dropped; the caller logs it and carries on. */
export class WireError extends Error {
  override name = 'WireError';
}

export function sign(key: string, parts: Buffer[]): string {
  if (key === '') return '';
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

export function newHeader(msgType: string, session: string, username = 'convlab'): Header {
  return {
    msg_id: randomUUID(),
    session,
    username,
    date: new Date().toISOString(),
    msg_type: msgType,
    version: PROTOCOL_VERSION,
  };
}

export function encode(msg: Omit<Message, 'buffers'> & { buffers?: Buffer[] }, key: string): Buffer[] {
  const parts = [msg.header, msg.parent_header, msg.metadata, msg.content].map((x) =>
    Buffer.from(JSON.stringify(x)),
  );
  return [...msg.idents, DELIMITER, Buffer.from(sign(key, parts)), ...parts, ...(msg.buffers ?? [])];
}

export function decode(frames: Buffer[], key: string): Message {
  const at = frames.findIndex((f) => f.equals(DELIMITER));
  if (at < 0) throw new WireError('decode: no <IDS|MSG> delimiter in the frames');
  if (frames.length < at + 6) {
    throw new WireError(
      `decode: expected at least 5 frames after the delimiter, got ${frames.length - at - 1}`,
    );
  }
  const signature = frames[at + 1];
  const parts = frames.slice(at + 2, at + 6);
  if (key !== '') {
    const expected = Buffer.from(sign(key, parts));
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
      throw new WireError('decode: HMAC signature does not match');
    }
  }
  const [header, parent, metadata, content] = parts.map((p, i) => {
    try {
      return JSON.parse(p.toString('utf8'));
    } catch {
      throw new WireError(`decode: frame ${i + 1} after the signature is not JSON`);
    }
  });
  if (typeof header !== 'object' || header === null || typeof header.msg_type !== 'string') {
    throw new WireError('decode: header has no msg_type string');
  }
  for (const [name, v] of [
    ['parent_header', parent],
    ['metadata', metadata],
    ['content', content],
  ] as const) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw new WireError(`decode: ${name} must be a JSON object, got ${JSON.stringify(v)?.slice(0, 40)}`);
    }
  }
  return {
    idents: frames.slice(0, at),
    header,
    parent_header: parent,
    metadata,
    content,
    buffers: frames.slice(at + 6),
  };
}

/** The connection file Jupyter writes for a kernel. */
export interface ConnectionInfo {
  transport: string;
  ip: string;
  key: string;
  signature_scheme: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
}

export function endpoint(c: ConnectionInfo, port: number): string {
  return c.transport === 'ipc' ? `ipc://${c.ip}-${port}` : `${c.transport}://${c.ip}:${port}`;
}
