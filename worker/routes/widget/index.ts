// The widget surface: store pages call it with a widget token (from the shopper's session), and
// the store's origins in `allowedOrigins` get CORS. Its one guard: the origin allowlist.
import { widgetSurface } from "../../middleware/origin";
import { audience } from "../audience";
import { configRoutes } from "./config";
import { conversationRoutes } from "./conversations";
import { sessionRoutes } from "./session";

export const widgetApi = audience(widgetSurface, [...configRoutes, ...sessionRoutes, ...conversationRoutes], { preflight: true });
