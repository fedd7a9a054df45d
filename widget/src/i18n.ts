// The shopper's language, for the loader and the panel alike: which shipped locale to show, and
// its strings with counts and dates formatted by Intl.
import type { Messages, Plural } from "./locales/messages";

export type Translator = ReturnType<typeof translator>;

export function translator(locale: string, text: Messages) {
  const plurals = new Intl.PluralRules(locale);
  const numbers = new Intl.NumberFormat(locale);
  const clock = new Intl.DateTimeFormat(locale, { hour: "numeric", minute: "2-digit" });
  const dated = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", hour: "numeric", minute: "2-digit" });
  const fill = (template: string, values: Record<string, string>) => template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
  return {
    locale,
    text,
    fill,
    /** "3 new messages", in the plural form the language uses for that count. */
    count: (forms: Plural, count: number) => fill(forms[plurals.select(count)] ?? forms.other, { count: numbers.format(count) }),
    /** A message's time: the clock today, the day and the clock before. */
    time(iso: string): string {
      const at = new Date(iso);
      return (at.toDateString() === new Date().toDateString() ? clock : dated).format(at);
    },
  };
}
