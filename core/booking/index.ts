/** The booking module's public surface: services, resources, availability and bookings. */
export { createBookingModule, type BookingModule } from './booking.module.ts';
export type { BookingService } from './booking.service.ts';
export { findSlotsTool, listServicesTool, proposeBookingTool } from './booking.tools.schema.ts';
