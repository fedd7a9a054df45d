// One attempt at handing a conversation to the help desk the settings name, with the transcript.
import type { MessageT, SettingsT } from "../../../contract";
import type { Db } from "../../db/client";
import { hostOf, readCredential } from "../credentials";
import { getProfile } from "../profiles";
import { DeliveryError } from "../outbound";
import { GorgiasHandoff } from "./gorgias";
import { transcript, type HandoffDestination } from "./helpdesk";
import { ZendeskHandoff } from "./zendesk";

const DESK_NAMES = { zendesk: "Zendesk", gorgias: "Gorgias" } as const;

export const deskName = (target: "zendesk" | "gorgias") => DESK_NAMES[target];

async function destination(env: Env, database: Db, settings: SettingsT, target: "zendesk" | "gorgias"): Promise<HandoffDestination> {
  const { baseUrl, email } = settings.ai[target];
  const key = await readCredential(database, env, target, hostOf(baseUrl));
  // Settings that changed after the handoff began: an admin must fix them, a retry alone cannot.
  if (!baseUrl || !email || !key)
    throw new DeliveryError(`${deskName(target)} is not fully set up (address, email, and a key entered for that address)`, false);
  return target === "zendesk" ? new ZendeskHandoff({ baseUrl, email, apiToken: key }) : new GorgiasHandoff({ baseUrl, email, apiKey: key });
}

/** Creates the outside ticket; throws DeliveryError, which says whether a retry can help. */
export async function createExternalTicket(input: {
  env: Env;
  database: Db;
  settings: SettingsT;
  target: "zendesk" | "gorgias";
  ticketId: string;
  profileId: string;
  summary: string;
  messages: MessageT[];
}): Promise<{ externalId: string }> {
  const desk = await destination(input.env, input.database, input.settings, input.target);
  const profile = await getProfile(input.database, input.profileId);
  const customer = { name: profile?.name ?? null, email: profile?.email ?? null };
  return desk.createTicket({
    subject: input.summary,
    transcript: transcript(input.messages, customer),
    customer,
    // The same on every retry, so the help desk can tell a repeat from a new ticket.
    reference: `parley-${input.ticketId}`,
  });
}
