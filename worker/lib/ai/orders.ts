// The customer's own data: "where is my order?" answered from their newest `Placed Order` event,
// and their facts as plain text for an LLM's context. Everything said here is read from the one
// customer's context the answerer was given; nothing is guessed, so with no order on record
// there is no order answer at all.
import type { StoreEventT } from "../../../contract";
import { detectLanguage, editDistance, informativeWords, keywordSet, stem, words, type Language } from "./text";
import type { CustomerContext, Source } from "./types";

// A question gets the customer's order only when it asks where an order they have already placed
// is, or how far it has come. Saying "my order" is not enough: "how much is shipping for my
// order?", "if I order today, when will it arrive?" and "my order arrived damaged" ask what the
// store's knowledge answers, and an order status there is a wrong answer given at full confidence.
// So it takes an order of theirs, a word about its whereabouts, and none of the signs of another
// errand: a purchase still to be made, an order already in hand, a fault, a return or change,
// money, or shipping policy.

const list = (text: string): ReadonlySet<string> => new Set(text.split(/\s+/).filter(Boolean));

const ORDER_NOUNS = list(`order orders purchase package pkg parcel shipment delivery stuff items things
  beställning paket leverans försändelse kolli köp varor grejer grejor saker`);
// Swedish puts "the" on the noun, and "paketet har inte kommit" is as much theirs as "mitt paket".
const DEFINITE_ORDER_NOUNS = list("ordern beställningen paketet leveransen försändelsen kollit köpet varorna grejerna sakerna");
const ORDER_NUMBER_NOUNS = list("ordernummer ordernumret ordernr beställningsnummer");
const NUMBER_LABELS = list("number no nr nummer");
const POSSESSIVES = list("my our min mitt mina vår vårt våra");
const SUBJECTS = list("i we ive weve jag vi");
const PAST_PURCHASES = list("ordered bought purchased placed beställde beställt köpte köpt handlade handlat la lade lagt");

const WHEREABOUTS = list(`wheres status track tracking tracked trace eta shipped dispatched sent posted mailed
  delivered arrive arrives arrived arriving arrival come comes came coming ships late delayed delay lost stuck
  left wait waiting yet still news happening when
  vart spåra spårar spårat spårning kommer kommit kom framme iväg skickat skickad skickade skickats skickas
  levererad levererat levererats levereras anlänt anländer försenad försenat försenade dröjer dröjt väntar
  väntat försvunnit borta fastnat ännu nytt händer hänt när`);
// These also ask about orders in general ("när kommer paketet om…?"), so a bare "paketet" with
// only them is not enough: it needs a word that says this one is on its way.
const OPEN_WHEREABOUTS = list(
  "arrive arrives arriving arrival come comes coming ships wait yet still news happening when kommer skickas levereras anländer ännu nytt händer när",
);
const STATUS_WORDS = list("status track tracking trace eta spåra spårar spårning");
// Compounds: "spårningsnummer", "trackingnumber".
const STATUS_PREFIXES = ["spårning", "tracking"];
const ON_ITS_WAY = [
  ["on", "its", "way"],
  ["on", "the", "way"],
  ["på", "väg"],
  ["out", "for", "delivery"],
];
// "Where do I…" asks how, not where; Swedish "var" is also "was" ("paketet var trasigt").
const HOW_AFTER_WHERE = list("do does can could should shall would to");
const PLACE_AFTER_VAR = list("är e finns befinner ligger håller hamnade tog");
const RECEIPTS = list("received receive recieved get got gotten fått fick få");
const HANDLING = list("opened unpacked öppnade packade");
const NEGATIONS = list("not never no nothing havent hasnt hadnt didnt dont doesnt inte ej aldrig inget ingenting");
const RECEIVED_OBJECTS = list("it them everything det den dem allt");

// A purchase still to be made. English "order" is a noun too, so the bare verb counts only after
// a subject, a modal or "to"; Swedish says it with the verb's form.
const PURCHASE_VERBS = list("order buy purchase place shop checkout");
const PURCHASE_GERUNDS = list("ordering buying purchasing placing shopping");
const SWEDISH_PURCHASES_TO_COME = list("beställer beställa beställs köper köpa köps handlar handla lägger lägga");
const BEFORE_A_VERB = list("i we you u to ill id wed youd will would should could can might may must do just");
const CONDITIONALS = list("if once whenever before ifall innan");
const SWEDISH_CONDITIONAL_SUBJECTS = list("jag vi man du ni");
const HYPOTHETICAL_PHRASES = [
  ["what", "if"],
  ["happens", "if"],
  ["happen", "if"],
  ["in", "case"],
  ["händer", "om"],
  ["tänk", "om"],
];

const COMPLAINTS = `wrong incorrect damaged damage broken broke defective defect faulty torn ripped hole stain dirty
  crushed scratched missing complaint compensation wet soaked soaking damp smell smells smelly stink stinks mouldy moldy ruined
  fel felaktig trasig sönder skadad defekt hål fläck smutsig saknas saknade reklamation reklamera klagomål ersättning
  blöt blött blöta fuktig luktar lukt stinker möglig mögel förstörd förstört`;
const CHANGES = `return refund exchange swap cancel change modify edit add adds added adding remove address confirmation
  returnera retur återbetalning byta byte bytt avbryta avboka ångra ändra ändring adress bekräftelse`;
const MONEY = `pay paid payment charge charged card klarna swish cost price fee free tax vat duty discount code coupon
  voucher invoice receipt
  pengar betala betalat betalning debiterad kostar kostnad kosta pris avgift gratis moms rabatt kod presentkort faktura kvitto`;
// The account, not the order: "I can't see my order history when I log in".
const ACCOUNT = "account login password history konto lösenord historik inloggning";
const POLICY = `usually normally typically generally average policy country countries abroad international
  internationally overseas worldwide brukar vanligtvis normalt oftast utomlands utlandet länder`;
const OTHER_ERRANDS = keywordSet(`${COMPLAINTS} ${CHANGES} ${MONEY} ${ACCOUNT} ${POLICY}`);
const OTHER_ERRAND_PHRASES = [
  ["lägga", "till"],
  ["lägg", "till"],
  ["ta", "bort"],
];
// "Do you ship to Norway?", "leveransen till Finland".
const DESTINATION = /\b(?:to|till)\s+\p{Lu}\p{Ll}/u;

type Question = { text: string; all: string[]; informative: Set<string> };

/**
 * A word of the list, or a typo of one: one letter off inside a word of 5+ letters ("shiped",
 * "pakage", "oder"). The first letter and the ending must match: shoppers rarely mistype those,
 * while another word ("händer" for "länder") or another form of a verb ("skickar", what the store
 * does, for "skickat", what it did) differs just there. Stop words are never typos.
 */
function matches(question: Question, word: string, keywords: ReadonlySet<string>): boolean {
  if (keywords.has(word)) return true;
  if (word.length < 4 || !question.informative.has(word)) return false;
  for (const keyword of keywords) {
    const sameEnds = keyword[0] === word[0] && keyword.slice(-2) === word.slice(-2);
    if (keyword.length >= 5 && sameEnds && editDistance(word, keyword, 1) <= 1) return true;
  }
  return false;
}

function phraseAt(all: string[], i: number, phrase: string[]): boolean {
  return phrase.every((word, j) => all[i + j] === word);
}

const hasPhrase = (all: string[], phrases: string[][]) => all.some((_, i) => phrases.some((phrase) => phraseAt(all, i, phrase)));

const negated = (all: string[], i: number) => all.slice(Math.max(0, i - 3), i).some((word) => NEGATIONS.has(word));

const isOrderNoun = (q: Question, word: string) => matches(q, word, ORDER_NOUNS) || matches(q, word, DEFINITE_ORDER_NOUNS);

/** "My order", "mitt paket", "paketet mitt", "order 1042", "#1042", "I ordered", "jag beställde". */
function ownOrder(q: Question): boolean {
  const { all } = q;
  if (/#\s?\d{3,}/.test(q.text)) return true;
  return all.some((word, i) => {
    if (isOrderNoun(q, word) || ORDER_NUMBER_NOUNS.has(word)) {
      const number = NUMBER_LABELS.has(all[i + 1] ?? "") ? all[i + 2] : all[i + 1];
      if (/^\d{3,}$/.test(number ?? "")) return true;
      if (all.slice(Math.max(0, i - 3), i).some((before) => POSSESSIVES.has(before))) return true;
      return DEFINITE_ORDER_NOUNS.has(word) && POSSESSIVES.has(all[i + 1] ?? "");
    }
    return PAST_PURCHASES.has(word) && (i === 0 || all.slice(Math.max(0, i - 2), i).some((before) => SUBJECTS.has(before)));
  });
}

/** The words that ask where the order is or how far it has come, as indexes into the words. */
function whereaboutsCues(q: Question): number[] {
  const { all } = q;
  const cues: number[] = [];
  all.forEach((word, i) => {
    const next = all[i + 1] ?? "";
    const cue =
      (word === "where" && !HOW_AFTER_WHERE.has(next)) ||
      (word === "var" && PLACE_AFTER_VAR.has(next)) ||
      (/^updates?$/.test(word) && !BEFORE_A_VERB.has(all[i - 1] ?? "")) ||
      (matches(q, word, RECEIPTS) && negated(all, i)) ||
      STATUS_PREFIXES.some((prefix) => word.startsWith(prefix)) ||
      ON_ITS_WAY.some((phrase) => phraseAt(all, i, phrase)) ||
      matches(q, word, WHEREABOUTS);
    if (cue) cues.push(i);
  });
  return cues;
}

/** "If I order today…", "I'd like to order…", "om jag beställer…", "what happens if…". */
function purchaseToCome(all: string[]): boolean {
  const purchase = (word: string) => PURCHASE_VERBS.has(word) || PURCHASE_GERUNDS.has(word) || SWEDISH_PURCHASES_TO_COME.has(word) || PAST_PURCHASES.has(word);
  return (
    hasPhrase(all, HYPOTHETICAL_PHRASES) ||
    all.some((word, i) => {
      const next = all[i + 1] ?? "";
      if (PURCHASE_GERUNDS.has(word)) return true;
      // "When will order 1042 arrive?": an order number makes it the noun.
      if (PURCHASE_VERBS.has(word) && BEFORE_A_VERB.has(all[i - 1] ?? "") && !/^\d/.test(next) && !NUMBER_LABELS.has(next)) return true;
      // "handlar om" is "is about".
      if (SWEDISH_PURCHASES_TO_COME.has(word) && !(word === "handlar" && next === "om")) return true;
      const conditional = CONDITIONALS.has(word) || (word === "om" && SWEDISH_CONDITIONAL_SUBJECTS.has(next));
      return conditional && all.slice(i + 1, i + 4).some(purchase);
    })
  );
}

/** "I got my parcel but…", "when I opened the box…", "jag fick mitt paket": it has arrived. */
function orderInHand(q: Question): boolean {
  const { all } = q;
  return all.some((word, i) => {
    if (!all.slice(Math.max(0, i - 2), i).some((before) => SUBJECTS.has(before)) || negated(all, i)) return false;
    if (HANDLING.has(word)) return true;
    const object = all.slice(i + 1, i + 3);
    return matches(q, word, RECEIPTS) && object.some((after) => POSSESSIVES.has(after) || RECEIVED_OBJECTS.has(after) || isOrderNoun(q, after));
  });
}

/** A word of another errand, in any inflection or as part of a Swedish compound ("leveransadressen"). */
function isOtherErrand(word: string): boolean {
  if (OTHER_ERRANDS.has(word) || OTHER_ERRANDS.has(stem(word, "en")) || OTHER_ERRANDS.has(stem(word, "sv"))) return true;
  return word.length >= 8 && [...OTHER_ERRANDS].some((keyword) => keyword.length >= 5 && word.includes(keyword));
}

function otherErrand(q: Question): boolean {
  const { all } = q;
  // "How much longer…?" asks when, not what it costs.
  const price = all.some((word, i) => word === "how" && all[i + 1] === "much" && all[i + 2] !== "longer");
  const typo = [...q.informative].some((word) => matches(q, word, OTHER_ERRANDS));
  return price || typo || [...all, ...q.informative].some(isOtherErrand) || hasPhrase(all, OTHER_ERRAND_PHRASES) || DESTINATION.test(q.text);
}

/** "Order status?", "tracking order?": short enough that the order can only be theirs. */
function bareStatusQuestion(q: Question): boolean {
  return q.all.length <= 4 && q.all.some((word) => matches(q, word, STATUS_WORDS)) && q.all.some((word) => isOrderNoun(q, word));
}

/** True when the question asks where the customer's own order is, or what state it is in. */
export function asksAboutOwnOrder(question: string): boolean {
  const all = words(question);
  // Joined phrases too: "send it back" is a return.
  const q: Question = { text: question, all, informative: new Set(informativeWords(question).words) };
  if (purchaseToCome(all) || orderInHand(q) || otherErrand(q)) return false;
  const cues = whereaboutsCues(q);
  if (cues.length === 0) return false;
  if (ownOrder(q) || bareStatusQuestion(q)) return true;
  const settled = cues.some((i) => !OPEN_WHEREABOUTS.has(all[i]!));
  return settled && all.some((word) => matches(q, word, DEFINITE_ORDER_NOUNS));
}

/** Store-provided text, on one line and of bounded length, so it can't reshape what we write. */
function plain(value: unknown, max = 120): string | null {
  if (typeof value !== "string" && typeof value !== "number") return null;
  const text = String(value).replace(/\s+/g, " ").trim();
  if (!text) return null;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const finite = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : null);

type OrderItem = { label: string; quantity: number | null; price: number | null };

/** An order as far as its event tells it; null fields are unknown and never filled in. */
export type OrderFacts = {
  eventId: string;
  orderId: string | null;
  placedAt: string;
  items: OrderItem[];
  /** Line items beyond the first MAX_ITEMS, counted, not listed. */
  moreItems: number;
  total: number | null;
  currency: string | null;
  status: string | null;
  carrier: string | null;
  trackingNumber: string | null;
  trackingUrl: string | null;
};

const MAX_ITEMS = 10;

/** An order's line items, whatever names the store uses for them (as the inbox shows them). */
function orderItems(list: unknown): OrderItem[] {
  if (!Array.isArray(list)) return [];
  return list.slice(0, MAX_ITEMS).flatMap((entry): OrderItem[] => {
    if (typeof entry === "string") return [{ label: plain(entry) ?? "Item", quantity: null, price: null }];
    const item = (entry ?? {}) as Record<string, unknown>;
    const label = plain(item.title) ?? plain(item.name) ?? plain(item.product) ?? plain(item.sku);
    return label ? [{ label, quantity: finite(item.quantity), price: finite(item.price) }] : [];
  });
}

function httpUrl(value: unknown): string | null {
  const text = plain(value, 500);
  if (!text) return null;
  try {
    const url = new URL(text);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

export function orderFacts(event: StoreEventT): OrderFacts {
  const p = event.properties ?? {};
  const currency = typeof p.currency === "string" && /^[A-Z]{3}$/.test(p.currency) ? p.currency : null;
  return {
    eventId: event.id,
    orderId: plain(p.orderId, 60),
    placedAt: event.occurredAt,
    items: orderItems(p.items),
    moreItems: Array.isArray(p.items) ? Math.max(0, p.items.length - MAX_ITEMS) : 0,
    total: finite(event.value),
    currency,
    status: plain(p.fulfillmentStatus, 60) ?? plain(p.status, 60),
    carrier: plain(p.carrier, 60),
    trackingNumber: plain(p.trackingNumber, 80) ?? plain(p.tracking, 80),
    trackingUrl: httpUrl(p.trackingUrl),
  };
}

/** Events that move an order on after it was placed (Shopify's orders/fulfilled and orders/cancelled, or the store's own). */
const ORDER_UPDATES = new Set(["Fulfilled Order", "Cancelled Order"]);

/**
 * The customer's orders, newest first (by when they were placed, whatever order they came in),
 * each as its Fulfilled and Cancelled Order events (same `orderId`) leave it: the newest one's
 * status, and the newest tracking any of them has.
 */
export function customerOrders(customer: CustomerContext): OrderFacts[] {
  const updates = customer.events.filter((event) => ORDER_UPDATES.has(event.name)).sort((a, b) => b.occurredAt.localeCompare(a.occurredAt));
  return customer.events
    .filter((event) => event.name === "Placed Order")
    .sort((a, b) => b.occurredAt.localeCompare(a.occurredAt))
    .map((event) => {
      const placed = orderFacts(event);
      const mine = placed.orderId === null ? [] : updates.map(orderFacts).filter((facts) => facts.orderId === placed.orderId);
      const tracked = mine.find((facts) => facts.trackingNumber || facts.trackingUrl);
      return {
        ...placed,
        status: mine[0]?.status ?? placed.status,
        ...(tracked ? { carrier: tracked.carrier, trackingNumber: tracked.trackingNumber, trackingUrl: tracked.trackingUrl } : {}),
      };
    });
}

const LOCALES: Record<Language, string> = { en: "en-GB", sv: "sv-SE" };

function money(amount: number, currency: string | null, language: Language): string {
  if (currency) {
    try {
      return new Intl.NumberFormat(LOCALES[language], { style: "currency", currency }).format(amount);
    } catch {
      // a code Intl doesn't know: the plain number and the code below
    }
  }
  const number = new Intl.NumberFormat(LOCALES[language]).format(amount);
  return currency ? `${number} ${currency}` : number;
}

/** The date in UTC: the store's time zone isn't part of the context. */
function day(iso: string, language: Language): string {
  return new Intl.DateTimeFormat(LOCALES[language], { dateStyle: "long", timeZone: "UTC" }).format(new Date(iso));
}

// Common fulfilment states in Swedish; anything else is said as the store wrote it.
const SWEDISH_STATUS: Record<string, string> = {
  shipped: "skickad",
  fulfilled: "skickad",
  "partially fulfilled": "delvis skickad",
  "in transit": "på väg",
  "out for delivery": "ute för utkörning",
  "ready for pickup": "redo att hämtas",
  delivered: "levererad",
  processing: "behandlas",
  pending: "väntar på behandling",
  unfulfilled: "inte skickad ännu",
  cancelled: "avbruten",
  canceled: "avbruten",
  returned: "returnerad",
};

function statusText(status: string, language: Language): string {
  const readable = status.replace(/[_-]+/g, " ").toLowerCase();
  return language === "sv" ? (SWEDISH_STATUS[readable] ?? status) : readable;
}

const PHRASES = {
  en: {
    placed: (id: string | null, date: string) => `Your latest order${id ? `, ${id},` : ""} was placed on ${date}`,
    more: (count: number) => `${count} more ${count === 1 ? "item" : "items"}`,
    total: (amount: string) => `${amount} in total`,
    status: (status: string) => `Its status is: ${status}.`,
    follow: (carrier: string | null, number: string | null, url: string | null) =>
      `You can follow it${carrier ? ` with ${carrier}` : ""}${number ? ` (tracking number ${number})` : ""}${url ? `: ${url}` : "."}`,
    carrier: (carrier: string) => `It is being sent with ${carrier}.`,
    noShipping: "I don't have any shipping details for it yet.",
  },
  sv: {
    placed: (id: string | null, date: string) => `Din senaste beställning${id ? `, ${id},` : ""} lades den ${date}`,
    more: (count: number) => `${count} ${count === 1 ? "vara" : "varor"} till`,
    total: (amount: string) => `totalt ${amount}`,
    status: (status: string) => `Status: ${status}.`,
    follow: (carrier: string | null, number: string | null, url: string | null) =>
      `Du kan följa den${carrier ? ` hos ${carrier}` : ""}${number ? ` (spårningsnummer ${number})` : ""}${url ? `: ${url}` : "."}`,
    carrier: (carrier: string) => `Den skickas med ${carrier}.`,
    noShipping: "Jag har inga leveransuppgifter för den ännu.",
  },
} satisfies Record<Language, unknown>;

/**
 * The order in a few sentences in the customer's language: id, date, items and total; then the
 * status and tracking only when the event has them, or that there are no shipping details yet.
 */
export function describeOrder(order: OrderFacts, language: Language): string {
  const say = PHRASES[language];
  const listed = order.items.map((item) => (item.quantity !== null ? `${item.quantity} × ${item.label}` : item.label));
  if (order.moreItems > 0) listed.push(say.more(order.moreItems));
  const items = new Intl.ListFormat(LOCALES[language], { type: "conjunction" }).format(listed);
  let first = say.placed(order.orderId, day(order.placedAt, language));
  if (items) first += `: ${items}`;
  if (order.total !== null) first += `${items ? "," : ""} ${say.total(money(order.total, order.currency, language))}`;
  const sentences = [`${first}.`];
  if (order.status) sentences.push(say.status(statusText(order.status, language)));
  if (order.trackingNumber || order.trackingUrl) sentences.push(say.follow(order.carrier, order.trackingNumber, order.trackingUrl));
  else if (order.carrier) sentences.push(say.carrier(order.carrier));
  if (!order.status && !order.trackingNumber && !order.trackingUrl && !order.carrier) sentences.push(say.noShipping);
  return sentences.join(" ");
}

export type OrderAnswer = { text: string; source: Source };

/**
 * The answer to "where is my order?" from the customer's newest order: null when the question
 * isn't about their order, "no_order" when it is but they have no order on record.
 */
export function answerOrderQuestion(question: string, customer: CustomerContext): OrderAnswer | "no_order" | null {
  if (!asksAboutOwnOrder(question)) return null;
  const newest = customerOrders(customer)[0];
  if (!newest) return "no_order";
  const language = detectLanguage(words(question));
  const title = newest.orderId ? `Order ${newest.orderId}` : `Order of ${newest.placedAt.slice(0, 10)}`;
  return {
    text: describeOrder(newest, language),
    source: { kind: "order", id: newest.orderId ?? newest.eventId, title, score: 1 },
  };
}
