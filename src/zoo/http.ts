/**
 * The one HTTP primitive the downloader needs: a GET that returns the status, the
 * headers and the body as a stream. The default uses node:http / node:https; tests
 * and embedders may pass their own (`fetchImpl`).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpResponse {
  status: number;
  statusText: string;
  /** lower-case header names */
  headers: Readonly<Record<string, string | undefined>>;
  /** the body; iteration throws when the connection breaks before the end */
  body: AsyncIterable<Uint8Array>;
  /** stops reading the body and closes the connection */
  cancel(): void;
}

export interface HttpGetOptions {
  /** give up when no byte arrives for this long (connect, headers and body) */
  idleTimeoutMs: number;
  /** aborts the request and the body (the overall deadline, a too slow transfer) */
  signal?: AbortSignal;
}

/** GET `url` with `headers`; rejects on connection errors, resolves with any status. */
export type HttpGet = (url: string, headers: Readonly<Record<string, string>>, options: HttpGetOptions) => Promise<HttpResponse>;

export const nodeHttpGet: HttpGet = (url, headers, options) =>
  new Promise((resolve, reject) => {
    const u = new URL(url);
    const request = u.protocol === 'https:' ? httpsRequest : u.protocol === 'http:' ? httpRequest : undefined;
    if (!request) {
      reject(new Error(`unsupported protocol '${u.protocol}' in ${url}`));
      return;
    }
    const req = request(u, { method: 'GET', headers: { 'user-agent': 'pose-port', ...headers }, signal: options.signal }, (res: IncomingMessage) => {
      const flat: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(res.headers)) flat[k] = Array.isArray(v) ? v.join(', ') : v;
      resolve({
        status: res.statusCode ?? 0,
        statusText: res.statusMessage ?? '',
        headers: flat,
        body: res,
        cancel: () => {
          res.destroy();
          req.destroy();
        },
      });
    });
    req.setTimeout(options.idleTimeoutMs, () => req.destroy(new Error(`no data for ${options.idleTimeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
