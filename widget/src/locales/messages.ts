// The shape of every locale's strings: one file per locale (en.ts, sv.ts, …), each loaded alone,
// so a shopper downloads only their own language. Placeholders in braces are filled in by
// `format`; counted phrases pick their plural form through Intl.PluralRules.

/** A phrase with a count, one text per CLDR plural category the language uses ("other" always). */
export type Plural = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

export interface Messages {
  /** The launcher's label (a screen reader reads it): opens the chat panel. */
  openChat: string;
  /** The launcher's and the panel's close button label. */
  closeChat: string;
  /** The launcher's label with unread messages: "{count} new message(s)". */
  newMessages: Plural;
  /** The panel's heading. */
  panelTitle: string;
  /** Heading above the store's published FAQs. */
  faqsTitle: string;
  /** Back from one FAQ to the list. */
  back: string;
  /** Button under the FAQs that leads to the live chat. */
  needHelp: string;
  /** Shown to a shopper who is not logged in to the store, followed by a "Log in" link. */
  loginPrompt: string;
  logIn: string;
  /** The store has switched web chat off (no chat can start). */
  chatDisabled: string;
  /** The store switched web chat off while this chat was open: what the shopper wrote is kept. */
  chatOff: string;
  /** Before the first message: "By chatting you agree to our {links}." ({links} is one or both link names). */
  legal: string;
  privacy: string;
  terms: string;
  /** Joins the two link names in `legal`: "Privacy policy and Terms". */
  and: string;
  /** Outside office hours, at the top of the panel and in the chat. */
  away: string;
  /** The other side is typing; {name} is the agent's name or `support`. */
  typing: string;
  /** The message box's accessible label and its placeholder. */
  inputLabel: string;
  placeholder: string;
  send: string;
  attachImage: string;
  removeImage: string;
  uploading: string;
  uploadFailed: string;
  /** Opens the emoji picker. */
  emoji: string;
  /** Ends the chat for good (a new one can be started). */
  endChat: string;
  endConfirmTitle: string;
  endConfirmText: string;
  endConfirm: string;
  endCancel: string;
  ended: string;
  newChat: string;
  /** A message's delivery status under the shopper's own bubble. */
  sending: string;
  sent: string;
  seen: string;
  failed: string;
  retry: string;
  /** Who wrote a message: the shopper. */
  you: string;
  /** An automatic reply (outside office hours). */
  bot: string;
  /** An answer by the store's AI agent. */
  assistant: string;
  /** Asks for a human instead of the AI agent. */
  talkToPerson: string;
  /** Above the FAQs the AI agent suggests when it is not sure enough to answer. */
  suggestionsTitle: string;
  /** Under the suggestions: none of them, a person instead. */
  noTalkToPerson: string;
  /** Under the AI agent's answer: it didn't help, a person instead. */
  notHelpful: string;
  /** Under the AI agent's answer: what it came from; {title} is the FAQ's question or the order. */
  answerSource: string;
  personRequested: string;
  /** An agent without a name. */
  support: string;
  reconnecting: string;
  offline: string;
  /** A message that could not be stored or sent (the server's reason is for developers). */
  notSentReason: string;
  /** A star's accessible label under the rating question (the question is the store's): "{score} out of 5". */
  ratingScore: string;
  /** The optional comment box after a score is picked (its label and placeholder). */
  ratingComment: string;
  /** After the rating was sent; {score} is 1 to 5. */
  ratingThanks: string;
  /** The chat was rated already (in another tab, say). */
  ratingAlready: string;
  /** The chat can no longer be rated (a week after it ended). */
  ratingTooLate: string;
  /** Any other failure to send the rating. */
  ratingFailed: string;
}
