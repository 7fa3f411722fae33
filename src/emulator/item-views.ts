import type { EmulatedApp, EmulatedItem } from './catalog.js';
import { USER } from './demo.js';

/** Items and apps as Podio's answers show them: the filter's short item, Get item's full one, and an app. */

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
export function shortItem(item: EmulatedItem, app: EmulatedApp): Record<string, unknown> {
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
export function fullItem(item: EmulatedItem, app: EmulatedApp): Record<string, unknown> {
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

export function appView(app: EmulatedApp): Record<string, unknown> {
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
