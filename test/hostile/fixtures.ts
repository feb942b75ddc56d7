/**
 * The hostile-client suite's tools: the built server as a process on 127.0.0.1 (a free port),
 * raw HTTP over a socket with a bounded wait, the server's RSS from /proc, its metrics, and
 * images that are cheap to send and dear to decode.
 */
import { existsSync, readFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import { connect, type Socket } from 'node:net';
import sharp from 'sharp';
import { makeModel } from '../../services/test/fixtures/make-model.js';
import { NOT_BUILT, readyUrl, runServer, type ServerProcess } from '../../services/test/fixtures/process.js';
import { parseProm, promValue } from '../../services/test/fixtures/prometheus.js';
import { responseErrors } from '../../services/test/fixtures/helpers.js';

export { NOT_BUILT, responseErrors };

export interface Hostile {
  proc: ServerProcess;
  url: string;
  port: number;
  pid: number;
  stop(): void;
}

/** The built server with a fixture model, `args` added; resolves once /readyz says 200. */
export async function startHostile(args: string[] = [], env: Record<string, string> = {}): Promise<Hostile> {
  const model = makeModel();
  const proc = runServer(['--port', '0', '--model-dir', model.dir, '--warmup', 'false', ...args], { FER_HOST: '127.0.0.1', FER_THREADS: '1', FER_WORKERS: '1', ...env });
  const url = await readyUrl(proc);
  return { proc, url, port: Number(new URL(url).port), pid: proc.child.pid!, stop: () => void proc.child.kill('SIGKILL') };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from the first byte sent to the whole answer. */
  ms: number;
  /** Bytes the client had written when the answer was complete. */
  sent: number;
}

/**
 * Sends `head` (request line and headers, without the blank line) and then the body chunks from
 * `body`, on a raw socket, and resolves with the answer once the server has sent it all (or
 * closed). Stops writing when the answer has come. Rejects after `timeoutMs`.
 */
export function rawRequest(port: number, head: string, body: Iterable<Uint8Array> = [], timeoutMs = 10_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const socket: Socket = connect({ host: '127.0.0.1', port });
    let data = Buffer.alloc(0);
    let sent = 0;
    let done = false;
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) return reject(err);
      const text = data.toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error(`no HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
      const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: data.subarray(Buffer.byteLength(text.slice(0, split + 4), 'latin1')).toString('utf8'), ms: performance.now() - t0, sent });
    };
    const complete = () => {
      const text = data.toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) return false;
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, split));
      return m !== null && data.length >= split + 4 + Number(m[1]);
    };
    socket.on('data', (d: Buffer) => {
      data = Buffer.concat([data, d]);
      if (complete()) finish();
    });
    socket.on('error', () => (data.length > 0 ? finish() : undefined));
    socket.on('close', () => (data.length > 0 ? finish() : finish(new Error('closed without an answer'))));
    socket.on('connect', async () => {
      socket.write(`${head}\r\n\r\n`);
      for (const chunk of body) {
        if (done || socket.destroyed) return;
        sent += chunk.length;
        if (!socket.write(chunk)) await new Promise<void>((r) => (socket.once('drain', r), socket.once('close', r)));
      }
    });
  });
}

/**
 * How far a client's writes can run ahead of what the server has read on one localhost TCP
 * connection: the largest send plus the largest receive buffer the kernel may grow to
 * (tcp_wmem and tcp_rmem maxima; 16 MiB where /proc does not say).
 */
export function socketBufferBytes(): number {
  const max = (name: string) => {
    const path = `/proc/sys/net/ipv4/${name}`;
    const v = existsSync(path) ? Number(readFileSync(path, 'utf8').trim().split(/\s+/)[2]) : Number.NaN;
    return Number.isFinite(v) ? v : 8 * 1024 * 1024;
  };
  return max('tcp_wmem') + max('tcp_rmem');
}

/** A multipart body as chunks, from parts (each with its own header lines) and a boundary. */
export function* multipart(boundary: string, parts: { headers: string[]; body: Iterable<Uint8Array> }[]): Generator<Uint8Array> {
  for (const p of parts) {
    yield Buffer.from(`--${boundary}\r\n${p.headers.join('\r\n')}\r\n\r\n`);
    yield* p.body;
    yield Buffer.from('\r\n');
  }
  yield Buffer.from(`--${boundary}--\r\n`);
}

/** `total` bytes of `fill`, in 64 KiB chunks, made as they are sent. */
export function* filler(total: number, fill = 0x41): Generator<Uint8Array> {
  const chunk = Buffer.alloc(64 * 1024, fill);
  for (let left = total; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
}

/** Resident set now and at its peak (VmRSS, VmHWM), in MiB, of a process. */
export function rss(pid: number): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { now: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** The value of a metric series (summed over the samples whose labels include `match`). */
export async function metric(url: string, name: string, match: Record<string, string> = {}): Promise<number> {
  return promValue(parseProm(await (await fetch(`${url}/metrics`)).text()).samples, name, match);
}

/** A PNG of one flat colour: a few KB to send, `width * height` pixels to decode. */
export function flatPng(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 120, g: 90, b: 60 } } })
    .png({ compressionLevel: 9 })
    .toBuffer();
}

/** A PNG of noise: slow to decode for its size. */
export function noisePng(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .png()
    .toBuffer();
}

/** A PNG whose header and first bytes are sound and whose pixel data is cut short: it fails only while decoding. */
export async function truncatedPng(width: number, height: number): Promise<Buffer> {
  const png = await noisePng(width, height);
  return png.subarray(0, Math.floor(png.length / 2));
}

/** Chunked transfer-encoding framing around body chunks. */
export function* chunked(body: Iterable<Uint8Array>): Generator<Uint8Array> {
  for (const c of body) if (c.length > 0) yield Buffer.concat([Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n')]);
  yield Buffer.from('0\r\n\r\n');
}

/** Bytes of a body, all of them (for a Content-Length). */
export function byteLength(body: Iterable<Uint8Array>): number {
  let n = 0;
  for (const c of body) n += c.length;
  return n;
}

/**
 * A real grey 8-bit RGB PNG of `width` x `height`, written directly (zlib), for shapes sharp
 * takes seconds to make, such as a 1 x 24,000,000 strip (about 100 KB).
 */
export function stripPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    td.copy(out, 4);
    out.writeUInt32BE(crc32(td), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rowBytes = 1 + 3 * width;
  const raw = Buffer.alloc(rowBytes * height, 128);
  for (let y = 0; y < height; y++) raw[y * rowBytes] = 0; // filter: none
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}
