import type { IncomingMessage, ServerResponse } from 'node:http';
import { type EmulatorOptions, PodioEmulator } from '../../src/emulator/podio-emulator.js';

/**
 * The tests' Podio: the emulator `podio-auth emulator` serves (one fake, not two), answering the authorize
 * request at once as if Grant was clicked, plus a route where the fake browser reports what it saw, so tests can
 * wait for that instead of sleeping.
 */

export { APP, type Fault, TWO_FACTOR_USER, USER } from '../../src/emulator/podio-emulator.js';
export type FakePodioOptions = EmulatorOptions;
export type TokenRequest = import('../../src/emulator/podio-emulator.js').TokenRequestRecord;

export interface BrowserHop {
  url: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface BrowserReport {
  opened: string;
  hops: BrowserHop[];
  error?: string;
  /** Whether the browser process could see PODIO_CLIENT_SECRET in its environment. */
  sawClientSecret?: boolean;
}

export type TokenAnswerOverride = (fields: Record<string, string>) => { status: number; body: unknown };

export class FakePodio extends PodioEmulator {
  private readonly reports: BrowserReport[] = [];
  private readonly reportWaiters: ((report: BrowserReport) => void)[] = [];
  private readonly tokenArrivals: (() => void)[] = [];
  private readonly tokenOverrides: TokenAnswerOverride[] = [];

  /** Resolves when the next request to a token endpoint arrives, before it is answered. */
  nextTokenRequestArrives(): Promise<void> {
    return new Promise((resolve) => this.tokenArrivals.push(resolve));
  }

  /** The next token request gets this answer instead of the emulator's (which then neither issues nor rotates). */
  overrideNextTokenAnswer(answer: TokenAnswerOverride): void {
    this.tokenOverrides.push(answer);
  }

  constructor(options: FakePodioOptions = {}) {
    // The denial carries markup, so that every page showing it is checked for escaping.
    super({
      decision: 'grant',
      denyDescription: 'The user denied your request. <script>alert(1)</script>',
      ...options,
    });
  }

  /** Resolves with the next report the fake browser sends (or one that came before and was not taken). */
  nextBrowserReport(): Promise<BrowserReport> {
    const ready = this.reports.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.reportWaiters.push(resolve));
  }

  protected override extraRoute(url: URL, req: IncomingMessage, body: string, res: ServerResponse): boolean {
    if (url.pathname.startsWith('/oauth/token')) {
      for (const arrived of this.tokenArrivals.splice(0)) arrived();
      const override = this.tokenOverrides.shift();
      if (!override) return false;
      const fields = (req.headers['content-type'] ?? '').includes('json')
        ? (JSON.parse(body) as Record<string, string>)
        : Object.fromEntries(new URLSearchParams(body));
      const { status, body: answer } = override(fields);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      return true;
    }
    if (url.pathname !== '/__browser' || req.method !== 'POST') return false;
    const report = JSON.parse(body) as BrowserReport;
    const waiter = this.reportWaiters.shift();
    if (waiter) waiter(report);
    else this.reports.push(report);
    res.writeHead(204).end();
    return true;
  }
}

export async function startFakePodio(options: FakePodioOptions = {}): Promise<FakePodio> {
  return new FakePodio(options).start();
}
