import { APP } from './demo.js';

/**
 * The items and apps the emulator holds: one space of apps, the first seeded with projects, so that paging,
 * filtering and creating items can be tried at once. Dates are Podio's `YYYY-MM-DD HH:MM:SS` in UTC.
 */

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

export interface CategoryOption {
  id: number;
  text: string;
  status: 'active';
  color: string;
}

export interface AppField {
  field_id: number;
  type: 'text' | 'number' | 'category';
  external_id: string;
  label: string;
  required: boolean;
  options?: CategoryOption[];
}

export interface EmulatedApp {
  app_id: number;
  space_id: number;
  name: string;
  item_name: string;
  url_label: string;
  fields: AppField[];
}

export type FieldValues = { value: unknown }[];

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

export interface NewItem {
  values: Map<number, FieldValues>;
  externalId: string | null;
  tags: string[];
  createdOn: string;
}

export interface Catalog {
  readonly spaceId: number;
  readonly apps: Map<number, EmulatedApp>;
  readonly items: Map<number, EmulatedItem>;
  addItem(app: EmulatedApp, item: NewItem): EmulatedItem;
  /** An app's items, oldest first. */
  appItems(appId: number): EmulatedItem[];
}

const EPOCH = Date.UTC(2024, 0, 1, 12, 0, 0);

export function createCatalog(seed: ItemSeed): Catalog {
  const spaceId = seed.spaceId ?? 555;
  const firstAppId = seed.appId ?? Number(APP.app_id);
  const apps = new Map<number, EmulatedApp>();
  const items = new Map<number, EmulatedItem>();
  const appCount = Math.max(1, seed.apps ?? 3);
  for (let n = 0; n < appCount; n++) apps.set(firstAppId + n, makeApp(firstAppId + n, spaceId, n));
  let nextItemId = 1_000_001;
  const nextAppItemId = new Map<number, number>();

  const addItem = (app: EmulatedApp, { values, externalId, tags, createdOn }: NewItem): EmulatedItem => {
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

  const catalog: Catalog = {
    spaceId,
    apps,
    items,
    addItem,
    appItems: (appId) => [...items.values()].filter((item) => item.app_id === appId),
  };
  seedProjects(catalog, apps.get(firstAppId) as EmulatedApp, seed.items ?? 250);
  return catalog;
}

function seedProjects(catalog: Catalog, app: EmulatedApp, count: number): void {
  for (let n = 1; n <= count; n++) {
    const [title, status, estimate] = app.fields as [AppField, AppField, AppField];
    const values = new Map<number, FieldValues>([
      [title.field_id, [{ value: `Project ${n}` }]],
      [status.field_id, [{ value: status.options?.[n % 3 === 0 ? 1 : 0] }]],
      [estimate.field_id, [{ value: numberValue(n) }]],
    ]);
    catalog.addItem(app, { values, externalId: null, tags: [], createdOn: podioDate(EPOCH + n * 60_000) });
  }
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

/** Podio's number values are strings with four decimals. */
export function numberValue(value: number): string {
  return value.toFixed(4);
}

export function podioDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
