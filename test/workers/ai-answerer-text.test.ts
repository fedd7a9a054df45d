// The built-in answerer's text handling: words, stems, languages (English, Swedish, Danish,
// Norwegian bokmål), stop words and synonyms, and telling when a customer asks for a person.
import { describe, expect, it } from "vitest";
import type { Locale } from "../../contract";
import { asksForHuman } from "../../worker/lib/ai/human";
import { faqPassage, rankPassages } from "../../worker/lib/ai/retrieval";
import { analyse, detectLanguage, stem, term, textLanguageOf, words } from "../../worker/lib/ai/text";

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
    ["da", ["pakke", "pakken", "pakker", "pakkerne"]],
    ["da", ["bestilling", "bestillingen", "bestillinger", "bestillingerne"]],
    ["da", ["størrelse", "størrelsen", "størrelser", "størrelserne"]],
    ["da", ["returnere", "returnerer", "returnerede"]],
    ["nb", ["pakke", "pakken", "pakker", "pakkene"]],
    ["nb", ["levering", "leveringen", "leveringer", "leveringene"]],
    ["nb", ["jakke", "jakka", "jakken", "jakker"]],
    ["nb", ["bytte", "bytter", "byttet"]],
  ] as const)("stems %s inflections together: %j", (language, forms) => {
    const stems = new Set(forms.map((form) => stem(form, language)));
    expect(stems.size, [...stems].join(", ")).toBe(1);
  });

  it("keeps words that are not inflections of each other apart", () => {
    expect(stem("status", "en")).toBe("status");
    expect(stem("address", "en")).toBe("address");
    expect(stem("paket", "sv")).toBe("paket");
    expect(stem("leverans", "sv")).toBe("leverans");
    expect(stem("retur", "da")).toBe("retur");
    expect(stem("pris", "nb")).toBe("pris");
    expect(new Set(["pakke", "pris", "retur", "størrelse"].map((w) => stem(w, "nb"))).size).toBe(4);
    expect(new Set(["order", "return", "refund", "size"].map((w) => stem(w, "en"))).size).toBe(4);
  });

  it("tells Swedish from English, English when in doubt", () => {
    expect(detectLanguage(words("Var är mitt paket?"))).toBe("sv");
    expect(detectLanguage(words("När kommer min beställning?"))).toBe("sv");
    expect(detectLanguage(words("Where is my order?"))).toBe("en");
    expect(detectLanguage(words("Göteborg"))).toBe("sv");
    expect(detectLanguage(words("1042"))).toBe("en");
  });

  it("tells Danish and Norwegian from Swedish and English, and from each other by the words they spell apart", () => {
    const language = (text: string, locale: Locale | null = null) => textLanguageOf(words(text), locale);
    expect(language("Hvad koster fragten til Norge?")).toBe("da");
    expect(language("Hvornår kommer min bestilling?")).toBe("da");
    expect(language("Hva koster frakten til Danmark?")).toBe("nb");
    expect(language("Jeg lurer på når pakken kommer")).toBe("nb");
    expect(language("Var är mitt paket?")).toBe("sv");
    expect(language("Where is my parcel?")).toBe("en");
    // Words both write (hvor, er, min) leave it open: Danish, the first of the two.
    expect(language("Hvor er min pakke?")).toBe("da");
    // The built-in answerer reads Danish and Norwegian, and replies in English.
    expect(detectLanguage(words("Hvad koster fragten?"))).toBe("en");
  });

  it("lets the shopper's known locale decide what the words leave open, and only that", () => {
    const language = (text: string, locale: Locale | null) => textLanguageOf(words(text), locale);
    expect(language("Hvor er min pakke?", "nb")).toBe("nb");
    expect(language("Apple Pay?", null)).toBeNull();
    expect(language("Apple Pay?", "sv")).toBe("sv");
    expect(language("Apple Pay?", "da")).toBe("da");
    // A locale the analysis doesn't know tips nothing.
    expect(language("Apple Pay?", "de")).toBeNull();
    // Clear words win over the locale: a Swedish shopper may write English, a Danish one Swedish.
    expect(language("Where is my parcel?", "sv")).toBe("en");
    expect(language("Var är mitt paket?", "da")).toBe("sv");
    expect(analyse("Apple Pay?", "nb").language).toBe("nb");
    expect(analyse("Apple Pay?").language).toBe("en");
  });

  const terms = (text: string, locale: Locale | null = null) => {
    const { language, words: informative } = analyse(text, locale);
    return informative.map((word) => term(word, language));
  };

  it("drops stop words and chat filler of the text's language, keeping weak words for the ranking to weigh", () => {
    expect(terms("Hi! How long does delivery take?")).toEqual(["long", "deliver", "tak"]);
    expect(terms("Hej! Hur lång tid tar leveransen?")).toEqual(["lång", "tid", "tar", "leverans"]);
    expect(terms("Thanks so much, bye")).toEqual([]);
    expect(terms("Hej! Hvor lang tid tager leveringen?")).toEqual(["lang", "tid", "tag", "levering"]);
    expect(terms("Hei! Hvor lang tid tar leveringen?")).toEqual(["lang", "tid", "tar", "levering"]);
    expect(terms("Tusind tak, hej hej")).toEqual([]);
    expect(terms("Tusen takk!")).toEqual([]);
  });

  describe("Danish and Norwegian in the ranking", () => {
    const knowledge = [
      faqPassage({ id: "delivery", question: "How long does delivery take?", answer: "We ship within 1–2 business days; delivery takes 2–4 days." }),
      faqPassage({ id: "levering-da", question: "Hvor lang tid tager leveringen?", answer: "Vi sender inden for 1–2 hverdage, og leveringen tager 2–4 dage." }),
      faqPassage({
        id: "retur-nb",
        question: "Hvordan returnerer jeg en vare?",
        answer: "Du kan returnere varer innen 30 dager. Returetiketten ligger i pakken.",
      }),
      faqPassage({ id: "storlek-sv", question: "Hur hittar jag rätt storlek?", answer: "Titta i storleksguiden på varje produktsida." }),
      faqPassage({ id: "swish-en", question: "Do you take Swish?", answer: "Yes, we take Swish." }),
      faqPassage({ id: "swish-da", question: "Kan jeg betale med Swish?", answer: "Ja, du kan betale med Swish." }),
    ];
    const best = (question: string, locale: Locale | null = null) => rankPassages(question, knowledge, 1, locale)[0]?.passage.id;

    it("finds inflections and compounds, linked with -s- or not", () => {
      expect(best("Hvornår kommer leveringerne?")).toBe("levering-da");
      expect(best("leveringstiden?", "da")).toBe("levering-da");
      expect(best("Kan jeg returnere jakka?", "nb")).toBe("retur-nb");
      expect(best("Hvor finner jeg returetiketter?", "nb")).toBe("retur-nb");
    });

    it("prefers the passage in the question's language, Danish and Norwegian counting as one", () => {
      expect(best("How long does delivery take?")).toBe("delivery");
      expect(best("Swish?", "en")).toBe("swish-en");
      expect(best("Swish?", "da")).toBe("swish-da");
      expect(best("Swish?", "nb")).toBe("swish-da");
    });
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
