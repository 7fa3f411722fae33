#!/usr/bin/env node
// A browser for tests: run as BROWSER with the authorize URL as its last argument. It follows redirects the
// way a browser does (to the fake Podio, then to the CLI's callback server) and reports every hop to the
// fake Podio at FAKE_BROWSER_REPORT_URL. With FAKE_BROWSER_MODE=record it only reports the URL it was given,
// leaving the visit to the test (which can call `follow` itself).
import { pathToFileURL } from 'node:url';

/** GETs `start` and every redirect after it, like a browser with cookies off. */
export async function follow(start) {
  const hops = [];
  let next = start;
  for (let i = 0; i < 10 && next; i++) {
    const response = await fetch(next, { redirect: 'manual' });
    const headers = Object.fromEntries(response.headers);
    hops.push({ url: next, status: response.status, headers, body: await response.text() });
    const location = response.headers.get('location');
    next = response.status >= 300 && response.status < 400 && location ? new URL(location, next).toString() : undefined;
  }
  return hops;
}

/**
 * What the browser does with `url`: follows it (unless FAKE_BROWSER_MODE=record) and reports the hops to
 * FAKE_BROWSER_REPORT_URL. In-process tests call it directly instead of starting this file as a process.
 */
export async function visit(url, env, extra = {}) {
  const report = { opened: url, hops: [], ...extra };
  if ((env.FAKE_BROWSER_MODE ?? 'follow') === 'follow') {
    try {
      report.hops = await follow(url);
    } catch (error) {
      report.error = String(error?.cause?.code ?? error?.message ?? error);
    }
  }
  const reportUrl = env.FAKE_BROWSER_REPORT_URL;
  if (reportUrl) {
    await fetch(reportUrl, {
      method: 'POST',
      body: JSON.stringify(report),
      headers: { 'content-type': 'application/json' },
    });
  }
}

async function run() {
  // Started as a process, it can also tell whether it was handed the client secret in its environment.
  await visit(process.argv.at(-1), process.env, { sawClientSecret: process.env.PODIO_CLIENT_SECRET !== undefined });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
