/**
 * Currency arithmetic and formatting for Money (money.ts), without zod so a browser bundle may
 * include it: the minor unit's exponent comes from the currency itself (Intl knows ISO 4217):
 * EUR 2, JPY 0, KWD 3 — never a fixed "cents".
 */

/** The Money shape (money.ts validates it): a decimal string in major units plus an ISO 4217 code. */
interface MoneyValue {
  amount: string;
  currency: string;
}

const exponents = new Map<string, number>();

/** Decimal places of a currency's minor unit; undefined for a code Intl does not know. */
export function currencyExponent(currency: string): number | undefined {
  const code = currency.toUpperCase();
  if (!/^[A-Z]{3}$/.test(code)) return undefined;
  const hit = exponents.get(code);
  if (hit !== undefined) return hit;
  try {
    // Intl accepts any well-formed code; only the ones it names are real currencies.
    const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('currency').includes(code) : true;
    if (!known) return undefined;
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
    exponents.set(code, digits);
    return digits;
  } catch {
    return undefined;
  }
}

/** "49.90" EUR → 4990, "1200" JPY → 1200; throws RangeError on a malformed amount or too many decimals for the currency. */
export function toMinorUnits(amount: string, currency: string): number {
  const exponent = currencyExponent(currency);
  if (exponent === undefined) throw new RangeError(`unknown currency "${currency}"`);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!match) throw new RangeError(`"${amount}" is not a decimal amount such as "49.90"`);
  const [, sign, whole, fraction = ''] = match;
  if (/[1-9]/.test(fraction.slice(exponent))) throw new RangeError(`${currency.toUpperCase()} has ${exponent} decimal places`);
  const minor = BigInt(whole! + fraction.slice(0, exponent).padEnd(exponent, '0'));
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('amount is too large');
  return Number(sign === '-' ? -minor : minor);
}

/** 4990 EUR → { amount: "49.90", currency: "EUR" }; 1200 JPY → "1200"; 1500 KWD → "1.500". */
export function fromMinorUnits(minor: number | string | bigint, currency: string): MoneyValue {
  const code = currency.toUpperCase();
  const exponent = currencyExponent(code) ?? 2;
  const value = BigInt(minor);
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(exponent + 1, '0');
  const amount = exponent === 0 ? digits : `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
  return { amount: negative ? `-${amount}` : amount, currency: code };
}

/**
 * A platform's number or numeric string in major units (Shopify "129.00", Woo "12.5", a JPY 1200)
 * as Money with exactly the currency's decimals; undefined when it is not a finite amount.
 */
export function moneyFromDecimal(value: number | string, currency: string): MoneyValue | undefined {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value.trim();
  if (!/^-?\d+(\.\d+)?$/.test(text)) return undefined;
  const code = currency.toUpperCase();
  const exponent = currencyExponent(code) ?? 2;
  const [whole, fraction = ''] = text.replace(/^-/, '').split('.');
  // Round half away from zero at the currency's exponent, in decimal (no float arithmetic).
  let minor = BigInt(whole! + fraction.slice(0, exponent).padEnd(exponent, '0'));
  if ((fraction[exponent] ?? '0') >= '5') minor += 1n;
  return fromMinorUnits(text.startsWith('-') ? -minor : minor, code);
}

/** How a shopper reads it: "€49.90", "¥1,200", "49,90 €" — Intl with the reader's locale. */
export function formatMoney(money: MoneyValue, locale: string): string {
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency: money.currency }).format(Number(money.amount));
  } catch {
    return `${money.amount} ${money.currency}`;
  }
}
