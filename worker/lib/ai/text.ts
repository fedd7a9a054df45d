// Text handling shared by the AI agent's parts: words, a light suffix stemmer for English,
// Swedish, Danish and Norwegian bokmål, synonyms and phrases, and a text's informative words in
// its language (./language.ts tells which). Light on purpose: a store's knowledge is small, so
// conflating a few unrelated words costs less than missing "orders" for "order".
import type { Locale } from "../../../contract";
import { isStopWord, perLanguage, replyLanguage, textLanguageOf, type Language, type TextLanguage } from "./language";

export { detectLanguage, textLanguage, textLanguageOf, TEXT_LANGUAGES, type Language, type TextLanguage } from "./language";

/**
 * Lower-case words of letters and digits, in any script (å, ä, ö and é stay letters).
 * Apostrophes join ("don't" → "dont", "men's" → "mens") so contractions and possessives stay
 * one word; every other non-letter, non-digit separates words.
 */
export function words(text: string): string[] {
  return (
    text
      .normalize("NFC")
      .toLowerCase()
      .replace(/['’]/g, "")
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

// Weak words: the words of "how long / how many / how fast / the best way", light verbs ("take",
// "put", "come") and the verbs of "do you sell / can I buy X", where X is the question. A FAQ that
// asks "How long does delivery take?" shares them with the question, which may tip the ranking,
// but a passage without them ("1–3 business days") answers just as well, and one with only them
// ("Do you sell gift cards?" for "Do you sell sunglasses?") doesn't answer at all.
const WEAK_WORDS: Record<TextLanguage, Set<string>> = {
  en: new Set(
    `best way ways long many fast quick quickly soon time times put take takes took taking make
    makes made go goes going went come comes came give gives gave work works sell sells selling
    sold buy buys buying bought offer offers`.split(/\s+/),
  ),
  sv: new Set(
    `bästa sätt lång långa länge långt många snabbt snabb fort snart tid ta tar tog tagit komma
    kommer kom kommit ge ger gav gett sätta sätter lägga lägger fungerar funkar sälja säljer
    sålde köpa köper köpte erbjuda erbjuder`.split(/\s+/),
  ),
  da: new Set(
    `bedste måde lang lange længe mange hurtigt hurtig snart tid tage tager tog taget komme kommer
    kom kommet give giver gav givet sætte sætter lægge lægger virker fungerer sælge sælger solgte
    købe køber købte tilbyde tilbyder`.split(/\s+/),
  ),
  nb: new Set(
    `beste måte lang lange lenge mange raskt rask fort snart tid ta tar tok tatt komme kommer kom
    kommet gi gir ga gitt sette setter legge legger virker fungerer selge selger solgte kjøpe
    kjøper kjøpte tilby tilbyr`.split(/\s+/),
  ),
};

export function isWeakWord(word: string, language: TextLanguage): boolean {
  return WEAK_WORDS[language].has(word);
}

const VOWELS = /[aeiouyåäöæø]/;

/** "shipp" → "ship", "sell" → "sel": one spelling for a word with and without its doubled end. */
function undouble(word: string): string {
  const last = word.at(-1);
  return last && last === word.at(-2) && !VOWELS.test(last) && last !== "s" ? word.slice(0, -1) : word;
}

/** A suffix comes off only when what remains still looks like a word: 3+ letters with a vowel. */
function stripped(word: string, suffix: string, minStem = 3): string | null {
  if (!word.endsWith(suffix)) return null;
  const stem = word.slice(0, word.length - suffix.length);
  return stem.length >= minStem && VOWELS.test(stem) ? stem : null;
}

/**
 * English: plurals, -ed, -ing, -ment, a consonant's final -y and a final -e, so that
 * order/orders/ordered/ordering, deliver/delivery/deliveries/delivered, size/sizes/sizing and
 * pay/payment meet. Not Porter: fewer rules, and the stems are not always words.
 */
function stemEnglish(word: string): string {
  if (word.length <= 3) return word;
  let w = word;
  if (w.endsWith("sses")) w = w.slice(0, -2);
  else if (w.endsWith("ies") && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (/(sh|ch|x|z)es$/.test(w)) w = w.slice(0, -2);
  else if (w.endsWith("s") && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);

  if (w.endsWith("ied") && w.length > 4) w = `${w.slice(0, -3)}y`;
  else w = stripped(w, "ing") ?? stripped(w, "ed") ?? w;

  w = stripped(w, "ment") ?? w;
  if (/[^aeiou]y$/.test(w) && w.length >= 5) w = w.slice(0, -1);
  if (w.endsWith("e") && w.length >= 4) w = w.slice(0, -1);
  return undouble(w);
}

// Swedish inflection endings, longest first: plural and definite forms (beställningarna,
// leveransen, storlekar, paketet, tröjan) and common verb endings (returnerade, byter, byta).
// A bare -s is left alone: it ends too many stems (leverans, pris).
const SWEDISH_SUFFIXES: [suffix: string, minStem: number][] = [
  ["arnas", 3],
  ["ernas", 3],
  ["ornas", 3],
  ["arna", 3],
  ["erna", 3],
  ["orna", 3],
  ["ande", 3],
  ["ende", 3],
  ["ades", 3],
  ["ade", 3],
  ["are", 3],
  ["ens", 3],
  ["ets", 4],
  ["ar", 3],
  ["er", 3],
  ["or", 3],
  ["en", 3],
  ["an", 3],
  ["et", 4],
  ["at", 4],
  ["a", 3],
  ["e", 3],
];

// Danish and bokmål endings, longest first, one list for both as they inflect alike: definite
// plurals (pakkerne, pakkene), plurals and definite forms (bestillinger, pakken, kortet, boka),
// genitives and verb endings (returnerede, bestiller, bytte). A bare -s stays, as in Swedish.
const DANO_NORWEGIAN_SUFFIXES: [suffix: string, minStem: number][] = [
  ["ernes", 3],
  ["enes", 3],
  ["erne", 3],
  ["ene", 3],
  ["ende", 3],
  ["ede", 3],
  ["ers", 3],
  ["ens", 3],
  ["ets", 4],
  ["er", 3],
  ["en", 3],
  ["et", 4],
  ["a", 3],
  ["e", 3],
];

/** Strips the first of `suffixes` that leaves a stem (see `stripped`), and undoubles the end. */
function stemBySuffixes(word: string, suffixes: [suffix: string, minStem: number][]): string {
  if (word.length <= 3) return word;
  for (const [suffix, minStem] of suffixes) {
    const stem = stripped(word, suffix, minStem);
    if (stem) return undouble(stem);
  }
  return undouble(word);
}

const STEMMERS: Record<TextLanguage, (word: string) => string> = {
  en: stemEnglish,
  sv: (word) => stemBySuffixes(word, SWEDISH_SUFFIXES),
  da: (word) => stemBySuffixes(word, DANO_NORWEGIAN_SUFFIXES),
  nb: (word) => stemBySuffixes(word, DANO_NORWEGIAN_SUFFIXES),
};

// Stems are memoised: a store's passages repeat the same few thousand words, and the index is
// built per request. Bounded, so that odd input can't grow it without limit.
const STEM_CACHE_LIMIT = 50_000;
const stemCache = perLanguage(() => new Map<string, string>());

export function stem(word: string, language: TextLanguage): string {
  const cache = stemCache[language];
  let result = cache.get(word);
  if (result === undefined) {
    result = /\d/.test(word) ? word : STEMMERS[language](word);
    if (cache.size >= STEM_CACHE_LIMIT) cache.clear();
    cache.set(word, result);
  }
  return result;
}

// Words customers and stores use for the same thing, as one term: the question says "shop",
// "jumper" or "swap", the FAQ "store", "sweater" or "exchange". Within a language only, so that a
// Swedish question is answered from Swedish passages. Small on purpose: each group is a guess
// about meaning that plain matching can't make. A word earns its place from the development
// questions or the knowledge (test/workers/ai-questions.ts, ai-knowledge.ts), never from the
// held-out test split of bench:ai; a test checks that. Danish and Norwegian have none yet.
export const SYNONYMS: Readonly<Record<TextLanguage, readonly (readonly string[])[]>> = {
  en: [
    ["deliver", "delivery", "ship", "shipping", "shipment"],
    ["store", "shop", "boutique"],
    ["sweater", "jumper", "pullover"],
    ["exchange", "swap"],
    ["refund", "reimburse", "reimbursement"],
    ["damaged", "broken", "faulty", "defect", "hole"],
    ["child", "children", "kid", "kids"],
    ["zip", "zipper"],
    ["colour", "color"],
    ["parcel", "package"],
    ["cancel", "cancellation"],
    ["discount", "coupon", "promo"],
    ["email", "mail"],
    ["remove", "rid"],
    ["cost", "price"],
    ["wash", "launder"],
    ["dry", "dryer"],
    ["trousers", "pants"],
    ["shirt", "tee", "tshirt"],
  ],
  sv: [
    ["butik", "affär"],
    ["trasig", "skadad", "felaktig", "defekt", "hål"],
    ["paket", "försändelse"],
    ["retur", "returnera"],
    ["presentkort", "gåvokort"],
    ["kosta", "kostnad", "pris"],
  ],
  da: [],
  nb: [],
};

const CANONICAL = perLanguage((language) => {
  const canonical = new Map<string, string>();
  for (const group of SYNONYMS[language]) {
    const first = stem(group[0]!, language);
    for (const word of group) canonical.set(stem(word, language), first);
  }
  return canonical;
});

/** A word as an index term: its stem, or the stem its synonym group goes by. */
export function term(word: string, language: TextLanguage): string {
  const stemmed = stem(word, language);
  return CANONICAL[language].get(stemmed) ?? stemmed;
}

// Two words that mean one thing, as that thing: phrasal verbs ("send (it) back" is "return",
// "money back" is "refund", "skicka tillbaka" is "returnera") and names of two words ("United
// Kingdom" is "UK"). Matched by the first word's stem ("sending back"), with up to two words between
// the two, in either order ("send the sweater back", "få tillbaka pengarna").
const PHRASES: Record<TextLanguage, [first: string, second: string, meaning: string][]> = {
  en: [
    ["send", "back", "return"],
    ["sent", "back", "return"],
    ["money", "back", "refund"],
    ["pick", "up", "collect"],
    ["united", "kingdom", "uk"],
    ["great", "britain", "uk"],
    ["united", "states", "usa"],
  ],
  sv: [
    ["skicka", "tillbaka", "returnera"],
    ["pengar", "tillbaka", "återbetalning"],
  ],
  da: [],
  nb: [],
};

const PHRASE_REACH = 3;

/** The phrases by their first word's stem: one look-up per word of text. */
const PHRASES_BY_FIRST = perLanguage((language) => {
  const byFirst = new Map<string, [second: string, meaning: string][]>();
  for (const [first, second, meaning] of PHRASES[language]) {
    const key = stem(first, language);
    byFirst.set(key, [...(byFirst.get(key) ?? []), [second, meaning]]);
  }
  return byFirst;
});

function joinPhrases(all: string[], language: TextLanguage): string[] {
  let joined = all;
  for (let i = 0; i < joined.length; i++) {
    for (const [second, meaning] of PHRASES_BY_FIRST[language].get(stem(joined[i]!, language)) ?? []) {
      const near = joined.findIndex((word, j) => word === second && j !== i && Math.abs(j - i) <= PHRASE_REACH);
      if (near < 0) continue;
      if (joined === all) joined = [...all];
      joined[i] = meaning;
      joined.splice(near, 1);
      if (near < i) i--;
      break;
    }
  }
  return joined;
}

/**
 * The text's language (see `textLanguageOf`; English when nothing tells) and its informative
 * words: not stop words in that language, and not single letters ("t" of "t-shirt") unless
 * digits. `locale`: the shopper's, or the one a translation is written in, where known.
 */
export function analyse(text: string, locale: Locale | null = null): { language: TextLanguage; words: string[] } {
  const all = words(text);
  const language = textLanguageOf(all, locale) ?? "en";
  return {
    language,
    words: joinPhrases(all, language).filter((word) => (word.length > 1 || /\d/.test(word)) && !isStopWord(word, language)),
  };
}

/** The text's informative words (see `analyse`), and the language to reply in (see `detectLanguage`). */
export function informativeWords(text: string): { language: Language; words: string[] } {
  const { language, words: informative } = analyse(text);
  return { language: replyLanguage(language), words: informative };
}

/** Optimal string alignment distance (Levenshtein plus adjacent swaps), or max + 1 if over max. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, before[j - 2]! + 1);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > max) return max + 1;
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * A keyword list (words separated by white space) as the set of their spellings and their
 * English and Swedish stems, so that `isKeyword` finds any inflection ("shipped", "skickats").
 */
export function keywordSet(list: string): Set<string> {
  const set = new Set<string>();
  for (const keyword of list.split(/\s+/).filter(Boolean)) {
    set.add(keyword).add(stem(keyword, "en")).add(stem(keyword, "sv"));
  }
  return set;
}

export function isKeyword(word: string, keywords: Set<string>, language: Language): boolean {
  return keywords.has(word) || keywords.has(stem(word, language));
}
