// The agent surface: the inbox's calls and sockets, with the session cookie. Its one guard:
// Parley's own pages only, then a live session (admin-only routes add the admin check).
import { requireAgent } from "../../middleware/auth";
import { audience } from "../audience";
import { aiRoutes } from "./ai";
import { credentialRoutes } from "./credentials";
import { inboxRoutes } from "./inbox";
import { labelRoutes } from "./labels";
import { listsRoutes } from "./lists";
import { meRoutes } from "./me";
import { noteRoutes } from "./notes";
import { profileRoutes } from "./profiles";
import { reportRoutes } from "./reports";
import { notificationRoutes } from "./notifications";
import { searchRoutes } from "./search";
import { settingsRoutes } from "./settings";
import { teamRoutes } from "./team";
import { ticketRoutes } from "./tickets";
import { webhookRoutes } from "./webhooks";

export const agentApi = audience(requireAgent, [
  ...meRoutes,
  ...teamRoutes,
  ...ticketRoutes,
  ...noteRoutes,
  ...inboxRoutes,
  ...searchRoutes,
  ...reportRoutes,
  ...profileRoutes,
  ...labelRoutes,
  ...settingsRoutes,
  ...listsRoutes,
  ...aiRoutes,
  ...credentialRoutes,
  ...notificationRoutes,
  ...webhookRoutes,
]);
