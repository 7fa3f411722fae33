import type { Readable } from 'node:stream';
import { sanitizeForTerminal } from '../domain/terminal-text.js';
import { PodioAuthError, usageError } from '../errors.js';
import { resolveEndpoint } from './endpoint.js';
import { addQuery, type FieldMap, hasFields, parseFields } from './fields.js';
import { parseHeaders } from './headers.js';
import { MAX_BODY_INPUT_BYTES } from './limits.js';

/**
 * The request `podio-auth api` sends, built from the command line: method, URL on the API origin, headers and
 * body. Everything that can be refused is refused here, before a token is asked for or anything is sent.
 */

export const API_METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
export type ApiMethod = (typeof API_METHODS)[number];

/** The command line's part of a request. */
export interface RequestSpec {
  /** `<endpoint>`: a path on the API origin, or a full URL on it. */
  endpoint: string;
  /** The profile's API origin (PODIO_API_URL wins), e.g. https://api.podio.com. */
  apiOrigin: string;
  /** `-X`: default GET, or POST when there are fields or an --input. */
  method?: string | undefined;
  /** `-f key=value`, in order. */
  rawFields?: readonly string[] | undefined;
  /** `-F key=value`, in order. */
  typedFields?: readonly string[] | undefined;
  /** `--input <file|->`: the raw request body; fields then go to the query. */
  input?: string | undefined;
  /** `-H 'Name: value'`, in order. */
  headers?: readonly string[] | undefined;
}

export interface BuildDeps {
  readFile: (path: string) => Promise<string>;
  stdin: Readable;
}

export interface BuiltRequest {
  method: ApiMethod;
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
}

export async function buildRequest(spec: RequestSpec, deps: BuildDeps): Promise<BuiltRequest> {
  // The endpoint is checked first: a refused one stops everything before any file or stdin is read.
  const url = resolveEndpoint(spec.endpoint, spec.apiOrigin);
  const explicitMethod = spec.method === undefined ? undefined : parseMethod(spec.method);
  const headers = parseHeaders(spec.headers ?? []);
  const params = await readFields(spec, deps);
  const method: ApiMethod = explicitMethod ?? (hasFields(params) || spec.input !== undefined ? 'POST' : 'GET');
  const placed = await placeFields(spec, method, url, params, deps);
  headers['accept'] ??= 'application/json';
  if (placed.body !== undefined) headers['content-type'] ??= 'application/json; charset=utf-8';
  return { method, url: placed.url, headers, body: placed.body };
}

/** `-f` and `-F`; standard input can feed only one of `--input -` and a field's `@-`. */
function readFields(spec: RequestSpec, deps: BuildDeps): Promise<FieldMap> {
  // --input is claimed first so that a field's `@-` is the one told it comes second.
  let stdinTaken: string | undefined = spec.input === '-' ? '--input -' : undefined;
  const readStdinOnce = (forWhat: string): Promise<string> => {
    if (stdinTaken !== undefined) {
      throw usageError(`Standard input can be read only once: ${stdinTaken} reads it, so ${forWhat} cannot.`);
    }
    stdinTaken = forWhat;
    return readAll(deps.stdin);
  };
  return parseFields(spec.rawFields ?? [], spec.typedFields ?? [], {
    readFile: deps.readFile,
    readStdin: () => readStdinOnce('a field with @-'),
  });
}

/** With --input the body is the input and fields go to the query; otherwise a GET's fields do, and others' the body. */
async function placeFields(
  spec: RequestSpec,
  method: ApiMethod,
  url: URL,
  params: FieldMap,
  deps: BuildDeps,
): Promise<{ url: URL; body: string | undefined }> {
  if (spec.input !== undefined) {
    if (method === 'GET') {
      throw usageError('--input sends a body, which a GET cannot carry.', 'Use -X POST (or leave -X out).');
    }
    if (spec.input === '') throw usageError('--input needs a file name, or - for standard input.');
    const body = spec.input === '-' ? await readAll(deps.stdin) : await readInputFile(spec.input, deps.readFile);
    return { url: addQuery(url, params), body };
  }
  if (!hasFields(params)) return { url, body: undefined };
  return method === 'GET' ? { url: addQuery(url, params), body: undefined } : { url, body: JSON.stringify(params) };
}

function parseMethod(value: string): ApiMethod {
  const upper = value.trim().toUpperCase();
  const method = API_METHODS.find((candidate) => candidate === upper);
  if (!method) throw usageError(`-X ${sanitizeForTerminal(value, 20)}: Podio's API uses ${API_METHODS.join(', ')}.`);
  return method;
}

async function readInputFile(path: string, readFile: (path: string) => Promise<string>): Promise<string> {
  try {
    return await readFile(path);
  } catch (error) {
    if (error instanceof PodioAuthError) throw error;
    const code = (error as { code?: unknown }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : 'it cannot be read';
    throw usageError(`Could not read --input "${sanitizeForTerminal(path, 100)}": ${why}.`);
  }
}

function tooLarge(what: string): PodioAuthError {
  return usageError(`${what} is larger than ${MAX_BODY_INPUT_BYTES / 1024 / 1024} MiB; Podio takes nothing that size.`);
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > MAX_BODY_INPUT_BYTES) throw tooLarge('Standard input');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
