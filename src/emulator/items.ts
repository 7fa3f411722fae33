import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Catalog, createCatalog, type EmulatedItem, type ItemSeed, podioDate } from './catalog.js';
import { applyFilters, readFieldValues } from './item-values.js';
import { appView, fullItem, shortItem } from './item-views.js';

/**
 * A few of Podio's item and app endpoints, with Podio's shapes (developers.podio.com: Items: Get item, Add new
 * item, Filter items; Applications: Get apps by space), enough to try `podio-auth api` and scripts against:
 * `GET /item/{item_id}`, `POST /item/app/{app_id}/`, `POST /item/app/{app_id}/filter/` (category filters) and
 * `GET /app/space/{space_id}/` (which, unlike Podio, also honours `limit` and `offset`, so that paging over an
 * array can be tried). An app login (`ref.type` = `app`) reaches only its own app.
 */

export type { EmulatedItem, ItemSeed } from './catalog.js';

export interface TokenRef {
  type: string;
  id: number;
}

/**
 * Checks `Authorization: OAuth2 …`; on failure it has answered (401 with Podio's body) and returns undefined.
 * The emulator's own check, handed in so that these routes accept exactly the tokens it issued.
 */
export type Authenticate = (req: IncomingMessage, res: ServerResponse) => TokenRef | undefined;

export interface ItemRoutes {
  /** Serves the request if it is one of these endpoints; returns false to let the emulator go on. */
  route(url: URL, req: IncomingMessage, body: string, res: ServerResponse, authenticate: Authenticate): boolean;
  /** An app's items, newest last: tests check what a create stored. */
  items(appId: number): readonly EmulatedItem[];
}

interface Answer {
  status: number;
  body: unknown;
}

interface Handler {
  method: 'GET' | 'POST';
  path: RegExp;
  /** `id`: the number in the path. */
  handle: (id: number, url: URL, body: string, ref: TokenRef) => Answer;
}

const MAX_FILTER_LIMIT = 500;

export function createItemRoutes(seed: ItemSeed = {}): ItemRoutes {
  const catalog = createCatalog(seed);
  const handlers: Handler[] = [
    { method: 'GET', path: /^\/item\/(\d+)\/?$/, handle: (id, _url, _body, ref) => getItem(catalog, id, ref) },
    {
      method: 'POST',
      path: /^\/item\/app\/(\d+)\/?$/,
      handle: (id, _url, body, ref) => addItem(catalog, id, body, ref),
    },
    {
      method: 'POST',
      path: /^\/item\/app\/(\d+)\/filter\/?$/,
      handle: (id, _url, body, ref) => filterItems(catalog, id, body, ref),
    },
    {
      method: 'GET',
      path: /^\/app\/space\/(\d+)\/?$/,
      handle: (id, url, _body, ref) => spaceApps(catalog, id, url, ref),
    },
  ];
  return {
    route(url, req, body, res, authenticate) {
      for (const handler of handlers) {
        const match = handler.path.exec(url.pathname);
        if (!match || req.method !== handler.method) continue;
        const ref = authenticate(req, res);
        if (!ref) return true;
        send(url, req, res, handler.handle(Number(match[1]), url, body, ref));
        return true;
      }
      return false;
    },
    items: (appId) => catalog.appItems(appId),
  };
}

function send(url: URL, req: IncomingMessage, res: ServerResponse, answer: Answer): void {
  // Podio's error bodies say which request failed.
  const request = {
    url: `http://${req.headers.host ?? ''}${req.url ?? ''}`,
    query_string: url.search.slice(1),
    method: req.method,
  };
  const payload = answer.status >= 400 ? { ...(answer.body as object), request } : answer.body;
  res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(payload));
}

function getItem(catalog: Catalog, itemId: number, ref: TokenRef): Answer {
  const item = catalog.items.get(itemId);
  const app = item ? catalog.apps.get(item.app_id) : undefined;
  if (!item || !app) return notFound();
  if (!mayUse(ref, app.app_id)) return forbidden();
  return { status: 200, body: fullItem(item, app) };
}

function addItem(catalog: Catalog, appId: number, body: string, ref: TokenRef): Answer {
  const app = catalog.apps.get(appId);
  if (!app) return notFound();
  if (!mayUse(ref, app.app_id)) return forbidden();
  const request = jsonObject(body);
  if (!request) return invalid('The body must be a JSON object');
  const externalId = request['external_id'];
  if (externalId !== undefined && externalId !== null && typeof externalId !== 'string') {
    return invalid('external_id must be a string');
  }
  const tags = request['tags'] ?? [];
  if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string')) {
    return invalid('tags must be a list of strings');
  }
  const values = readFieldValues(app, request['fields'] ?? {});
  if (typeof values === 'string') return invalid(values);
  const item = catalog.addItem(app, { values, externalId: externalId ?? null, tags, createdOn: podioDate(Date.now()) });
  return { status: 200, body: { item_id: item.item_id, title: item.title } };
}

function filterItems(catalog: Catalog, appId: number, body: string, ref: TokenRef): Answer {
  const app = catalog.apps.get(appId);
  if (!app) return notFound();
  if (!mayUse(ref, app.app_id)) return forbidden();
  const request = body.trim() === '' ? {} : jsonObject(body);
  if (!request) return invalid('The body must be a JSON object');
  const limit = request['limit'] ?? 30;
  const offset = request['offset'] ?? 0;
  if (!isCount(limit) || limit < 1 || limit > MAX_FILTER_LIMIT) {
    return invalid(`limit must be between 1 and ${MAX_FILTER_LIMIT}`);
  }
  if (!isCount(offset)) return invalid('offset must be a whole number, 0 or more');
  const all = catalog.appItems(appId);
  const matching = applyFilters(app, all, request['filters'] ?? {});
  if (typeof matching === 'string') return invalid(matching);
  const sortBy = request['sort_by'] ?? 'created_on';
  if (sortBy !== 'created_on' && sortBy !== 'item_id' && sortBy !== 'title') {
    return invalid(`Unknown sort_by "${String(sortBy)}"`);
  }
  const sorted = sortItems(matching, sortBy, request['sort_desc'] ?? true);
  const page = sorted.slice(offset, offset + limit).map((item) => shortItem(item, app));
  return { status: 200, body: { total: all.length, filtered: matching.length, items: page } };
}

/** Sorted by the key, then by id; descending only when `sort_desc` is `true` itself. */
function sortItems(items: EmulatedItem[], sortBy: 'created_on' | 'item_id' | 'title', descending: unknown) {
  const key = (item: EmulatedItem): string | number =>
    sortBy === 'title' ? item.title : sortBy === 'item_id' ? item.item_id : item.created_on;
  const order = (a: EmulatedItem, b: EmulatedItem): number =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.item_id - b.item_id;
  const sorted = [...items].sort(order);
  if (descending === true) sorted.reverse();
  return sorted;
}

function spaceApps(catalog: Catalog, space: number, url: URL, ref: TokenRef): Answer {
  if (space !== catalog.spaceId) return notFound();
  if (ref.type !== 'user') return forbidden();
  const inSpace = [...catalog.apps.values()].filter((app) => app.space_id === space);
  const limit = queryCount(url, 'limit');
  const offset = queryCount(url, 'offset') ?? 0;
  if (limit === null || offset === null) return invalid('limit and offset must be whole numbers');
  const page = inSpace.slice(offset, limit === undefined ? undefined : offset + limit);
  return { status: 200, body: page.map((app) => appView(app)) };
}

function mayUse(ref: TokenRef, appId: number): boolean {
  return ref.type === 'user' || (ref.type === 'app' && ref.id === appId);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** undefined: absent; null: not a whole number. */
function queryCount(url: URL, name: string): number | undefined | null {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  return /^\d+$/.test(raw) ? Number(raw) : null;
}

function jsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
    return isObject ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function podioError(status: number, error: string, description: string): Answer {
  return {
    status,
    body: { error, error_description: description, error_detail: null, error_parameters: {}, error_propagate: false },
  };
}

const notFound = () => podioError(404, 'not_found', 'Object not found');
const forbidden = () => podioError(403, 'forbidden', 'This token may not access this object');
const invalid = (description: string) => podioError(400, 'invalid_value', description);
