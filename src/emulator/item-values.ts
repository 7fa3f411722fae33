import {
  type AppField,
  type CategoryOption,
  type EmulatedApp,
  type EmulatedItem,
  type FieldValues,
  numberValue,
} from './catalog.js';

/** Reading what a client sends about items: field values in Podio's accepted shapes, and category filters. */

function fieldByKey(app: EmulatedApp, key: string): AppField | undefined {
  return app.fields.find((field) => field.external_id === key || String(field.field_id) === key);
}

/**
 * Podio takes a field's values as `value`, `[value, …]`, `{ sub_id: value }` or `[{ sub_id: value }, …]`; the
 * sub_id of these field types is `value`. Returns the stored values, or why they cannot be taken.
 */
export function readFieldValues(app: EmulatedApp, fields: unknown): Map<number, FieldValues> | string {
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
      const taken = takeValue(field, value);
      if (typeof taken === 'string') return taken;
      stored.push(taken);
    }
    values.set(field.field_id, stored);
  }
  return values;
}

/** One value as the field stores it, or why the field cannot take it. */
function takeValue(field: AppField, value: unknown): { value: unknown } | string {
  if (field.type === 'text') {
    return typeof value === 'string' ? { value } : `The field "${field.external_id}" takes text`;
  }
  if (field.type === 'number') {
    const number = typeof value === 'string' ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isFinite(number)) {
      return `The field "${field.external_id}" takes a number`;
    }
    return { value: numberValue(number) };
  }
  const option = field.options?.find((candidate) => candidate.id === Number(value));
  return option ? { value: option } : `The field "${field.external_id}" has no option ${JSON.stringify(value)}`;
}

export function applyFilters(app: EmulatedApp, all: EmulatedItem[], filters: unknown): EmulatedItem[] | string {
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
