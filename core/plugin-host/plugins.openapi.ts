import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { PLUGIN_ID } from '@concierge/plugin-sdk';
import { z } from 'zod';
import { ProblemSchema } from '../wire/shapes.ts';

/**
 * The plugin host's own doors in the OpenAPI document. They are not declared routes (their bodies
 * are raw bytes verified by the plugin, their answers redirects a platform or browser follows), so
 * they are described here, next to the module that mounts them (`plugins.http.ts`).
 */
const PluginIdParams = z.object({
  pluginId: z.string().regex(PLUGIN_ID).meta({ description: 'The platform plugin, e.g. `shopify`, `woocommerce`, `bigcommerce`.', example: 'shopify' }),
});
const opt = (description: string) => z.string().optional().meta({ description });
/** The platform's own parameters, passed to the plugin as sent (the raw query too, for signatures such as Shopify's `hmac`); others are allowed. */
const InstallQuery = z
  .object({
    shop: opt("Shopify: the shop's myshopify.com domain"),
    hmac: opt("Shopify: hex HMAC-SHA256 of the other parameters with the app secret"),
    timestamp: opt('Shopify: seconds since the epoch, checked for freshness'),
    host: opt('Shopify: the base64 admin host'),
    embedded: opt('Shopify: `1` when opened inside the admin'),
  })
  .loose();
const ConnectQuery = z
  .object({
    site: opt("WooCommerce: the store's address (https)"),
    shop: opt("Shopify: the shop's myshopify.com domain"),
  })
  .loose();
const CallbackQuery = z
  .object({
    state: opt('Our one-time state (WooCommerce sends it as `user_id`)'),
    code: opt('Shopify: the authorization code'),
    shop: opt("Shopify: the shop's domain"),
    hmac: opt('Shopify: signature of the other parameters'),
    timestamp: opt('Shopify: seconds since the epoch'),
    success: opt('WooCommerce: `1` when the merchant approved'),
    user_id: opt('WooCommerce: our state'),
  })
  .loose();

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ProblemSchema } } });
const redirect = (description: string) => ({
  description,
  headers: { Location: { description: 'Where the browser goes next', schema: { type: 'string' as const } } },
});
const InstallDoneSchema = z
  .object({
    status: z.enum(['snippet', 'done', 'installed']),
    installationId: z.string().optional().meta({ description: 'The installation a server-to-server callback created.' }),
    html: z.string().optional().meta({ description: 'The snippet to paste (plain websites).' }),
    instructions: z.string().optional(),
  })
  .meta({ id: 'InstallAnswer' });

/** `installs`: whether the install routes are mounted (they are wherever installations are configured). */
export function documentPluginRoutes(registry: OpenAPIRegistry, installs: boolean): void {
  registry.registerPath({
    method: 'post',
    path: '/webhooks/{pluginId}',
    operationId: 'postWebhook',
    tags: ['plugins'],
    summary: "A platform's webhook delivery",
    description: [
      "The raw body is verified by the plugin against the installation's secret with the platform's scheme (Shopify `X-Shopify-Hmac-Sha256`, WooCommerce `X-WC-Webhook-Signature`: base64 HMAC-SHA256 of the raw bytes, compared in constant time).",
      'Answers 200 once the delivery is recorded (deduplicated by the platform\'s delivery id); processing happens after the answer and is retried with back-off. WooCommerce\'s unsigned `webhook_id=…` ping answers 200 `pong` and is not processed.',
    ].join(' '),
    request: {
      params: PluginIdParams,
      body: { description: 'The platform\'s payload, as sent', content: { 'application/octet-stream': { schema: z.string().meta({ format: 'binary' }) } } },
    },
    responses: {
      200: { description: 'Recorded (`accepted`), already recorded (`duplicate`) or a ping (`pong`)', content: { 'application/json': { schema: z.object({ status: z.enum(['accepted', 'duplicate', 'pong']) }) } } },
      400: problem('The delivery does not say which account or topic it is for'),
      401: problem('Signature missing or invalid, or no installation for the account'),
      404: problem('No plugin of that name receives webhooks here'),
      413: problem('Body over the webhook limit (2 MB)'),
      default: problem('Problem details (e.g. 429 with Retry-After)'),
    },
  });
  if (!installs) return;
  registry.registerPath({
    method: 'get',
    path: '/plugins/{pluginId}/install',
    operationId: 'getPluginInstall',
    tags: ['plugins'],
    summary: 'Install started from the platform (e.g. Shopify\'s app URL)',
    description:
      "Checks the platform's signed parameters and redirects to the platform's grant screen (Shopify: managed install or OAuth), or, when the shop is already installed, to `/admin`. A platform deep link appends a dashboard page to this path (`/plugins/shopify/install/bookings`): that page opens instead of the inbox.",
    request: { params: PluginIdParams, query: InstallQuery },
    responses: {
      200: { description: 'Finished without a redirect', content: { 'application/json': { schema: InstallDoneSchema } } },
      302: redirect("To the platform's grant screen, or to the dashboard"),
      400: problem('Parameters missing, unsigned or forged'),
      404: problem('No plugin of that name installs here'),
      422: problem('Parameters invalid'),
      default: problem('Problem details'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/plugins/{pluginId}/connect',
    operationId: 'getPluginConnect',
    tags: ['plugins'],
    summary: 'A signed-in merchant connects a platform account to their store',
    description:
      "Redirects to the platform's authorization (WooCommerce: `{site}/wc-auth/v1/authorize`) with a one-time state bound to the merchant's store. A signed-out browser is sent to the dashboard's sign-in and back to `/admin/connect/{pluginId}` (docs/decisions/0021); an API call without credentials gets 401.",
    security: [{ bearer: [] }],
    request: { params: PluginIdParams, query: ConnectQuery },
    responses: {
      200: { description: 'Finished without a redirect (e.g. the snippet of a plain website)', content: { 'application/json': { schema: InstallDoneSchema } } },
      302: redirect("To the platform's authorization, or to the dashboard's sign-in"),
      401: problem('Not signed in'),
      403: problem('The role may not change plugins'),
      404: problem('No plugin of that name connects here'),
      422: problem('Parameters invalid (e.g. the site address)'),
      default: problem('Problem details'),
    },
  });
  for (const method of ['get', 'post'] as const) {
    registry.registerPath({
      method,
      path: '/plugins/{pluginId}/auth/callback',
      operationId: method === 'get' ? 'getPluginAuthCallback' : 'postPluginAuthCallback',
      tags: ['plugins'],
      summary: method === 'get' ? "The platform's OAuth redirect back" : "The platform's server-to-server callback (WooCommerce posts the keys as JSON)",
      description: 'Accepted only with an unused, unexpired state of ours; the credentials are stored encrypted and never answered back.',
      request: {
        params: PluginIdParams,
        query: CallbackQuery,
        ...(method === 'post' ? { body: { content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } } } : {}),
      },
      responses: {
        200: { description: 'Installed (server-to-server callback)', content: { 'application/json': { schema: InstallDoneSchema } } },
        302: redirect('To the dashboard of the store the account was connected to'),
        400: problem('State unknown, used or expired; parameters forged; body not JSON or form data'),
        404: problem('No plugin of that name installs here'),
        413: problem('Body over 64 KB'),
        default: problem('Problem details'),
      },
    });
  }
}
