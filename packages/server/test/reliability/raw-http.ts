/**
 * A deliberately dumb HTTP/1.1 client over a raw TCP socket: it writes exactly the bytes it is
 * given (invalid UTF-8, CR/LF in header values, lying Content-Lengths — whatever `fetch` refuses
 * to send) and parses whatever comes back. One request per connection (`Connection: close`).
 */
import { connect } from 'node:net';

/** A parsed HTTP response. */
export interface RawResponse {
  status: number;
  /** Header names lower-cased; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** The body as raw bytes (chunked transfer-encoding already decoded). */
  body: Buffer;
  /** The raw header block, for checks that nothing was injected into it. */
  head: string;
}

/** One request to send: either structured parts or a complete raw byte string. */
export interface RawRequest {
  method: string;
  /** Request target, e.g. `/api/v1/chat/completions?x=1`. */
  target: string;
  /** Header lines written verbatim (`name: value`), CR/LF and all. */
  headers?: Array<[string, string]>;
  body?: Buffer | string;
  /** When set, `Content-Length` is not computed (send your own, or none). */
  noContentLength?: boolean;
}

/** Serializes a {@link RawRequest} to bytes, adding Host, Connection: close and Content-Length. */
export function encodeRequest(port: number, request: RawRequest): Buffer {
  const body =
    request.body === undefined
      ? Buffer.alloc(0)
      : Buffer.isBuffer(request.body)
        ? request.body
        : Buffer.from(request.body, 'utf8');
  const lines = [`${request.method} ${request.target} HTTP/1.1`, `host: 127.0.0.1:${port}`];
  for (const [name, value] of request.headers ?? []) lines.push(`${name}: ${value}`);
  lines.push('connection: close');
  if (!request.noContentLength && (body.length > 0 || request.method !== 'GET')) {
    lines.push(`content-length: ${body.length}`);
  }
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

/** Writes `bytes` to 127.0.0.1:`port` and resolves with the parsed response once the server closes. */
export function sendRaw(port: number, bytes: Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let failure: unknown = null;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The server may answer and close before reading the whole body (413): a reset while
    // writing is fine as long as an answer arrived.
    socket.on('error', (error) => {
      failure = error;
    });
    socket.on('close', () => {
      try {
        resolve(parseResponse(Buffer.concat(chunks)));
      } catch (error) {
        reject(failure ?? error);
      }
    });
    // No half-close: a client that shuts its side down is treated as gone by the gateway.
    socket.write(bytes);
  });
}

/** Sends a structured request; see {@link encodeRequest}. */
export function requestRaw(port: number, request: RawRequest): Promise<RawResponse> {
  return sendRaw(port, encodeRequest(port, request));
}

function parseResponse(data: Buffer): RawResponse {
  const headEnd = data.indexOf('\r\n\r\n');
  if (headEnd < 0) throw new Error(`no HTTP response head in ${data.length} bytes`);
  const head = data.subarray(0, headEnd).toString('latin1');
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const status = Number(statusLine.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let body = data.subarray(headEnd + 4);
  if (headers['transfer-encoding'] === 'chunked') body = decodeChunked(body);
  return { status, headers, body, head };
}

function decodeChunked(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', offset);
    if (lineEnd < 0) break;
    const size = Number.parseInt(data.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
