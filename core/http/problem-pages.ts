import { z } from 'zod';
import { html } from './html.ts';
import { problems } from './problem.ts';
import { defineRoute, type RouteDef } from './route.ts';

/**
 * `GET /problems/<slug>`: the page a problem's `type` URI resolves to (RFC 9457 §3.1.1 suggests
 * one), saying what went wrong and how to fix it. A module that adds a slug adds its line here;
 * a test checks that every slug the code can answer with has a page.
 */

export interface ProblemPage {
  title: string;
  status: number;
  what: string;
  fix: string;
}

export const PROBLEM_PAGES: Record<string, ProblemPage> = {
  'bad-request': { status: 400, title: 'Bad request', what: 'The request cannot be understood as sent.', fix: 'Read `detail`; correct the request and send it again.' },
  'malformed-json': { status: 400, title: 'Malformed JSON', what: 'The body is not valid JSON.', fix: 'Send a JSON document with `Content-Type: application/json`.' },
  'request-aborted': { status: 400, title: 'Request aborted', what: 'The client closed the connection before the body arrived.', fix: 'Send the request again.' },
  'client-error': { status: 400, title: 'Bad request', what: 'The HTTP layer refused the request.', fix: 'Check the method, headers and body against the API document at /api/docs.' },
  'invalid-token': { status: 400, title: 'Invalid or expired link', what: 'A one-time link (password reset, invitation, unlock) is unknown, expired or used.', fix: 'Ask for a new link; each link works once and for a limited time.' },
  unauthorized: { status: 401, title: 'Unauthorized', what: 'The request has no valid credentials: the access token, API key or visitor token is missing, invalid or revoked.', fix: 'Send `Authorization: Bearer <token>`; sign in again or start a new widget session.' },
  'invalid-credentials': { status: 401, title: 'Invalid credentials', what: 'The email or the password is wrong.', fix: 'Check both, or reset the password. Repeated failures slow down further attempts from your address.' },
  'invalid-refresh-token': { status: 401, title: 'Invalid refresh token', what: 'The refresh token is unknown, expired, revoked or was used already.', fix: 'Sign in again.' },
  'token-expired': { status: 401, title: 'Token expired', what: 'The visitor token is past its lifetime.', fix: 'Start a new widget session (POST /widget/v1/sessions).' },
  'webhook-signature-invalid': { status: 401, title: 'Invalid webhook signature', what: 'The signature header does not match the raw body and the shared secret.', fix: "Sign the exact bytes you send with the installation's webhook secret." },
  forbidden: { status: 403, title: 'Forbidden', what: 'You are signed in but your role, API key or origin may not do this.', fix: 'Ask an owner for a role that allows it, or use a person’s sign-in instead of an API key.' },
  'not-a-member': { status: 403, title: 'Not a member', what: 'Your account is not a member of this store.', fix: 'Pick a store you belong to, or ask its owner for an invitation.' },
  csrf: { status: 403, title: 'CSRF check failed', what: 'A cookie-authenticated request that changes state came without the CSRF token.', fix: 'Send the `X-CSRF-Token` header with the value of the `concierge_csrf` cookie.' },
  'not-found': { status: 404, title: 'Not found', what: 'There is no such resource, or it belongs to another store.', fix: 'Check the id and the path; lists give the ids you can use.' },
  'method-not-allowed': { status: 405, title: 'Method not allowed', what: 'The path exists but does not take this method.', fix: 'Use one of the methods in the `Allow` header.' },
  conflict: { status: 409, title: 'Conflict', what: 'The request conflicts with the current state of the resource.', fix: 'Read `detail`, fetch the resource again and retry.' },
  'already-member': { status: 409, title: 'Already a member', what: 'This person is a member of the store already.', fix: 'Change their role instead of inviting them again.' },
  'last-owner': { status: 409, title: 'Last owner', what: 'A store always keeps at least one owner.', fix: 'Make someone else owner first.' },
  'slot-taken': { status: 409, title: 'Slot taken', what: 'Someone booked this time first.', fix: 'Pick one of the `alternatives` in the answer, or another time from availability.' },
  'not-changeable': { status: 409, title: 'Booking cannot change', what: 'The booking was cancelled or has started.', fix: 'Make a new booking instead.' },
  'resume-link-invalid': { status: 422, title: 'Invalid conversation link', what: 'The conversation link of a reply mail does not belong to this assistant, or it was altered.', fix: 'Open the link from the mail as it is; the chat also starts without it.' },
  'resume-link-expired': { status: 410, title: 'Conversation link expired', what: 'The conversation link of a reply mail is older than 7 days.', fix: 'Open the chat on the store page; the reply is in the conversation for a shopper who still has it.' },
  'install-state-invalid': { status: 400, title: 'Install state invalid', what: 'The install or connect link is unknown, expired (10 minutes) or was used already.', fix: 'Start the install again from the platform or from the dashboard.' },
  'plugin-failed': { status: 502, title: 'Plugin failed', what: 'The platform plugin could not finish the install: the platform refused or did not answer.', fix: 'Try again in a moment; if it keeps failing, check the plugin settings (PLUGIN_<ID>_*) and the server log by request id.' },
  'install-request-invalid': { status: 400, title: 'Plugin refused: install request invalid', what: 'The platform’s install or callback parameters are wrong (signature, timestamp, shop domain or code).', fix: 'Start the install again from the platform; the link must not be edited or replayed.' },
  'install-account-missing': { status: 400, title: 'Plugin refused: account facts missing', what: 'The platform gave no owner email and store name to create a store from.', fix: 'Complete the store’s profile at the platform, or connect from the dashboard of an existing store.' },
  'plugin-config-invalid': { status: 400, title: 'Plugin refused: configuration invalid', what: 'The plugin’s stored or returned configuration does not fit its manifest.', fix: 'Connect the platform account again; operators check PLUGIN_<ID>_* settings.' },
  'webhook-payload-invalid': { status: 400, title: 'Plugin refused: webhook payload invalid', what: 'The delivery’s body is not what the plugin expects for its topic.', fix: 'Send the platform’s own payload unchanged.' },
  'not-supported': { status: 400, title: 'Plugin refused: not supported', what: 'The plugin does not offer this operation.', fix: 'Use another plugin or do it at the platform.' },
  'plugin-not-installed': { status: 404, title: 'Plugin refused: not installed', what: 'The plugin is not installed for this store (or this platform account).', fix: 'Connect the platform account first (GET /plugins/<id>/connect).' },
  'upstream-retryable': { status: 503, title: 'Plugin refused: platform unavailable', what: 'The platform did not answer, timed out or limited our requests.', fix: 'Wait the seconds in `Retry-After` (if given) and try again.' },
  'upstream-failed': { status: 502, title: 'Plugin refused: platform failed', what: 'The platform refused or failed the request.', fix: 'Try again later; check the platform’s status and the server log by request id.' },
  'upstream-auth': { status: 502, title: 'Plugin refused: platform credentials refused', what: 'The platform no longer accepts the store’s credentials (revoked key, uninstalled app); the installation is marked reconnect_needed.', fix: 'Connect the platform account again from the dashboard.' },
  'plugin-manifest-invalid': { status: 502, title: 'Plugin refused: manifest invalid', what: 'The plugin’s manifest is invalid, so it cannot serve this request.', fix: 'Operators: read the startup log for the plugin and fix or update it.' },
  'plugin-core-range': { status: 502, title: 'Plugin refused: core version', what: 'The plugin does not support this version of Concierge.', fix: 'Operators: update the plugin or Concierge.' },
  'plugin-dependency-missing': { status: 502, title: 'Plugin refused: dependency missing', what: 'A plugin this one needs is not installed on the server.', fix: 'Operators: install the missing plugin.' },
  'plugin-dependency-cycle': { status: 502, title: 'Plugin refused: dependency cycle', what: 'Plugins depend on each other in a cycle.', fix: 'Operators: remove the cycle from the plugins’ manifests.' },
  'plugin-duplicate-id': { status: 502, title: 'Plugin refused: duplicate id', what: 'Two plugins have the same id.', fix: 'Operators: remove one of them.' },
  'plugin-setup-failed': { status: 502, title: 'Plugin refused: setup failed', what: 'The plugin failed to start.', fix: 'Operators: read the startup log for the plugin.' },
  'dashboard-not-built': { status: 503, title: 'Dashboard not built', what: 'This server has no built dashboard (dist/dashboard is missing).', fix: 'Run `npm run build` (or `npm run build:dashboard`) and restart.' },
  'email-taken': { status: 409, title: 'Email already registered', what: 'An account with this email exists already.', fix: 'Sign in, or reset the password.' },
  'payload-too-large': { status: 413, title: 'Payload too large', what: 'The body exceeds the configured limit (BODY_LIMIT, 100 kB by default).', fix: 'Send less; split large imports.' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type', what: 'The body’s charset or encoding is not supported.', fix: 'Send UTF-8 JSON.' },
  validation: { status: 422, title: 'Validation failed', what: 'One or more fields are invalid; `errors` lists each with its `path` (e.g. `body.email`) and what is wrong. Strings must not contain NUL (U+0000) characters, except free text, where they are removed.', fix: 'Correct each field named in `errors`; the API document at /api/docs gives every field’s rules.' },
  'idempotency-mismatch': { status: 422, title: 'Idempotency-Key reused', what: 'The same Idempotency-Key came with a different body.', fix: 'Use a new key for a new request; repeat a request only with the identical body.' },
  'rate-limited': { status: 429, title: 'Too many requests', what: 'A limit for your address, token, account or store was reached (see SECURITY.md for the limits).', fix: 'Wait the number of seconds in `Retry-After`, then try again.' },
  internal: { status: 500, title: 'Internal server error', what: 'Something failed on our side; it was logged with the request id.', fix: 'Try again; if it persists, report it with the `X-Request-Id` of the answer (see SECURITY.md).' },
  unavailable: { status: 503, title: 'Service unavailable', what: 'The instance is shutting down or the database is not reachable.', fix: 'Retry after a moment; another instance may answer.' },
  'mail-failed': { status: 503, title: 'Mail could not be sent', what: 'The mail server refused the message; nothing was created.', fix: 'Try again later; operators should check SMTP_URL.' },
  'widget-not-built': { status: 503, title: 'Widget not built', what: 'The widget bundle is missing from this installation.', fix: 'Run `npm run build`.' },
};

export function problemPageRoutes(): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/problems/:slug',
      summary: 'What a problem type means and how to fix it',
      description: 'The page a problem’s `type` URI (e.g. `/problems/validation`) resolves to.',
      tags: ['operations'],
      params: z.object({ slug: z.string().regex(/^[a-z0-9-]{1,64}$/) }),
      responses: { 200: { description: 'A short HTML page', contentType: 'text/html', schema: z.string() }, 404: { description: 'No such problem type' } },
      handler: ({ params, res }) => {
        const page = PROBLEM_PAGES[params.slug];
        if (!page || !Object.hasOwn(PROBLEM_PAGES, params.slug)) throw problems.notFound(`There is no problem type "${params.slug}".`);
        res.setHeader('Cache-Control', 'public, max-age=3600');
        res.type('html').send(String(html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${page.title}</title></head>
<body><main><h1>${page.title}</h1><p>HTTP status ${page.status} · <code>type: /problems/${params.slug}</code></p>
<h2>What happened</h2><p>${page.what}</p><h2>How to fix it</h2><p>${page.fix}</p>
<p><a href="/api/docs">API reference</a></p></main></body></html>`));
      },
    }),
  ];
}
