/** English. */
import { numbered, type Phrasebook } from './phrasebook.ts';

export const en: Phrasebook = {
  greeting: 'Hello! I can help you find products, check an order or book an appointment. What can I do for you?',
  thanks: "You're welcome! Is there anything else I can help you with?",
  bye: 'Goodbye, and thanks for visiting!',
  ack: 'Great. Is there anything else I can help you with?',
  help: 'I can help you find products, answer questions about the shop, check an order or book an appointment. What are you looking for?',
  refuseInstructions:
    "I can't share my internal instructions. I'm happy to help with products, orders or appointments, though. What are you looking for?",
  askOrderDetails: (n, e) =>
    n && e
      ? 'I can check that for you. Please tell me your order number and the email address you used for the order.'
      : n
        ? 'Thanks. What is the order number?'
        : 'Thanks. To protect your privacy, please also tell me the email address you used for the order.',
  orderHeadline: (number, status, placedOn) => `Order **#${number}** is **${status}** (placed on ${placedOn}).`,
  orderNotFound:
    "I couldn't find an order with that number and email address. Please check both, or I can connect you with a person.",
  handoffRequested: "I've asked a member of our team to join. They'll reply here in this chat shortly.",
  handoffUnavailable:
    "Sorry, nobody from the team is available right now. Leave your email address and we'll get back to you as soon as possible.",
  handoffNotOffered: "I can't connect you with a person from here right now. Please leave your email address and the team will get back to you.",
  waiting: (online) =>
    online
      ? "A member of our team has been asked to join and will reply here shortly. Meanwhile I'm happy to help with products, orders or appointments."
      : "Our team is offline right now, so nobody can reply in this chat at the moment. Leave your email address and they'll answer by email. Meanwhile I'm happy to help with products, orders or appointments.",
  waitingNote: (online) =>
    online ? '_A person from our team will join this chat shortly._' : "_Our team is offline right now: leave your email address and they'll reply by email._",
  bookingNotOffered: "I can't book appointments here right now. Would you like me to connect you with a person?",
  noServices: "There are no appointments to book at the moment. Would you like me to connect you with a person?",
  chooseService: (services, f) =>
    `We offer these appointments:\n${numbered(services.map((s) => `**${s.name}** (${s.durationMinutes} min${s.price ? `, ${f.money(s.price)}` : ''})`))}\nWhich one would you like to book?`,
  noSlots: (name) =>
    `Sorry, there are no free times${name ? ` for ${name}` : ''} in the coming days. Would you like to try another appointment, or shall I connect you with a person?`,
  chooseSlot: (name, slots, tz, f) =>
    `These times are free${name ? ` for **${name}**` : ''} (${tz}):\n${numbered(slots.map((s) => f.slot(s.start, tz)))}\nWhich time suits you? You can reply "the first one" or a time such as "${f.time(slots[0]!.start, tz)}".`,
  slotNotAvailable: (slots, tz, f) =>
    `That time isn't available. These times are free (${tz}):\n${numbered(slots.map((s) => f.slot(s.start, tz)))}\nWhich one would you like?`,
  proposal: (p, f) =>
    `Here is your booking proposal: **${p.serviceName}** on ${f.slot(p.start, p.timeZone)}–${f.time(p.end, p.timeZone)} (${p.timeZone}). Please check the details and confirm on the card.`,
  confirmOnCard: "Please confirm the booking with the button on the card. I can't book it for you without your confirmation.",
  slotTaken: 'Sorry, that time has just been taken. Shall I show you the other free times?',
  productsIntro: 'Here is what I found:',
  productsOutro: 'Would you like more details on one of them?',
  faqIntro: 'From our FAQ:',
  alsoProducts: 'Products that may fit:',
  nothingFound: (q) =>
    `I couldn't find anything matching "${q}" in our shop. Would you like me to connect you with a person?`,
  productNotFound: "Sorry, I couldn't find the details of that product. Can I help you with something else?",
  searchNotOffered: "I can't search the shop right now. Would you like me to connect you with a person?",
  toolFailed: 'Sorry, something went wrong on our side. Please try again in a moment, or I can connect you with a person.',
  orderStatus: {
    pending: 'pending',
    processing: 'being processed',
    on_hold: 'on hold',
    partially_shipped: 'partially shipped',
    shipped: 'shipped',
    delivered: 'delivered',
    completed: 'completed',
    cancelled: 'cancelled',
    refunded: 'refunded',
    failed: 'failed',
  },
  labels: { was: 'was', soldOut: 'sold out', inStock: 'Available', outOfStock: 'Sold out', items: 'Items', total: 'Total', tracking: 'Tracking' },
};
