// What the widget keeps per browser tab (sessionStorage, under "parley:"): it survives a reload
// and the store's next page, and two tabs never overwrite each other's. The loader and the panel
// read and clear the same keys.
import { prefixedStorage } from "../../client/storage";

export const tabStorage = prefixedStorage("parley:", () => sessionStorage);
