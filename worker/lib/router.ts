import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { errorBody, firstIssue } from "./errors";

/**
 * Every area's router is made here, so that a request failing its zod schema gets the
 * contract's `400 invalid_request` naming the field, the same way everywhere.
 */
export function router() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      return c.json(errorBody("invalid_request", firstIssue(result.error, "body")), 400);
    },
  });
}
