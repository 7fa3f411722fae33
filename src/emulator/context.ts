import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiCaller, GrantLedger } from './grants.js';
import type { ResolvedOptions } from './options.js';

/** What the route modules share with the emulator: its switches, its ledger and clock, and what tests read back. */

export interface TokenRequestRecord {
  endpoint: 'json' | 'form';
  grantType: string;
  fields: Record<string, string>;
}

export interface RouteContext {
  readonly options: ResolvedOptions;
  readonly ledger: GrantLedger;
  /** The emulator's check of an API call's token (a subclass may replace it); undefined once it has answered. */
  authenticate(req: IncomingMessage, res: ServerResponse): ApiCaller | undefined;
  now(): number;
  readonly tokenRequests: TokenRequestRecord[];
  readonly authorizeRequests: URLSearchParams[];
  readonly userStatusCalls: string[];
}
