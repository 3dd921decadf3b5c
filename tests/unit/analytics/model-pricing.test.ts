import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE, estimateCostUsd, MODEL_PRICES, priceOf } from '../../../core/analytics/model-pricing.ts';

describe('model pricing', () => {
  it('prices a model by its longest matching family name, dated snapshots included', () => {
    expect(priceOf('openai', 'gpt-4o-mini')).toEqual({ inputPerMillion: 0.15, outputPerMillion: 0.6 });
    expect(priceOf('openai', 'gpt-4o-mini-2024-07-18')).toBe(MODEL_PRICES['gpt-4o-mini']);
    expect(priceOf('openai', 'gpt-4o-2024-08-06')).toBe(MODEL_PRICES['gpt-4o']);
    expect(priceOf('openai', 'gpt-4.1-mini')).toBe(MODEL_PRICES['gpt-4.1-mini']);
    expect(priceOf('openai', 'GPT-5-nano')).toBe(MODEL_PRICES['gpt-5-nano']);
  });

  it('does not take a longer name for a family it merely starts with', () => {
    // "gpt-4oops" is not "gpt-4o": unknown, default price.
    expect(priceOf('openai', 'gpt-4oops')).toBe(DEFAULT_PRICE);
  });

  it('prices unknown models at the documented default and the offline adapter at zero', () => {
    expect(priceOf('openai', 'llama-3.1-70b')).toEqual(DEFAULT_PRICE);
    expect(DEFAULT_PRICE).toEqual({ inputPerMillion: 2.5, outputPerMillion: 10 });
    expect(priceOf('offline', 'gpt-4o')).toEqual({ inputPerMillion: 0, outputPerMillion: 0 });
  });

  it('sums input and output tokens per model, rounded to a millionth of a dollar', () => {
    expect(
      estimateCostUsd([
        { adapter: 'openai', model: 'gpt-4o-mini', promptTokens: 2500, completionTokens: 500 }, // 0.000375 + 0.0003
        { adapter: 'openai', model: 'gpt-4o', promptTokens: 2000, completionTokens: 500 }, // 0.005 + 0.005
        { adapter: 'offline', model: 'offline', promptTokens: 100, completionTokens: 50 },
      ]),
    ).toBe(0.010675);
    expect(estimateCostUsd([])).toBe(0);
  });
});
