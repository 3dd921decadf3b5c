import { z } from 'zod';
import { currencyExponent } from './currency.ts';

export * from './currency.ts';

/**
 * Money, the one definition for the whole product (platform plugins, core, wire, widget):
 * a decimal string in major units plus an ISO 4217 code — never a float, never a fixed "cents".
 * The minor unit's exponent comes from the currency itself (Intl knows ISO 4217): EUR 2, JPY 0, KWD 3.
 *
 * Arithmetic and formatting are in currency.ts (no zod), which the widget bundle includes.
 */

export const moneySchema = z.object({
  /** Decimal string in major units, e.g. "129.00" (EUR) or "1200" (JPY). */
  amount: z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string such as "49.90"'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as "EUR"'),
});
export type Money = z.infer<typeof moneySchema>;

/**
 * Money a person or a platform sends in: a non-negative amount of at most 15 integer digits and no
 * more decimals than the currency has, in a currency Intl knows.
 */
export const moneyInputSchema = z
  .object({
    amount: z.string().regex(/^\d{1,15}(\.\d{1,3})?$/, 'must be a decimal string such as "49.90"'),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as "EUR"')
      .refine((c) => currencyExponent(c) !== undefined, 'is not an ISO 4217 currency')
      .meta({ description: 'An ISO 4217 currency code the server knows (e.g. EUR, JPY, KWD).' }),
  })
  .superRefine((money, ctx) => {
    const exponent = currencyExponent(money.currency);
    // Object refinements run even when a field failed its own check: look only at well-formed amounts.
    if (exponent === undefined || !/^\d{1,15}(\.\d{1,3})?$/.test(money.amount)) return;
    const decimals = money.amount.split('.')[1]?.length ?? 0;
    if (decimals > exponent) ctx.addIssue({ code: 'custom', path: ['amount'], message: `${money.currency} has ${exponent} decimal places` });
    else if (BigInt(money.amount.replace('.', '')) * 10n ** BigInt(exponent - decimals) > BigInt(Number.MAX_SAFE_INTEGER)) ctx.addIssue({ code: 'custom', path: ['amount'], message: 'is too large' });
  });
