// A link into the store's chat (spec v2 "Email continuity"): a store page whose URL ends in this
// fragment opens the widget's chat. Apart from the schemas, so that the widget's loader imports it
// without zod.
export const CHAT_FRAGMENT = "#parley-chat";
