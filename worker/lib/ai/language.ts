// Which language a text is in, of those the AI agent's text analysis knows (English, Swedish,
// Danish, Norwegian bokmål), by their stop words: grammatical words, question words and chat
// filler, which are also what the analysis leaves out of a text's informative words.
import type { Locale } from "../../../contract";

/**
 * The languages the built-in answerer writes its own words in (greetings, an order's
 * description) and knows requests for a person in.
 */
export type Language = "en" | "sv";

/** The languages whose words the analysis knows: stop words, stems, compounds. */
export type TextLanguage = Language | "da" | "nb";
export const TEXT_LANGUAGES: readonly TextLanguage[] = ["en", "sv", "da", "nb"];

/** The shopper's locale as a language the analysis knows; null for the others (fi, de…). */
export function textLanguage(locale: Locale | null): TextLanguage | null {
  return TEXT_LANGUAGES.find((language) => language === locale) ?? null;
}

/** Per analysed language, a table built the same way for each. */
export const perLanguage = <T>(make: (language: TextLanguage) => T) =>
  Object.fromEntries(TEXT_LANGUAGES.map((language) => [language, make(language)])) as Record<TextLanguage, T>;

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

// Danish and bokmål share most of their grammatical words; those they spell apart (af/av,
// hvad/hva, mig/meg, meget/mye, tak/takk) tell them apart.
const DANISH_STOP_WORDS = new Set(
  `af alle alt anden andet andre at bare blev blive bliver da de dem den denne dens der deres det
  dette dig din dine disse dit dog du efter eller en end er et for fra ham han hans har have havde
  hende hendes her hos hun hvad hvem hver hvilke hvilken hvilket hvis hvor hvordan hvorfor hvornår
  i ikke ind ingen intet jeg jer jo kan kun kunne lidt man med meget men mig min mine mit mod ned
  noget nogen nogle nu når og også om op os over på selv sig sin sine sit skal skulle som så sådan
  til ud under var vi vil ville vor vores være været
  hej hejsa hallo goddag tak tusind venligst gerne undrer spørge spørgsmål hjælp brug behøver ved
  vide mvh hilsen god godt fint mulig muligt allerede stadig ellers fået får fik få gør gøre gjorde
  gjort nej ja`.split(/\s+/),
);

const NORWEGIAN_STOP_WORDS = new Set(
  `alle alt andre at av bare begge ble bli blir blitt både da de dem den denne dens der deres det
  dette deg din dine disse ditt du dere eller en enn er et ett etter for fra før ha hadde ham han
  hans har henne hennes her hos hun hva hvem hver hvilke hvilken hvilket hvis hvor hvordan hvorfor
  i ikke inn ingen jeg jo kan kun kunne man med meg mellom men min mine mitt mot mye ned noe noen
  nå når og også om opp oss over på samme seg selv sin sine sitt skal skulle slik som så sånn til
  ut uten var vi vil ville vår våre vårt være vært
  hei heisann hallo takk tusen vennligst gjerne lurer lure spørre spørsmål hjelp trenger vet vite
  mvh hilsen god godt fint mulig allerede fortsatt ellers fått får fikk få gjør gjøre gjorde gjort
  nei ja`.split(/\s+/),
);

const STOP_WORDS: Record<TextLanguage, Set<string>> = { en: ENGLISH_STOP_WORDS, sv: SWEDISH_STOP_WORDS, da: DANISH_STOP_WORDS, nb: NORWEGIAN_STOP_WORDS };

export function isStopWord(word: string, language: TextLanguage): boolean {
  return STOP_WORDS[language].has(word);
}

// Scores are in twelfths of a word, so that the shares below are whole numbers and a tie is exact.
const WORD = 12;
/** Letters that only some of the languages write: a word with them counts half for those. */
const LETTER_HINTS: [letters: RegExp, languages: TextLanguage[]][] = [
  [/[äö]/, ["sv"]],
  [/[æø]/, ["da", "nb"]],
  [/å/, ["sv", "da", "nb"]],
];
const LETTER_HINT = WORD / 2;
/** The shopper's known locale counts as one word of it: it tips a close call, and words decide. */
const KNOWN_LOCALE = WORD;

/** How much the words say for each language. */
function languageScores(textWords: string[], known: TextLanguage | null): Map<TextLanguage, number> {
  const scores = new Map<TextLanguage, number>(TEXT_LANGUAGES.map((language) => [language, 0]));
  const share = (languages: readonly TextLanguage[], weight: number) => {
    for (const language of languages) scores.set(language, scores.get(language)! + weight / languages.length);
  };
  for (const word of textWords) {
    const having = TEXT_LANGUAGES.filter((language) => STOP_WORDS[language].has(word));
    if (having.length > 0) share(having, WORD);
    else share(LETTER_HINTS.find(([letters]) => letters.test(word))?.[1] ?? [], LETTER_HINT);
  }
  if (known) share([known], KNOWN_LOCALE);
  return scores;
}

/**
 * The language the words say. Each stop word counts for the languages that have it, shared
 * equally ("det" a third each for Swedish, Danish and Norwegian; "i" says nothing), and a word
 * with letters only some of them write counts half (ä, ö: Swedish; æ, ø: Danish and Norwegian;
 * å: all three). `locale`, the shopper's known one, counts as one word of its language more.
 * Null when nothing tells (a lone "giftcards") or English ties the best; a tie of the Nordic
 * languages goes to the first of Swedish, Danish and Norwegian.
 */
export function textLanguageOf(textWords: string[], locale: Locale | null = null): TextLanguage | null {
  const scores = languageScores(textWords, textLanguage(locale));
  const best = Math.max(...scores.values());
  const leaders = TEXT_LANGUAGES.filter((language) => scores.get(language) === best);
  if (best === 0 || (leaders.length > 1 && leaders.includes("en"))) return null;
  return leaders[0]!;
}

/**
 * The language the built-in answerer replies in to a text in `language`: Swedish to Swedish, else
 * English (also when nothing tells, and to Danish and Norwegian, which it reads but does not write).
 */
export const replyLanguage = (language: TextLanguage | null): Language => (language === "sv" ? "sv" : "en");

/** The language the built-in answerer replies in to these words (see `replyLanguage`). */
export function detectLanguage(textWords: string[]): Language {
  return replyLanguage(textLanguageOf(textWords));
}
