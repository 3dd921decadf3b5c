/**
 * Money formatting and minor-unit arithmetic for the browser bundles (widget, dashboard): the SDK's
 * zod-free currency module, so "¥1,200" and "49,90 €" are written the same way everywhere.
 */
export { currencyExponent, formatMoney, fromMinorUnits, moneyFromDecimal, toMinorUnits } from '../../plugins/sdk/currency.ts';
