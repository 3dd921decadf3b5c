/**
 * Whether a string is an IANA time zone name the runtime knows ("Europe/Berlin", "UTC") — the one
 * check every schema and service uses. A name, not an offset: Node 24's ICU also accepts "+01:00",
 * which has no daylight-saving rules and is not what a store or a shopper lives in.
 */
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

export function isIanaTimeZone(zone: string): boolean {
  if (zone.length > 64 || !IANA_NAME.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
