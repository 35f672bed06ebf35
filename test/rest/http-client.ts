/** A tiny HTTP client for the gateway tests: real requests over loopback through fetch. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  json<T = any>(): T;
}

export function httpClient(base: string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> => {
    const init: RequestInit = { method, headers: { Accept: 'application/json', ...headers } };
    if (body !== undefined) {
      init.body = Buffer.isBuffer(body) ? body : typeof body === 'string' ? body : JSON.stringify(body);
      if (!('Content-Type' in headers)) (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
    }
    const res = await fetch(`${base}${path}`, init);
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
  };
}

export const b64 = (s: string | Buffer): string => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s).toString('base64');
export const unb64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');
