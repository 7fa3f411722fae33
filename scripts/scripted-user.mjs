#!/usr/bin/env node
// A person at a browser, scripted, for machines where no real browser can open (`npm run demo`): given the
// authorize address as its last argument (so it also works as BROWSER), it loads the emulator's authorize page,
// clicks "Grant access" (or "Deny" with SCRIPTED_USER_DECISION=deny) by posting its form, and follows the
// redirects back to podio-auth's callback, like a browser with cookies off. It says what it sees and does on
// stderr, one line a step. It knows only the emulator's page.

const start = process.argv.at(-1);
const decision = process.env.SCRIPTED_USER_DECISION === 'deny' ? 'deny' : 'grant';
const button = decision === 'grant' ? 'Grant access' : 'Deny';
const say = (text) => process.stderr.write(`scripted user: ${text}\n`);

async function visit(url, init = {}) {
  let response = await fetch(url, { ...init, redirect: 'manual' });
  let current = url;
  let hops = 0;
  for (; response.status >= 300 && response.status < 400 && hops < 10; hops++) {
    current = new URL(response.headers.get('location'), current).toString();
    response = await fetch(current, { redirect: 'manual' });
  }
  return { url: current, status: response.status, html: await response.text(), hops };
}

const decodeEntities = (text) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

const page = await visit(start);
const form = page.html.match(/<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/);
if (!form) {
  say(`no Grant/Deny form at ${new URL(start).origin} (HTTP ${page.status})`);
  process.exit(1);
}
const client = decodeEntities(page.html.match(/<strong>([^<]*)<\/strong>/)?.[1] ?? 'the application');
const scope = decodeEntities(page.html.match(/<code>([^<]*)<\/code>/)?.[1] ?? '');
say(`the authorize page asks to let ${client} access the account${scope ? ` (${scope})` : ''}; clicking "${button}"`);

const fields = new URLSearchParams();
for (const [, name, value] of form[2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
  fields.set(name, decodeEntities(value));
fields.set('decision', decision);
const done = await visit(new URL(form[1], page.url).toString(), {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: fields.toString(),
});
const title = decodeEntities(done.html.match(/<h1>([^<]*)<\/h1>/)?.[1] ?? `HTTP ${done.status}`);
say(
  `clicked "${button}"; the redirect led back to podio-auth at ${new URL(done.url).host}, whose page says "${title}"`,
);
