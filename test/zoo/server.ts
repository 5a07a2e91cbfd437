/**
 * A local HTTP server on 127.0.0.1 (random port) for download tests: it serves
 * one file body under any path, in one of several behaviours (well-behaved, cut,
 * stalled, trickling, endless, oversized, redirecting), records every request, and
 * closes itself after `lifetimeMs` so a failed test cannot leave it running.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Behaviour =
  /** 200 for a plain GET, 206 for `Range: bytes=N-` */
  | 'ok'
  /** like 'ok', but the first response stops half-way and the connection is cut */
  | 'drop-half'
  /** like 'ok', but the first response stops sending half-way and keeps the connection open */
  | 'stall-half'
  /** cuts the first response half-way, then answers every Range request with the whole file (200) */
  | 'drop-half-ignore-range'
  /** serves the body with one byte changed */
  | 'wrong-bytes'
  /** 200 with the right Content-Length, then one byte every `intervalMs` (default 50) */
  | 'trickle'
  /** 200 with the right Content-Length, then no byte at all (the connection stays open) */
  | 'stall-body'
  /** 200 without Content-Length (chunked), then 64 KiB chunks that never end */
  | 'endless'
  /** 200 whose Content-Length announces and whose body carries `extraBytes` (default 1 MiB) more than the file */
  | 'oversize-announced'
  /** 200 without Content-Length (chunked): the file, then `extraBytes` more */
  | 'oversize-chunked'
  /** 302 to `/blobs<path>`, where the file is served as by 'ok' */
  | 'redirect'
  /** 302 to the same path, for ever */
  | 'redirect-loop'
  /** 302 to `location` (e.g. file:///etc/passwd) */
  | { redirect: string }
  /** always answers `status` */
  | { status: number };

export interface Recorded {
  method: string;
  path: string;
  range?: string;
}

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  requests: Recorded[];
  close(): Promise<void>;
}

export interface ServerOptions {
  lifetimeMs?: number;
  /** 'trickle': pause between bytes */
  intervalMs?: number;
  /** 'oversize-*': bytes sent past the file */
  extraBytes?: number;
}

export async function startServer(body: Uint8Array, behaviour: Behaviour, options: ServerOptions | number = {}): Promise<TestServer> {
  const { lifetimeMs = 60_000, intervalMs = 50, extraBytes = 1 << 20 } = typeof options === 'number' ? { lifetimeMs: options } : options;
  const requests: Recorded[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let served = 0;
  const send = (req: IncomingMessage, res: ServerResponse) => {
    const range = req.headers.range;
    requests.push({ method: req.method ?? '', path: req.url ?? '', ...(range !== undefined ? { range } : {}) });
    const n = served++;
    if (typeof behaviour === 'object' && 'redirect' in behaviour) {
      res.writeHead(302, { location: behaviour.redirect, 'content-length': 0 });
      res.end();
      return;
    }
    if (behaviour === 'redirect-loop' || (behaviour === 'redirect' && !(req.url ?? '').startsWith('/blobs/'))) {
      res.writeHead(302, { location: behaviour === 'redirect' ? `/blobs${req.url}` : (req.url ?? '/'), 'content-length': 0 });
      res.end();
      return;
    }
    if (behaviour === 'trickle' || behaviour === 'stall-body') {
      res.writeHead(200, { 'content-length': body.length });
      res.flushHeaders();
      if (behaviour === 'stall-body') return;
      let i = 0;
      const timer = setInterval(() => {
        if (i >= body.length || res.destroyed) {
          clearInterval(timer);
          timers.delete(timer);
          res.end();
          return;
        }
        res.write(body.subarray(i, i + 1));
        i++;
      }, intervalMs);
      timers.add(timer);
      return;
    }
    if (behaviour === 'endless') {
      res.writeHead(200, {});
      const chunk = new Uint8Array(65536).fill(0x5a);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
      };
      res.on('drain', pump);
      pump();
      return;
    }
    if (behaviour === 'oversize-announced' || behaviour === 'oversize-chunked') {
      const all = new Uint8Array(body.length + extraBytes);
      all.set(body);
      res.writeHead(200, behaviour === 'oversize-announced' ? { 'content-length': all.length } : {});
      res.end(all);
      return;
    }
    if (typeof behaviour === 'object') {
      res.writeHead(behaviour.status, { 'content-type': 'text/plain' });
      res.end(`status ${behaviour.status}\n`);
      return;
    }
    let data = body;
    if (behaviour === 'wrong-bytes') {
      data = Uint8Array.from(body);
      data[data.length >> 1] ^= 0xff;
    }
    const honourRange = behaviour !== 'drop-half-ignore-range';
    const m = range !== undefined ? /^bytes=(\d+)-$/.exec(range) : null;
    if (m && honourRange) {
      const from = Number(m[1]);
      if (from >= data.length) {
        res.writeHead(416, { 'content-range': `bytes */${data.length}` });
        res.end();
        return;
      }
      res.writeHead(206, { 'content-length': data.length - from, 'content-range': `bytes ${from}-${data.length - 1}/${data.length}` });
      res.end(data.subarray(from));
      return;
    }
    res.writeHead(200, { 'content-length': data.length, 'accept-ranges': honourRange ? 'bytes' : 'none' });
    if ((behaviour === 'drop-half' || behaviour === 'drop-half-ignore-range') && n === 0) {
      // half the body, flushed, then the connection is cut
      res.write(data.subarray(0, data.length >> 1), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    if (behaviour === 'stall-half' && n === 0) {
      res.write(data.subarray(0, data.length >> 1)); // and nothing more: the client must time out
      return;
    }
    res.end(data);
  };
  const server = createServer(send);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= new Promise<void>((resolve) => {
      clearTimeout(timer);
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
    return closed;
  };
  const timer = setTimeout(close, lifetimeMs);
  timer.unref();
  return { origin: `http://127.0.0.1:${port}`, requests, close };
}
