/**
 * RFC 4180 CSV: fields separated by commas, records ended by CRLF; a field that contains a comma,
 * a double quote, CR or LF is enclosed in double quotes, and its double quotes are doubled.
 * Text (never numbers) starting with = + - @ or a tab gets a leading apostrophe, so a spreadsheet
 * opening the export does not run it as a formula (OWASP "CSV injection").
 */

export type CsvValue = string | number | null | undefined;

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRecord(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
