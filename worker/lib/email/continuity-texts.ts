// The continuity email's own words in the shopper's language (the widget's nine locales): what the
// shopper reads around the agents' replies. A locale Parley does not ship reads English.
import { shippedLocale, type Locale } from "../../../contract/locales";

export type ContinuityTexts = {
  /** "You have a new reply from …", by how many replies. */
  heading: (count: number, team: string) => string;
  subject: (count: number, team: string) => string;
  continueChat: string;
  replyHint: string;
  /** An image's link: alone, or numbered among several. */
  image: (index: number | null) => string;
};

/** One form for one reply, another for several; CLDR's plural categories decide which is which. */
type Forms = { one: string; other: string };

const TEXTS: Record<Locale, { heading: Forms; subject: Forms; continueChat: string; replyHint: string; image: string }> = {
  en: {
    heading: { one: "You have a new reply from {team}", other: "You have {n} new replies from {team}" },
    subject: { one: "New reply from {team}", other: "{n} new replies from {team}" },
    continueChat: "Continue the chat",
    replyHint: "Reply to this email to answer.",
    image: "Image",
  },
  sv: {
    heading: { one: "Du har fått ett nytt svar från {team}", other: "Du har fått {n} nya svar från {team}" },
    subject: { one: "Nytt svar från {team}", other: "{n} nya svar från {team}" },
    continueChat: "Fortsätt chatten",
    replyHint: "Svara på det här mejlet för att svara oss.",
    image: "Bild",
  },
  da: {
    heading: { one: "Du har fået et nyt svar fra {team}", other: "Du har fået {n} nye svar fra {team}" },
    subject: { one: "Nyt svar fra {team}", other: "{n} nye svar fra {team}" },
    continueChat: "Fortsæt chatten",
    replyHint: "Besvar denne e-mail for at svare os.",
    image: "Billede",
  },
  nb: {
    heading: { one: "Du har fått et nytt svar fra {team}", other: "Du har fått {n} nye svar fra {team}" },
    subject: { one: "Nytt svar fra {team}", other: "{n} nye svar fra {team}" },
    continueChat: "Fortsett chatten",
    replyHint: "Svar på denne e-posten for å svare oss.",
    image: "Bilde",
  },
  // The team's name stands after a colon: Finnish would inflect it after "from".
  fi: {
    heading: { one: "Sait uuden vastauksen – {team}", other: "Sait {n} uutta vastausta – {team}" },
    subject: { one: "Uusi vastaus – {team}", other: "{n} uutta vastausta – {team}" },
    continueChat: "Jatka keskustelua",
    replyHint: "Voit vastata suoraan tähän sähköpostiin.",
    image: "Kuva",
  },
  de: {
    heading: { one: "Sie haben eine neue Antwort von {team}", other: "Sie haben {n} neue Antworten von {team}" },
    subject: { one: "Neue Antwort von {team}", other: "{n} neue Antworten von {team}" },
    continueChat: "Chat fortsetzen",
    replyHint: "Antworten Sie einfach auf diese E-Mail.",
    image: "Bild",
  },
  fr: {
    heading: { one: "Vous avez une nouvelle réponse de {team}", other: "Vous avez {n} nouvelles réponses de {team}" },
    subject: { one: "Nouvelle réponse de {team}", other: "{n} nouvelles réponses de {team}" },
    continueChat: "Reprendre la conversation",
    replyHint: "Répondez simplement à cet e-mail.",
    image: "Image",
  },
  es: {
    heading: { one: "Tienes una nueva respuesta de {team}", other: "Tienes {n} respuestas nuevas de {team}" },
    subject: { one: "Nueva respuesta de {team}", other: "{n} respuestas nuevas de {team}" },
    continueChat: "Continuar el chat",
    replyHint: "Responde a este correo para contestarnos.",
    image: "Imagen",
  },
  nl: {
    heading: { one: "Je hebt een nieuw antwoord van {team}", other: "Je hebt {n} nieuwe antwoorden van {team}" },
    subject: { one: "Nieuw antwoord van {team}", other: "{n} nieuwe antwoorden van {team}" },
    continueChat: "Ga verder met de chat",
    replyHint: "Beantwoord deze e-mail om te reageren.",
    image: "Afbeelding",
  },
};

/** The texts for a language tag (`sv`, `sv-SE`, `no`), English when Parley does not ship it. */
export function continuityTexts(tag: string): ContinuityTexts {
  const locale = shippedLocale(tag) ?? "en";
  const texts = TEXTS[locale];
  const plural = new Intl.PluralRules(locale);
  const fill = (forms: Forms, count: number, team: string) =>
    (plural.select(count) === "one" ? forms.one : forms.other).replace("{n}", new Intl.NumberFormat(locale).format(count)).replace("{team}", team);
  return {
    heading: (count, team) => fill(texts.heading, count, team),
    subject: (count, team) => fill(texts.subject, count, team),
    continueChat: texts.continueChat,
    replyHint: texts.replyHint,
    image: (index) => (index === null ? texts.image : `${texts.image} ${index}`),
  };
}
