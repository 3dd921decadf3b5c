/** The catalog module's public surface: products and FAQ, their search, platform-synced products. */
export { createCatalogModule, type CatalogModule } from './catalog.module.ts';
export { CatalogRepository } from './catalog.repository.ts';
export type { CatalogSearch } from './catalog.search.ts';
export { getProductTool, searchFaqTool, searchProductsTool } from './catalog.tools.schema.ts';
export { PlatformProducts, productUpsertStatement, type PlatformProductWrite } from './platform-products.ts';
