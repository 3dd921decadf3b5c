/**
 * The languages the offline model speaks: their phrasebooks, and which one a conversation is in.
 * A new language adds its phrasebook here and its marker words to the detection below.
 */
import { de } from './phrasebook.de.ts';
import { en } from './phrasebook.en.ts';
import type { OfflineLang, Phrasebook } from './phrasebook.ts';
import { words } from './text.ts';

export type { OfflineLang };

export const PHRASEBOOKS: Record<OfflineLang, Phrasebook> = { en, de };

const DE_WORDS = new Set(
  'ich du sie wir ihr mein meine meinen meiner mir mich dich ihnen euch haben habt hast hat gibt und oder aber auch nicht nichts kein keine ein eine einen einer der die das den dem des ist sind bin war wird werden wurde möchte möchten würde würden gerne gern bitte danke hallo moin servus tschüss wie wo wann warum welche welcher welches wer was für mit von zu zum zur im auf aus bei nach über unter noch schon doch mal termin bestellung lieferung sendung paket suche suchen brauche kann können könnt könnten einen habe hätte gut guten tag morgen abend vielen dank schön mitarbeiter mensch sprechen buchen vereinbaren beratung preis kostet kosten versand rückgabe größe jacke hose hemd schuhe pullover'.split(
    ' ',
  ),
);
const EN_WORDS = new Set(
  'i you we my your me our the and or but not no is are am was were be been have has had do does did can could would should will want like need looking look find please thanks thank hello hi hey what where when why how which who for with from about this that these those any some there here order appointment book booking schedule talk speak person human price cost shipping return size jacket shirt shoes sweater much many of to it'.split(
    ' ',
  ),
);

/** Scores one text; positive = German. */
function germanScore(text: string): number {
  let score = /[äöüß]/i.test(text) ? 2 : 0;
  for (const w of words(text)) {
    if (DE_WORDS.has(w)) score += 1;
    if (EN_WORDS.has(w)) score -= 1;
  }
  return score;
}

/** Language of the newest user message that says something decisive, else the request locale. */
export function detectLanguage(userTexts: string[], locale?: string): OfflineLang {
  for (let i = userTexts.length - 1; i >= 0; i--) {
    const s = germanScore(userTexts[i]!);
    if (s > 0) return 'de';
    if (s < 0) return 'en';
  }
  return locale?.toLowerCase().startsWith('de') ? 'de' : 'en';
}
