import { createHash } from 'node:crypto';

/**
 * The small static pages the callback server answers with. Self-contained (no external resources), nothing
 * from the request echoed unescaped, never a token or secret.
 */

export interface Page {
  status: number;
  title: string;
  message: string;
  /** Text from outside (Podio's error description), shown escaped. */
  detail?: string;
  tone: 'ok' | 'bad' | 'neutral';
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f5f7;color:#1f2328;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}
main{background:#fff;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08);padding:2.5rem 3rem;max-width:32rem;text-align:center}
.mark{font-size:2.5rem;width:4rem;height:4rem;line-height:4rem;border-radius:50%;margin:0 auto 1rem}
.ok .mark{background:#dcf5e3;color:#1a7f37}.bad .mark{background:#ffe3e3;color:#cf222e}.neutral .mark{background:#e8eaed;color:#57606a}
h1{font-size:1.4rem;margin:0 0 .5rem}p{margin:.5rem 0;color:#57606a}.detail{font-family:ui-monospace,monospace;font-size:.9rem;word-break:break-word}`;

/** The style is allowed by its hash, so the policy can stay `default-src 'none'`. */
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  connection: 'close',
};

const MARKS: Record<Page['tone'], string> = { ok: '✓', bad: '✗', neutral: '·' };

export function renderPage(page: Page): string {
  const detail = page.detail ? `\n<p class="detail">${escapeHtml(page.detail)}</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(page.title)} · podio-auth</title><style>${STYLE}</style></head>
<body class="${page.tone}"><main><div class="mark">${MARKS[page.tone]}</div>
<h1>${escapeHtml(page.title)}</h1>
<p>${escapeHtml(page.message)}</p>${detail}
</main></body></html>
`;
}

export const pages = {
  success: (): Page => ({
    status: 200,
    tone: 'ok',
    title: 'Logged in to Podio',
    message: 'podio-auth has stored your tokens. You can close this tab and return to the terminal.',
  }),
  denied: (description: string | undefined): Page => ({
    status: 200,
    tone: 'bad',
    title: 'Access denied',
    message:
      'The login was cancelled in Podio, so podio-auth got no access. You can close this tab and return to the terminal.',
    ...(description ? { detail: description } : {}),
  }),
  authorizeError: (error: string, description: string | undefined): Page => ({
    status: 200,
    tone: 'bad',
    title: 'Podio did not authorize podio-auth',
    message: 'Podio answered with an error. You can close this tab; the terminal says more.',
    detail: description ? `${error}: ${description}` : error,
  }),
  failed: (): Page => ({
    status: 200,
    tone: 'bad',
    title: 'Login failed',
    message: 'podio-auth could not finish the login. Return to the terminal to see why.',
  }),
  alreadyHandled: (): Page => ({
    status: 200,
    tone: 'neutral',
    title: 'Already handled',
    message: 'This login has already been handled. You can close this tab.',
  }),
  notFound: (): Page => ({ status: 404, tone: 'neutral', title: 'Not found', message: 'There is nothing here.' }),
  methodNotAllowed: (): Page => ({
    status: 405,
    tone: 'neutral',
    title: 'Method not allowed',
    message: 'This address only answers GET requests.',
  }),
  rejected: (why: string): Page => ({
    status: 400,
    tone: 'bad',
    title: 'Request refused',
    message: `This request does not belong to the login in progress (${why}). The login keeps waiting for the real answer.`,
  }),
};
