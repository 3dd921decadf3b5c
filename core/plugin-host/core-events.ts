import type { Logger } from 'pino';
import { productUpsertStatement, type PlatformProducts } from '../catalog/index.ts';
import type { OrdersService } from '../orders/index.ts';
import type { ComplianceService } from './compliance.ts';
import type { InstallationsService } from './installations.service.ts';
import type { CoreEventSink } from './plugin-context.ts';
import type { PluginStateRepository } from './plugin-state.repository.ts';
import { storableProduct } from './plugin-text.ts';

/** Where plugin events land (issue #10): catalog, order cache, uninstall, and the privacy requests. */
export function createCoreEventSink(deps: {
  products: PlatformProducts;
  orders: Pick<OrdersService, 'upsertFromPlatform'>;
  installations: () => InstallationsService;
  compliance: ComplianceService;
  repository: PluginStateRepository;
  logger: Logger;
}): CoreEventSink {
  const installationOf = async (tenantId: string, pluginId: string, externalId: string, installationId?: string) => {
    if (installationId) return installationId;
    return (await deps.repository.findInstallationForAccount(pluginId, externalId))?.id;
  };
  const sink: CoreEventSink = async ({ tenantId, pluginId, externalId, installationId, event }) => {
    switch (event.type) {
      case 'product.upserted': {
        const id = await installationOf(tenantId, pluginId, externalId, installationId);
        await deps.products.upsert(tenantId, { source: pluginId, installationId: id!, products: [storableProduct(event.product)], occurredAt: event.occurredAt });
        return;
      }
      case 'product.deleted':
        await deps.products.delete(tenantId, { source: pluginId, externalId: event.externalId, occurredAt: event.occurredAt });
        return;
      case 'order.upserted':
        await deps.orders.upsertFromPlatform(tenantId, pluginId, event.order);
        return;
      case 'app.uninstalled': {
        const id = await installationOf(tenantId, pluginId, externalId, installationId);
        if (id) await deps.installations().uninstall(tenantId, id, 'platform');
        return;
      }
      case 'customer.redact': {
        const done = await deps.compliance.redactCustomer(tenantId, { pluginId, externalId, customerId: event.customerId, email: event.email, orderIds: event.orderIds });
        deps.logger.info({ tenantId, pluginId, ...done }, 'customer redacted');
        return;
      }
      case 'customer.data_request': {
        const id = await installationOf(tenantId, pluginId, externalId, installationId);
        const exportId = await deps.compliance.exportCustomer(tenantId, {
          pluginId,
          externalId,
          installationId: id,
          customerId: event.customerId,
          email: event.email,
          orderIds: event.orderIds,
          requestId: event.requestId,
        });
        deps.logger.info({ tenantId, pluginId, exportId }, 'customer data export stored');
        return;
      }
      case 'shop.redact': {
        const id = await installationOf(tenantId, pluginId, externalId, installationId);
        if (!id) return;
        await deps.compliance.redactShop(tenantId, { pluginId, externalId, installationId: id });
        await deps.installations().uninstall(tenantId, id, 'platform', 'redacted');
        deps.logger.info({ tenantId, pluginId }, 'shop redacted');
        return;
      }
    }
  };
  sink.productUpserts = (tenantId, inputs) =>
    productUpsertStatement(
      tenantId,
      inputs.map(({ pluginId, installationId, event }) => ({ source: pluginId, installationId, product: storableProduct(event.product), occurredAt: event.occurredAt })),
    );
  return sink;
}
