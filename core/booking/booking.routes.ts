import type { HttpModule } from '../http/app.ts';
import { merchantRoutes, type MerchantRoutesDeps } from './booking.merchant.routes.ts';
import { widgetRoutes, type WidgetAccess } from './booking.widget.routes.ts';

/**
 * HTTP surface of booking (design.md §10, issue #5), one file per audience: the merchant API under
 * /api/v1 (booking.merchant.routes.ts) and the widget API under /widget/v1 (booking.widget.routes.ts).
 * Rows become wire bodies in booking.mappers.ts; errors become problems in booking.problems.ts.
 */

export type { WidgetAccess, WidgetVisitor } from './booking.widget.routes.ts';

export interface BookingRoutesDeps extends MerchantRoutesDeps {
  widget?: WidgetAccess | undefined;
}

export function bookingHttpModule(deps: BookingRoutesDeps): HttpModule {
  return { name: 'booking', routes: [...merchantRoutes(deps), ...(deps.widget ? widgetRoutes(deps.service, deps.widget) : [])] };
}
