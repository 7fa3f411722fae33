import type { BrowserHop } from './fake-podio.js';

export function follow(start: string): Promise<BrowserHop[]>;

export function visit(
  url: string,
  env: Record<string, string | undefined>,
  extra?: Record<string, unknown>,
): Promise<void>;
