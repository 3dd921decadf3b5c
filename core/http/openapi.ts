import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { registerRouteDoc, type RouteDef } from './route.ts';

export function createRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Merchant access token (or API key) from /api/v1/auth/login',
  });
  registry.registerComponent('securitySchemes', 'visitor', {
    type: 'http',
    scheme: 'bearer',
    description: 'Visitor token from POST /widget/v1/sessions',
  });
  return registry;
}

export function buildOpenApiDocument(registry: OpenAPIRegistry, routes: RouteDef[], info: { version: string; serverUrl: string }) {
  for (const route of routes) registerRouteDoc(registry, route);
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Concierge API',
      version: info.version,
      description: 'Merchant API (`/api/v1`), widget API (`/widget/v1`), webhooks and operations endpoints. Errors are RFC 9457 `application/problem+json`.',
    },
    servers: [{ url: info.serverUrl }],
  });
}
