import { z } from "@hono/zod-openapi";
import { LOCALES, type Locale } from "./locales";

/** One entry per shipped locale, each optional; any other key is refused. */
export const perLocale = <T extends z.ZodType>(texts: T) =>
  z.object(Object.fromEntries(LOCALES.map((locale) => [locale, texts.optional()])) as Record<Locale, z.ZodOptional<T>>).strict();
