// An FAQ's or article's translations as its form edits them, and back as the API takes them:
// in the form every shipped locale has every text, "" where not written, so that the fields of
// whichever language the admin picks have something to bind to.
import { LOCALES, type Locale } from "../../../contract/locales";

type Texts<K extends string> = Record<K, string>;
export type TranslationDrafts<K extends string> = Record<Locale, Texts<K>>;

export function translationDrafts<K extends string>(saved: Partial<Record<Locale, Texts<K>>>, keys: readonly K[]): TranslationDrafts<K> {
  const texts = (locale: Locale) => Object.fromEntries(keys.map((key) => [key, saved[locale]?.[key] ?? ""])) as Texts<K>;
  return Object.fromEntries(LOCALES.map((locale) => [locale, texts(locale)])) as TranslationDrafts<K>;
}

/** Whether any text of a version is written (white space is not). */
export const isWritten = (texts: Record<string, string>) => Object.values(texts).some((text) => text.trim() !== "");

/**
 * The versions to save, which replace the saved ones: a locale with every text emptied is left
 * out, which removes it; one with some texts empty is sent, for the server to say what is missing.
 */
export function writtenTranslations<K extends string>(drafts: TranslationDrafts<K>): Partial<Record<Locale, Texts<K>>> {
  return Object.fromEntries(LOCALES.filter((locale) => isWritten(drafts[locale])).map((locale) => [locale, drafts[locale]]));
}
