#!/usr/bin/env node
// A person at a browser, scripted: run as BROWSER with the authorize URL as the last argument. Loads the
// emulator's authorize page, clicks "Grant access" (or "Deny" with SCRIPTED_USER_DECISION=deny) by posting its
// form, and follows the redirects back to podio-auth's callback, like a browser with cookies off. For machines
// where no real browser can open (`npm run demo`); it knows only the emulator's page.

const start = process.argv.at(-1);
const decision = process.env.SCRIPTED_USER_DECISION === 'deny' ? 'deny' : 'grant';

async function visit(url, init = {}) {
  let response = await fetch(url, { ...init, redirect: 'manual' });
  let current = url;
  for (let hops = 0; response.status >= 300 && response.status < 400 && hops < 10; hops++) {
    current = new URL(response.headers.get('location'), current).toString();
    response = await fetch(current, { redirect: 'manual' });
  }
  return { url: current, status: response.status, html: await response.text() };
}

const page = await visit(start);
const form = page.html.match(/<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/);
if (!form) {
  console.error(`scripted user: no Grant/Deny form at ${new URL(start).origin} (HTTP ${page.status})`);
  process.exit(1);
}
const fields = new URLSearchParams();
const decodeEntities = (text) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
for (const [, name, value] of form[2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
  fields.set(name, decodeEntities(value));
fields.set('decision', decision);
const done = await visit(new URL(form[1], page.url).toString(), {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: fields.toString(),
});
const title = done.html.match(/<h1>([^<]*)<\/h1>/)?.[1] ?? `HTTP ${done.status}`;
console.error(
  `scripted user: clicked "${decision === 'grant' ? 'Grant access' : 'Deny'}"; the browser now shows "${title}"`,
);
