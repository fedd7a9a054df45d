// What a shopper wrote in an email reply, without what their mail program added: the quoted
// history (our own email, quoted back), their signature and their phone's "Sent from" line. The
// rules are those of the common mail programs (Gmail, Outlook, Apple Mail, Thunderbird) in the
// shoppers' languages. Each one needs a shape a person would hardly type, and when one fails the
// cost is a longer chat message, so a rule that is unsure keeps the text.

const VERBS = ["wrote", "skrev", "schrieb", "a\\s+écrit", "escribió", "schreef", "kirjoitti"];
/** "wrote" and its translations as a word (JavaScript's \b knows no letters beyond ASCII, such as é). */
const VERB = new RegExp(`(?:^|[^\\p{L}])(?:${VERBS.join("|")})(?=[^\\p{L}]|$)`, "iu");
/** A time (10:15, 10.15) or a year: every mail program puts the date in its attribution line. */
const DATE_HINT = /(?<!\w)(?:\d{1,2}[:.]\d{2}|(?:19|20)\d{2})(?!\w)/;
/** Gmail wraps a long attribution at its angle bracket, so an attribution spans up to three lines. */
const ATTRIBUTION_LINES = 3;

const label = (names: string[]) => new RegExp(`^\\*?(?:${names.join("|")})\\s*:\\*?(?:\\s|$)`, "iu");
/** Outlook's header block, in the shoppers' languages: From, then Sent (or Date) and Subject. */
const OUTLOOK_FROM = label(["From", "Från", "Von", "De", "Van", "Fra", "Lähettäjä"]);
const OUTLOOK_SENT = label([
  "Sent",
  "Date",
  "Skickat",
  "Datum",
  "Gesendet",
  "Envoyé",
  "Enviado",
  "Fecha",
  "Verzonden",
  "Sendt",
  "Dato",
  "Lähetetty",
  "Päivämäärä",
]);
const OUTLOOK_SUBJECT = label(["Subject", "Ämne", "Betreff", "Objet", "Asunto", "Onderwerp", "Emne", "Aihe"]);
/** The lines after From where Outlook puts Sent and Subject (To and Cc come between them). */
const OUTLOOK_BLOCK_LINES = 6;

const ORIGINAL_MESSAGE = new RegExp(
  `^-{2,}\\s*(?:${[
    "Original Message",
    "Ursprüngliche Nachricht",
    "Message d'origine",
    "Mensaje original",
    "Oorspronkelijk bericht",
    "Ursprungligt meddelande",
    "Oprindelig meddelelse",
    "Opprinnelig melding",
    "Alkuperäinen viesti",
  ].join("|")})\\s*-{2,}$`,
  "iu",
);

/** A footer is a few words: a longer line is the shopper's, whatever it starts with. */
const FOOTER_MAX_CHARS = 120;
/** A phone's or app's footer, alone on its line, maybe with a full stop and its link. */
/** A device or app, and up to four more words ("Samsung Galaxy smartphone", "Yahoo Mail for iPhone"). */
const DEVICE = "(?:iPhone|iPad|iPod|Android|Samsung|Galaxy|BlackBerry|Huawei|Pixel|Outlook|Mail|Yahoo|Gmail|Proton|mobile)(?:[\\s-][\\p{L}\\p{N}]+){0,4}";
const TRAILER = "[.!]?(?:\\s*[<(]\\S*[>)])?";
const MOBILE_FOOTER = new RegExp(
  `^(?:${[
    // Sent from my iPhone, Skickat från min iPhone, Envoyé de mon iPad, Enviado desde mi iPhone,
    // Verzonden vanaf mijn iPhone, Sendt fra min iPhone, Gesendet von meinem iPhone, Sent from Mail for Windows
    `(?:Sent|Skickat|Sendt|Envoyé|Enviado|Verzonden|Verstuurd|Gesendet)(?:\\s+\\p{L}+){1,2}\\s+${DEVICE}`,
    `Von\\s+meinem\\s+${DEVICE}\\s+gesendet`,
    "Lähetetty\\s+(?:iPhonesta|iPadista|Android-laitteesta|Outlookista)",
    // Get Outlook for iOS, Hämta Outlook för Android, Outlook für iOS beziehen, Outlook voor iOS downloaden
    "(?:\\p{L}+\\s+)?Outlook\\s+\\p{L}+\\s+(?:iOS|Android)(?:\\s+\\p{L}+)?",
  ].join("|")})${TRAILER}$`,
  "iu",
);

const isQuoted = (line: string) => line.trimStart().startsWith(">");
const isBlank = (line: string) => line.trim() === "";
/** Underscores (Outlook), dashes or equals signs that set history apart, left over above it. */
const isRule = (line: string) => /^\s*[_=-]{5,}\s*$/.test(line);

/** The first line at or after `from` that is neither blank nor quoted (lines.length when none). */
function afterQuote(lines: string[], from: number): number {
  let at = from;
  while (at < lines.length && (isBlank(lines[at]!) || isQuoted(lines[at]!))) at++;
  return at;
}

/**
 * Where the attribution ("On <date>, <name> wrote:") that ends at line `end` starts, or -1. It must
 * end in a colon, name the verb and a date, close every bracket it opens, not break after a
 * sentence, and be followed by quoted lines (or nothing): "my husband wrote: …" in a shopper's own
 * words is none.
 */
function attributionStart(lines: string[], end: number): number {
  if (!/:\s*$/.test(lines[end]!)) return -1;
  for (let start = end; start > end - ATTRIBUTION_LINES && start >= 0; start--) {
    const window = lines.slice(start, end + 1);
    if (window.some((line) => isBlank(line) || isQuoted(line))) return -1;
    if (window.slice(0, -1).some((line) => /[.!?:]\s*$/.test(line))) return -1;
    const text = window.join(" ");
    if (VERB.test(text) && DATE_HINT.test(text) && text.split("<").length === text.split(">").length) {
      const next = afterQuote(lines, end + 1);
      return next === lines.length || lines.slice(end + 1, next).some(isQuoted) ? start : -1;
    }
  }
  return -1;
}

function startsOutlookBlock(lines: string[], at: number): boolean {
  if (!OUTLOOK_FROM.test(lines[at]!.trim())) return false;
  const block = lines.slice(at + 1, at + 1 + OUTLOOK_BLOCK_LINES).map((line) => line.trim());
  return block.some((line) => OUTLOOK_SENT.test(line)) && block.some((line) => OUTLOOK_SUBJECT.test(line));
}

/** Whether line `at` itself starts what is not the shopper's message: a signature, a footer, history. */
function startsTrailer(lines: string[], at: number): boolean {
  const line = lines[at]!.trim();
  const footer = line.length <= FOOTER_MAX_CHARS && MOBILE_FOOTER.test(line);
  return line === "--" || footer || ORIGINAL_MESSAGE.test(line) || startsOutlookBlock(lines, at);
}

/**
 * Where the shopper's text starts: after a quote they answered below (with its attribution), as
 * people who bottom-post write; otherwise at the top.
 */
function bodyStart(lines: string[]): number {
  let first = 0;
  while (first < lines.length && isBlank(lines[first]!)) first++;
  for (let end = first; end < first + ATTRIBUTION_LINES && end < lines.length; end++) {
    if (attributionStart(lines, end) === first) return afterQuote(lines, end + 1);
  }
  return isQuoted(lines[first] ?? "") ? afterQuote(lines, first) : first;
}

/** The reply's own text: the lines above the first history, signature or footer, trimmed. */
export function stripReply(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const start = bodyStart(lines);
  let end = lines.length;
  for (let at = start; at < lines.length; at++) {
    if (startsTrailer(lines, at)) {
      end = at;
      break;
    }
    const attribution = attributionStart(lines, at);
    if (attribution >= start) {
      end = attribution;
      break;
    }
  }
  const kept = lines.slice(start, end);
  while (kept.length > 0 && (isBlank(kept.at(-1)!) || isQuoted(kept.at(-1)!) || isRule(kept.at(-1)!))) kept.pop();
  return kept.join("\n").trim();
}
