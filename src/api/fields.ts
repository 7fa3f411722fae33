import { PodioAuthError, usageError } from '../errors.js';

/**
 * `-f key=value` and `-F key=value` as `gh api` reads them (cli/cli pkg/cmd/api/fields.go and http.go), so that
 * what people know from `gh` works here unchanged:
 * - `-f` values are strings; `-F` values are typed: `true`, `false`, `null`, integers, `@file` (the file's
 *   contents), `@-` (standard input); anything else is a string.
 * - `a[b]=x` nests (`{ a: { b: 'x' } }`), `a[]=x` appends to an array, `a[][b]=x` builds an array of objects,
 *   `a[]` alone is an empty array. All `-f` fields are read before all `-F` fields, as gh does.
 * - For GET they become query parameters, flattened the gh way; otherwise a JSON body.
 */

export type FieldValue = string | number | boolean | null | FieldValue[] | FieldMap;
export interface FieldMap {
  [key: string]: FieldValue;
}

export interface FieldSources {
  /** The contents of a file, for `@file`. */
  readFile: (path: string) => Promise<string>;
  /** All of standard input, for `@-`. Called at most once. */
  readStdin: () => Promise<string>;
}

export async function parseFields(
  rawFields: readonly string[],
  typedFields: readonly string[],
  sources: FieldSources,
): Promise<FieldMap> {
  const params: FieldMap = {};
  for (const field of rawFields) {
    const { keys, value } = splitField(field);
    insert(params, field, keys, value);
  }
  for (const field of typedFields) {
    const { keys, value } = splitField(field);
    insert(params, field, keys, value === undefined ? undefined : await typedValue(value, keyOf(field), sources));
  }
  return params;
}

function keyOf(field: string): string {
  const equals = field.indexOf('=');
  return equals === -1 ? field : field.slice(0, equals);
}

/**
 * The key path and the value of `key[sub][]=value`, read as gh does: the first `=` ends the key, and brackets
 * are looked at only before it.
 */
function splitField(field: string): { keys: string[]; value: string | undefined } {
  const keys: string[] = [];
  let keyStartAt = 0;
  let valueIndex = 0;
  for (let i = 0; i < field.length; i++) {
    const char = field[i];
    if (char === '[') {
      if (keyStartAt === 0) keys.push(field.slice(0, i));
      keyStartAt = i + 1;
    } else if (char === ']') {
      keys.push(field.slice(keyStartAt, i));
    } else if (char === '=') {
      if (keyStartAt === 0) keys.push(field.slice(0, i));
      valueIndex = i + 1;
      break;
    }
  }
  if (keys.length === 0) throw usageError(`The field "${field}" needs a value after an '=' sign.`, 'Use name=value.');
  // gh accepts an empty name (`=x`, `[a]=x`) and sends `""` as a key; that is always a typo.
  if (keys[0] === '') throw usageError(`Invalid field "${field}": it needs a name, as in name=value.`);
  if (valueIndex === 0) {
    if (keys[keys.length - 1] !== '') {
      const hint = 'Use name=value, or name[] for an empty array.';
      throw usageError(`The field "${field}" needs a value after an '=' sign.`, hint);
    }
    return { keys, value: undefined };
  }
  return { keys, value: field.slice(valueIndex) };
}

function insert(params: FieldMap, field: string, keys: readonly string[], value: FieldValue | undefined): void {
  let destination = params;
  let isArray = false;
  let subkey = '';
  for (const key of keys) {
    if (key === '') {
      isArray = true;
      continue;
    }
    if (subkey !== '') {
      if (isArray) {
        destination = arrayEntryFor(destination, subkey, key, field);
        isArray = false;
      } else {
        destination = mapFor(destination, subkey, field);
      }
    }
    subkey = key;
  }
  if (isArray) {
    // `a[]=null` appends a null; gh empties the array there, which looks unintended.
    const existing = destination[subkey];
    if (value === undefined) {
      destination[subkey] = [];
    } else if (existing === undefined) {
      destination[subkey] = [value];
    } else if (Array.isArray(existing)) {
      existing.push(value);
    } else {
      const what = describe(existing);
      throw usageError(`The field "${field}" adds to "${subkey}" as an array, but it is already ${what}.`);
    }
    return;
  }
  if (subkey in destination) throw usageError(`The field "${field}" sets "${subkey}" a second time.`);
  destination[subkey] = value ?? null;
}

function mapFor(destination: FieldMap, key: string, field: string): FieldMap {
  const existing = destination[key];
  if (existing === undefined) {
    const created: FieldMap = {};
    destination[key] = created;
    return created;
  }
  if (isFieldMap(existing)) return existing;
  throw usageError(`The field "${field}" uses "${key}" as an object, but it is already ${describe(existing)}.`);
}

/** `a[][b]=1 a[][c]=2` fills one object; `a[][b]=1 a[][b]=2` starts a second one (gh's addParamsSlice). */
function arrayEntryFor(destination: FieldMap, key: string, nextKey: string, field: string): FieldMap {
  const existing = destination[key];
  if (existing === undefined) {
    const created: FieldMap = {};
    destination[key] = [created];
    return created;
  }
  if (!Array.isArray(existing)) {
    throw usageError(`The field "${field}" uses "${key}" as an array, but it is already ${describe(existing)}.`);
  }
  const last = existing[existing.length - 1];
  if (isFieldMap(last) && (!(nextKey in last) || Array.isArray(last[nextKey]))) return last;
  const created: FieldMap = {};
  existing.push(created);
  return created;
}

function isFieldMap(value: FieldValue | undefined): value is FieldMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: FieldValue): string {
  if (Array.isArray(value)) return 'an array';
  if (isFieldMap(value)) return 'an object';
  return 'a single value';
}

/** gh's magicFieldValue, less its `{owner}`/`{repo}` placeholders, which have no Podio meaning. */
async function typedValue(value: string, key: string, sources: FieldSources): Promise<FieldValue> {
  if (value.startsWith('@')) {
    const path = value.slice(1);
    if (path === '-') return sources.readStdin();
    if (path === '') throw usageError(`The field "${key}" reads a file, but no file name follows the @.`);
    try {
      return await sources.readFile(path);
    } catch (error) {
      if (error instanceof PodioAuthError) throw error;
      throw usageError(`Could not read the file "${path}" for the field "${key}": ${reason(error)}.`);
    }
  }
  // Go's strconv.Atoi: an optional sign and decimal digits. Beyond what a JSON number holds exactly, the digits
  // stay a string rather than turn into a different number.
  if (/^[+-]?\d+$/.test(value)) {
    const number = Number(value);
    if (Number.isSafeInteger(number)) return number;
  }
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (value === 'null') return null;
  return value;
}

function reason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return error instanceof Error ? error.message : String(error);
}

/**
 * `params` as query parameters on `url`, flattened as gh's addQuery does: a nested object's keys are used as
 * they are (`fields[title]=x` becomes `title=x`), an array's entries repeat `key[]`, and the parameters are sorted
 * by name (Go's url.Values.Encode). Parameters already in the URL stay first.
 */
export function addQuery(url: URL, params: FieldMap): URL {
  const pairs: [string, string][] = [];
  const add = (key: string, value: FieldValue): void => {
    if (Array.isArray(value)) {
      for (const entry of value) add(`${key}[]`, entry);
    } else if (isFieldMap(value)) {
      for (const [subkey, entry] of Object.entries(value)) add(subkey, entry);
    } else {
      pairs.push([key, value === null ? '' : String(value)]);
    }
  };
  for (const [key, value] of Object.entries(params)) add(key, value);
  if (pairs.length === 0) return url;
  const byName = new Map<string, string[]>();
  for (const [key, value] of pairs) byName.set(key, [...(byName.get(key) ?? []), value]);
  const names = [...byName.keys()].sort();
  const encoded = new URLSearchParams();
  for (const name of names) for (const value of byName.get(name) ?? []) encoded.append(name, value);
  const result = new URL(url);
  result.search = result.search ? `${result.search}&${encoded.toString()}` : `?${encoded.toString()}`;
  return result;
}

export function hasFields(params: FieldMap): boolean {
  return Object.keys(params).length > 0;
}
