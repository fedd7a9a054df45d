// The customer's own data: "where is my order?" answered from their newest `Placed Order` event,
// and their facts as plain text for an LLM's context. Everything said here is read from the one
// customer's context the answerer was given; nothing is guessed, so with no order on record
// there is no order answer at all.
import type { StoreEventT } from "../../../contract";
import { detectLanguage, isKeyword, keywordSet, words, type Language } from "./text";
import type { CustomerContext, Source } from "./types";

// "Where is my order?" needs the customer's order (or parcel), a word of theirs ("my", "I"),
// and a word about its whereabouts ("where", "shipped", "arrive", "när", "kommer"). "Status" and
// tracking words need only one of the first two ("order status?", "track my parcel").
// Questions that are about doing something else with an order (returning, changing, cancelling,
// a fault, a discount, the invoice) are left to the knowledge base even when they say "my order".
const ORDER_WORDS = keywordSet(`order purchase package parcel shipment delivery items stuff
  beställning paket leverans försändelse köp varor grejer`);
// English "I" is Swedish "in": each language's own words.
const OWN_WORDS: Record<Language, Set<string>> = {
  en: keywordSet("my mine i me we our"),
  sv: keywordSet("jag min mitt mina vi vår vårt våra"),
};
const WHEREABOUTS = keywordSet(`where when ship shipped sent dispatched arrive arrival come coming
  late delayed yet still eta var när kommer kommit skickat skickad skickats skickade framme
  försenad levererad levereras anländer`);
const STATUS_WORDS = keywordSet("status track tracking trace spåra spårning spårningsnummer");
const OTHER_ERRANDS = keywordSet(`return refund exchange swap cancel change modify edit add remove
  wrong damaged broken faulty hole torn missing discount code invoice receipt
  returnera retur återbetalning byta byte avbryta ändra ångra lägga trasig skadad fel felaktig
  saknas rabatt faktura kvitto`);

/** True when the question asks where the customer's own order is, or what state it is in. */
export function asksAboutOwnOrder(question: string): boolean {
  const all = words(question);
  const language = detectLanguage(all);
  const has = (keywords: Set<string>) => all.some((word) => isKeyword(word, keywords, language));
  if (has(OTHER_ERRANDS)) return false;
  const order = has(ORDER_WORDS);
  const own = has(OWN_WORDS[language]);
  return (has(STATUS_WORDS) && (order || own)) || (order && own && has(WHEREABOUTS));
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

/** The customer's orders, newest first (by when they were placed, whatever order they came in). */
export function customerOrders(customer: CustomerContext): OrderFacts[] {
  return customer.events
    .filter((event) => event.name === "Placed Order")
    .sort((a, b) => b.occurredAt.localeCompare(a.occurredAt))
    .map(orderFacts);
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
