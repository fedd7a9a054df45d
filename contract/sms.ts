// SMS rules the worker and the inbox's composer share: how a text splits into segments, and the
// keywords carriers require every sender to honour. Zod-free, so the browser bundles stay small.

/** A phone number in E.164 form: +, a country code, at most 15 digits in all. */
export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;

/** Twilio refuses a longer body (error 21617). */
export const MAX_SMS_CHARS = 1600;

/** MMS media Twilio accepts per message, and their combined size. */
export const MAX_MMS_MEDIA = 10;
export const MAX_MMS_BYTES = 5 * 1024 * 1024;

// The GSM 03.38 alphabet: a character of the basic set is one septet, one of the extension
// table two (an escape, then the character). Anything else makes the whole text UCS-2.
const GSM_BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM_EXTENDED = "^{}\\[~]|€\f";

export type SmsSegments = {
  encoding: "GSM-7" | "UCS-2";
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes. */
  units: number;
  segments: number;
  /** Room in each segment of a text this long: a text of one segment has the whole message. */
  perSegment: number;
};

/**
 * How carriers split a text: 160 GSM-7 septets or 70 UCS-2 units fit one message; a longer text
 * goes in segments of 153 or 67, the rest of each carrying the header that joins them. A
 * character is never split across segments (an escape pair, a surrogate pair).
 */
export function smsSegments(text: string): SmsSegments {
  let septets = 0;
  let gsm = true;
  for (const char of text) {
    if (GSM_BASIC.includes(char)) septets += 1;
    else if (GSM_EXTENDED.includes(char)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) return split(text, "GSM-7", septets, 160, 153, (char) => (GSM_EXTENDED.includes(char) ? 2 : 1));
  return split(text, "UCS-2", text.length, 70, 67, (char) => char.length);
}

function split(text: string, encoding: SmsSegments["encoding"], units: number, single: number, multi: number, width: (char: string) => number): SmsSegments {
  if (units === 0) return { encoding, units, segments: 0, perSegment: single };
  if (units <= single) return { encoding, units, segments: 1, perSegment: single };
  let segments = 1;
  let used = 0;
  for (const char of text) {
    const size = width(char);
    if (used + size > multi) {
      segments += 1;
      used = 0;
    }
    used += size;
  }
  return { encoding, units, segments, perSegment: multi };
}

/**
 * The opt-out keywords US carriers (CTIA) and Twilio honour, matched on the whole message as
 * carriers match them: trimmed, any case, nothing else in the text.
 */
const KEYWORDS: Record<string, SmsKeyword> = {
  STOP: "stop",
  STOPALL: "stop",
  UNSUBSCRIBE: "stop",
  CANCEL: "stop",
  END: "stop",
  QUIT: "stop",
  OPTOUT: "stop",
  REVOKE: "stop",
  START: "start",
  YES: "start",
  UNSTOP: "start",
  HELP: "help",
  INFO: "help",
};

export type SmsKeyword = "stop" | "start" | "help";

export function smsKeyword(body: string): SmsKeyword | null {
  return (
    KEYWORDS[
      body
        .trim()
        .replace(/[.!]+$/, "")
        .toUpperCase()
    ] ?? null
  );
}
