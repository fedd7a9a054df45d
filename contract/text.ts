// The contract's "Text" rules for what people write, in one place: the schemas below use it
// for every body (socket, REST), the SMS and email intake use it for what they receive, and the
// browser apps may import it without pulling in zod.

/**
 * A character someone can see: not white space, not a format or default-ignorable character
 * (zero-width spaces and joiners, direction marks and overrides, Hangul fillers), not a control,
 * not a combining mark with nothing to sit on, and not the braille blank.
 */
const VISIBLE = /[^\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cc}\p{Cf}\p{M}\u2800]/u;

export const hasVisibleText = (text: string): boolean => VISIBLE.test(text);

/**
 * Why `text` can't be a message body, or null when it can. A lone surrogate is refused rather
 * than stored as U+FFFD, so that what was sent live and what is stored are the same.
 */
export function textProblem(text: string): string | null {
  if (!text.isWellFormed()) return "contains a broken character (a lone UTF-16 surrogate); send whole characters";
  if (!hasVisibleText(text)) return "must contain at least one visible character";
  return null;
}

/** `text` cut to at most `max` characters with an ellipsis, never splitting a surrogate pair. */
export function cutToLength(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  return `${/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}

export const PREVIEW_CHARS = 140;

/** A message as one line of at most PREVIEW_CHARS: the inbox list's preview, an email's quote. */
export function previewOf(body: string): string {
  return cutToLength(body.replace(/\s+/g, " ").trim(), PREVIEW_CHARS);
}
