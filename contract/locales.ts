// The shopper languages Parley ships (spec v2 "Shopper language"), and the one rule that maps a
// BCP 47 language tag (`sv-SE`, `nb-NO`, `de-AT`) to one of them. The Worker uses it for
// `GET /api/widget/config?locale=` and a chat's locale, the widget to pick the shopper's
// language, the inbox to list the languages: no zod here, so the browser apps may import it.

export const LOCALES = ["en", "sv", "da", "nb", "fi", "de", "fr", "es", "nl"] as const;
export type Locale = (typeof LOCALES)[number];

/** Each language by its own name, as a speaker of it looks for it in a list. */
export const LOCALE_NAMES: Record<Locale, string> = {
  en: "English",
  sv: "Svenska",
  da: "Dansk",
  nb: "Norsk bokmål",
  fi: "Suomi",
  de: "Deutsch",
  fr: "Français",
  es: "Español",
  nl: "Nederlands",
};

/** The settings' texts that have a version per locale (`translations`). */
export const TRANSLATED_TEXTS = ["welcomeMessage", "closedMessage", "handoffMessage", "csatQuestion"] as const;
export type TranslatedText = (typeof TRANSLATED_TEXTS)[number];

/** Longer than any tag a browser or a page sends (RFC 5646 asks for room for 35 characters). */
export const MAX_LANGUAGE_TAG_CHARS = 35;

// RFC 5646's langtag (language, script, region, variants, extensions, private use), or a
// private-use tag alone. Case does not matter; an underscore counts as a hyphen (`sv_SE`).
const LANGUAGE = "(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})";
const SCRIPT = "(?:-[a-z]{4})?";
const REGION = "(?:-(?:[a-z]{2}|\\d{3}))?";
const VARIANTS = "(?:-(?:[a-z\\d]{5,8}|\\d[a-z\\d]{3}))*";
const EXTENSIONS = "(?:-[\\da-wy-z](?:-[a-z\\d]{2,8})+)*";
const PRIVATE_USE = "x(?:-[a-z\\d]{1,8})+";
const LANGUAGE_TAG = new RegExp(`^(?:${LANGUAGE}${SCRIPT}${REGION}${VARIANTS}${EXTENSIONS}(?:-${PRIVATE_USE})?|${PRIVATE_USE})$`, "i");

/** Whether `tag` is a well-formed BCP 47 language tag (of any language, shipped or not). */
export function isLanguageTag(tag: string): boolean {
  return tag.length <= MAX_LANGUAGE_TAG_CHARS && LANGUAGE_TAG.test(tag.replaceAll("_", "-"));
}

/** Languages whose shopper reads a shipped locale of another code: Norwegian is written in bokmål. */
const READS: Record<string, Locale> = { no: "nb", nn: "nb" };

/**
 * The shipped locale for a language tag, by its language alone (`sv-SE` → sv, `de-AT` → de,
 * `no`/`nn`/`nb-NO` → nb); null for a language Parley does not ship (`it`) and for anything that
 * is not a language tag.
 */
export function shippedLocale(tag: string): Locale | null {
  if (!isLanguageTag(tag)) return null;
  const language = tag.split(/[-_]/)[0]!.toLowerCase();
  const locale = READS[language] ?? language;
  return (LOCALES as readonly string[]).includes(locale) ? (locale as Locale) : null;
}
