// The Settings area's state, in one place: what the server holds, and the admin's unsaved edits
// of the settings object (kept here rather than in each section, so switching sections keeps
// them). Made fresh each time an admin opens Settings.
import type {
  ArticleInputT,
  ArticleT,
  CredentialStatusesT,
  FaqInputT,
  FaqT,
  MacroInputT,
  MacroT,
  SettingsPatchT,
  SettingsT,
  WebhookInputT,
  WebhookT,
} from "../../../contract";
import { LOCALES } from "../../../contract/locales";
import { api } from "../lib/api";
import type { Workspace } from "../lib/workspace.svelte";

type Calls<T, Input> = {
  add: (input: Input) => Promise<T>;
  update: (id: string, patch: Partial<Input>) => Promise<T>;
  remove: (id: string) => Promise<void>;
};

/** An admin-edited list (FAQs, macros) kept in the server's order. */
export class Collection<T extends { id: string }, Input> {
  items = $state<T[]>([]);

  constructor(
    items: T[],
    private readonly calls: Calls<T, Input>,
    private readonly order: (a: T, b: T) => number,
    /** Tells the rest of the inbox, which keeps its own copy. */
    private readonly onchange: () => void = () => {},
  ) {
    this.items = items;
  }

  async add(input: Input): Promise<T> {
    return this.keep(await this.calls.add(input));
  }

  async update(id: string, patch: Partial<Input>): Promise<T> {
    return this.keep(await this.calls.update(id, patch));
  }

  async remove(id: string): Promise<void> {
    await this.calls.remove(id);
    this.items = this.items.filter((item) => item.id !== id);
    this.onchange();
  }

  private keep(item: T): T {
    this.items = [...this.items.filter((existing) => existing.id !== item.id), item].sort(this.order);
    this.onchange();
    return item;
  }
}

export class FaqList extends Collection<FaqT, FaqInputT> {
  constructor(items: FaqT[]) {
    // The server's order: position, then age (a list sorts stably, and new FAQs come last).
    super(items, { add: api.addFaq, update: api.updateFaq, remove: api.deleteFaq }, (a, b) => a.position - b.position);
  }

  /**
   * Moves a FAQ one place up (-1) or down (1). Positions become 0, 1, 2… in the new order, which
   * also mends gaps and ties, and only the FAQs whose position changes are sent.
   */
  async move(id: string, by: -1 | 1): Promise<void> {
    const order = [...this.items];
    const from = order.findIndex((faq) => faq.id === id);
    const to = from + by;
    if (from < 0 || to < 0 || to >= order.length) return;
    [order[from], order[to]] = [order[to]!, order[from]!];
    const moves = order.flatMap((faq, position) => (faq.position === position ? [] : [{ id: faq.id, position }]));
    try {
      await Promise.all(moves.map(({ id, position }) => api.updateFaq(id, { position })));
    } finally {
      // Also after a partial failure: show the order the server now has.
      this.items = await api.faqs().catch(() => this.items);
    }
  }
}

/** The server's order for lists sorted by a name or title. */
const byText =
  <T>(text: (item: T) => string) =>
  (a: T, b: T) =>
    text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0;

/** A list's entries without the empty boxes. */
export const filled = (values: string[]) => values.map((value) => value.trim()).filter(Boolean);

/** An empty box means "none" for the settings that may be null (a link, an address). */
export const emptyAsNull = (value: string | null) => value?.trim() || null;

/** A webhook's signing secret, which the server gives out once: when made, and when rotated. */
export type ShownSecret = { webhookId: string; secret: string };

/** The outgoing webhooks, oldest first, and the signing secret just made (until the admin has it). */
export class WebhookList {
  secret = $state<ShownSecret | null>(null);
  readonly endpoints: Collection<WebhookT, WebhookInputT>;

  constructor(items: WebhookT[]) {
    const add = async (input: WebhookInputT) => {
      const { webhook, secret } = await api.addWebhook(input);
      this.secret = { webhookId: webhook.id, secret };
      return webhook;
    };
    this.endpoints = new Collection(items, { add, update: api.updateWebhook, remove: api.deleteWebhook }, (a, b) =>
      a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0,
    );
  }

  async rotate(webhookId: string): Promise<void> {
    this.secret = { webhookId, secret: await api.rotateWebhookSecret(webhookId) };
  }

  async remove(webhookId: string): Promise<void> {
    await this.endpoints.remove(webhookId);
    if (this.secret?.webhookId === webhookId) this.secret = null;
  }
}

/** Every shipped locale has an entry in the draft's translations, for the Languages section's fields to edit. */
function withEveryLocale(draft: SettingsT): SettingsT {
  for (const locale of LOCALES) draft.translations[locale] ??= {};
  return draft;
}

export class SettingsStore {
  /** As the server holds them. */
  settings = $state() as SettingsT;
  /** The admin's edits, saved section by section. */
  draft = $state() as SettingsT;
  readonly faqs: FaqList;
  readonly macros: Collection<MacroT, MacroInputT>;
  readonly articles: Collection<ArticleT, ArticleInputT>;
  readonly webhooks: WebhookList;
  /** Whether each outside service's key is set, and for which host (never the key). */
  credentials = $state() as CredentialStatusesT;

  private constructor(
    settings: SettingsT,
    faqs: FaqT[],
    macros: MacroT[],
    articles: ArticleT[],
    webhooks: WebhookT[],
    credentials: CredentialStatusesT,
    readonly workspace: Workspace,
  ) {
    this.settings = settings;
    this.credentials = credentials;
    this.webhooks = new WebhookList(webhooks);
    this.draft = withEveryLocale(structuredClone(settings));
    this.faqs = new FaqList(faqs);
    // Macros by name, as the server lists them; the composer's macro picker is told at once.
    this.macros = new Collection(
      macros,
      { add: api.addMacro, update: api.updateMacro, remove: api.deleteMacro },
      byText((m) => m.name),
      () => void workspace.refreshMacros(),
    );
    this.articles = new Collection(
      articles,
      { add: api.addArticle, update: api.updateArticle, remove: api.deleteArticle },
      byText((a) => a.title),
    );
  }

  static async load(workspace: Workspace): Promise<SettingsStore> {
    const [settings, faqs, macros, articles, webhooks, credentials] = await Promise.all([
      api.settings(),
      api.faqs(),
      api.macros(),
      api.articles(),
      api.webhooks(),
      api.credentials(),
    ]);
    return new SettingsStore(settings, faqs, macros, articles, webhooks, credentials, workspace);
  }

  async refreshCredentials(): Promise<void> {
    this.credentials = await api.credentials();
  }

  /**
   * Sends one section's fields. The server answers with the whole object; the saved fields'
   * drafts take its values (trimmed, normalised), other sections' unsaved edits stay.
   */
  async save(patch: SettingsPatchT): Promise<void> {
    const saved = await api.updateSettings(patch);
    this.settings = saved;
    const fields = Object.keys(patch) as Array<keyof SettingsT>;
    Object.assign(this.draft, Object.fromEntries(fields.map((field) => [field, structuredClone(saved[field])])));
    withEveryLocale(this.draft);
  }
}
