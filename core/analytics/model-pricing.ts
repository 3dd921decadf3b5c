/**
 * The one price table behind "estimated cost" (issue #7): USD per 1 million tokens, input (prompt)
 * and output (completion), at the providers' public list prices without batch or cached-input
 * discounts (checked 2026-11). It is an estimate for the merchant's dashboard, not a bill.
 *
 * - A model matches the entry with the longest prefix, so dated snapshots such as
 *   "gpt-4o-mini-2024-07-18" take their family's price.
 * - The "offline" adapter runs no model and costs nothing, whatever model name it reports.
 * - Any other model is priced at DEFAULT_PRICE, deliberately a mid-to-high tier (gpt-4o), so an
 *   unknown model is over- rather than under-estimated.
 * Rollups store tokens per adapter and model, never money: changing this table re-prices history.
 */

export interface ModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
}

export const MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  'gpt-5': { inputPerMillion: 1.25, outputPerMillion: 10 },
  'gpt-5-mini': { inputPerMillion: 0.25, outputPerMillion: 2 },
  'gpt-5-nano': { inputPerMillion: 0.05, outputPerMillion: 0.4 },
  'gpt-4.1': { inputPerMillion: 2, outputPerMillion: 8 },
  'gpt-4.1-mini': { inputPerMillion: 0.4, outputPerMillion: 1.6 },
  'gpt-4.1-nano': { inputPerMillion: 0.1, outputPerMillion: 0.4 },
  'gpt-4o': { inputPerMillion: 2.5, outputPerMillion: 10 },
  'gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6 },
  'o4-mini': { inputPerMillion: 1.1, outputPerMillion: 4.4 },
  'gpt-3.5-turbo': { inputPerMillion: 0.5, outputPerMillion: 1.5 },
};

export const DEFAULT_PRICE: ModelPrice = MODEL_PRICES['gpt-4o']!;
export const FREE: ModelPrice = { inputPerMillion: 0, outputPerMillion: 0 };
/** Adapters that call no paid model. */
export const FREE_ADAPTERS: ReadonlySet<string> = new Set(['offline']);

const byLengthDesc = Object.keys(MODEL_PRICES).sort((a, b) => b.length - a.length);

export function priceOf(adapter: string, model: string): ModelPrice {
  if (FREE_ADAPTERS.has(adapter)) return FREE;
  const name = model.toLowerCase();
  const key = byLengthDesc.find((prefix) => name === prefix || name.startsWith(`${prefix}-`));
  return key ? MODEL_PRICES[key]! : DEFAULT_PRICE;
}

export function estimateCostUsd(usage: { adapter: string; model: string; promptTokens: number; completionTokens: number }[]): number {
  let total = 0;
  for (const u of usage) {
    const price = priceOf(u.adapter, u.model);
    total += (u.promptTokens * price.inputPerMillion + u.completionTokens * price.outputPerMillion) / 1_000_000;
  }
  return Math.round(total * 1e6) / 1e6;
}
