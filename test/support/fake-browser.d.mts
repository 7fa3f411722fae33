import type { BrowserHop } from './fake-podio.js';

export function follow(start: string): Promise<BrowserHop[]>;
