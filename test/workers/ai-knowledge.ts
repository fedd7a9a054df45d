// A fixed, realistic knowledge set for a Swedish clothing store that sells across Europe (FAQs in
// English and Swedish, help-centre articles) and two customers, on which the question table
// (ai-questions.ts) evaluates the built-in answerer.
import type { StoreEventT } from "../../contract";
import { articlePassages, faqPassage, type ArticleInput, type FaqInput } from "../../worker/lib/ai/retrieval";
import type { CustomerContext, Passage } from "../../worker/lib/ai/types";

export const FAQS: FaqInput[] = [
  {
    id: "faq-returns",
    question: "What is your return policy?",
    answer:
      "You can return unworn items with the tags still attached within 30 days of delivery. Start your return at fjallvik.com/returns with your order number and email address, and we'll email you a prepaid return label. Returns are free from Sweden, Norway, Denmark and Finland; from other countries we deduct 79 SEK from your refund.",
  },
  {
    id: "faq-refund-time",
    question: "When will I get my refund?",
    answer:
      "We refund your money within 5 business days of receiving your return, to the payment method you used. Your bank may need another 3–5 days before it shows on your account. Orders paid with a gift card are refunded as a new gift card.",
  },
  {
    id: "faq-delivery-time",
    question: "How long does delivery take?",
    answer:
      "Orders placed before 14:00 on a weekday leave our warehouse the same day. Delivery takes 1–3 business days within Sweden, 2–5 business days to Norway, Denmark and Finland, and 3–7 business days to the rest of Europe and the UK.",
  },
  {
    id: "faq-shipping-countries",
    question: "Which countries do you ship to?",
    answer:
      "We ship to all EU countries, Norway, Switzerland, Iceland and the United Kingdom. We don't ship to the USA, Canada or Australia yet. Deliveries to Norway, Switzerland and the UK may be charged import duty and VAT by customs on arrival.",
  },
  {
    id: "faq-shipping-cost",
    question: "How much does shipping cost?",
    answer:
      "Standard delivery within Sweden is free on orders over 800 SEK, otherwise 59 SEK. To other countries standard delivery costs 99 SEK and is free on orders over 1,500 SEK. Express delivery with DHL costs 149 SEK.",
  },
  {
    id: "faq-sizes",
    question: "How do your sizes fit?",
    answer:
      "Our tops and knitwear are true to size with a relaxed fit. If you're between two sizes, pick the smaller one for a closer fit. Every product page has a measurement chart, and our size guide shows how to measure yourself.",
  },
  {
    id: "faq-wool-care",
    question: "How do I wash merino wool?",
    answer:
      "Wash merino on a wool programme at 30 °C at most with a wool detergent, or by hand in lukewarm water. Never tumble dry: roll the garment in a towel to press out the water and dry it flat. Often airing it between wears is enough.",
  },
  {
    id: "faq-payment",
    question: "Which payment methods do you accept?",
    answer:
      "You can pay by card (Visa, Mastercard, American Express), Klarna (invoice within 30 days or instalments), Swish, Apple Pay and Google Pay. We don't accept PayPal or cash on delivery.",
  },
  {
    id: "faq-gift-cards",
    question: "Do you sell gift cards?",
    answer:
      "Yes. Digital gift cards from 200 to 5,000 SEK are sent by email, are valid for two years and can be used online and in all our stores. Gift cards can't be exchanged for cash.",
  },
  {
    id: "faq-discount-codes",
    question: "How do I use a discount code?",
    answer:
      "Enter the code in the 'Discount code' field at checkout before you pay. Only one code can be used per order, and a code can't be added to an order that has already been placed. Discount codes don't apply to gift cards.",
  },
  {
    id: "faq-stores",
    question: "Where are your stores and when are they open?",
    answer:
      "We have stores in Stockholm (Drottninggatan 58), Gothenburg (Vallgatan 12) and Malmö (Södergatan 7). They're open 10–19 on weekdays, 10–17 on Saturdays and 11–16 on Sundays.",
  },
  {
    id: "faq-exchanges",
    question: "Can I exchange an item for another size or colour?",
    answer:
      "Yes. Choose 'Exchange' when you start a return and pick the new size or colour. We send the new item free of charge as soon as your return has been dropped off. You can also exchange items in any of our stores with your order confirmation.",
  },
  {
    id: "faq-damaged",
    question: "My item arrived damaged or faulty. What do I do?",
    answer:
      "We're sorry! Send us a photo of the fault and your order number through the contact form and we'll send you a replacement or refund you, shipping included. Manufacturing faults are covered for three years. You don't need to send the faulty item back unless we ask for it.",
  },
  {
    id: "faq-order-changes",
    question: "Can I change or cancel my order?",
    answer:
      "You can change the delivery address or cancel your order within one hour of placing it, using the link in your order confirmation. After that the order is being packed and can't be changed, but you can return it free of charge when it arrives.",
  },
  {
    id: "faq-tracking",
    question: "How do I track my order?",
    answer:
      "When your order leaves our warehouse we send you an email with a tracking link from PostNord or DHL. Signed-in customers can also follow the status under 'My orders'.",
  },
  {
    id: "faq-contact",
    question: "How can I contact customer service?",
    answer: "Our customer service team answers in this chat and at help@fjallvik.com on weekdays 9–17 (CET). We reply to emails within one business day.",
  },
  {
    id: "faq-sv-returer",
    question: "Hur returnerar jag en vara?",
    answer:
      "Du har 30 dagars öppet köp från leveransdagen. Plaggen ska vara oanvända och ha prislappen kvar. Starta returen på fjallvik.se/retur med ditt ordernummer och din e-postadress, så mejlar vi en förbetald returetikett. Pengarna betalas tillbaka inom 5 vardagar efter att vi har tagit emot returen.",
  },
  {
    id: "faq-sv-leverans",
    question: "Hur lång är leveranstiden och vart skickar ni?",
    answer:
      "Beställningar som görs före kl. 14 på vardagar skickas samma dag. Inom Sverige tar leveransen 1–3 vardagar och till övriga Norden 2–5 vardagar. Vi skickar till hela EU, Norge, Schweiz, Island och Storbritannien.",
  },
  {
    id: "faq-sv-frakt",
    question: "Vad kostar frakten?",
    answer: "Fri frakt inom Sverige på beställningar över 800 kr, annars kostar frakten 59 kr. Expressleverans med DHL kostar 149 kr.",
  },
  {
    id: "faq-sv-betalning",
    question: "Hur kan jag betala?",
    answer: "Du kan betala med kort, Klarna (faktura eller delbetalning), Swish, Apple Pay och Google Pay.",
  },
  {
    id: "faq-sv-presentkort",
    question: "Säljer ni presentkort?",
    answer: "Ja! Digitala presentkort på 200–5 000 kr skickas med e-post, gäller i två år och kan användas både på webben och i våra butiker.",
  },
  {
    id: "faq-sv-storlekar",
    question: "Hur stora är era storlekar?",
    answer:
      "Våra tröjor och stickade plagg är normala i storleken med en ledig passform. Ligger du mellan två storlekar, välj den mindre. Det finns en måttabell på varje produktsida.",
  },
  {
    id: "faq-sv-reklamation",
    question: "Min vara är trasig eller felaktig, vad gör jag?",
    answer:
      "Vad tråkigt! Skicka en bild på felet och ditt ordernummer via kontaktformuläret, så skickar vi en ny vara eller betalar tillbaka pengarna. Du har tre års reklamationsrätt på fabrikationsfel.",
  },
  {
    id: "faq-sv-andra-order",
    question: "Kan jag ändra eller avbryta min beställning?",
    answer:
      "Inom en timme efter köpet kan du ändra leveransadress eller avbryta beställningen via länken i orderbekräftelsen. Därefter packas den och kan inte ändras, men du kan returnera den kostnadsfritt.",
  },
  {
    id: "faq-sv-byte",
    question: "Kan jag byta till en annan storlek eller färg?",
    answer:
      "Ja, välj 'Byte' när du startar returen och ange ny storlek eller färg. Den nya varan skickas kostnadsfritt när returen har lämnats in. Du kan också byta i någon av våra butiker.",
  },
  {
    id: "faq-sv-butiker",
    question: "Var finns era butiker?",
    answer:
      "Vi har butiker i Stockholm (Drottninggatan 58), Göteborg (Vallgatan 12) och Malmö (Södergatan 7). Öppet vardagar 10–19, lördagar 10–17 och söndagar 11–16.",
  },
];

export const ARTICLES: ArticleInput[] = [
  {
    id: "article-size-guide",
    title: "Size guide: how to measure yourself",
    body: `Measure over thin underwear with a soft tape measure, keeping the tape snug but not tight. Compare your measurements with the chart on the product page rather than the size you usually wear elsewhere.

Chest: measure around the fullest part of your chest, under your arms and across the shoulder blades. For sweaters and shirts the chest measurement decides the size.

Waist and hips: measure your natural waist at its narrowest point, and your hips at their widest with your feet together. Our trousers are sized by waist and inseam in inches, for example W32/L32.

Inseam: measure from the crotch to the floor along the inside of your leg, without shoes. If you are between two lengths, choose the longer one: our trousers can be shortened for free in our stores.

Children's sizes follow height in centimetres (for example 110/116 or 134/140). If your child is between sizes, choose the bigger one so the garment lasts another season.`,
  },
  {
    id: "article-wool-care",
    title: "Caring for wool and cashmere",
    body: `Wool cleans itself surprisingly well. Airing a sweater outside or in a steamy bathroom often removes odours, so wash wool only when it is actually dirty, and treat small stains with a damp cloth first.

Washing: use the wool programme at 30 °C at most, a low spin and a wool detergent without enzymes. Cashmere is best washed by hand in lukewarm water. Never use fabric softener.

Drying: never tumble dry wool or cashmere. Roll the garment in a towel to press out the water, then reshape it and let it dry flat, away from direct heat.

Pilling: small balls of fibre can appear where the fabric rubs, for example under the arms. This is normal for soft wool and is not a fault. Remove them with a fabric comb or a pilling shaver and the surface stays smooth.

Storage: fold knitwear instead of hanging it, so it keeps its shape. Store it clean, in a closed bag with cedar wood, to keep clothes moths away. If you find moths, put the garment in the freezer for a few days.`,
  },
  {
    id: "article-returns-guide",
    title: "Returns, step by step",
    body: `1. Start your return at fjallvik.com/returns with your order number and email address. Choose the items you are returning and whether you want a refund or an exchange.

2. Pack the items in the original bag or any sturdy packaging, and attach the prepaid return label we email you. Please don't write on the PostNord label.

3. Drop the parcel off at a PostNord service point or parcel locker within 7 days of starting the return. Keep the receipt until your refund has arrived.

Refunds go back to the payment method you used within 5 business days of your return reaching our warehouse. You get an email as soon as it has been processed.

Some items can't be returned for hygiene reasons: underwear, swimwear without its hygiene seal and earrings. Items marked final sale can't be returned either, but they can be reported as faulty.

You can also return online orders in any of our stores; bring your order confirmation. The refund is made to your original payment method.`,
  },
  {
    id: "article-delivery",
    title: "Delivery, customs and collecting your parcel",
    body: `We send parcels with PostNord as standard, and with DHL Express when you choose express delivery at checkout. Express orders placed before 14:00 on a weekday are delivered the next business day in Sweden and within 2 business days in most of Europe.

Most parcels are delivered to a service point or parcel locker near you; you get a text message with a collection code when it arrives. The parcel is kept for 14 days. If you don't collect it in time it comes back to us and we refund the order, minus the shipping cost.

Customs: orders to Norway, Switzerland and the United Kingdom are sent from outside their customs area. The carrier may charge import duty, VAT and a handling fee on delivery, which we can't refund.

If your parcel hasn't arrived within 10 business days, contact us with your order number and we will trace it with the carrier. Parcels that are lost in transit are replaced or refunded.`,
  },
  {
    id: "article-materials",
    title: "Our materials and free repairs",
    body: `Merino wool: our merino comes from mulesing-free farms in New Zealand, certified to the Responsible Wool Standard. It is soft, warm when wet and naturally resists odour.

Cotton: all our t-shirts and shirts are made of GOTS-certified organic cotton. Our jackets use recycled polyester and recycled nylon made from fishing nets and other waste.

Our clothes are sewn in audited factories in Portugal and Lithuania that we visit every year. We publish the list of factories on our website.

Free repairs: we repair our own garments for free for the first year, and at cost after that. Bring the garment to any of our stores for new buttons, a fixed seam or a replaced zip; repairs take about two weeks.`,
  },
  {
    id: "article-sv-tvatt",
    title: "Så tvättar och sköter du ull",
    body: `Ull är självrengörande. Ofta räcker det att vädra plagget utomhus, så tvätta bara ull när den faktiskt är smutsig och ta små fläckar med en fuktig trasa.

Tvätt: använd ullprogrammet på högst 30 grader, låg centrifugering och ett ulltvättmedel utan enzymer. Kashmir tvättas bäst för hand i ljummet vatten.

Torkning: torktumla aldrig ull. Rulla plagget i en handduk för att pressa ur vattnet och låt det torka plant.

Noppor: små noppor kan uppstå där tyget nöts, till exempel under armarna. Det är normalt och inget fel. Ta bort dem med en noppborttagare eller en ullkam. Förvara stickade plagg vikta i en stängd påse med cederträ för att hålla malen borta.`,
  },
];

export const PASSAGES: Passage[] = [...FAQS.map(faqPassage), ...ARTICLES.flatMap(articlePassages)];

function order(id: string, occurredAt: string, value: number, properties: Record<string, unknown>): StoreEventT {
  return { id: `evt-${id}`, name: "Placed Order", value, properties: { orderId: id, ...properties }, occurredAt };
}

/** A customer with two orders (the newest shipped, with tracking) and an email, newest first. */
export const CASEY: CustomerContext = {
  name: "Casey Lind",
  email: "casey@example.com",
  events: [
    order("#1042", "2026-03-02T10:00:00.000Z", 1493, {
      currency: "SEK",
      items: [
        { title: "Merino Crew Sweater", quantity: 1, price: 1195 },
        { title: "Wool Socks", quantity: 2, price: 149 },
      ],
      fulfillmentStatus: "shipped",
      carrier: "PostNord",
      trackingNumber: "00370712345678901",
      trackingUrl: "https://tracking.postnord.com/se/?id=00370712345678901",
    }),
    {
      id: "evt-mail-1",
      name: "Received Email",
      value: null,
      properties: { subject: "Your order #1042 is on its way" },
      occurredAt: "2026-03-02T16:00:00.000Z",
    },
    order("#1007", "2025-11-20T09:00:00.000Z", 899, {
      currency: "SEK",
      items: [{ title: "Organic Cotton Tee", quantity: 2, price: 449.5 }],
      status: "delivered",
    }),
  ],
};

/** Another customer, whose data must never appear in answers to Casey (and the other way round). */
export const ROBIN: CustomerContext = {
  name: "Robin Ek",
  email: "robin@example.com",
  events: [
    order("#2077", "2026-03-05T08:30:00.000Z", 2390, { currency: "SEK", items: [{ name: "Down Parka", quantity: 1, price: 2390 }], status: "processing" }),
  ],
};

/** A signed-in customer with no orders on record. */
export const NEW_CUSTOMER: CustomerContext = {
  name: "Alex Berg",
  email: "alex@example.com",
  events: [{ id: "evt-mail-2", name: "Received Email", value: null, properties: { subject: "Welcome to Fjällvik" }, occurredAt: "2026-03-01T12:00:00.000Z" }],
};
