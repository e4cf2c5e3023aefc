import { createHash } from 'node:crypto';
import {
  CODE_CHALLENGE_METHODS,
  CodeChallengeSchema,
  type CreateAuthCodeRequest,
  KeyLabelSchema,
  KeyLimitSchema,
} from '@tollgate/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';
import { type AuthKeysOptions, checkCodeRequest } from './auth-keys.js';

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}
h1{font-size:1.4rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dt{color:#555}
dd{margin:0;word-break:break-all}input{width:100%;box-sizing:border-box;padding:.5rem;font:inherit}
button{font:inherit;padding:.5rem 1.2rem;margin:1rem .5rem 0 0}#status{color:#a00}
code{font-size:1.1rem;background:#f3f3f3;padding:.3rem;word-break:break-all}`;

// Signs in with a pasted management key, creates the code through the public API and sends the
// browser to the callback the server validated (never to a URL taken from the address bar).
const SCRIPT = `const request = JSON.parse(document.getElementById('consent-request').textContent);
const form = document.getElementById('consent');
const status = document.getElementById('status');
const approve = document.getElementById('approve');
document.getElementById('deny').addEventListener('click', () => {
  form.hidden = true;
  status.textContent = 'You denied access. No key was created; you may close this page.';
});
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const key = document.getElementById('management-key').value.trim();
  if (key === '') { status.textContent = 'Paste a management key to sign in.'; return; }
  approve.disabled = true;
  status.textContent = '';
  let response;
  try {
    response = await fetch('/api/v1/auth/keys/code', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + key, 'content-type': 'application/json' },
      body: JSON.stringify(request.body),
    });
  } catch {
    status.textContent = 'The gateway could not be reached.';
    approve.disabled = false;
    return;
  }
  const answer = await response.json().catch(() => null);
  if (!response.ok) {
    status.textContent = answer?.error?.message ?? 'Error ' + response.status;
    approve.disabled = false;
    return;
  }
  const code = answer.data.id;
  if (request.callbackUrl === null) {
    form.hidden = true;
    document.getElementById('code').textContent = code;
    document.getElementById('headless').hidden = false;
    return;
  }
  const target = new URL(request.callbackUrl);
  target.searchParams.set('code', code);
  location.assign(target.href);
});`;

const hashSource = (source: string) =>
  `'sha256-${createHash('sha256').update(source).digest('base64')}'`;

/** Inline script and style only by hash; no framing (clickjacking), no forms, no referrer. */
const PAGE_HEADERS = {
  'content-security-policy': `default-src 'none'; script-src ${hashSource(SCRIPT)}; style-src ${hashSource(STYLE)}; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'`,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

/** JSON that is safe inside a `<script>` element. */
const scriptJson = (value: unknown): string =>
  JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title>
<style>${STYLE}</style></head><body>${body}</body></html>`;
}

function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new GatewayError('invalid_request', `\`${name}\` must be given once`);
  }
  return value;
}

function parseOptional<T>(parse: (value: string) => T, value: string | undefined, name: string) {
  if (value === undefined) return undefined;
  try {
    return parse(value);
  } catch {
    throw new GatewayError('invalid_request', `\`${name}\` is not valid`);
  }
}

/** The code request the page's query asks for, checked as `POST /auth/keys/code` will. */
function parseConsentQuery(query: Record<string, unknown>): CreateAuthCodeRequest {
  const result: CreateAuthCodeRequest = {};
  const callbackUrl = single(query, 'callback_url');
  if (callbackUrl !== undefined) result.callback_url = callbackUrl;
  const challenge = single(query, 'code_challenge');
  if (challenge !== undefined) {
    const parsed = CodeChallengeSchema.safeParse(challenge);
    if (!parsed.success)
      throw new GatewayError(
        'invalid_request',
        parsed.error.issues[0]?.message ?? 'invalid `code_challenge`',
      );
    result.code_challenge = parsed.data;
  }
  const method = single(query, 'code_challenge_method');
  if (method !== undefined) {
    const known = CODE_CHALLENGE_METHODS.find((candidate) => candidate === method);
    if (known === undefined) {
      throw new GatewayError('invalid_request', '`code_challenge_method` must be S256 or plain');
    }
    result.code_challenge_method = known;
  }
  const label = parseOptional(
    (value) => KeyLabelSchema.parse(value),
    single(query, 'key_label'),
    'key_label',
  );
  if (label !== undefined) result.key_label = label;
  const limit = parseOptional(
    (value) => KeyLimitSchema.parse(value.trim() === '' ? Number.NaN : Number(value)),
    single(query, 'limit'),
    'limit',
  );
  if (limit !== undefined) result.limit = limit;
  return result;
}

function consentBody(request: CreateAuthCodeRequest, appName: string, headless: boolean): string {
  const who = headless
    ? 'An app without a callback (headless: the code is shown here for you to copy)'
    : escapeHtml(appName);
  const limit = request.limit === undefined ? 'no limit' : `$${request.limit} (USD)`;
  return `<main><h1>Authorize an app</h1>
<p><strong id="app-origin">${who}</strong> asks for an API key for this gateway.</p>
<dl><dt>App</dt><dd>${who}</dd>
<dt>Key label</dt><dd id="key-label">${escapeHtml(request.key_label ?? '(none)')}</dd>
<dt>Spending limit</dt><dd id="key-limit">${escapeHtml(limit)}</dd></dl>
<form id="consent"><label for="management-key">Sign in: paste a management key</label>
<input id="management-key" type="password" autocomplete="off" spellcheck="false">
<button id="approve" type="submit">Approve</button><button id="deny" type="button">Deny</button></form>
<p id="status" role="status"></p>
<section id="headless" hidden><p>Approved. Enter this code in the app (single use, valid 10 minutes):</p>
<p><code id="code"></code></p></section></main>`;
}

function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(html);
}

/** `GET /auth`: the consent page an app sends its user to (decision 0021). */
export function registerConsentPage(app: FastifyInstance, options: AuthKeysOptions): void {
  app.get('/auth', async (request, reply) => {
    let body: CreateAuthCodeRequest;
    let appName: string;
    let callbackUrl: string | null;
    try {
      body = parseConsentQuery(request.query as Record<string, unknown>);
      ({ appName, callbackUrl } = checkCodeRequest(body, options));
    } catch (error) {
      // Refused requests get a page, never a redirect: the callback is not trusted yet.
      if (!GatewayError.is(error)) throw error;
      const html = layout(
        'Authorization refused',
        `<main><h1>This authorization request is refused</h1><p id="error">${escapeHtml(error.message)}</p></main>`,
      );
      return sendPage(reply, 400, html);
    }
    const data = { body, callbackUrl };
    const html = layout(
      'Authorize an app',
      `${consentBody(body, appName, callbackUrl === null)}
<script type="application/json" id="consent-request">${scriptJson(data)}</script>
<script>${SCRIPT}</script>`,
    );
    return sendPage(reply, 200, html);
  });
}
