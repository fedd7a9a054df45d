// The built-in answerer's passages (from FAQs and articles) and their ranking for a question.
import { describe, expect, it } from "vitest";
import { articlePassages, faqPassage, rankPassages } from "../../worker/lib/ai/retrieval";
import { ARTICLES, PASSAGES } from "./ai-knowledge";

describe("passages and ranking", () => {
  it("makes one passage per FAQ, with the question as title and the answer as text", () => {
    expect(faqPassage({ id: "f1", question: "Q?", answer: "A." })).toEqual({ kind: "faq", id: "f1", title: "Q?", text: "A." });
  });

  it("splits articles into paragraphs that keep the title, joining headings to what follows", () => {
    const body = [
      "## Washing",
      "Wash at 30 degrees with a wool detergent, on a gentle programme, and lay the garment flat to dry in the shade.",
      "Drying: never tumble dry wool or cashmere. Roll it in a towel to press out the water, then reshape it and dry it flat.",
      "Done.",
    ].join("\n\n\n");
    const passages = articlePassages({ id: "a1", title: "Care", body });
    expect(passages).toHaveLength(2);
    expect(passages.every((p) => p.kind === "article" && p.id === "a1" && p.title === "Care")).toBe(true);
    expect(passages[0]!.text).toMatch(/^## Washing\n\nWash at 30/);
    expect(passages[1]!.text).toMatch(/^Drying[^]*flat\.\n\nDone\.$/);
    const long = articlePassages({ id: "a2", title: "Long", body: Array.from({ length: 40 }, (_, i) => `Sentence number ${i} is here.`).join(" ") });
    expect(long.length).toBeGreaterThan(1);
    expect(long.every((p) => p.text.length <= 900)).toBe(true);
    expect(ARTICLES.flatMap(articlePassages).length).toBeGreaterThan(ARTICLES.length * 3);
  });

  it("ranks the passage that answers first, with BM25 scores and confidences in 0..1", () => {
    const ranked = rankPassages("How long does delivery take?", PASSAGES, 5);
    expect(ranked[0]!.passage.id).toBe("faq-delivery-time");
    expect(ranked.length).toBeLessThanOrEqual(5);
    for (let i = 1; i < ranked.length; i++) expect(ranked[i]!.score).toBeLessThanOrEqual(ranked[i - 1]!.score);
    for (const { confidence } of ranked) {
      expect(confidence).toBeGreaterThanOrEqual(0);
      expect(confidence).toBeLessThanOrEqual(1);
    }
    expect(ranked[0]!.confidence).toBeGreaterThan(ranked[1]!.confidence);
  });

  it("finds terms through typos, compounds and the other language's stems", () => {
    expect(rankPassages("retrun policy", PASSAGES, 1)[0]?.passage.id).toBe("faq-returns");
    expect(rankPassages("giftcards", PASSAGES, 1)[0]?.passage.id).toBe("faq-gift-cards");
    expect(rankPassages("leveranstiden", PASSAGES, 1)[0]?.passage.id).toBe("faq-sv-leverans");
    // Nothing tells this word's language, so it's looked up in English first, then in Swedish.
    expect(rankPassages("Returer?", PASSAGES, 1)[0]?.passage.id).toBe("faq-sv-returer");
  });

  it("reads Nordic compounds the store never wrote: one known part, or the one compound that holds the word", () => {
    const knowledge = [
      faqPassage({ id: "wash", question: "Hur ska jag tvätta merinoull?", answer: "Handtvätta merino i kallt vatten och torka plagget liggande." }),
      faqPassage({ id: "gift", question: "Säljer ni presentkort?", answer: "Ja, digitala kort från 200 kr." }),
      faqPassage({ id: "size", question: "Hur hittar jag rätt storlek?", answer: "Se storleksguiden på varje produktsida." }),
    ];
    // "maskin|tvätta" and "merino|tröjan": one part of each is a word the store uses.
    expect(rankPassages("kan man maskintvätta merinotröjan?", knowledge, 3)[0]?.passage.id).toBe("wash");
    // "present" is only in "presentkort".
    expect(rankPassages("har ni något present till min pappa?", knowledge, 3)[0]?.passage.id).toBe("gift");
    // English writes its compounds apart: no guessing from one part there.
    expect(rankPassages("washbasin?", [faqPassage({ id: "m", question: "Can I machine wash it?", answer: "No." })], 3)).toEqual([]);
  });

  it("reads two Nordic question words as the store's compound of them, ahead of a passage with one part", () => {
    const knowledge = [
      faqPassage({ id: "payment", question: "Vilka betalsätt tar ni emot?", answer: "Kort, Klarna, Swish och PayPal." }),
      faqPassage({ id: "damaged", question: "Vad gör jag om min vara kom fram skadad?", answer: "Skicka ett foto så betalar vi tillbaka pengarna." }),
    ];
    // "betala" alone is in the damaged-item answer; "sätt" + "betala" is "betalsätt".
    const ranked = rankPassages("vilka sätt kan man betala på", knowledge, 2);
    expect(ranked[0]?.passage.id).toBe("payment");
    expect(ranked[0]!.confidence).toBeGreaterThan(ranked[1]?.confidence ?? 0);
    // Either order, with a linking -s-: "kort present" is "presentkort".
    const gift = [faqPassage({ id: "gift", question: "Säljer ni presentkort?", answer: "Ja, digitala från 200 kr." }), ...knowledge];
    expect(rankPassages("kan man köpa kort som present", gift, 1)[0]?.passage.id).toBe("gift");
  });

  it("prefers passages in the question's language", () => {
    expect(rankPassages("Can I pay with Apple Pay?", PASSAGES, 1)[0]?.passage.id).toBe("faq-payment");
    expect(rankPassages("Kan jag betala med Apple Pay?", PASSAGES, 1)[0]?.passage.id).toBe("faq-sv-betalning");
  });

  it("lets weak words tip the ranking but never make a match on their own", () => {
    expect(rankPassages("Do you sell sunglasses?", PASSAGES, 3)).toEqual([]);
    expect(rankPassages("How long does it take?", PASSAGES, 3)).toEqual([]);
    const ranked = rankPassages("How long does shipping take?", PASSAGES, 2);
    expect(ranked[0]!.passage.id).toBe("faq-delivery-time");
  });

  it("is confident when a question is covered and not when half of it is unknown", () => {
    const covered = rankPassages("Which payment methods do you accept?", PASSAGES, 1)[0]!;
    const half = rankPassages("Do you accept bitcoin or dogecoin payment?", PASSAGES, 1)[0]!;
    expect(covered.confidence).toBeGreaterThan(0.8);
    expect(half.confidence).toBeLessThan(0.5);
  });

  it("returns nothing for greetings, thanks, empty text and no knowledge", () => {
    for (const text of ["", "?!", "Hi there", "Hej hej!", "Thank you so much", "tack så mycket"]) expect(rankPassages(text, PASSAGES, 3)).toEqual([]);
    expect(rankPassages("returns", [], 3)).toEqual([]);
  });

  it("builds and ranks 300 passages in a few milliseconds", () => {
    // 300 distinct passages; `round` makes every text new, so that nothing is memoised yet (cold).
    const knowledge = (round: number) =>
      Array.from({ length: 300 }, (_, i) => {
        const passage = PASSAGES[i % PASSAGES.length]!;
        return { ...passage, id: `p${i}`, text: `${passage.text} (ref ${round}-${i})` };
      });
    const questions = [
      "How long does delivery take?",
      "Kan jag byta till en annan storlek?",
      "do u sell giftcards",
      "Is the Merino Crew Sweater in stock in XL?",
    ];
    const average = (rounds: number, run: (round: number) => void) => {
      for (let round = -5; round < 0; round++) run(round); // JIT warm-up
      const started = performance.now();
      for (let round = 0; round < rounds; round++) run(round);
      return (performance.now() - started) / rounds;
    };
    const cold = average(20, (round) => rankPassages(questions[Math.abs(round) % 4]!, knowledge(round), 5));
    const same = knowledge(1000);
    const warm = average(100, (round) => rankPassages(questions[Math.abs(round) % 4]!, same, 5));
    // A pasted 4,000-character message of words the passages don't have: only its first words are looked up.
    const pasted = Array.from({ length: 400 }, (_, i) => `qzxw${i}vbnm`)
      .join(" ")
      .slice(0, 4000);
    const long = average(10, () => rankPassages(pasted, same, 5));
    console.log(
      `ranking 300 passages, index built per call: ${cold.toFixed(2)} ms with new passages, ${warm.toFixed(2)} ms with the same passages as before, ${long.toFixed(2)} ms for a 4,000-character message`,
    );
    // Sanity bounds, generous for slow or busy CI machines: on a quiet 2-CPU machine these were
    // about 5–15, 0.5–1 and 2–3 ms.
    expect(cold).toBeLessThan(150);
    expect(warm).toBeLessThan(15);
    expect(long).toBeLessThan(60);
  });
});
