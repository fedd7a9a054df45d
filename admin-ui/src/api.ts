import type { AgentT } from "../../worker/contract";

export type ApiErrorBody = { error: { code: string; message: string } };

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(path, { ...init, headers: { "Content-Type": "application/json", ...init.headers } });
  if (response.status === 204) return undefined as T;
  const body = (await response.json()) as T | ApiErrorBody;
  if (!response.ok) throw new Error((body as ApiErrorBody).error?.message ?? response.statusText);
  return body as T;
}

export const currentAgent = () => api<{ agent: AgentT }>("/api/me").then((r) => r.agent, () => null);
export const signIn = (email: string, password: string) =>
  api<{ agent: AgentT }>("/api/auth/login", { method: "POST", body: JSON.stringify({ email, password }) }).then((r) => r.agent);
export const signOut = () => api<void>("/api/auth/logout", { method: "POST" });
