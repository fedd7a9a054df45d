// An inbound email (the email() handler's `message.raw`) as what Parley needs of it: who wrote, to
// whom, the text, the images, and whether a machine sent it. postal-mime does the MIME (encodings,
// charsets, nesting); this picks from its result.
import PostalMime, { type Address, type Email } from "postal-mime";
import { sniffImageType, type ImageType } from "../image-type";
import { isAutomatic, type HeaderLookup } from "./automatic";
import { htmlToText } from "./html-text";

export type InboundImage = { bytes: Uint8Array; contentType: ImageType; filename: string | null };

export type InboundEmail = {
  /** The From address, lowercased; null when the header has none. */
  from: string | null;
  /** The To addresses (groups flattened), lowercased. */
  to: string[];
  subject: string;
  /** Message-ID as written, angle brackets included; null when missing. */
  messageId: string | null;
  /** The whole text, quoted history included (reply-text.ts strips it): the text part, else the HTML part's text. */
  text: string;
  /** Image attachments, inline ones too, typed by their bytes; other files are left out. */
  images: InboundImage[];
  /** Why a machine sent this (isAutomatic), or null for what a person sent. */
  automatic: string | null;
};

const mailboxes = (addresses: Address[] | undefined): string[] =>
  (addresses ?? []).flatMap((address) => (address.group ? address.group.map((member) => member.address) : [address.address]));

/** postal-mime's header list as Headers.get reads one: repeated headers joined with ", ". */
function headerLookup(email: Email): HeaderLookup {
  return {
    get(name) {
      const key = name.toLowerCase();
      const values = email.headers.filter((header) => header.key === key).map((header) => header.value);
      return values.length ? values.join(", ") : null;
    },
  };
}

function imagesOf(email: Email): InboundImage[] {
  return email.attachments.flatMap((attachment) => {
    if (!attachment.mimeType.toLowerCase().startsWith("image/") || typeof attachment.content === "string") return [];
    const bytes = new Uint8Array(attachment.content);
    // The declared type picks the candidates; the bytes decide, as for uploads (an SVG or a HEIC
    // photo declared image/* is no image Parley stores).
    const contentType = sniffImageType(bytes);
    return contentType ? [{ bytes, contentType, filename: attachment.filename }] : [];
  });
}

/**
 * Parses a raw email. `envelopeFrom` is the SMTP sender (the email() handler's `message.from`),
 * which tells a bounce even when no header does. Bytes that are no email parse too, as an email
 * from no one (`from` null) with no text.
 */
export async function parseInbound(raw: ReadableStream | ArrayBuffer | string, options: { envelopeFrom?: string } = {}): Promise<InboundEmail> {
  const email = await PostalMime.parse(raw, { attachmentEncoding: "arraybuffer" });
  const from = email.from && !email.from.group ? email.from.address.toLowerCase() : null;
  return {
    from: from || null,
    to: mailboxes(email.to).map((address) => address.toLowerCase()),
    subject: email.subject ?? "",
    messageId: email.messageId ?? null,
    // postal-mime leaves `text` out when no part is text/plain (it fills it from HTML only for an
    // email that mixes both kinds in separate parts); the text is then made from the HTML here,
    // keeping blockquotes as "> " lines.
    text: email.text !== undefined ? email.text.replace(/\r\n?/g, "\n") : htmlToText(email.html ?? ""),
    images: imagesOf(email),
    automatic: isAutomatic(headerLookup(email), options.envelopeFrom),
  };
}
