/**
 * The offline model's public surface: the LLM port implementation (for core/bootstrap.ts) and the
 * pure pieces tests exercise directly. Everything else in this folder is internal; see README.md.
 */
export { createOfflineLlm, type OfflineLlmOptions } from './model.ts';
export { planOfflineTurn } from './planner.ts';
export { analyzeMessage } from './analysis.ts';
export { detectLanguage } from './language.ts';
export { extractQuery } from './query.ts';
export { parseSlotWish } from './when.ts';
