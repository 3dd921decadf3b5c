/** Small helpers every platform's mapping needs when it turns platform data into normalized events. */

/** An absolute http(s) URL as a string, or undefined for anything else (relative, javascript:, data:, malformed). */
export function httpUrl(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}
