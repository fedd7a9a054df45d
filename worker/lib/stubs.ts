/** Each ticket's conversation lives in the Durable Object named by the ticket id. */
export const conversationStub = (env: Env, ticketId: string) => env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(ticketId));

/** One inbox object fans ticket changes out to every connected agent. */
export const inboxStub = (env: Env) => env.INBOX.get(env.INBOX.idFromName("inbox"));
