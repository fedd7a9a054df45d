// What a shopper wrote in an email reply (worker/lib/email/reply-text.ts), from replies as Gmail,
// Outlook and Apple Mail write them in the shoppers' languages; and what must be kept as written.
import { describe, expect, it } from "vitest";
import { stripReply } from "../../worker/lib/email/reply-text";

const ADDRESS = "reply+tkt_0123456789abcdef0123456789abcdef.0011223344556677aabb@mail.shop.test";
const QUOTE = ["> Hi Ada,", ">", "> Would size M work?", ">", "> Reply to this email to answer."];
const OUTLOOK_HISTORY = ["Hi Ada,", "", "Would size M work?"];

/** [mail program, what it sent, what the shopper wrote] */
const STRIPPED: Array<[string, string[], string]> = [
  [
    "Gmail (en), its attribution wrapped at the address",
    ["Thanks, size M works.", "", "On Tue, Mar 4, 2025 at 9:12 AM Parley Support <", `${ADDRESS}> wrote:`, "", ...QUOTE],
    "Thanks, size M works.",
  ],
  [
    "Gmail (sv)",
    ["Tack, det blir bra!", "Hälsningar Ada", "", "Den tis 4 mars 2025 kl 09:12 skrev Parley Support <", `${ADDRESS}>:`, "", ...QUOTE],
    "Tack, det blir bra!\nHälsningar Ada",
  ],
  ["Gmail (de)", ["Danke, passt!", "", "Am Di., 4. März 2025 um 09:12 Uhr schrieb Parley Support <", `${ADDRESS}>:`, "", ...QUOTE], "Danke, passt!"],
  ["Gmail (fr)", ["Merci !", "", `Le mar. 4 mars 2025 à 09:12, Parley Support <${ADDRESS}> a écrit :`, "", ...QUOTE], "Merci !"],
  ["Gmail (es)", ["¡Gracias!", "", "El mar, 4 mar 2025 a las 9:12, Parley Support (<", `${ADDRESS}>) escribió:`, "", ...QUOTE], "¡Gracias!"],
  ["Gmail (nl)", ["Bedankt!", "", `Op di 4 mrt 2025 om 09:12 schreef Parley Support <${ADDRESS}>:`, "", ...QUOTE], "Bedankt!"],
  ["Gmail (da)", ["Tak!", "", `Den tirs. 4. mar. 2025 kl. 09.12 skrev Parley Support <${ADDRESS}>:`, "", ...QUOTE], "Tak!"],
  ["Gmail (fi)", ["Kiitos!", "", `ti 4.3.2025 klo 9.12 Parley Support <${ADDRESS}> kirjoitti:`, "", ...QUOTE], "Kiitos!"],
  [
    "Apple Mail (macOS), attribution inside the quote",
    ["Perfect, thank you!", "", `> On 4 Mar 2025, at 09:12, Parley Support <${ADDRESS}> wrote:`, ">", ...QUOTE],
    "Perfect, thank you!",
  ],
  [
    "Apple Mail (iPhone)",
    ["Yes please", "", "Sent from my iPhone", "", `> On 4 Mar 2025, at 09:12, Parley Support <${ADDRESS}> wrote:`, ...QUOTE],
    "Yes please",
  ],
  [
    "Apple Mail (iPhone, sv)",
    ["Ja tack", "", "Skickat från min iPhone", "", `> 4 mars 2025 kl. 09:12 skrev Parley Support <${ADDRESS}>:`, ...QUOTE],
    "Ja tack",
  ],
  ["Apple Mail (iPhone, de)", ["Ja bitte", "", "Von meinem iPhone gesendet", "", `> Am 04.03.2025 um 09:12 schrieb Parley Support <${ADDRESS}>:`], "Ja bitte"],
  [
    "Outlook (desktop)",
    [
      "Hello,",
      "",
      "The parcel arrived damaged.",
      "",
      "Kind regards,",
      "Ada",
      "",
      "________________________________",
      `From: Parley Support <${ADDRESS}>`,
    ].concat(["Sent: Tuesday, March 4, 2025 9:12 AM", "To: Ada Lovelace <ada@example.com>", "Subject: New reply from Parley Shop", "", ...OUTLOOK_HISTORY]),
    "Hello,\n\nThe parcel arrived damaged.\n\nKind regards,\nAda",
  ],
  [
    "Outlook (sv), no address on the From line",
    [
      "Hej, paketet kom fram.",
      "",
      "Från: Parley Support",
      "Skickat: den 4 mars 2025 09:12",
      "Till: Ada Lovelace",
      "Ämne: Nytt svar från Parley Shop",
      "",
      ...OUTLOOK_HISTORY,
    ],
    "Hej, paketet kom fram.",
  ],
  [
    "Outlook (fr), a space before the colons",
    [
      "Bien reçu.",
      "",
      `De : Parley Support <${ADDRESS}>`,
      "Envoyé : mardi 4 mars 2025 09:12",
      "À : Ada Lovelace",
      "Objet : Nouvelle réponse",
      "",
      ...OUTLOOK_HISTORY,
    ],
    "Bien reçu.",
  ],
  [
    "Outlook for iOS, its footer linked",
    ["Got it", "", "Get Outlook for iOS<https://aka.ms/o0ukef>", "________________________________", `From: Parley Support <${ADDRESS}>`].concat([
      "Sent: Tuesday, March 4, 2025 9:12:00 AM",
      "To: ada@example.com <ada@example.com>",
      "Subject: New reply from Parley Shop",
      "",
      ...OUTLOOK_HISTORY,
    ]),
    "Got it",
  ],
  [
    "Outlook (older), Original Message",
    ["OK, thanks", "", "-----Original Message-----", `From: Parley Support <${ADDRESS}>`, "Sent: 4 March 2025 09:12"],
    "OK, thanks",
  ],
  ["Outlook (de), Ursprüngliche Nachricht", ["Alles klar", "", "-----Ursprüngliche Nachricht-----", "Von: Parley Support"], "Alles klar"],
  ["Thunderbird, a signature after '-- '", ["See you then.", "", "-- ", "Ada Lovelace", "+46 70 123 45 67", "", ...QUOTE], "See you then."],
  ["a signature whose mail program dropped the delimiter's space", ["Fine by me", "--", "Ada"], "Fine by me"],
  ["Android footer", ["Thanks", "", "Sent from my Samsung Galaxy smartphone."], "Thanks"],
  ["Hämta Outlook för Android", ["Tack", "", "Hämta Outlook för Android"], "Tack"],
  ["a quote without attribution at the end", ["OK", "", "> Would size M work?", "> Thanks"], "OK"],
  [
    "bottom-posted: the quote above, the answer below, a signature after it",
    [`On Tue, Mar 4, 2025 at 9:12 AM Parley Support <${ADDRESS}> wrote:`, ...QUOTE, "", "Size M, please.", "", "-- ", "Ada"],
    "Size M, please.",
  ],
  ["bottom-posted without attribution", ["> Would size M work?", "", "Yes!"], "Yes!"],
  ["nothing but history", ["", `On Tue, Mar 4, 2025 at 9:12 AM Parley Support <${ADDRESS}> wrote:`, ...QUOTE], ""],
  ["CRLF line ends", ["Thanks!\r", "\r", `On Tue, Mar 4, 2025 at 9:12 AM Parley <${ADDRESS}> wrote:\r`, "> Hi\r"], "Thanks!"],
];

/** Texts that look a little like history or a footer and are the shopper's own words. */
const KEPT: Array<[string, string]> = [
  ["a sentence with 'wrote:' and no quote after it", "My husband wrote: we need it by Friday 12:00.\nCan you make it?"],
  ["an attribution-like line followed by the shopper's own text", "On Monday 3 March 2025 the courier wrote:\nIt comes at 10:15."],
  ["From/To/Date lines without Outlook's Sent and Subject", "From: Stockholm\nTo: Berlin\nDate: Monday\nIs that possible?"],
  ["'Sent from' about something else", "Sent from our warehouse in Borås?\nIt never came."],
  ["a sentence that starts like a footer", "Sent from my iPhone because my laptop broke down\nso please excuse typos"],
  ["a quote in the middle, answered below it", "You said:\n> size M\nBut M is too small."],
];

describe("stripReply", () => {
  for (const [client, lines, text] of STRIPPED) it(client, () => expect(stripReply(lines.join("\n"))).toBe(text));

  for (const [name, text] of KEPT) it(`keeps ${name}`, () => expect(stripReply(text)).toBe(text));

  it("takes linear time on long lines and long quotes", () => {
    const started = Date.now();
    const long = [
      `Sent from my iPhone${" ".repeat(100_000)}x`,
      `On 2025 ${"<".repeat(50_000)} wrote:`,
      ...Array<string>(50_000).fill("> quoted: 10:15 wrote:"),
    ];
    expect(stripReply(["Hi", ...long].join("\n"))).toBe(["Hi", ...long.slice(0, 2)].join("\n"));
    expect(stripReply(`${": ".repeat(100_000)}x`)).toBe(`${": ".repeat(100_000)}x`.trim());
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("keeps the line right before an attribution that has no blank line between", () => {
    expect(stripReply(`Thanks\nOn Tue, Mar 4, 2025 at 9:12 AM Parley Support <\n${ADDRESS}> wrote:\n> Hi`)).toBe("Thanks");
  });
});
