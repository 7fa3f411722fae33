import type { IncomingMessage, ServerResponse } from 'node:http';
import { APP, USER } from './podio-emulator.js';

/**
 * A few of Podio's item and app endpoints, with Podio's shapes (developers.podio.com: Items: Get item, Add new
 * item, Filter items; Applications: Get apps by space), enough to try `podio-auth api` and scripts against:
 * - `GET /item/{item_id}`: one item, full view;
 * - `POST /item/app/{app_id}/`: creates an item from `{ external_id?, fields: { <field_id|external_id>: value },
 *   tags? }`, answers `{ item_id, title }`;
 * - `POST /item/app/{app_id}/filter/`: `{ limit (default 30, at most 500), offset, sort_by, sort_desc, filters }`
 *   answers `{ total, filtered, items }`; filters on category fields (a list of option ids) are understood;
 * - `GET /app/space/{space_id}/`: the space's apps as an array. Podio answers all of them at once; here `limit`
 *   and `offset` query parameters are honoured as well, so that paging over an array can be tried.
 * Dates are Podio's `YYYY-MM-DD HH:MM:SS` in UTC. An app login (`ref.type` = `app`) reaches only its own app.
 */

export interface TokenRef {
  type: string;
  id: number;
}

/**
 * Checks `Authorization: OAuth2 …`; on failure it has answered (401 with Podio's body) and returns undefined.
 * The emulator's own check, handed in so that these routes accept exactly the tokens it issued.
 */
export type Authenticate = (req: IncomingMessage, res: ServerResponse) => TokenRef | undefined;

export interface ItemSeed {
  /** The space holding the apps. Default 555. */
  spaceId?: number;
  /** The app with items: default 777 (the emulator's app login). */
  appId?: number;
  /** How many items that app starts with. Default 250. */
  items?: number;
  /** How many apps the space holds, that app first. Default 3. */
  apps?: number;
}

export interface ItemRoutes {
  /** Serves the request if it is one of these endpoints; returns false to let the emulator go on. */
  route(url: URL, req: IncomingMessage, body: string, res: ServerResponse, authenticate: Authenticate): boolean;
  /** An app's items, newest last: tests check what a create stored. */
  items(appId: number): readonly EmulatedItem[];
}

interface CategoryOption {
  id: number;
  text: string;
  status: 'active';
  color: string;
}

interface AppField {
  field_id: number;
  type: 'text' | 'number' | 'category';
  external_id: string;
  label: string;
  required: boolean;
  options?: CategoryOption[];
}

interface EmulatedApp {
  app_id: number;
  space_id: number;
  name: string;
  item_name: string;
  url_label: string;
  fields: AppField[];
}

type FieldValues = { value: unknown }[];

export interface EmulatedItem {
  item_id: number;
  app_item_id: number;
  app_id: number;
  external_id: string | null;
  title: string;
  tags: string[];
  created_on: string;
  /** By field id. */
  values: Map<number, FieldValues>;
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
const EPOCH = Date.UTC(2024, 0, 1, 12, 0, 0);

export function createItemRoutes(seed: ItemSeed = {}): ItemRoutes {
  const spaceId = seed.spaceId ?? 555;
  const firstAppId = seed.appId ?? Number(APP.app_id);
  const apps = new Map<number, EmulatedApp>();
  const items = new Map<number, EmulatedItem>();
  const appCount = Math.max(1, seed.apps ?? 3);
  for (let n = 0; n < appCount; n++) apps.set(firstAppId + n, makeApp(firstAppId + n, spaceId, n));
  let nextItemId = 1_000_001;
  const nextAppItemId = new Map<number, number>();

  const addItem = (
    app: EmulatedApp,
    values: Map<number, FieldValues>,
    externalId: string | null,
    tags: string[],
    createdOn: string,
  ): EmulatedItem => {
    const appItemId = nextAppItemId.get(app.app_id) ?? 1;
    nextAppItemId.set(app.app_id, appItemId + 1);
    const titleField = app.fields.find((field) => field.external_id === 'title');
    const titleValue = titleField ? values.get(titleField.field_id)?.[0]?.value : undefined;
    const item: EmulatedItem = {
      item_id: nextItemId++,
      app_item_id: appItemId,
      app_id: app.app_id,
      external_id: externalId,
      title: typeof titleValue === 'string' && titleValue !== '' ? titleValue : `${app.item_name} ${appItemId}`,
      tags,
      created_on: createdOn,
      values,
    };
    items.set(item.item_id, item);
    return item;
  };

  const seededApp = apps.get(firstAppId) as EmulatedApp;
  for (let n = 1; n <= (seed.items ?? 250); n++) {
    const [title, status, estimate] = seededApp.fields as [AppField, AppField, AppField];
    const values = new Map<number, FieldValues>([
      [title.field_id, [{ value: `Project ${n}` }]],
      [status.field_id, [{ value: status.options?.[n % 3 === 0 ? 1 : 0] }]],
      [estimate.field_id, [{ value: numberValue(n) }]],
    ]);
    addItem(seededApp, values, null, [], podioDate(EPOCH + n * 60_000));
  }

  const appItems = (appId: number) => [...items.values()].filter((item) => item.app_id === appId);

  const handlers: Handler[] = [
    {
      method: 'GET',
      path: /^\/item\/(\d+)\/?$/,
      handle: (itemId, _url, _body, ref) => {
        const item = items.get(itemId);
        const app = item ? apps.get(item.app_id) : undefined;
        if (!item || !app) return notFound();
        if (!mayUse(ref, app)) return forbidden();
        return { status: 200, body: fullItem(item, app) };
      },
    },
    {
      method: 'POST',
      path: /^\/item\/app\/(\d+)\/?$/,
      handle: (appId, _url, body, ref) => {
        const app = apps.get(appId);
        if (!app) return notFound();
        if (!mayUse(ref, app)) return forbidden();
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
        const item = addItem(app, values, externalId ?? null, tags, podioDate(Date.now()));
        return { status: 200, body: { item_id: item.item_id, title: item.title } };
      },
    },
    {
      method: 'POST',
      path: /^\/item\/app\/(\d+)\/filter\/?$/,
      handle: (appId, _url, body, ref) => {
        const app = apps.get(appId);
        if (!app) return notFound();
        if (!mayUse(ref, app)) return forbidden();
        const request = body.trim() === '' ? {} : jsonObject(body);
        if (!request) return invalid('The body must be a JSON object');
        const limit = request['limit'] ?? 30;
        const offset = request['offset'] ?? 0;
        if (!isCount(limit) || limit < 1 || limit > MAX_FILTER_LIMIT) {
          return invalid(`limit must be between 1 and ${MAX_FILTER_LIMIT}`);
        }
        if (!isCount(offset)) return invalid('offset must be a whole number, 0 or more');
        const all = appItems(appId);
        const matching = applyFilters(app, all, request['filters'] ?? {});
        if (typeof matching === 'string') return invalid(matching);
        const sortBy = request['sort_by'] ?? 'created_on';
        if (sortBy !== 'created_on' && sortBy !== 'item_id' && sortBy !== 'title') {
          return invalid(`Unknown sort_by "${String(sortBy)}"`);
        }
        const descending = request['sort_desc'] ?? true;
        const key = (item: EmulatedItem): string | number =>
          sortBy === 'title' ? item.title : sortBy === 'item_id' ? item.item_id : item.created_on;
        const order = (a: EmulatedItem, b: EmulatedItem): number =>
          key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.item_id - b.item_id;
        const sorted = [...matching].sort(order);
        if (descending === true) sorted.reverse();
        const page = sorted.slice(offset, offset + limit).map((item) => shortItem(item, app));
        return { status: 200, body: { total: all.length, filtered: matching.length, items: page } };
      },
    },
    {
      method: 'GET',
      path: /^\/app\/space\/(\d+)\/?$/,
      handle: (space, url, _body, ref) => {
        if (space !== spaceId) return notFound();
        if (ref.type !== 'user') return forbidden();
        const inSpace = [...apps.values()].filter((app) => app.space_id === space);
        const limit = queryCount(url, 'limit');
        const offset = queryCount(url, 'offset') ?? 0;
        if (limit === null || offset === null) return invalid('limit and offset must be whole numbers');
        const page = inSpace.slice(offset, limit === undefined ? undefined : offset + limit);
        return { status: 200, body: page.map((app) => appView(app)) };
      },
    },
  ];

  return {
    route(url, req, body, res, authenticate) {
      for (const handler of handlers) {
        const match = handler.path.exec(url.pathname);
        if (!match || req.method !== handler.method) continue;
        const ref = authenticate(req, res);
        if (!ref) return true;
        const answer = handler.handle(Number(match[1]), url, body, ref);
        // Podio's error bodies say which request failed.
        const request = {
          url: `http://${req.headers.host ?? ''}${req.url ?? ''}`,
          query_string: url.search.slice(1),
          method: req.method,
        };
        const payload = answer.status >= 400 ? { ...(answer.body as object), request } : answer.body;
        res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(payload));
        return true;
      }
      return false;
    },
    items: (appId) => appItems(appId),
  };
}

function makeApp(appId: number, spaceId: number, index: number): EmulatedApp {
  const name = index === 0 ? 'Projects' : `App ${index + 1}`;
  const itemName = index === 0 ? 'Project' : 'Item';
  return {
    app_id: appId,
    space_id: spaceId,
    name,
    item_name: itemName,
    url_label: name.toLowerCase().replace(/\s+/g, '-'),
    fields: [
      { field_id: appId * 10 + 1, type: 'text', external_id: 'title', label: 'Title', required: false },
      {
        field_id: appId * 10 + 2,
        type: 'category',
        external_id: 'status',
        label: 'Status',
        required: false,
        options: [
          { id: 1, text: 'Open', status: 'active', color: 'DCEBD8' },
          { id: 2, text: 'Done', status: 'active', color: 'D2E4EB' },
        ],
      },
      { field_id: appId * 10 + 3, type: 'number', external_id: 'estimate', label: 'Estimate', required: false },
    ],
  };
}

function mayUse(ref: TokenRef, app: EmulatedApp): boolean {
  return ref.type === 'user' || (ref.type === 'app' && ref.id === app.app_id);
}

/** Podio's number values are strings with four decimals. */
function numberValue(value: number): string {
  return value.toFixed(4);
}

function podioDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
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

function fieldByKey(app: EmulatedApp, key: string): AppField | undefined {
  return app.fields.find((field) => field.external_id === key || String(field.field_id) === key);
}

/**
 * Podio takes a field's values as `value`, `[value, …]`, `{ sub_id: value }` or `[{ sub_id: value }, …]`; the
 * sub_id of these field types is `value`. Returns the stored values, or why they cannot be taken.
 */
function readFieldValues(app: EmulatedApp, fields: unknown): Map<number, FieldValues> | string {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return 'fields must be an object';
  const values = new Map<number, FieldValues>();
  for (const [key, given] of Object.entries(fields as Record<string, unknown>)) {
    const field = fieldByKey(app, key);
    if (!field) return `No field with the id or external id "${key}"`;
    const list = (Array.isArray(given) ? given : [given]).map((entry) =>
      typeof entry === 'object' && entry !== null && 'value' in entry ? (entry as { value: unknown }).value : entry,
    );
    const stored: FieldValues = [];
    for (const value of list) {
      if (field.type === 'text') {
        if (typeof value !== 'string') return `The field "${field.external_id}" takes text`;
        stored.push({ value });
      } else if (field.type === 'number') {
        const number = typeof value === 'string' ? Number(value) : value;
        if (typeof number !== 'number' || !Number.isFinite(number)) {
          return `The field "${field.external_id}" takes a number`;
        }
        stored.push({ value: numberValue(number) });
      } else {
        const option = field.options?.find((candidate) => candidate.id === Number(value));
        if (!option) return `The field "${field.external_id}" has no option ${JSON.stringify(value)}`;
        stored.push({ value: option });
      }
    }
    values.set(field.field_id, stored);
  }
  return values;
}

function applyFilters(app: EmulatedApp, all: EmulatedItem[], filters: unknown): EmulatedItem[] | string {
  if (typeof filters !== 'object' || filters === null || Array.isArray(filters)) return 'filters must be an object';
  let matching = all;
  for (const [key, wanted] of Object.entries(filters as Record<string, unknown>)) {
    const field = fieldByKey(app, key);
    if (field?.type !== 'category') {
      return `Filtering on "${key}" is not supported here (category fields only)`;
    }
    const ids = (Array.isArray(wanted) ? wanted : [wanted]).map(Number);
    matching = matching.filter((item) =>
      (item.values.get(field.field_id) ?? []).some((entry) => ids.includes((entry.value as CategoryOption).id)),
    );
  }
  return matching;
}

function byline(): Record<string, unknown> {
  return { type: 'user', id: USER.user_id, user_id: USER.user_id, name: USER.name, avatar: null };
}

function revision(item: EmulatedItem): Record<string, unknown> {
  const via = { id: 1, name: 'Podio', url: null, display: false };
  return { revision: 0, app_revision: 1, created_by: byline(), created_via: via, created_on: item.created_on };
}

function link(item: EmulatedItem, app: EmulatedApp): string {
  return `https://podio.com/emulator/space/apps/${app.url_label}/items/${item.app_item_id}`;
}

function itemFields(item: EmulatedItem, app: EmulatedApp, full: boolean): Record<string, unknown>[] {
  return app.fields
    .filter((field) => (item.values.get(field.field_id) ?? []).length > 0)
    .map((field) => {
      const base = { field_id: field.field_id, type: field.type, external_id: field.external_id, label: field.label };
      const values = item.values.get(field.field_id);
      if (!full) return { ...base, values };
      const settings = field.type === 'category' ? { multiple: false, options: field.options, display: 'inline' } : {};
      const delta = app.fields.indexOf(field);
      const config = { label: field.label, description: null, delta, settings, required: field.required };
      return { ...base, config, values };
    });
}

/** The filter operation's item: no config on the fields. */
function shortItem(item: EmulatedItem, app: EmulatedApp): Record<string, unknown> {
  return {
    item_id: item.item_id,
    app_item_id: item.app_item_id,
    external_id: item.external_id,
    title: item.title,
    link: link(item, app),
    rights: ['view', 'update', 'delete', 'comment', 'rate'],
    initial_revision: revision(item),
    current_revision: revision(item),
    created_on: item.created_on,
    last_event_on: item.created_on,
    fields: itemFields(item, app, false),
    tags: item.tags,
  };
}

/** Get item's view: the app, who created it and how, fields with their config. */
function fullItem(item: EmulatedItem, app: EmulatedApp): Record<string, unknown> {
  return {
    ...shortItem(item, app),
    app: {
      app_id: app.app_id,
      name: app.name,
      item_name: app.item_name,
      icon: '21.png',
      space_id: app.space_id,
      url_label: app.url_label,
    },
    created_by: byline(),
    created_via: revision(item)['created_via'],
    fields: itemFields(item, app, true),
    comments: [],
    files: [],
  };
}

function appView(app: EmulatedApp): Record<string, unknown> {
  return {
    app_id: app.app_id,
    status: 'active',
    space_id: app.space_id,
    url_label: app.url_label,
    link: `https://podio.com/emulator/space/apps/${app.url_label}`,
    config: {
      type: 'standard',
      name: app.name,
      item_name: app.item_name,
      icon: '21.png',
      description: null,
      allow_edit: true,
    },
  };
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
