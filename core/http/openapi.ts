import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { registerRouteDoc, type RouteDef } from './route.ts';

export function createRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: [
      'Merchant credentials, one of:',
      '- an access token from `/api/v1/auth/login` (HS256 JWT, 15 minutes);',
      '- an API key (`cak_…`);',
      '- inside the Shopify admin (the embedded dashboard), a Shopify **session token** from App Bridge (`shopify.idToken()`): HS256 JWT signed with the app secret, `aud` = the app\'s client id, 1-minute life; fetch a fresh one for each request.',
      '  It acts for the store of the shop in `dest` (an active installation), as that store\'s first owner with the `admin` role; team, API keys, the password and deleting the store are refused (403). See docs/decisions/0019.',
      'A forged, expired, wrong-audience or unknown-shop token answers 401 `application/problem+json`.',
    ].join('\n'),
  });
  registry.registerComponent('securitySchemes', 'visitor', {
    type: 'http',
    scheme: 'bearer',
    description: 'Visitor token from POST /widget/v1/sessions',
  });
  return registry;
}

/**
 * The NUL rule of core/http/route.ts, stated in the document (issue 14: the document is exactly as
 * strict as validation): every string without a pattern, format or enum of its own gets a pattern
 * that excludes U+0000. (Free-text fields strip NUL instead of refusing it; the document is then
 * stricter than the server, never laxer.)
 */
export const NO_NUL_PATTERN = '^[^\\u0000]*$';

function forbidNul(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) forbidNul(item);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const schema = node as Record<string, unknown>;
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('string') && schema.pattern === undefined && schema.format === undefined && schema.enum === undefined && schema.const === undefined) {
    schema.pattern = NO_NUL_PATTERN;
  }
  for (const [key, value] of Object.entries(schema)) if (key !== 'example' && key !== 'default') forbidNul(value);
}

/**
 * Two refinements every route shares, stated where the generator loses them (issue 14):
 * - `format: email` alone lets through what zod's email check refuses (`a@b`): the document gets
 *   zod's own email pattern;
 * - every `cursor` query parameter is the opaque base64url `nextCursor` of an earlier answer.
 */
function sharedRefinements(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) sharedRefinements(item);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const schema = node as Record<string, unknown>;
  if (schema.format === 'email' && schema.pattern === undefined) schema.pattern = z.regexes.email.source;
  if (schema.in === 'query' && schema.name === 'cursor' && schema.schema && typeof schema.schema === 'object') {
    const cursor = schema.schema as Record<string, unknown>;
    cursor.pattern ??= CURSOR_PATTERN;
    schema.description ??= 'The `nextCursor` of an earlier answer of this operation (opaque); anything else is refused with 422.';
  }
  for (const [key, value] of Object.entries(schema)) if (key !== 'example' && key !== 'default') sharedRefinements(value);
}

export const CURSOR_PATTERN = '^[A-Za-z0-9_-]*$';

export function buildOpenApiDocument(registry: OpenAPIRegistry, routes: RouteDef[], info: { version: string; serverUrl: string }) {
  for (const route of routes) registerRouteDoc(registry, route);
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Concierge API',
      version: info.version,
      description: 'Merchant API (`/api/v1`), widget API (`/widget/v1`), webhooks and operations endpoints. Errors are RFC 9457 `application/problem+json`.',
    },
    servers: [{ url: info.serverUrl }],
  });
  sharedRefinements(document.paths);
  sharedRefinements(document.components);
  forbidNul(document.paths);
  forbidNul(document.components);
  return document;
}
