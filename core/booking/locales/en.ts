// English strings of booking mails. Plain text only: the templates escape everything for HTML.
// Placeholders are typed parameters, so a translation cannot forget one.

export const en = {
  labels: {
    service: 'Service',
    when: 'When',
    where: 'Where',
    store: 'Store',
    customer: 'Customer',
    email: 'Email',
    phone: 'Phone',
    notes: 'Notes',
    yourNotes: 'Your notes',
    staff: 'With',
    previously: 'Previously',
    shopperTime: "Customer's local time",
    reason: 'Reason',
  },
  confirmation: {
    subject: (p: { service: string; date: string }) => `Booking confirmed: ${p.service}, ${p.date}`,
    greeting: (p: { name: string }) => `Hi ${p.name},`,
    intro: (p: { service: string; store: string }) => `Your booking for ${p.service} at ${p.store} is confirmed.`,
    calendar: 'The attached calendar file adds the appointment to your calendar.',
    manageIntro: 'Need to reschedule or cancel? Use your personal link:',
    manageAction: 'Manage booking',
    privateLink: 'Keep this link to yourself: anyone who has it can change your booking.',
  },
  merchant: {
    subject: (p: { service: string; date: string; customer: string }) => `New booking: ${p.service}, ${p.date} (${p.customer})`,
    intro: (p: { service: string }) => `A customer booked ${p.service}.`,
    openAction: 'Open in dashboard',
  },
  cancellation: {
    subject: (p: { service: string; date: string }) => `Booking cancelled: ${p.service}, ${p.date}`,
    greeting: (p: { name: string }) => `Hi ${p.name},`,
    introByShopper: (p: { service: string; store: string }) => `Your booking for ${p.service} at ${p.store} has been cancelled, as you asked.`,
    introByMerchant: (p: { service: string; store: string }) =>
      `We are sorry: ${p.store} had to cancel your booking for ${p.service}.`,
    calendar: 'The attached calendar file removes the appointment from your calendar.',
    bookAgainIntro: 'You are welcome to book another time:',
    bookAgainAction: 'Book again',
  },
  reschedule: {
    subject: (p: { service: string; date: string }) => `Booking moved: ${p.service}, now ${p.date}`,
    greeting: (p: { name: string }) => `Hi ${p.name},`,
    intro: (p: { service: string; store: string }) => `Your booking for ${p.service} at ${p.store} has a new time.`,
    calendar: 'The attached calendar file updates the appointment in your calendar.',
    manageIntro: 'Need another change? Use your personal link:',
    manageAction: 'Manage booking',
  },
  reminder: {
    subject: (p: { service: string; relative: string }) => `Reminder: ${p.service} ${p.relative}`,
    greeting: (p: { name: string }) => `Hi ${p.name},`,
    intro: (p: { service: string; store: string; relative: string }) =>
      `A quick reminder: your appointment for ${p.service} at ${p.store} is ${p.relative}.`,
    manageIntro: 'Cannot make it? Please reschedule or cancel:',
    manageAction: 'Manage booking',
  },
  footer: (p: { store: string }) => `Sent by ${p.store} via Concierge.`,
};

export type BookingMailStrings = typeof en;
