import type { IncomingMessage, ServerResponse } from 'node:http';

/** Podio's answer shapes (its error body above all) and reading a request, shared by the route modules. */

export interface PodioAnswer {
  status: number;
  body: unknown;
}

/** Query parameters whose values an error body does not echo. */
const SECRET_PARAMETERS = new Set(['client_secret', 'password', 'app_token', 'refresh_token', 'code', 'oauth_token']);

export function podioError(status: number, error: string, description: string, request: IncomingMessage): PodioAnswer {
  const url = new URL(request.url ?? '/', `http://${request.headers.host ?? 'localhost'}`);
  const query = new URLSearchParams(url.search);
  for (const name of new Set(query.keys())) if (SECRET_PARAMETERS.has(name)) query.set(name, '[redacted]');
  return {
    status,
    body: {
      error,
      error_description: description,
      error_detail: null,
      error_parameters: {},
      error_propagate: false,
      request: { url: `${url.origin}${url.pathname}`, query_string: query.toString(), method: request.method },
    },
  };
}

export function rateLimitAnswer(waitSeconds: number, req: IncomingMessage): PodioAnswer {
  const description = `You have hit the rate limit. Please wait ${waitSeconds} seconds before trying again`;
  return podioError(420, 'rate_limit', description, req);
}

export function json(res: ServerResponse, { status, body }: PodioAnswer): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    return value as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** A JSON body's fields as a form would carry them: numbers and booleans as their text; null and nesting left out. */
export function textFields(body: Record<string, unknown>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    if (['string', 'number', 'boolean'].includes(typeof value)) fields[name] = String(value);
  }
  return fields;
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
