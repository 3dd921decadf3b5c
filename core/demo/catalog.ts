/**
 * Demo data for "Demo Store", a small outfitter and tailor that also books fittings, repairs
 * consultations and workshops — so one store shows both the shop assistant and booking.
 * Data only: the seeding code and the offline assistant read these constants.
 * Product text is English on purpose; the offline assistant answers German from it too.
 */

export type Currency = 'EUR';

export interface DemoVariant {
  title: string;
  sku: string;
  priceCents: number;
  available: boolean;
}

export interface DemoProduct {
  /** URL-safe and unique; also the key for order items and cards. */
  handle: string;
  title: string;
  description: string;
  /** Lowest price the product sells for (the cheapest variant, if it has variants). */
  priceCents: number;
  currency: Currency;
  tags: string[];
  variants?: DemoVariant[];
}

export interface DemoFaqEntry {
  question: string;
  answer: string;
}

export interface DemoService {
  /** Stable key, so resources can name the services they offer before ids exist. */
  key: string;
  name: string;
  description: string;
  durationMinutes: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  /** Shoppers per slot: 1 for an appointment, more for a class. */
  capacity: number;
  location: string;
}

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
/** Local wall-clock times ("HH:mm") in the resource's zone; an empty list is a day off. */
export type WeeklyHours = Record<Weekday, { start: string; end: string }[]>;

export interface DemoStaff {
  name: string;
  role: string;
  timeZone: string;
  serviceKeys: string[];
  weeklyHours: WeeklyHours;
}

export type DemoOrderStatus = 'processing' | 'shipped' | 'delivered' | 'cancelled';

export interface DemoOrderItem {
  handle: string;
  title: string;
  sku?: string;
  quantity: number;
  /** Price of one unit. */
  priceCents: number;
}

export interface DemoOrder {
  number: string;
  email: string;
  customerName: string;
  status: DemoOrderStatus;
  items: DemoOrderItem[];
  shippingCents: number;
  /** Items plus shipping, VAT included. */
  totalCents: number;
  currency: Currency;
  /** ISO 8601 with offset. */
  placedAt: string;
  tracking?: { carrier: string; number: string; url: string };
}

export const DEMO_STORE = {
  name: 'Demo Store',
  tagline: 'Outfitter and tailor — clothing, leather goods, fittings and repairs',
  timeZone: 'Europe/Berlin',
  currency: 'EUR' as Currency,
  locale: 'en',
  email: 'hello@demo-store.example',
  address: 'Schneidergasse 12, 10115 Berlin, Germany',
} as const;

const sizes = (prefix: string, priceCents: number, labels: string[], soldOut: string[] = []): DemoVariant[] =>
  labels.map((label) => ({
    title: label,
    sku: `${prefix}-${label.replace(/[^0-9A-Za-z]+/g, '').toUpperCase()}`,
    priceCents,
    available: !soldOut.includes(label),
  }));

export const DEMO_PRODUCTS: readonly DemoProduct[] = [
  {
    handle: 'merino-wool-crew-sweater',
    title: 'Merino Wool Crew Sweater',
    description:
      'A fine-gauge crew neck knitted from extra-fine merino wool that stays soft, warm and breathable. Machine washable on the wool cycle. Fits true to size; size up for layering over a shirt.',
    priceCents: 8900,
    currency: 'EUR',
    tags: ['knitwear', 'wool', 'merino', 'sweater', 'men', 'women'],
    variants: sizes('MWS', 8900, ['S', 'M', 'L', 'XL'], ['XL']),
  },
  {
    handle: 'waxed-cotton-field-jacket',
    title: 'Waxed Cotton Field Jacket',
    description:
      'A four-pocket field jacket in British waxed cotton with a corduroy collar and a tartan lining. The wax finish is showerproof and can be re-proofed with our fabric wax. Regular fit with room for a sweater underneath.',
    priceCents: 24900,
    currency: 'EUR',
    tags: ['outerwear', 'jacket', 'waxed cotton', 'showerproof', 'men'],
    variants: sizes('WFJ', 24900, ['S', 'M', 'L', 'XL']),
  },
  {
    handle: 'waterproof-rain-shell',
    title: 'Waterproof Rain Shell',
    description:
      'A lightweight three-layer rain jacket with taped seams, a 20,000 mm waterproof rating and pit zips for ventilation. It packs into its own chest pocket. Cut for an active fit, so choose your usual size.',
    priceCents: 18900,
    currency: 'EUR',
    tags: ['outerwear', 'jacket', 'waterproof', 'rain', 'hiking', 'unisex'],
    variants: sizes('WRS', 18900, ['XS', 'S', 'M', 'L', 'XL'], ['XS']),
  },
  {
    handle: 'irish-linen-shirt',
    title: 'Irish Linen Shirt',
    description:
      'A relaxed summer shirt in washed Irish linen that keeps cool on hot days and softens with every wash. Mother-of-pearl buttons and a button-down collar. Runs slightly large; between sizes, take the smaller one.',
    priceCents: 7900,
    currency: 'EUR',
    tags: ['shirt', 'linen', 'summer', 'men'],
    variants: sizes('ILS', 7900, ['S', 'M', 'L', 'XL']),
  },
  {
    handle: 'wool-flannel-trousers',
    title: 'Wool Flannel Trousers',
    description:
      'Flat-front trousers in mid-grey wool flannel with side adjusters instead of belt loops. Hemmed to order free of charge in our workshop. Available in waist sizes 30 to 38.',
    priceCents: 12900,
    currency: 'EUR',
    tags: ['trousers', 'wool', 'flannel', 'tailoring', 'men'],
    variants: sizes('WFT', 12900, ['30', '32', '34', '36', '38'], ['38']),
  },
  {
    handle: 'tailored-navy-wool-suit',
    title: 'Tailored Navy Wool Suit',
    description:
      'A half-canvassed two-piece suit in navy Super 110s wool with a soft shoulder and a slim, not tight, cut. Every suit includes a free fitting and basic alterations in our workshop. Book a suit fitting to find your size.',
    priceCents: 59900,
    currency: 'EUR',
    tags: ['suit', 'wool', 'tailoring', 'wedding', 'men'],
    variants: sizes('TNS', 59900, ['46', '48', '50', '52', '54']),
  },
  {
    handle: 'linen-summer-blazer',
    title: 'Linen Summer Blazer',
    description:
      'An unstructured blazer in a breathable linen and cotton blend, unlined for warm weather. Patch pockets and horn buttons give it a relaxed look with jeans or chinos. Sleeves can be shortened in store.',
    priceCents: 27900,
    currency: 'EUR',
    tags: ['blazer', 'linen', 'summer', 'tailoring', 'men'],
  },
  {
    handle: 'oxford-cotton-shirt',
    title: 'Oxford Cotton Shirt',
    description:
      'The everyday button-down in a sturdy cotton Oxford cloth, in white or light blue. Collar sizes from 38 to 44, with a regular body. It gets better with age and does not need ironing if hung to dry.',
    priceCents: 6900,
    currency: 'EUR',
    tags: ['shirt', 'cotton', 'oxford', 'men'],
  },
  {
    handle: 'full-grain-leather-belt',
    title: 'Full-Grain Leather Belt',
    description:
      'A 35 mm belt cut from a single strip of vegetable-tanned full-grain leather with a solid brass buckle. It darkens to a rich patina over time. Choose your trouser waist size plus 5 cm.',
    priceCents: 5900,
    currency: 'EUR',
    tags: ['leather', 'belt', 'accessories', 'unisex'],
    variants: sizes('FLB', 5900, ['85 cm', '90 cm', '95 cm', '100 cm', '105 cm']),
  },
  {
    handle: 'leather-chelsea-boots',
    title: 'Leather Chelsea Boots',
    description:
      'Goodyear-welted Chelsea boots in dark brown calf leather on a rubber commando sole. They can be resoled in our repair service. EU sizes 40 to 46; they fit true to size.',
    priceCents: 22900,
    currency: 'EUR',
    tags: ['leather', 'boots', 'shoes', 'men', 'women'],
    variants: sizes('LCB', 22900, ['40', '41', '42', '43', '44', '45', '46'], ['40', '46']),
  },
  {
    handle: 'leather-weekender-bag',
    title: 'Leather Weekender Bag',
    description:
      'A roomy 45-litre holdall in full-grain leather with a cotton canvas lining, brass hardware and a detachable shoulder strap. It fits as cabin luggage on most airlines. Personal initials can be embossed on request.',
    priceCents: 29900,
    currency: 'EUR',
    tags: ['leather', 'bag', 'travel', 'gift'],
  },
  {
    handle: 'leather-card-wallet',
    title: 'Leather Card Wallet',
    description:
      'A slim card holder with four card slots and a centre pocket for notes, hand-stitched from vegetable-tanned leather. Available in tan, dark brown and black. A small gift that lasts for years.',
    priceCents: 4500,
    currency: 'EUR',
    tags: ['leather', 'wallet', 'accessories', 'gift'],
  },
  {
    handle: 'cashmere-scarf',
    title: 'Cashmere Scarf',
    description:
      'A generous 180 x 30 cm scarf woven in Scotland from pure cashmere, light yet very warm. Dry clean or hand wash cold. Comes gift-boxed.',
    priceCents: 9900,
    currency: 'EUR',
    tags: ['cashmere', 'scarf', 'accessories', 'winter', 'gift'],
  },
  {
    handle: 'lambswool-beanie',
    title: 'Lambswool Beanie',
    description:
      'A ribbed beanie in soft lambswool with a deep turn-up for winter walks. One size fits most adults. Hand wash cold and dry flat.',
    priceCents: 3500,
    currency: 'EUR',
    tags: ['wool', 'hat', 'accessories', 'winter', 'unisex'],
  },
  {
    handle: 'waxed-bucket-hat',
    title: 'Waxed Bucket Hat',
    description:
      'A rain-ready bucket hat in waterproof waxed cotton with a cotton lining and a wide brim. Made to match the field jacket. Sizes M (57 cm) and L (59 cm).',
    priceCents: 4900,
    currency: 'EUR',
    tags: ['hat', 'waxed cotton', 'waterproof', 'accessories'],
  },
  {
    handle: 'silk-tie',
    title: 'Silk Tie',
    description:
      'A hand-rolled tie in Italian printed silk, 8 cm wide, with a wool interlining for a full knot. Navy with a small white dot, the classic for a suit. Standard length 148 cm.',
    priceCents: 5500,
    currency: 'EUR',
    tags: ['tie', 'silk', 'accessories', 'tailoring', 'wedding'],
  },
  {
    handle: 'merino-hiking-socks-3-pack',
    title: 'Merino Hiking Socks (3 pack)',
    description:
      'Cushioned hiking socks with 70% merino wool that wicks moisture and resists odour on long days in boots. Reinforced heel and toe. Sizes 39-42 and 43-46.',
    priceCents: 2900,
    currency: 'EUR',
    tags: ['socks', 'merino', 'wool', 'hiking', 'unisex'],
  },
  {
    handle: 'leather-care-kit',
    title: 'Leather Care Kit',
    description:
      'Everything to keep boots, belts and bags supple: a beeswax leather balm, a horsehair brush and a polishing cloth. Suitable for smooth leather, not suede. This is the kit we use in the leather care workshop.',
    priceCents: 3900,
    currency: 'EUR',
    tags: ['leather', 'care', 'repair', 'gift'],
  },
  {
    handle: 'fabric-wax-tin',
    title: 'Fabric Wax Tin',
    description:
      'A 200 ml tin of dressing to re-proof waxed cotton jackets and hats and restore their waterproof finish. Warm the tin, work it in with a cloth and let it cure overnight. One tin treats about two jackets.',
    priceCents: 1500,
    currency: 'EUR',
    tags: ['care', 'waxed cotton', 'waterproof', 'repair'],
  },
  {
    handle: 'gift-card',
    title: 'Gift Card',
    description:
      'A gift card redeemable online and in store for clothing, leather goods, repairs and alterations. Delivered by email with a personal message. Valid for three years.',
    priceCents: 2500,
    currency: 'EUR',
    tags: ['gift', 'gift card'],
    variants: [
      { title: '€25', sku: 'GC-25', priceCents: 2500, available: true },
      { title: '€50', sku: 'GC-50', priceCents: 5000, available: true },
      { title: '€100', sku: 'GC-100', priceCents: 10000, available: true },
    ],
  },
];

export const DEMO_FAQ: readonly DemoFaqEntry[] = [
  {
    question: 'How much does shipping cost and how long does delivery take?',
    answer:
      'Standard shipping within Germany is €4.90 and free on orders over €100; it usually arrives in 1-3 working days. EU delivery costs €9.90 and takes 3-6 working days. Orders placed before 2 pm on a working day leave our workshop the same day.',
  },
  {
    question: 'What is your return policy?',
    answer:
      'You can return unworn items within 30 days of delivery for a full refund. Start a return with your order number and email address and we send you a prepaid label (within Germany). Altered or personalised items, such as hemmed trousers or embossed bags, cannot be returned.',
  },
  {
    question: 'How do I find my size?',
    answer:
      'Each product page gives fit notes and a size chart in centimetres. Most of our clothing fits true to size; linen shirts run slightly large. If you are between sizes, book a free fitting in store or send us your measurements and we recommend a size.',
  },
  {
    question: 'Which payment methods do you accept?',
    answer:
      'We accept Visa, Mastercard, American Express, PayPal, Apple Pay, Google Pay and Klarna (pay later). In store you can also pay by debit card (girocard) or cash. Gift cards can be combined with any payment method.',
  },
  {
    question: 'When is the store open?',
    answer:
      'Our Berlin store and workshop are open Monday to Friday from 9:00 to 17:00 and Saturday from 10:00 to 14:00, closed on Sundays and public holidays. Fittings and consultations are easiest with an appointment, which you can book right here in the chat.',
  },
  {
    question: 'Do you offer repairs and alterations?',
    answer:
      'Yes. Our workshop hems trousers, shortens sleeves, takes in suits, replaces zips and repairs and resoles leather boots. Simple hems start at €15 and take about a week; book an alterations consultation and we will quote the rest. Alterations on suits bought from us are free.',
  },
  {
    question: 'How can I track my order?',
    answer:
      'You receive a shipping email with a tracking link as soon as your parcel leaves us. You can also ask here in the chat: give your order number and the email address you used, and we tell you the status.',
  },
  {
    question: 'How do I care for waxed cotton and leather?',
    answer:
      'Brush off dirt and wipe waxed cotton with a damp cloth, never wash it in a machine; re-proof it with fabric wax once or twice a year. Feed smooth leather with a balm every few months and let wet leather dry away from radiators. Our leather care workshop shows all of this in 90 minutes.',
  },
];

export const DEMO_SERVICES: readonly DemoService[] = [
  {
    key: 'suit-fitting',
    name: 'Suit fitting',
    description:
      'A personal fitting with our tailor: we find your size, pin the alterations and talk through fabrics. Free with any suit purchase.',
    durationMinutes: 45,
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 15,
    capacity: 1,
    location: 'In store, Berlin',
  },
  {
    key: 'alterations-consultation',
    name: 'Alterations consultation',
    description:
      'Bring the garment or boots you want altered or repaired; we measure, advise and give you a price and a ready date.',
    durationMinutes: 30,
    bufferBeforeMinutes: 5,
    bufferAfterMinutes: 10,
    capacity: 1,
    location: 'In store, Berlin',
  },
  {
    key: 'leather-care-workshop',
    name: 'Leather care workshop',
    description:
      'A small hands-on class: clean, feed and polish your own boots, belt or bag with our leather care kit. Up to six participants; materials included.',
    durationMinutes: 90,
    bufferBeforeMinutes: 15,
    bufferAfterMinutes: 15,
    capacity: 6,
    location: 'Workshop, Berlin store',
  },
];

const STORE_HOURS: WeeklyHours = {
  mon: [{ start: '09:00', end: '17:00' }],
  tue: [{ start: '09:00', end: '17:00' }],
  wed: [{ start: '09:00', end: '17:00' }],
  thu: [{ start: '09:00', end: '17:00' }],
  fri: [{ start: '09:00', end: '17:00' }],
  sat: [{ start: '10:00', end: '14:00' }],
  sun: [],
};

export const DEMO_STAFF: readonly DemoStaff[] = [
  {
    name: 'Lena Hoffmann',
    role: 'Master tailor',
    timeZone: 'Europe/Berlin',
    serviceKeys: ['suit-fitting', 'alterations-consultation'],
    weeklyHours: STORE_HOURS,
  },
  {
    name: 'Jonas Weber',
    role: 'Leather craftsman',
    timeZone: 'Europe/Berlin',
    serviceKeys: ['alterations-consultation', 'leather-care-workshop'],
    weeklyHours: STORE_HOURS,
  },
];

export const DEMO_ORDERS: readonly DemoOrder[] = [
  {
    number: '1001',
    email: 'anna.schmidt@example.com',
    customerName: 'Anna Schmidt',
    status: 'delivered',
    items: [
      { handle: 'merino-wool-crew-sweater', title: 'Merino Wool Crew Sweater – M', sku: 'MWS-M', quantity: 1, priceCents: 8900 },
      { handle: 'cashmere-scarf', title: 'Cashmere Scarf', quantity: 1, priceCents: 9900 },
    ],
    shippingCents: 0,
    totalCents: 18800,
    currency: 'EUR',
    placedAt: '2026-11-03T10:42:00+01:00',
    tracking: { carrier: 'DHL', number: '00340434161094042557', url: 'https://www.dhl.de/en/privatkunden/dhl-sendungsverfolgung.html?piececode=00340434161094042557' },
  },
  {
    number: '1002',
    email: 'james.miller@example.com',
    customerName: 'James Miller',
    status: 'shipped',
    items: [
      { handle: 'waterproof-rain-shell', title: 'Waterproof Rain Shell – L', sku: 'WRS-L', quantity: 1, priceCents: 18900 },
      { handle: 'merino-hiking-socks-3-pack', title: 'Merino Hiking Socks (3 pack)', quantity: 2, priceCents: 2900 },
    ],
    shippingCents: 990,
    totalCents: 25690,
    currency: 'EUR',
    placedAt: '2026-11-18T19:05:00+01:00',
    tracking: { carrier: 'DHL', number: '00340434161094099812', url: 'https://www.dhl.de/en/privatkunden/dhl-sendungsverfolgung.html?piececode=00340434161094099812' },
  },
  {
    number: '1003',
    email: 'lukas.becker@example.com',
    customerName: 'Lukas Becker',
    status: 'processing',
    items: [
      { handle: 'full-grain-leather-belt', title: 'Full-Grain Leather Belt – 95 cm', sku: 'FLB-95CM', quantity: 1, priceCents: 5900 },
      { handle: 'leather-care-kit', title: 'Leather Care Kit', quantity: 1, priceCents: 3900 },
    ],
    shippingCents: 490,
    totalCents: 10290,
    currency: 'EUR',
    placedAt: '2026-11-21T08:15:00+01:00',
  },
];
