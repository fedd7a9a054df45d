// Plain text from an email's HTML, for the emails that come without a text part. The text becomes
// a chat message, so it keeps what a reader sees as text and lines (a <br> or a <div> starts a
// line, a <p> a paragraph) and drops the rest. Quoted mail (<blockquote>) comes out as "> " lines,
// as a text part would quote it, so reply-text.ts finds the history the same way in both.

/** HTML 4's Latin-1 entities, U+00A0 to U+00FF in order: every letter of the shoppers' languages. */
const LATIN_1 =
  "nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml";

/**
 * The named entities mail programs write; others are left as they are. Most mail HTML is UTF-8
 * and escapes little more than markup characters and spaces.
 */
const NAMED = new Map<string, string>(LATIN_1.split(" ").map((name, i) => [name, String.fromCodePoint(0xa0 + i)]));
const OTHER_NAMED = { amp: 0x26, lt: 0x3c, gt: 0x3e, quot: 0x22, apos: 0x27, ensp: 0x2002, emsp: 0x2003, thinsp: 0x2009, zwnj: 0x200c, zwj: 0x200d };
const PUNCTUATION = { ndash: 0x2013, mdash: 0x2014, lsquo: 0x2018, rsquo: 0x2019, sbquo: 0x201a, ldquo: 0x201c, rdquo: 0x201d, bdquo: 0x201e };
const SYMBOLS = { bull: 0x2022, hellip: 0x2026, euro: 0x20ac, trade: 0x2122 };
for (const [name, code] of Object.entries({ ...OTHER_NAMED, ...PUNCTUATION, ...SYMBOLS })) NAMED.set(name, String.fromCodePoint(code));

export function decodeEntities(text: string): string {
  return text.replace(/&(?:#x([0-9a-f]{1,6})|#([0-9]{1,7})|([a-z][a-z0-9]*));/gi, (whole, hex?: string, decimal?: string, name?: string) => {
    if (name !== undefined) return NAMED.get(name) ?? whole;
    const code = hex !== undefined ? parseInt(hex, 16) : Number(decimal);
    // As browsers do: no NUL, no lone surrogates, nothing past Unicode's end.
    return code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) ? "\uFFFD" : String.fromCodePoint(code);
  });
}

/** Elements whose content is no text for a reader: skipped up to their closing tag. */
const HIDDEN = new Set(["head", "style", "script", "title", "template"]);
/**
 * At a position: a tag (its closing slash, name and attributes), other markup (doctype, CDATA), or
 * text. A tag stops at the next `<` as well as `>`, so a stray `<` costs no rescan of the rest.
 */
const TOKEN = /<(\/?)([a-z][a-z0-9:-]*)([^<>]*)>|<[!?/][^<>]*>|[^<]+|</iy;
/** Blocks that end the line before them and start their own. */
const BLOCK = new Set("address article aside blockquote center dd div dl dt figcaption figure footer form header hr li main nav pre section tr".split(" "));
/** Blocks that a blank line sets apart, as a browser's margins do. */
const PARAGRAPH = new Set(["p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table"]);

/** Where the text goes on after `from`, skipping to past `closer` (or to the end when it never comes). */
function skipPast(html: string, from: number, closer: RegExp): number {
  closer.lastIndex = from;
  return closer.exec(html) ? closer.lastIndex : html.length;
}

type Line = { depth: number; text: string };

export function htmlToText(html: string): string {
  const lines: Line[] = [];
  // The line being written, in pieces: joining a string once per token, or asking a long joined
  // string for its last character, would copy it each time.
  let parts: string[] = [];
  let visible = false;
  let spaced = true;
  let depth = 0;
  let lineDepth = 0;
  let inPre = 0;
  let link: { href: string; text: string } | null = null;

  const endLine = () => {
    lines.push({ depth: lineDepth, text: parts.join("") });
    parts = [];
    visible = false;
    spaced = true;
    lineDepth = depth;
  };
  /** Ends the line unless nothing shows on it: blocks do not stack blank lines, <br>s do. */
  const breakLine = () => {
    if (visible) return endLine();
    parts = [];
    spaced = true;
    lineDepth = depth;
  };
  const paragraph = () => {
    breakLine();
    if (lines.length > 0 && lines.at(-1)!.text.trim()) lines.push({ depth, text: "" });
  };
  const append = (text: string) => {
    if (!text) return;
    if (parts.length === 0) lineDepth = depth;
    parts.push(text);
    visible ||= /\S/.test(text);
    spaced = text.endsWith(" ");
    if (link) link.text += text;
  };

  let position = 0;
  while (position < html.length) {
    if (html.startsWith("<!--", position)) {
      position = skipPast(html, position + 4, /-->/g);
      continue;
    }
    TOKEN.lastIndex = position;
    const [token, slash, rawName, attributes] = TOKEN.exec(html)!;
    position = TOKEN.lastIndex;
    const name = rawName?.toLowerCase();
    if (name !== undefined && HIDDEN.has(name) && !slash) {
      position = skipPast(html, position, new RegExp(`</${name}\\s*>`, "gi"));
    } else if (name === undefined) {
      if (token.length > 1 && token.startsWith("<")) continue;
      const text = decodeEntities(token);
      if (inPre) {
        const [first, ...rest] = text.split(/\r?\n/);
        append(first!);
        for (const next of rest) {
          endLine();
          append(next);
        }
      } else {
        const collapsed = text.replace(/[ \t\r\n\f]+/g, " ");
        append(spaced ? collapsed.replace(/^ /, "") : collapsed);
      }
    } else if (name === "br") {
      endLine();
    } else if (name === "td" || name === "th") {
      if (!spaced) append(" ");
    } else if (name === "a") {
      if (slash) {
        // A link whose text is not its address would lose the address: it follows in brackets.
        if (link && /^https?:\/\//i.test(link.href) && link.text.trim() && link.text.trim() !== link.href) append(` (${link.href})`);
        link = null;
      } else {
        const href = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(attributes ?? "");
        link = { href: decodeEntities((href?.[1] ?? href?.[2] ?? href?.[3] ?? "").trim()), text: "" };
      }
    } else if (PARAGRAPH.has(name)) {
      paragraph();
    } else if (BLOCK.has(name)) {
      breakLine();
      if (name === "blockquote") depth = Math.max(0, depth + (slash ? -1 : 1));
      if (name === "pre") inPre = Math.max(0, inPre + (slash ? -1 : 1));
      if (name === "li" && !slash) append("- ");
      lineDepth = depth;
    }
  }
  breakLine();

  return lines
    .map(({ depth, text }) => {
      const visible = text.replace(/\u00a0/g, " ").trim();
      return depth > 0 ? `${">".repeat(depth)}${visible ? ` ${visible}` : ""}` : visible;
    })
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
