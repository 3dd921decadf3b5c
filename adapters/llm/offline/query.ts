/**
 * The search words of a shopper message: stop words dropped, and German shop words translated to
 * the English a catalog uses ("Regenjacke" → "rain jacket") for a second search.
 */
import { words } from './text.ts';

export const STOPWORDS = new Set(
  (
    // English
    "a an the i i'm im i'd me my mine we us our you your yours he she it its they them their do does did doing have has had " +
    'having any some is are was were be been being am can could would should will shall may might must please thanks thank for ' +
    'someone somebody anyone ' +
    'hi hello hey looking look searching search find finding want wanted need needs like love to of in on at with without ' +
    'about from by and or but so that this these those there here what which who whom whose where when why how much many ' +
    'cost costs price prices priced sell sells selling offer offers carry stock available show tell know get buy purchase ' +
    'recommend suggest something anything got also just really very maybe perhaps kind sort type good nice best one ones ' +
    "if then than too not no yes sure ok okay well oh um uh hmm again still more most other else don't dont doesn't isn't " +
    // German
    'ich du er es wir ihr sie mein meine meinen meiner meines mir mich dich dir uns euch ihnen haben habt hast hat habe hätte ' +
    'gibt gibts einen eine einer eines ein der die das den dem des und oder aber auch nur noch bitte danke hallo suche suchen ' +
    'such sucht möchte möchten will wollen würde würden gerne gern kann können könnt könnten brauche brauchen benötige ' +
    'zeigen zeig zeigt bei für fuer mit von zu zum zur im in am an auf aus was wie wo wann welche welcher welches welchen wer ' +
    'warum viel viele kostet kosten preis preise verkauft verkaufen verkauf etwas irgendwas so sehr mal ist sind sein war ' +
    'gut gute guten schön nicht kein keine keinen ja nein denn dann doch schon da hier dort euren eure euer ihren ihre ' +
    'nach über unter vor um bis ohne gegen durch ob dass weil wenn jemand jemanden'
  ).split(/\s+/),
);

/** German shop vocabulary → the words an English catalog uses. */
const GLOSSARY: Record<string, string> = {
  pullover: 'sweater', pulli: 'sweater', strickpullover: 'sweater', jacke: 'jacket', mantel: 'coat', hemd: 'shirt',
  hose: 'trousers', anzug: 'suit', anzüge: 'suit', sakko: 'blazer', gürtel: 'belt', stiefel: 'boots', schuh: 'shoes',
  tasche: 'bag', reisetasche: 'weekender bag', geldbörse: 'wallet', portemonnaie: 'wallet', geldbeutel: 'wallet',
  kartenetui: 'card wallet', schal: 'scarf', mütze: 'beanie', hut: 'hat', krawatte: 'tie', socke: 'socks', wolle: 'wool',
  leder: 'leather', seide: 'silk', baumwolle: 'cotton', leinen: 'linen', kaschmir: 'cashmere', gutschein: 'gift card',
  geschenk: 'gift', pflege: 'care', wachs: 'wax', wasserdicht: 'waterproof', regen: 'rain', sommer: 'summer',
  wandern: 'hiking', wander: 'hiking', versand: 'shipping', versandkosten: 'shipping cost', lieferung: 'delivery',
  lieferzeit: 'delivery', rückgabe: 'return', retoure: 'return', zurückgeben: 'return', umtausch: 'return',
  umtauschen: 'return', erstattung: 'refund', zahlung: 'payment', bezahlen: 'payment', zahlungsart: 'payment',
  zahlungsmethode: 'payment', öffnungszeit: 'open', geöffnet: 'open', offen: 'open', größe: 'size', grösse: 'size',
  reparatur: 'repair', reparieren: 'repair', änderung: 'alterations', ändern: 'alterations', kürzen: 'alterations',
  schneider: 'tailor', anprobe: 'fitting', beratung: 'consultation', kurs: 'workshop', blau: 'blue', schwarz: 'black',
  braun: 'brown', weiß: 'white', grau: 'grey', rot: 'red', grün: 'green', leicht: 'lightweight', damen: 'women',
  herren: 'men', reise: 'travel', hochzeit: 'wedding', sonne: 'sun', warm: 'warm', winter: 'winter', laden: 'store',
  geschäft: 'store', bestellung: 'order', socken: 'socks', schuhe: 'shoes', hemden: 'shirt', hosen: 'trousers',
};

export function translateWord(w: string): string | undefined {
  const direct = GLOSSARY[w];
  if (direct) return direct;
  for (const suffix of ['en', 'n', 'e', 's', 'er', 'es']) {
    if (w.length > suffix.length + 2 && w.endsWith(suffix) && GLOSSARY[w.slice(0, -suffix.length)]) return GLOSSARY[w.slice(0, -suffix.length)];
  }
  // Compounds: "regenjacke" → "rain jacket", "merinowolle" → "merino wool"; longest known tail wins.
  for (let i = 2; i <= w.length - 3; i++) {
    const tail = w.slice(i);
    const tailEn = GLOSSARY[tail] ?? (tail.length > 4 ? translateTail(tail) : undefined);
    if (!tailEn) continue;
    const head = w.slice(0, i).replace(/s$/, ''); // Fugen-s: "Lederpflege" has none, "Zahlungsart" has one
    const headEn = GLOSSARY[head] ?? (head.length >= 3 ? (translateWordNoCompound(head) ?? head) : undefined);
    return headEn ? `${headEn} ${tailEn}` : tailEn;
  }
  return undefined;
}

function translateTail(tail: string): string | undefined {
  for (const suffix of ['en', 'n', 'e', 's']) {
    if (tail.endsWith(suffix) && GLOSSARY[tail.slice(0, -suffix.length)]) return GLOSSARY[tail.slice(0, -suffix.length)];
  }
  return undefined;
}

function translateWordNoCompound(w: string): string | undefined {
  return GLOSSARY[w] ?? translateTail(w);
}

/** Keywords of a shopper message, in their words and (when different) in the catalog's English. */
export function extractQuery(text: string): { query: string; translated?: string } {
  const kept = words(text).filter((w) => !STOPWORDS.has(w) && !/^\d{1,2}$/.test(w));
  const query = kept.join(' ');
  const translatedWords = kept.map((w) => translateWord(w) ?? w);
  const translated = translatedWords.join(' ');
  return translated !== query ? { query, translated } : { query };
}
