// When the built-in answerer answers with the customer's own order: only when they ask where an
// order they have already placed is, or what state it is in. Questions that merely mention an
// order (shipping policy, "if I order today…", a damaged item, a return, a change, a payment) go
// on to the store's knowledge like any other question.
import { describe, expect, it } from "vitest";
import { answerOrderQuestion } from "../../worker/lib/ai/orders";
import { answerer, request } from "./ai-answerer-fixtures";
import { CASEY, NEW_CUSTOMER } from "./ai-knowledge";

/** Asks about the status or whereabouts of an order the shopper has placed. */
const ABOUT_THEIR_ORDER = [
  // English
  "where's my order at??",
  "hi, where is my package",
  "has my order shipped yet? ordered on monday",
  "Any update on my order? It's been over a week.",
  "my parcel still hasn't arrived",
  "I ordered a jacket 10 days ago and it never came",
  "what's the tracking number for order #1042?",
  "can you check the status of my order please",
  "is my order on its way?",
  "When is my delivery coming?",
  "did you guys send my order yet",
  "Has order 1042 been dispatched?",
  "I still haven't received my order",
  "my order is late, any idea where it is?",
  "How can I track my package?",
  "when will my stuff get here",
  "still waiting on my parcel, any news?",
  "was my package delivered? i wasnt home today",
  "order status pls",
  "wheres my oder",
  "has my pakage been shiped",
  "i havent recieved my order yet",
  "My order says delivered but I can't find it anywhere",
  "Do you know when my order will arrive?",
  "is there a tracking link for my parcel",
  "my delivery is delayed, what's going on?",
  "I placed an order last Tuesday, has it been sent out?",
  "bought a sweater from you on the 3rd, where is it?",
  "Is my package lost? The tracking hasn't moved in 5 days",
  "eta on my order?",
  "when does my order ship?",
  "can u tell me where my parcel is",
  "when will order 1042 get here?",
  // Swedish
  "hallå, var är mitt paket",
  "När kommer min beställning fram?",
  "har ni skickat min order än",
  "Hej! Jag beställde en jacka förra veckan och den har inte kommit ännu",
  "vart tog mitt paket vägen",
  "Har min leverans blivit försenad?",
  "kan ni kolla status på min order",
  "spårningsnummer för order 1042?",
  "jag har fortfarande inte fått mina grejer",
  "hur spårar jag mitt paket?",
  "Paketet har inte kommit än, vad händer?",
  "När skickas min beställning?",
  "min order är sen, var är den?",
  "väntar fortfarande på mitt paket",
  "har beställningen levererats?",
  "var e min bestälning",
  "Har mitt paket skickats iväg?",
];

/** Mentions an order, a parcel or a delivery, but asks about something else. */
const NOT_ABOUT_THEIR_ORDER = [
  // English: hypothetical or future purchases, shipping policy
  "if I order now, when will it get to me?",
  "when i order today how fast will it arrive",
  "I'm thinking of ordering a parka, when would it arrive?",
  "If I buy two sweaters, will they arrive together?",
  "Before I place an order: how long does delivery to Norway take?",
  "would my package arrive by Friday if I ordered tonight?",
  "How long does shipping usually take?",
  "how much will shipping cost for my order?",
  "is shipping free if my order is over 800 kr?",
  "do you ship to Germany?",
  "when do orders usually ship?",
  "do you deliver on weekends?",
  "Do you offer tracking on all orders?",
  "what happens if my parcel gets lost?",
  "When will you restock the jacket I wanted to order?",
  "i'd like to order a gift for my mum, will it arrive before her birthday?",
  "do I get a tracking number when I order?",
  "how do I know if my order qualifies for free shipping",
  // English: complaints about what came
  "my package arrived but the sweater has a hole in it",
  "The zipper on my jacket broke the first time I wore it",
  "you sent me the wrong size",
  "one item was missing from my parcel",
  "my order arrived damaged, what do I do",
  "my order came in the wrong colour",
  "the box was crushed and everything inside is dirty",
  "I got my parcel but the socks are defective",
  "the socks in my delivery were stained when I got them",
  "I received my order yesterday but the parka smells weird",
  "the package came all wet and now the jumper stinks",
  "my delivery was soaked through, the scarf is ruined",
  "when I opened my parcel the sweater was the wrong one",
  "my package came ripped open",
  "the item was scratched when i unpacked it",
  "my order arived damged",
  // English: returns, cancellations, changes, payment, the account
  "I can't see my order history when I log in",
  "how do I return my order?",
  "I want to send my order back",
  "can I cancel my order, it hasn't shipped yet",
  "I need to change the shipping address on my order",
  "can I add socks to my order before it ships?",
  "When will I get my refund for the parcel I sent back?",
  "How long do I have to return my delivery?",
  "I was charged twice for my order",
  "can I pay for my order with Klarna?",
  "Where do I enter a discount code for my order?",
  "can I get an invoice for my last order?",
  // Swedish
  "om jag beställer nu, när är paketet framme?",
  "när kommer paketet om jag handlar idag?",
  "Jag vill beställa en mössa, hur snabbt kommer den?",
  "Ifall jag köper två tröjor, kommer de i samma paket?",
  "Hur lång tid tar leveransen till Finland?",
  "Vad kostar frakten för min beställning?",
  "brukar ni skicka samma dag?",
  "skickar ni till Norge?",
  "min tröja var trasig när jag öppnade paketet",
  "Jag fick fel storlek i mitt paket",
  "Det saknas en vara i mitt paket",
  "Varan i min leverans var skadad",
  "kan jag returnera min order?",
  "Jag vill avbryta min beställning innan den skickas",
  "Kan jag ändra leveransadressen på min order?",
  "Hur betalar jag min beställning med Swish?",
  "Kan jag lägga till en vara i min beställning?",
  "mitt returpaket har kommit fram till er, när får jag pengarna?",
  "jag fick mitt paket igår men jackan luktar konstigt",
  "när jag öppnade paketet var dragkedjan sönder",
  "paketet kom fram helt blött och tröjan luktar mögel",
  "får jag spårningsnummer när jag beställer?",
  "Vad händer om mitt paket försvinner?",
];

describe("order intent", () => {
  it("has the table it claims: 45+ questions each way, a third of them Swedish", () => {
    expect(ABOUT_THEIR_ORDER.length).toBeGreaterThanOrEqual(45);
    expect(NOT_ABOUT_THEIR_ORDER.length).toBeGreaterThanOrEqual(45);
    expect(new Set([...ABOUT_THEIR_ORDER, ...NOT_ABOUT_THEIR_ORDER]).size).toBe(ABOUT_THEIR_ORDER.length + NOT_ABOUT_THEIR_ORDER.length);
  });

  it.each(ABOUT_THEIR_ORDER)("answers with the customer's newest order: %j", async (question) => {
    const order = answerOrderQuestion(question, CASEY);
    expect(order).toMatchObject({ source: { kind: "order", id: "#1042" } });
    const answer = await answerer.answer(request(question, CASEY));
    expect(answer).toMatchObject({ kind: "answer", confidence: 1, sources: [{ kind: "order", id: "#1042" }] });
    // Asked by a customer with no order on record: a real order question, so no FAQ either.
    expect(answerOrderQuestion(question, NEW_CUSTOMER)).toBe("no_order");
  });

  it.each(NOT_ABOUT_THEIR_ORDER)("leaves it to the store's knowledge: %j", async (question) => {
    expect(answerOrderQuestion(question, CASEY)).toBeNull();
    expect(answerOrderQuestion(question, NEW_CUSTOMER)).toBeNull();
    const answer = await answerer.answer(request(question, CASEY));
    expect(answer.sources.map((source) => source.kind)).not.toContain("order");
  });
});
