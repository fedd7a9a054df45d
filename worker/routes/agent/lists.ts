// The lists admins edit (FAQs, macros, knowledge-base articles): agents read, admins create,
// change and delete. One route shape over the list stores of lib/lists.ts. FAQs and articles are
// the AI's knowledge: after a save or a delete the AI reads it afresh, and their vectors for
// semantic ranking follow after the response (waitUntil), so saving stays as fast as ever.
import { createRoute, type z } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  Article,
  ArticleInput,
  ArticleList,
  ArticlePatch,
  Faq,
  FaqInput,
  FaqList,
  FaqPatch,
  IdParam,
  Macro,
  MacroInput,
  MacroList,
  MacroPatch,
} from "../../../contract";
import type { AppEnv } from "../../env";
import { db } from "../../db/client";
import { requireAdmin } from "../../middleware/auth";
import { notFound } from "../../lib/errors";
import { forgetKnowledge } from "../../lib/ai/agent";
import { embedSaved, forgetEmbeddings, type KnowledgeKind, type KnowledgeSource } from "../../lib/ai/embedding-store";
import { articleStore, faqStore, macroStore, type ListStore } from "../../lib/lists";
import { agentAuth, errors, json, jsonBody } from "../../lib/openapi";
import type { RouteDefinition } from "../audience";

/** Each list's schemas (from the contract) and its store. */
type ListSpec<Input, Output> = {
  /** Path segment and list key, e.g. "faqs". */
  plural: string;
  /** The item's name in messages, e.g. "FAQ". */
  label: string;
  input: z.ZodType<Input>;
  patch: z.ZodType<Partial<Input>>;
  output: z.ZodType;
  list: z.ZodType;
  store: ListStore<Input, Output>;
  /** Set for the AI's knowledge: the saved item as what its vectors are computed from. */
  knowledge?: { kind: KnowledgeKind; source: (saved: Output) => KnowledgeSource };
};

/**
 * The four routes of a list. Generic over the list, so the handlers take the validated input by
 * name: the route's own validators have checked it against the spec's schemas.
 */
function listRoutes<Input, Output>(spec: ListSpec<Input, Output>): RouteDefinition[] {
  const { plural, label, store, knowledge } = spec;
  const base = `/api/${plural}`;
  const tags = [plural];
  const admins = { security: agentAuth, middleware: [requireAdmin] };
  const input = (c: Context<AppEnv>) => (c.req.valid as (target: "json") => Input)("json");
  const id = (c: Context<AppEnv>) => (c.req.valid as (target: "param") => { id: string })("param").id;
  // The AI answers from the change at once (in this isolate), and by meaning once its vectors are in.
  const changed = (c: Context<AppEnv>, vectors: Promise<void>) => {
    forgetKnowledge(c.env);
    c.executionCtx.waitUntil(vectors.then(() => forgetKnowledge(c.env)));
  };
  const saved = (c: Context<AppEnv>, item: Output) => {
    if (knowledge) changed(c, embedSaved(c.env, db(c.env.DB), knowledge.source(item)));
    return item;
  };
  const definitions: Array<[Parameters<typeof createRoute>[0], (c: Context<AppEnv>) => Promise<Response>]> = [
    [
      {
        method: "get",
        path: base,
        tags,
        summary: `All ${plural}`,
        security: agentAuth,
        responses: { 200: json(spec.list, `The ${plural}`), 401: errors[401] },
      },
      async (c) => c.json({ [plural]: await store.list(db(c.env.DB)) }, 200),
    ],
    [
      {
        method: "post",
        path: base,
        tags,
        summary: `Add a ${label} (admins)`,
        ...admins,
        request: { body: jsonBody(spec.input, `The ${label}`) },
        responses: { 201: json(spec.output, "Created"), 400: errors[400], 401: errors[401], 403: errors[403] },
      },
      async (c) => c.json(saved(c, await store.create(db(c.env.DB), input(c))), 201),
    ],
    [
      {
        method: "patch",
        path: `${base}/{id}`,
        tags,
        summary: `Change a ${label} (admins)`,
        ...admins,
        request: { params: IdParam, body: jsonBody(spec.patch, "The fields to change") },
        responses: { 200: json(spec.output, "Updated"), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
      },
      async (c) => {
        const updated = await store.update(db(c.env.DB), id(c), input(c));
        if (!updated) throw notFound(label);
        return c.json(saved(c, updated), 200);
      },
    ],
    [
      {
        method: "delete",
        path: `${base}/{id}`,
        tags,
        summary: `Delete a ${label} (admins)`,
        ...admins,
        request: { params: IdParam },
        responses: { 204: { description: "Deleted" }, 401: errors[401], 403: errors[403], 404: errors[404] },
      },
      async (c) => {
        if (!(await store.remove(db(c.env.DB), id(c)))) throw notFound(label);
        if (knowledge) changed(c, forgetEmbeddings(db(c.env.DB), knowledge.kind, id(c)));
        return c.body(null, 204);
      },
    ],
  ];
  return definitions.map(([config, handler]) => ({ route: createRoute(config), handler: handler as RouteDefinition["handler"] }));
}

export const listsRoutes = [
  ...listRoutes({
    plural: "faqs",
    label: "FAQ",
    input: FaqInput,
    patch: FaqPatch,
    output: Faq,
    list: FaqList,
    store: faqStore,
    knowledge: { kind: "faq", source: (faq) => ({ kind: "faq", ...faq }) },
  }),
  ...listRoutes({ plural: "macros", label: "macro", input: MacroInput, patch: MacroPatch, output: Macro, list: MacroList, store: macroStore }),
  ...listRoutes({
    plural: "articles",
    label: "article",
    input: ArticleInput,
    patch: ArticlePatch,
    output: Article,
    list: ArticleList,
    store: articleStore,
    knowledge: { kind: "article", source: (article) => ({ kind: "article", ...article }) },
  }),
];
