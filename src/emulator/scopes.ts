/**
 * Podio's scopes, as the emulator grants them. A client asks for `scope=global:all` or, space-separated,
 * `user:read org:read space:read,write app:all` (developers.podio.com/authentication/scopes); on Podio the user
 * then picks which organisations, spaces or apps to share, and the granted scope names them by id:
 * `space:20:read,write`. The emulator's user always picks the demo reference of each kind, and a scope that
 * already names an id (`space:42:read`) is granted as it stands.
 */

export interface GrantedScope {
  /** `null` for the global scope, as `GET /oauth/scope` reports it. */
  refType: 'user' | 'org' | 'space' | 'app' | null;
  refId: number | null;
  permissions: string[];
}

const PERMISSIONS = new Set(['read', 'write', 'delete', 'all']);
const REFERENCED = new Set(['org', 'space', 'app']);
const ID = /^[1-9]\d{0,15}$/;

/** What the emulator's user shares when a scope names a kind without an id. */
export const DEMO_REFS: Record<'org' | 'space' | 'app', { id: number; name: string }> = {
  org: { id: 10, name: 'Emulated organisation' },
  space: { id: 20, name: 'Emulated space' },
  app: { id: 777, name: 'Emulated app' },
};

export const GLOBAL_ALL: GrantedScope[] = [{ refType: null, refId: null, permissions: ['all'] }];

/** The scopes a `scope` parameter asks for, or undefined when it is not Podio's syntax. */
export function parseRequestedScope(value: string | undefined): GrantedScope[] | undefined {
  if (value === undefined || value.trim() === '') return GLOBAL_ALL;
  const granted: GrantedScope[] = [];
  for (const item of value.trim().split(/\s+/)) {
    const parts = item.split(':');
    const kind = parts[0] ?? '';
    const permissions = (parts.at(-1) ?? '').split(',');
    if (!permissions.every((permission) => PERMISSIONS.has(permission))) return undefined;
    if ((kind === 'global' || kind === 'user') && parts.length === 2) {
      granted.push({ refType: kind === 'global' ? null : 'user', refId: null, permissions });
    } else if (REFERENCED.has(kind) && (parts.length === 2 || (parts.length === 3 && ID.test(parts[1] ?? '')))) {
      const refType = kind as 'org' | 'space' | 'app';
      granted.push({ refType, refId: parts.length === 3 ? Number(parts[1]) : DEMO_REFS[refType].id, permissions });
    } else {
      return undefined;
    }
  }
  return granted;
}

/** The granted scope string of a token answer: `global:all`, `user:read`, `space:20:read,write`… */
export function formatScope(scopes: GrantedScope[]): string {
  const one = ({ refType, refId, permissions }: GrantedScope) =>
    [refType ?? 'global', ...(refId === null ? [] : [String(refId)]), permissions.join(',')].join(':');
  return scopes.map(one).join(' ');
}

/** `GET /oauth/scope`: `[{ ref_type, ref_id, permissions, ref_data }]` (developers.podio.com get-scope). */
export function scopeList(scopes: GrantedScope[]): Record<string, unknown>[] {
  return scopes.map(({ refType, refId, permissions }) => {
    const entry: Record<string, unknown> = { ref_type: refType, ref_id: refId, permissions };
    if (refType !== null && refType !== 'user' && refId !== null) {
      const demo = DEMO_REFS[refType];
      entry['ref_data'] = { name: demo.id === refId ? demo.name : `${refType} ${refId}` };
    }
    return entry;
  });
}
