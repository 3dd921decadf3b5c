import { z } from 'zod';
import { isIanaTimeZone } from '../wire/time-zone.ts';
import { DateOrDateTimeSchema, IsoDateSchema, IsoDateTimeSchema, MoneyInputSchema, MoneySchema, SlotSchema } from '../wire/shapes.ts';
import { freeText } from '../wire/text.ts';
import { TIME_ZONE_DOC } from '../wire/documented.ts';

export { DateOrDateTimeSchema, IsoDateSchema, IsoDateTimeSchema } from '../wire/shapes.ts';

/**
 * Wire shapes of the booking merchant API (design.md §10, issue #5). The widget's shapes live in
 * core/wire/widget.ts; the manage page is HTML. Times leave as ISO 8601 with the offset of the
 * requested zone (`timeZone` query, else the store's).
 */


export const TimeZoneSchema = z.string().min(1).max(64).refine(isIanaTimeZone, 'must be an IANA time zone such as "Europe/Berlin"').meta({ ...TIME_ZONE_DOC, example: 'Europe/Berlin' });

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export const LocalIntervalSchema = z
  .object({
    start: z.string().regex(HHMM, 'must be "HH:mm" (00:00-23:59)'),
    end: z.string().regex(HHMM, 'must be "HH:mm" (00:01-24:00)'),
  })
  .refine((iv) => !HHMM.test(iv.start) || !HHMM.test(iv.end) || minutesOf(iv.end) > minutesOf(iv.start), {
    message: 'end must be after start (split an overnight shift across two days)',
    path: ['end'],
  })
  .meta({ id: 'LocalInterval', example: { start: '09:00', end: '17:00' } });

const DayIntervals = z.array(LocalIntervalSchema).max(12);
export const WeeklyHoursSchema = z
  .strictObject({ mon: DayIntervals, tue: DayIntervals, wed: DayIntervals, thu: DayIntervals, fri: DayIntervals, sat: DayIntervals, sun: DayIntervals })
  .partial()
  .meta({ id: 'WeeklyHours', description: 'Wall-clock hours in the resource\'s zone per weekday; a missing or empty day is closed.', example: { mon: [{ start: '09:00', end: '17:00' }] } });


export const IdParamsSchema = z.object({ id: z.uuid() });

// ---------------------------------------------------------------- services

const serviceFields = {
  name: z.string().trim().min(1).max(200).meta({ example: 'Suit fitting' }),
  description: z.string().trim().max(2000).nullable(),
  durationMinutes: z.number().int().min(1).max(1440).meta({ example: 45 }),
  bufferBeforeMinutes: z.number().int().min(0).max(1440),
  bufferAfterMinutes: z.number().int().min(0).max(1440),
  capacity: z.number().int().min(1).max(1000).meta({ description: 'People per slot; more than 1 makes it a class.' }),
  locationType: z.enum(['in_person', 'online']),
  location: z.string().trim().max(500).nullable().meta({ description: 'Address, room, or the meeting link for online services.' }),
  minNoticeMinutes: z.number().int().min(0).max(525_600),
  maxAdvanceDays: z.number().int().min(0).max(730),
  slotStepMinutes: z.number().int().min(1).max(1440).nullable().meta({ description: 'Distance between start times; null = the duration.' }),
  price: MoneyInputSchema.nullable(),
  position: z.number().int().min(0).max(1_000_000),
};

export const ServiceCreateSchema = z
  .strictObject({
    name: serviceFields.name,
    description: serviceFields.description.optional(),
    durationMinutes: serviceFields.durationMinutes,
    bufferBeforeMinutes: serviceFields.bufferBeforeMinutes.default(0),
    bufferAfterMinutes: serviceFields.bufferAfterMinutes.default(0),
    capacity: serviceFields.capacity.default(1),
    locationType: serviceFields.locationType.default('in_person'),
    location: serviceFields.location.optional(),
    minNoticeMinutes: serviceFields.minNoticeMinutes.default(60),
    maxAdvanceDays: serviceFields.maxAdvanceDays.default(60),
    slotStepMinutes: serviceFields.slotStepMinutes.optional(),
    price: serviceFields.price.optional(),
    position: serviceFields.position.default(0),
  })
  .meta({ id: 'ServiceCreate' });

export const ServicePatchSchema = z
  .strictObject({
    name: serviceFields.name,
    description: serviceFields.description,
    durationMinutes: serviceFields.durationMinutes,
    bufferBeforeMinutes: serviceFields.bufferBeforeMinutes,
    bufferAfterMinutes: serviceFields.bufferAfterMinutes,
    capacity: serviceFields.capacity,
    locationType: serviceFields.locationType,
    location: serviceFields.location,
    minNoticeMinutes: serviceFields.minNoticeMinutes,
    maxAdvanceDays: serviceFields.maxAdvanceDays,
    slotStepMinutes: serviceFields.slotStepMinutes,
    price: serviceFields.price,
    position: serviceFields.position,
  })
  .partial()
  .meta({ id: 'ServicePatch' });

export const ServiceSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    durationMinutes: z.number().int(),
    bufferBeforeMinutes: z.number().int(),
    bufferAfterMinutes: z.number().int(),
    capacity: z.number().int(),
    locationType: z.enum(['in_person', 'online']),
    location: z.string().nullable(),
    minNoticeMinutes: z.number().int(),
    maxAdvanceDays: z.number().int(),
    slotStepMinutes: z.number().int().nullable(),
    price: MoneySchema.nullable(),
    position: z.number().int(),
    resourceIds: z.array(z.uuid()),
    createdAt: IsoDateTimeSchema,
    updatedAt: IsoDateTimeSchema,
  })
  .meta({ id: 'Service' });

export const ServiceListSchema = z.object({ items: z.array(ServiceSchema), nextCursor: z.string().nullable() }).meta({ id: 'ServiceList' });

// ---------------------------------------------------------------- resources

const resourceFields = {
  name: z.string().trim().min(1).max(200).meta({ example: 'Lena Hoffmann' }),
  kind: z.enum(['staff', 'room']),
  serviceIds: z
    .array(z.uuid())
    .max(200)
    .transform((ids) => [...new Set(ids)])
    .meta({ description: 'Services this resource gives; repeated ids are kept once.' }),
  timeZone: TimeZoneSchema,
  weeklyHours: WeeklyHoursSchema,
  position: z.number().int().min(0).max(1_000_000),
};

export const ResourceCreateSchema = z
  .strictObject({
    name: resourceFields.name,
    kind: resourceFields.kind.default('staff'),
    serviceIds: resourceFields.serviceIds,
    timeZone: resourceFields.timeZone,
    weeklyHours: resourceFields.weeklyHours,
    position: resourceFields.position.default(0),
  })
  .meta({ id: 'ResourceCreate' });

export const ResourcePatchSchema = z.strictObject(resourceFields).partial().meta({ id: 'ResourcePatch' });

export const ResourceSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind: z.enum(['staff', 'room']),
    serviceIds: z.array(z.uuid()),
    timeZone: z.string(),
    weeklyHours: WeeklyHoursSchema,
    position: z.number().int(),
    createdAt: IsoDateTimeSchema,
    updatedAt: IsoDateTimeSchema,
  })
  .meta({ id: 'Resource' });

export const ResourceListSchema = z.object({ items: z.array(ResourceSchema), nextCursor: z.string().nullable() }).meta({ id: 'ResourceList' });

// ---------------------------------------------------------------- overrides and holidays

export const OverrideParamsSchema = z.object({ id: z.uuid(), date: IsoDateSchema });
export const OverridePutSchema = z
  .strictObject({
    intervals: DayIntervals.meta({ description: 'Hours of that date, replacing the weekly hours; [] closes the day.' }),
    note: z.string().trim().max(500).nullable().optional(),
  })
  .meta({ id: 'OverridePut' });
export const OverrideSchema = z
  .object({ resourceId: z.uuid(), date: IsoDateSchema, intervals: z.array(LocalIntervalSchema), note: z.string().nullable() })
  .meta({ id: 'ResourceOverride' });
export const OverrideListSchema = z.object({ items: z.array(OverrideSchema), nextCursor: z.string().nullable() }).meta({ id: 'ResourceOverrideList' });
export const RangeQuerySchema = z.object({ from: IsoDateSchema.optional(), to: IsoDateSchema.optional() });

export const HolidayParamsSchema = z.object({ date: IsoDateSchema });
export const HolidayPutSchema = z.strictObject({ name: z.string().trim().max(200).nullable().optional() }).meta({ id: 'HolidayPut' });
export const HolidaySchema = z.object({ date: IsoDateSchema, name: z.string().nullable() }).meta({ id: 'Holiday' });
export const HolidayListSchema = z.object({ items: z.array(HolidaySchema), nextCursor: z.string().nullable() }).meta({ id: 'HolidayList' });

// ---------------------------------------------------------------- bookings

export const BookingStatusSchema = z.enum(['confirmed', 'cancelled', 'no_show']);

export const BookingSchema = z
  .object({
    id: z.uuid(),
    status: BookingStatusSchema,
    serviceId: z.uuid(),
    serviceName: z.string(),
    resourceId: z.uuid(),
    resourceName: z.string(),
    start: IsoDateTimeSchema,
    end: IsoDateTimeSchema,
    seats: z.number().int(),
    customer: z.object({ name: z.string(), email: z.string(), phone: z.string().nullable() }),
    notes: z.string().nullable(),
    customerTimeZone: z.string(),
    locale: z.string(),
    source: z.enum(['widget', 'chat', 'merchant']),
    conversationId: z.uuid().nullable(),
    cancelledAt: IsoDateTimeSchema.nullable(),
    cancelledBy: z.enum(['shopper', 'merchant']).nullable(),
    cancelReason: z.string().nullable(),
    noShowAt: IsoDateTimeSchema.nullable(),
    createdAt: IsoDateTimeSchema,
    updatedAt: IsoDateTimeSchema,
  })
  .meta({ id: 'Booking' });

export const BookingListQuerySchema = z.object({
  from: DateOrDateTimeSchema.optional(),
  to: DateOrDateTimeSchema.optional(),
  timeZone: TimeZoneSchema.optional(),
  status: BookingStatusSchema.optional(),
  serviceId: z.uuid().optional(),
  resourceId: z.uuid().optional(),
  cursor: z.string().min(1).max(512).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const BookingListSchema = z.object({ items: z.array(BookingSchema), nextCursor: z.string().nullable() }).meta({ id: 'BookingList' });
export const BookingGetQuerySchema = z.object({ timeZone: TimeZoneSchema.optional() });

export const CancelBookingSchema = z
  .strictObject({
    reason: freeText().trim().max(1000).optional(),
    /** Mail the shopper (default true). */
    notifyCustomer: z.boolean().default(true),
  })
  .meta({ id: 'CancelBooking' });

export const RescheduleBookingSchema = z
  .strictObject({
    start: IsoDateTimeSchema,
    /** Keep it with this resource; default: the current one if free, else any that can do the service. */
    resourceId: z.uuid().optional(),
    notifyCustomer: z.boolean().default(true),
  })
  .meta({ id: 'RescheduleBooking' });

export const MerchantAvailabilityQuerySchema = z.object({
  serviceId: z.uuid(),
  from: DateOrDateTimeSchema,
  to: DateOrDateTimeSchema,
  timeZone: TimeZoneSchema.optional(),
});
export const MerchantAvailabilitySchema = z
  .object({ timeZone: z.string(), slots: z.array(SlotSchema.extend({ resourceIds: z.array(z.uuid()), seatsLeft: z.number().int() })) })
  .meta({ id: 'MerchantAvailability' });

// ---------------------------------------------------------------- settings and notifications

export const BookingSettingsSchema = z
  .object({
    reminderOffsetsMinutes: z
      .array(z.number().int().min(1).max(43_200))
      .max(5)
      .transform((list) => [...new Set(list)].sort((a, b) => b - a))
      .meta({ description: 'Reminders this many minutes before the start (default 1440 and 60); [] sends none. Repeated values are kept once.', example: [1440, 60] }),
    notificationEmail: z.email().max(254).nullable().meta({ description: 'Where new-booking notes go; null = owners and admins.' }),
  })
  .meta({ id: 'BookingSettings' });

export const NotificationKindSchema = z.enum(['confirmation', 'merchant_notice', 'cancellation', 'reschedule', 'reminder']);
export const NotificationStatusSchema = z.enum(['pending', 'claimed', 'sent', 'dead', 'cancelled']);

export const NotificationSchema = z
  .object({
    id: z.uuid(),
    bookingId: z.uuid(),
    kind: NotificationKindSchema,
    offsetMinutes: z.number().int().nullable(),
    status: NotificationStatusSchema,
    dueAt: IsoDateTimeSchema,
    attempts: z.number().int(),
    nextAttemptAt: IsoDateTimeSchema,
    lastError: z.string().nullable(),
    sentAt: IsoDateTimeSchema.nullable(),
    createdAt: IsoDateTimeSchema,
  })
  .meta({ id: 'BookingNotification' });

export const NotificationListQuerySchema = z.object({
  status: NotificationStatusSchema.optional(),
  kind: NotificationKindSchema.optional(),
  bookingId: z.uuid().optional(),
  cursor: z.string().min(1).max(512).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const NotificationListSchema = z.object({ items: z.array(NotificationSchema), nextCursor: z.string().nullable() }).meta({ id: 'BookingNotificationList' });

export type ServiceCreate = z.output<typeof ServiceCreateSchema>;
export type ServicePatch = z.output<typeof ServicePatchSchema>;
export type ServiceBody = z.infer<typeof ServiceSchema>;
export type ResourceCreate = z.output<typeof ResourceCreateSchema>;
export type ResourcePatch = z.output<typeof ResourcePatchSchema>;
export type ResourceBody = z.infer<typeof ResourceSchema>;
export type BookingBody = z.infer<typeof BookingSchema>;
export type BookingSettings = z.output<typeof BookingSettingsSchema>;
export type NotificationBody = z.infer<typeof NotificationSchema>;
