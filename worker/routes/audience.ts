// Routes are grouped by who calls them: store pages (widget), agents, the store's server,
// Twilio, email links, and everyone. Each group has one guard, and the group puts it in front of
// every route it registers, so a route can't be added to a group without its guard.
import { createRoute, type RouteConfig, type RouteHandler } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { socketResponses } from "../lib/openapi";
import { router } from "../lib/router";

/** A route's OpenAPI definition and its handler, type-checked together. */
export type RouteDefinition = { route: RouteConfig; handler: RouteHandler<RouteConfig, AppEnv> };

export function defineRoute<P extends string, R extends Omit<RouteConfig, "path"> & { path: P }>(config: R, handler: RouteHandler<R, AppEnv>): RouteDefinition {
  return { route: createRoute(config), handler: handler as unknown as RouteDefinition["handler"] };
}

/**
 * A WebSocket upgrade. Its answers are documented (socketResponses); its handler gives back the
 * object's 101, or the object's refusal, as fetched, so it is typed as answering only the 101.
 */
export function defineSocketRoute<P extends string, R extends Omit<RouteConfig, "path" | "responses"> & { path: P }>(
  config: R,
  handler: RouteHandler<R & { responses: { 101: { description: string } } }, AppEnv>,
): RouteDefinition {
  return { route: createRoute({ ...config, responses: socketResponses }), handler: handler as unknown as RouteDefinition["handler"] };
}

/** The guard of routes anyone may call: their handlers check what they need (the health check, an upload's unguessable key). */
export const openToAll: MiddlewareHandler<AppEnv> = async (_c, next) => {
  await next();
};

/**
 * The routes of one audience, each behind `guard` (and then its own middleware, such as the
 * admin check). `preflight` answers CORS preflights on the routes' paths through the guard.
 */
export function audience(guard: MiddlewareHandler<AppEnv>, definitions: RouteDefinition[], { preflight = false } = {}) {
  const api = router();
  const paths = new Set<string>();
  for (const { route, handler } of definitions) {
    const own = route.middleware === undefined ? [] : Array.isArray(route.middleware) ? route.middleware : [route.middleware];
    api.openapi({ ...route, middleware: [guard, ...own] }, handler);
    paths.add(route.path.replaceAll(/\{(\w+)\}/g, ":$1"));
  }
  if (preflight) for (const path of paths) api.options(path, guard);
  return api;
}
