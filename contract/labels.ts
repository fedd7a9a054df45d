// Labels (spec v2 "Notes, mentions, labels"): names admins define, with a colour, that agents put
// on tickets. Tickets carry them by name; a name is unique however it is capitalised.
import { z } from "@hono/zod-openapi";

export const MAX_LABEL_NAME_CHARS = 50;
/** The labels one ticket may carry. */
export const MAX_TICKET_LABELS = 20;

export const LabelName = z.string().trim().min(1, "must not be empty").max(MAX_LABEL_NAME_CHARS, `is at most ${MAX_LABEL_NAME_CHARS} characters`);
export const LabelColor = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, "must be a #rrggbb colour")
  .transform((color) => color.toLowerCase())
  .openapi({ example: "#3b82f6" });

export const Label = z.object({ id: z.string(), name: z.string(), color: z.string() }).openapi("Label");
export const LabelInput = z.object({ name: LabelName, color: LabelColor }).strict().openapi("LabelInput");
export const LabelList = z.object({ labels: z.array(Label) }).openapi("LabelList");
export const LabelResponse = z.object({ label: Label }).openapi("LabelResponse");

export type LabelT = z.infer<typeof Label>;
export type LabelInputT = z.input<typeof LabelInput>;
export type LabelListT = z.infer<typeof LabelList>;
export type LabelResponseT = z.infer<typeof LabelResponse>;
