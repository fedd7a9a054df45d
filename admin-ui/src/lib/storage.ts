// What the inbox keeps in the browser: drafts and preferences in localStorage (they outlive the
// tab), unsent messages in sessionStorage (per tab, as the widget does).
import { prefixedStorage } from "../../../client/storage";

export const saved = prefixedStorage("parley-inbox:", () => localStorage);
export const tabStore = prefixedStorage("parley-inbox:", () => sessionStorage);
