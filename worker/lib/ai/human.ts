// Does the customer ask for a person? The orchestrator asks this before any answerer runs, so a
// miss keeps a customer talking to a bot they asked to leave, and a false alarm only costs an
// agent a conversation the bot could have had. The detector therefore fires on any plain request
// for a person, but not on a message that merely mentions one ("is this sweater for a person
// with long arms?"), and not when the request is negated ("I don't need a human").
import { detectLanguage, editDistance, isKeyword, keywordSet, words, type Language } from "./text";

/**
 * What a word does in a request for a person:
 * person ("human", "kundtjänst"), qualifier ("real", "riktig"), request ("want", "connect"),
 * talk (a verb of speaking, which may also come after the person: "someone I can talk to"),
 * filler (may stand between the request and the person: "to", "a", "med", "en"), negation, other.
 */
type Role = "person" | "qualifier" | "request" | "talk" | "filler" | "negation" | "other";

const PERSONS = keywordSet(`human humans person people agent someone somebody anyone representative
  rep operator staff employee manager supervisor människa människor handläggare kundtjänst
  kundservice kundsupport någon nån medarbetare anställd operatör`);
/** Swedish "staff" is English "private" ("personal data"): a person in Swedish text only. */
const SWEDISH_PERSONS = keywordSet("personal");
const QUALIFIERS = keywordSet("real live actual riktig riktiga verklig levande äkta");
const REQUESTS = keywordSet(`want like need get connect transfer contact reach put hand escalate call
  vill behöver koppla kopplas nå kontakta ringa få`);
const TALK = keywordSet("talk speak chat prata tala snacka chatta");

const FILLERS = new Set(
  `a an the to with me us some one of please pls plz your you from i can could may would id im
    just now right asap help be able through over directly
    med till en ett mig jag kan kunde att er ni från ha snälla tack hjälp nu direkt gärna bli`.split(/\s+/),
);

const NEGATIONS = new Set("no not dont doesnt never without nobody inte ej aldrig utan ingen".split(/\s+/));

/** Two-word persons: the pair counts as one person ("connect me to customer service"). */
const PERSON_PAIRS = new Set(["customer service", "customer support", "customer care", "support team", "service team"]);

function keywordRoles(language: Language): [Role, Set<string>][] {
  const roles: [Role, Set<string>][] = [
    ["person", PERSONS],
    ["qualifier", QUALIFIERS],
    ["request", REQUESTS],
    ["talk", TALK],
  ];
  return language === "sv" ? [...roles, ["person", SWEDISH_PERSONS]] : roles;
}

/**
 * A typo of a keyword: one edit for keywords of 6+ letters ("represntative", "manniska"), only a
 * swap of two neighbours for 5-letter ones ("humna", "agnet"), where one changed letter is too
 * often another word ("stuff" for "staff").
 */
function isTypoOf(word: string, keyword: string): boolean {
  if (keyword.length < 5 || editDistance(word, keyword, 1) > 1) return false;
  return keyword.length >= 6 || (word.length === keyword.length && [...word].sort().join() === [...keyword].sort().join());
}

function roleOf(word: string, language: Language): Role {
  if (NEGATIONS.has(word)) return "negation";
  if (FILLERS.has(word)) return "filler";
  const roles = keywordRoles(language);
  const match =
    roles.find(([, keywords]) => isKeyword(word, keywords, language)) ?? roles.find(([, keywords]) => [...keywords].some((keyword) => isTypoOf(word, keyword)));
  return match?.[0] ?? "other";
}

function rolesOf(clauseWords: string[], language: Language): Role[] {
  const roles: Role[] = [];
  for (let i = 0; i < clauseWords.length; i++) {
    if (PERSON_PAIRS.has(`${clauseWords[i]} ${clauseWords[i + 1]}`)) {
      roles.push("person");
      i++;
    } else {
      roles.push(roleOf(clauseWords[i]!, language));
    }
  }
  return roles;
}

const isRequest = (role: Role | undefined) => role === "request" || role === "talk";

/** A negation up to two words before `from`, or up to `to`: "I don't (really) want a human". */
function negated(roles: Role[], from: number, to: number): boolean {
  return roles.slice(Math.max(0, from - 2), to + 1).includes("negation");
}

/** "talk to a human", "kan jag få prata med någon": a request, then only fillers, then a person. */
function requestThenPerson(roles: Role[], person: number): boolean {
  let start = person;
  while (start > 0 && (roles[start - 1] === "filler" || roles[start - 1] === "qualifier" || isRequest(roles[start - 1]))) start--;
  const request = roles.findIndex((role, i) => i >= start && i < person && isRequest(role));
  return request >= 0 && !negated(roles, request, person);
}

/** "a real person", "riktig människa": a qualifier right before the person. */
function qualifiedPerson(roles: Role[], person: number): boolean {
  return roles[person - 1] === "qualifier" && !negated(roles, person - 1, person);
}

/** "a human I can talk to", "en människa jag kan prata med": the person, fillers, a talk verb. */
function personThenTalk(roles: Role[], person: number): boolean {
  let next = person + 1;
  while (roles[next] === "filler") next++;
  return roles[next] === "talk" && !negated(roles, person, next);
}

/** The clause is a person, give or take politeness: "agent please", "Kundtjänst!". */
function onlyPerson(roles: Role[]): boolean {
  return roles.includes("person") && roles.every((role) => role === "person" || role === "qualifier" || role === "filler");
}

function clauseAsksForHuman(roles: Role[]): boolean {
  if (onlyPerson(roles)) return true;
  return roles.some((role, i) => role === "person" && (requestThenPerson(roles, i) || qualifiedPerson(roles, i) || personThenTalk(roles, i)));
}

/**
 * True when the text asks to talk to a person rather than the bot (English and Swedish). Each
 * clause on its own, so that "No, I want a human" isn't read as "no … human".
 */
export function asksForHuman(text: string): boolean {
  const language = detectLanguage(words(text));
  return text.split(/[,.;:!?()\n]+/).some((clause) => clauseAsksForHuman(rolesOf(words(clause), language)));
}
