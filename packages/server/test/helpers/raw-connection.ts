/**
 * A TCP connection that writes exactly the bytes it is given and keeps everything the server
 * sends, for clients that misbehave on purpose (slow bodies, missing headers, pipelining).
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

/** A parsed HTTP/1.1 response with a Content-Length body. */
export interface ParsedResponse {
  status: number;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: string;
}

/** An open connection to the gateway. */
export interface RawConnection {
  socket: Socket;
  /** Everything received so far (latin1). */
  readonly received: string;
  /** Resolves with everything received once the server has closed the connection. */
  closed: Promise<string>;
  /** Resolves once `text` has been received (rejects if the connection closes first). */
  waitFor(text: string): Promise<void>;
}

/** Connects to 127.0.0.1:`port` and writes `bytes` (if any) once connected. */
export async function openRawConnection(port: number, bytes?: string): Promise<RawConnection> {
  const socket = connect({ host: '127.0.0.1', port });
  let received = '';
  const watchers: Array<{ text: string; resolve: () => void; reject: (error: Error) => void }> = [];
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
    for (const watcher of [...watchers]) {
      if (!received.includes(watcher.text)) continue;
      watchers.splice(watchers.indexOf(watcher), 1);
      watcher.resolve();
    }
  });
  // A reset after the server answered and closed is expected from a client still "sending".
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => {
    socket.once('close', () => {
      for (const watcher of watchers.splice(0)) {
        watcher.reject(new Error(`closed before "${watcher.text}" arrived: ${received}`));
      }
      resolve(received);
    });
  });
  await once(socket, 'connect');
  if (bytes !== undefined) socket.write(bytes);
  return {
    socket,
    get received() {
      return received;
    },
    closed,
    waitFor(text) {
      if (received.includes(text)) return Promise.resolve();
      if (socket.destroyed) return Promise.reject(new Error(`closed: ${received}`));
      return new Promise((resolve, reject) => watchers.push({ text, resolve, reject }));
    },
  };
}

/** Parses the first HTTP response in `data` (its body read by Content-Length). */
export function parseFirstResponse(data: string): ParsedResponse {
  const headEnd = data.indexOf('\r\n\r\n');
  if (headEnd < 0) throw new Error(`no HTTP response head in ${JSON.stringify(data)}`);
  const [statusLine = '', ...lines] = data.slice(0, headEnd).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? data.length);
  const body = data.slice(headEnd + 4, headEnd + 4 + length);
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}
