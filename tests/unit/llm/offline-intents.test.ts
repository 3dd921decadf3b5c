import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeMessage } from '../../../adapters/llm/offline/index.ts';

/**
 * Issue #18: the offline assistant dropped parts of questions ("Monday at 10" got Friday slots,
 * "rain shell in size L" a generic list). 100 English and German shopper sentences with the
 * intent and slots they carry; at least 90 % must be read right. The figure is printed.
 */
interface Case {
  text: string;
  lang: 'en' | 'de';
  intent: string;
  slots: Record<string, string>;
}
const fixture = JSON.parse(readFileSync(new URL('../../fixtures/offline-intents.json', import.meta.url), 'utf8')) as { today: string; sentences: Case[] };

describe('offline intents and slots (tests/fixtures/offline-intents.json)', () => {
  it('has 100 sentences in English and German', () => {
    expect(fixture.sentences).toHaveLength(100);
    expect(new Set(fixture.sentences.map((c) => c.lang))).toEqual(new Set(['en', 'de']));
  });

  it('reads at least 90 % of them right (intent and every expected slot)', () => {
    const failures: string[] = [];
    for (const c of fixture.sentences) {
      const got = analyzeMessage(c.text, { today: fixture.today });
      const wrong: string[] = [];
      if (got.intent !== c.intent) wrong.push(`intent ${got.intent} ≠ ${c.intent}`);
      for (const [key, want] of Object.entries(c.slots)) {
        const have = got.slots[key as keyof typeof got.slots];
        const ok = key === 'query' ? (have ?? '').includes(want) : have === want;
        if (!ok) wrong.push(`${key} ${have ?? '∅'} ≠ ${want}`);
      }
      if (wrong.length) failures.push(`${JSON.stringify(c.text)}: ${wrong.join(', ')}`);
    }
    const passed = fixture.sentences.length - failures.length;
    const accuracy = (100 * passed) / fixture.sentences.length;
    console.info(`offline intent/slot accuracy: ${passed}/${fixture.sentences.length} = ${accuracy.toFixed(1)} %${failures.length ? `\n  misses:\n  ${failures.join('\n  ')}` : ''}`);
    expect(accuracy).toBeGreaterThanOrEqual(90);
  });
});
