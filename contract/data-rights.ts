// A customer's data rights (spec v2 "Customer data rights"): everything Parley holds of one
// person, as one document an admin can hand them.
import { z } from "@hono/zod-openapi";
import { Message, Profile, StoreEvent, Ticket } from "./models";
import { Note } from "./notes";

export const ProfileExport = z
  .object({
    exportedAt: z.string(),
    profile: Profile,
    events: z.array(StoreEvent),
    tickets: z.array(
      z.object({
        ticket: Ticket.openapi({ description: "With its rating, if the customer gave one" }),
        messages: z.array(Message),
        notes: z.array(Note),
      }),
    ),
    uploads: z
      .array(z.object({ ticketId: z.string(), seq: z.number().int(), url: z.string(), contentType: z.string(), size: z.number().int() }))
      .openapi({ description: "Every image in the customer's tickets, by the message that carries it" }),
  })
  .openapi("ProfileExport");

export type ProfileExportT = z.infer<typeof ProfileExport>;
