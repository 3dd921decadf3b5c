import { describe, expect, it } from 'vitest';
import { BotCreateSchema, BotPatchSchema, normalizeOrigin } from '../../../core/tenancy/bots.schema.ts';

describe('bot settings validation', () => {
  it('accepts origins and normalises them as browsers send them', () => {
    expect(normalizeOrigin('https://Shop.Example/')).toBe('https://shop.example');
    expect(normalizeOrigin('https://shop.example:443')).toBe('https://shop.example');
    expect(normalizeOrigin('http://localhost:3000')).toBe('http://localhost:3000');
  });

  it('refuses anything that is not an origin', () => {
    for (const bad of ['shop.example', 'https://shop.example/path', 'https://shop.example?x=1', 'https://user:pw@shop.example', 'ftp://shop.example', 'javascript:alert(1)', '*', 'https://shop.example#top']) {
      expect(normalizeOrigin(bad), bad).toBeUndefined();
    }
  });

  it('names the bad field: origin, time zone, theme', () => {
    const result = BotCreateSchema.safeParse({ name: 'Bot', allowedOrigins: ['https://ok.example', 'https://bad.example/path'], timeZone: 'Mars/Olympus_Mons', theme: { accentColor: 'purple', font: 'x' } });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['allowedOrigins.1', 'timeZone', 'theme.accentColor', 'theme']));
  });

  it('accepts IANA zones and dedupes origins', () => {
    const parsed = BotCreateSchema.parse({ name: 'Bot', allowedOrigins: ['https://a.example', 'https://A.example/'], timeZone: 'America/New_York' });
    expect(parsed.allowedOrigins).toEqual(['https://a.example']);
  });

  it('a patch must change something', () => {
    expect(BotPatchSchema.safeParse({}).success).toBe(false);
    expect(BotPatchSchema.safeParse({ greeting: null }).success).toBe(true);
  });
});
