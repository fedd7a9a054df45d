import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { errorBody } from "./errors";

/**
 * Every area's router is made here, so that a request failing its zod schema gets the
 * contract's `400 invalid_request` naming the field, the same way everywhere.
 */
export function router() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const issue = result.error.issues[0];
      const field = issue?.path.join(".") || "body";
      return c.json(errorBody("invalid_request", `${field}: ${issue?.message ?? "is invalid"}`), 400);
    },
  });
}
