// A message with nothing to look up ("hi", "thanks!", "ok", "hej hej"): the built-in answerer
// replies in kind, in the customer's language, rather than handing it to a person or answering it
// with a random passage.
import { informativeWords, words } from "./text";

const GREETINGS = new Set([
  "hi",
  "hello",
  "hey",
  "hiya",
  "morning",
  "afternoon",
  "evening",
  "greetings",
  "hej",
  "hejsan",
  "hallå",
  "tjena",
  "tjenare",
  "morsning",
]);
const THANKS = new Set(["thanks", "thank", "thx", "ty", "tack", "tackar"]);
/** Words that come with courtesies ("thanks a lot", "good evening everyone", "tack så mycket") and ask nothing. */
const COURTESY = new Set([
  "lot",
  "much",
  "again",
  "good",
  "great",
  "nice",
  "day",
  "evening",
  "morning",
  "afternoon",
  "night",
  "everyone",
  "all",
  "team",
  "there",
  "folks",
  "mycket",
  "dag",
  "kväll",
  "morgon",
  "alla",
  "god",
  "bra",
]);

const REPLIES = {
  en: {
    greeting: "Hi! I'm the store's AI assistant. What can I help you with? You can ask for a person at any time.",
    thanks: "You're welcome! Is there anything else I can help with?",
    more: "Could you tell me a little more about what you need? I can help with orders, deliveries, returns and our products.",
  },
  sv: {
    greeting: "Hej! Jag är butikens AI-assistent. Vad kan jag hjälpa dig med? Du kan när som helst be att få prata med en person.",
    thanks: "Varsågod! Är det något mer jag kan hjälpa dig med?",
    more: "Kan du berätta lite mer om vad du behöver? Jag kan hjälpa till med beställningar, leveranser, returer och våra produkter.",
  },
} as const;

/** The reply to a message that asks nothing (a greeting, thanks, "ok", "👍"); null when it asks something. */
export function smallTalkReply(message: string): string | null {
  const all = words(message);
  const { language, words: informative } = informativeWords(message);
  if (informative.some((word) => !COURTESY.has(word) && !GREETINGS.has(word) && !THANKS.has(word))) return null;
  const kind = all.some((word) => THANKS.has(word)) ? "thanks" : all.some((word) => GREETINGS.has(word)) ? "greeting" : "more";
  return REPLIES[language][kind];
}
