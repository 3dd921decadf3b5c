import type { Logger } from 'pino';
import type { Authenticator } from '../accounts/index.ts';
import type { ToolRegistry } from '../chat/index.ts';
import type { Database } from '../db/database.ts';
import type { HttpModule } from '../http/app.ts';
import { ImportJobsRepository } from './catalog.repository.ts';
import { CatalogSearch } from './catalog.search.ts';
import { registerCatalogTools } from './catalog.tools.ts';
import { catalogHttpModule } from './catalog.routes.ts';
import { CatalogService } from './catalog.service.ts';
import { ImportWorker, type ImportWorkerOptions } from './import.worker.ts';
import { SafeFetcher } from '../security/safe-fetch.ts';

/** Wires the catalog module (issue #18): merchant API, CSV import jobs and their worker. */
export interface CatalogModule {
  service: CatalogService;
  jobs: ImportJobsRepository;
  worker: ImportWorker;
  /** Full-text search over products and FAQ (the chat tools and the dashboard's test box use it). */
  search: CatalogSearch;
  http: HttpModule;
  /** search_products, get_product, search_faq in the chat's tool registry. */
  registerChatTools(registry: Pick<ToolRegistry, 'registerContract'>): void;
  start(): void;
  stop(): Promise<void>;
}

export interface CatalogFeedOptions {
  /** Tests only: lets a feed come from a fake server on 127.0.0.1. Refused in production. */
  allowLoopback?: boolean;
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
}

export function createCatalogModule(deps: {
  db: Database;
  auth: Authenticator;
  logger: Logger;
  clock: () => Date;
  production: boolean;
  worker?: ImportWorkerOptions & { enabled?: boolean };
  feed?: CatalogFeedOptions;
}): CatalogModule {
  const { allowLoopback, ...feedLimits } = deps.feed ?? {};
  const feeds = new SafeFetcher({ allowLoopback, production: deps.production });
  const service = new CatalogService(deps.db);
  const jobs = new ImportJobsRepository(deps.db);
  const { enabled = true, ...options } = deps.worker ?? {};
  const worker = new ImportWorker({ db: deps.db, jobs, catalog: service, logger: deps.logger.child({ component: 'catalog-import' }), clock: deps.clock }, options);
  const search = new CatalogSearch(deps.db);
  return {
    service,
    jobs,
    worker,
    search,
    registerChatTools: (registry) => registerCatalogTools(registry, search),
    http: catalogHttpModule({ service, jobs, auth: deps.auth, feeds, feedLimits, kick: () => (enabled ? worker.kick() : undefined) }),
    start: () => {
      if (enabled) worker.start();
    },
    stop: () => worker.stop(),
  };
}
