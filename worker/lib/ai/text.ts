// Text handling shared by the AI agent's parts: normalising, telling English from Swedish, stop
// words and a light suffix stemmer for both languages. Light on purpose: a store's knowledge is
// small, so conflating a few unrelated words costs less than missing "orders" for "order".

export type Language = "en" | "sv";

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

// Grammatical words, question words and chat filler ("hi", "thanks", "wondering", "help"): they
// say nothing about which passage answers. Filler matters more than usual here, because the
// confidence counts a question word that no passage contains as something left unanswered.
const ENGLISH_STOP_WORDS = new Set(
  `a about above after again all also am an and any anything are arent as at be been before being
  below between both but by can cant could couldnt did didnt do does doesnt doing done dont down
  during each either etc few for from further get gets getting got had has hasnt have havent
  having he her here hers him his how hows i id if ill im in into is isnt it its itself ive just
  let lets me might more most much must my myself no nor not now of off on once one only or other
  our ours out over own same shall she should so some something such than that thats the their
  them then there theres these they this those through to too u under until up upon us very was
  wasnt we were what whats when where wheres which while who whom whose why will with wont would
  wouldnt yes yet you youd youll your youre yours yourself
  hi hello hey hiya greetings morning afternoon evening thanks thank thx ty please pls plz kindly
  wondering wonder wondered question questions ask asking know tell like want wanted need needs
  help okay ok dear guys sir madam regards cheers bye good great possible able really already
  still else another`.split(/\s+/),
);

const SWEDISH_STOP_WORDS = new Set(
  `alla allt att av blev bli blir blivit de dem den denna deras dess dessa det detta dig din dina
  ditt du där då efter ej eller en er era ert ett från för ha hade han hans har henne hennes hon
  honom hur här i icke ingen inom inte jag ju kan kunde man med mellan men mig min mina mitt mot
  mycket ni nu när någon något några och om oss på samma sedan sig sin sina sitta själv skulle
  som så sådan sådana sådant till under upp ut utan vad var vara vars varför varit varje vart vem
  vi vid vilka vilkas vilken vilket vår våra vårt än är åt över ska skall får fick få finns också
  bara sen nån nåt nåtra vill går gå gör göra gjorde gjort jo nej ja
  hej hejsan hallå tjena tjenare morsning tack tackar snälla vänligen undrar undra fråga frågor
  hjälp behöver vet veta mvh hälsningar god bra möjligt redan fortfarande annars fått`.split(/\s+/),
);

const STOP_WORDS: Record<Language, Set<string>> = { en: ENGLISH_STOP_WORDS, sv: SWEDISH_STOP_WORDS };

function isStopWord(word: string, language: Language): boolean {
  return STOP_WORDS[language].has(word);
}

// Weak words: the words of "how long / how many / how fast / the best way", light verbs ("take",
// "put", "come") and the verbs of "do you sell / can I buy X", where X is the question. A FAQ that
// asks "How long does delivery take?" shares them with the question, which may tip the ranking,
// but a passage without them ("1–3 business days") answers just as well, and one with only them
// ("Do you sell gift cards?" for "Do you sell sunglasses?") doesn't answer at all.
const WEAK_WORDS: Record<Language, Set<string>> = {
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
};

export function isWeakWord(word: string, language: Language): boolean {
  return WEAK_WORDS[language].has(word);
}

/**
 * The language the words say: more Swedish-only than English-only stop words, or å/ä/ö where
 * there are no English stop words, make Swedish. Words both lists share ("i", "under") count for
 * neither. Null when nothing tells (a lone "giftcards").
 */
export function languageOf(textWords: string[]): Language | null {
  let swedish = 0;
  let english = 0;
  for (const word of textWords) {
    const sv = SWEDISH_STOP_WORDS.has(word);
    const en = ENGLISH_STOP_WORDS.has(word);
    if (sv && !en) swedish++;
    else if (en && !sv) english++;
    else if (!sv && !en && /[åäö]/.test(word)) swedish += 0.5;
  }
  if (swedish === english) return null;
  return swedish > english ? "sv" : "en";
}

/** The words' language, English when nothing tells. */
export function detectLanguage(textWords: string[]): Language {
  return languageOf(textWords) ?? "en";
}

const VOWELS = /[aeiouyåäö]/;

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

function stemSwedish(word: string): string {
  if (word.length <= 3) return word;
  for (const [suffix, minStem] of SWEDISH_SUFFIXES) {
    const stem = stripped(word, suffix, minStem);
    if (stem) return undouble(stem);
  }
  return undouble(word);
}

// Stems are memoised: a store's passages repeat the same few thousand words, and the index is
// built per request. Bounded, so that odd input can't grow it without limit.
const STEM_CACHE_LIMIT = 50_000;
const stemCache: Record<Language, Map<string, string>> = { en: new Map(), sv: new Map() };

export function stem(word: string, language: Language): string {
  const cache = stemCache[language];
  let result = cache.get(word);
  if (result === undefined) {
    result = /\d/.test(word) ? word : language === "sv" ? stemSwedish(word) : stemEnglish(word);
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
// held-out test split of bench:ai; a test checks that.
export const SYNONYMS: Readonly<Record<Language, readonly (readonly string[])[]>> = {
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
    ["trasig", "felaktig", "defekt", "hål"],
    ["paket", "försändelse"],
    ["retur", "returnera"],
    ["presentkort", "gåvokort"],
    ["kosta", "kostnad", "pris"],
  ],
};

const CANONICAL: Record<Language, Map<string, string>> = { en: new Map(), sv: new Map() };
for (const language of ["en", "sv"] as const) {
  for (const group of SYNONYMS[language]) {
    const canonical = stem(group[0]!, language);
    for (const word of group) CANONICAL[language].set(stem(word, language), canonical);
  }
}

/** A word as an index term: its stem, or the stem its synonym group goes by. */
export function term(word: string, language: Language): string {
  const stemmed = stem(word, language);
  return CANONICAL[language].get(stemmed) ?? stemmed;
}

// Two words that mean one thing, as that thing: phrasal verbs ("send (it) back" is "return",
// "money back" is "refund", "skicka tillbaka" is "returnera") and names of two words ("United
// Kingdom" is "UK"). Matched by the first word's stem ("sending back"), with up to two words between
// the two, in either order ("send the sweater back", "få tillbaka pengarna").
const PHRASES: Record<Language, [first: string, second: string, meaning: string][]> = {
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
};

const PHRASE_REACH = 3;

/** The phrases by their first word's stem: one look-up per word of text. */
const PHRASES_BY_FIRST: Record<Language, Map<string, [second: string, meaning: string][]>> = { en: new Map(), sv: new Map() };
for (const language of ["en", "sv"] as const) {
  for (const [first, second, meaning] of PHRASES[language]) {
    const key = stem(first, language);
    PHRASES_BY_FIRST[language].set(key, [...(PHRASES_BY_FIRST[language].get(key) ?? []), [second, meaning]]);
  }
}

function joinPhrases(all: string[], language: Language): string[] {
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
 * The text's language and its informative words: not stop words in that language, and not
 * single letters ("t" of "t-shirt") unless digits.
 */
export function informativeWords(text: string): { language: Language; words: string[] } {
  const all = words(text);
  const language = detectLanguage(all);
  return {
    language,
    words: joinPhrases(all, language).filter((word) => (word.length > 1 || /\d/.test(word)) && !isStopWord(word, language)),
  };
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
