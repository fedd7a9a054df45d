// The built-in answerer's text handling: words, stems, languages, stop words and synonyms, and
// telling when a customer asks for a person.
import { describe, expect, it } from "vitest";
import { asksForHuman } from "../../worker/lib/ai/human";
import { detectLanguage, informativeWords, stem, term, words } from "../../worker/lib/ai/text";

describe("text", () => {
  it("splits into lower-case words of letters and digits, keeping å, ä, ö and joining apostrophes", () => {
    expect(words("Där är MIN beställning #1042?! Don't worry, it's Åsa's.")).toEqual([
      "där",
      "är",
      "min",
      "beställning",
      "1042",
      "dont",
      "worry",
      "its",
      "åsas",
    ]);
    expect(words("  ...  ")).toEqual([]);
  });

  it.each([
    ["en", ["order", "orders", "ordered", "ordering"]],
    ["en", ["deliver", "delivery", "deliveries", "delivered"]],
    ["en", ["ship", "ships", "shipped", "shipping"]],
    ["en", ["size", "sizes", "sizing"]],
    ["en", ["exchange", "exchanges", "exchanged", "exchanging"]],
    ["en", ["cancel", "cancelled", "canceled"]],
    ["en", ["pay", "payment", "payments"]],
    ["en", ["dress", "dresses"]],
    ["sv", ["beställning", "beställningar", "beställningen", "beställningarna"]],
    ["sv", ["leverans", "leveranser", "leveransen", "leveranserna"]],
    ["sv", ["paket", "paketet", "paketen"]],
    ["sv", ["storlek", "storlekar", "storleken", "storlekarna"]],
    ["sv", ["byta", "byte", "byter"]],
  ] as const)("stems %s inflections together: %j", (language, forms) => {
    const stems = new Set(forms.map((form) => stem(form, language)));
    expect(stems.size, [...stems].join(", ")).toBe(1);
  });

  it("keeps words that are not inflections of each other apart", () => {
    expect(stem("status", "en")).toBe("status");
    expect(stem("address", "en")).toBe("address");
    expect(stem("paket", "sv")).toBe("paket");
    expect(stem("leverans", "sv")).toBe("leverans");
    expect(new Set(["order", "return", "refund", "size"].map((w) => stem(w, "en"))).size).toBe(4);
  });

  it("tells Swedish from English, English when in doubt", () => {
    expect(detectLanguage(words("Var är mitt paket?"))).toBe("sv");
    expect(detectLanguage(words("När kommer min beställning?"))).toBe("sv");
    expect(detectLanguage(words("Where is my order?"))).toBe("en");
    expect(detectLanguage(words("Göteborg"))).toBe("sv");
    expect(detectLanguage(words("1042"))).toBe("en");
  });

  const terms = (text: string) => {
    const { language, words: informative } = informativeWords(text);
    return informative.map((word) => term(word, language));
  };

  it("drops stop words and chat filler of the text's language, keeping weak words for the ranking to weigh", () => {
    expect(terms("Hi! How long does delivery take?")).toEqual(["long", "deliver", "tak"]);
    expect(terms("Hej! Hur lång tid tar leveransen?")).toEqual(["lång", "tid", "tar", "leverans"]);
    expect(terms("Thanks so much, bye")).toEqual([]);
  });

  it("makes synonyms and two-word phrases one term, within a language", () => {
    expect(terms("Do you have a shop in Malmö?")).toEqual(terms("Do you have a store in Malmö?"));
    expect(terms("jumper")).toEqual(terms("sweaters"));
    expect(terms("Can I send the sweater back?")).toEqual(terms("Can I return the sweater?"));
    expect(terms("When do I get my money back")).toEqual(["refund"]);
    expect(terms("United Kingdom")).toEqual(terms("UK"));
    expect(terms("Får jag tillbaka pengarna?")).toEqual([term("återbetalning", "sv")]);
    expect(terms("Pengarna betalas tillbaka inom 5 dagar")).toContain(term("återbetalning", "sv"));
    expect(terms("tröjan har ett hål")).toContain(term("trasig", "sv"));
  });
});

describe("asksForHuman", () => {
  const yes = [
    "human",
    "HUMAN!!!",
    "Agent please",
    "representative",
    "I want to talk to a human",
    "Can I speak with someone?",
    "let me talk to a real person",
    "a real person please",
    "Connect me to customer service",
    "I need an agent now",
    "Is there a human I can talk to?",
    "i want a humna",
    "speak to a represntative",
    "Could you transfer me to a live agent",
    "Jag vill prata med en människa",
    "Kan jag få prata med någon?",
    "riktig person tack",
    "Jag vill ha en handläggare",
    "Koppla mig till kundtjänst",
    "kundtjänst!",
    "Kan jag prata med personalen?",
    "jag vill prata med en manniska",
    "Finns det en människa jag kan prata med?",
    "I don't want a bot, I want a human",
    "No, I want a human",
    "Thanks. Agent please!",
    "That didn't help; can I talk to customer support?",
  ];
  const no = [
    "",
    "Is this sweater for a person with long arms?",
    "I want a gift for a person who likes wool",
    "What are your customer service hours?",
    "Is my personal data safe with you?",
    "I need stuff for my trip",
    "Do you support Apple Pay?",
    "Does the agent for DHL deliver on Saturdays?",
    "I don't need a human, just tell me the delivery time",
    "I don't really want to talk to anyone, where is my parcel?",
    "I know you're not a real person",
    "Jag behöver inte prata med någon, vad kostar frakten?",
    "Finns det någon rabatt just nu?",
    "Är tröjan gjord för en person med långa armar?",
    "Where is my order?",
    "How do I return a jacket?",
    "Can I talk about sizes here?",
    "Hur stora är era storlekar?",
  ];
  it.each(yes)("asks for a person: %j", (text) => expect(asksForHuman(text)).toBe(true));
  it.each(no)("does not ask for a person: %j", (text) => expect(asksForHuman(text)).toBe(false));
});
