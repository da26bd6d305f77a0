import { randomBytes } from "node:crypto";
import { readKey, type BenchHost } from "./stack";
import type { ApiClient } from "./server";
import { sleep } from "./stats";

const log = (s: string) => console.error(`[bench] ${s}`);

/**
 * First-run setup of a fresh bench server: the admin account (the client is signed in as it
 * afterwards), then each host added with the stack's private key, tested, and its host key pinned
 * (only the key the stack generated). Returns the host ids, in the order given.
 */
export async function setupFleet(api: ApiClient, hosts: readonly BenchHost[]): Promise<string[]> {
  const ids: string[] = [];
  const password = randomBytes(18).toString("base64url");
  const setup = await api.ok<{ csrfToken: string }>("POST", "/api/setup", { username: "bench", password });
  api.csrf = setup.csrfToken;
  for (const h of hosts) {
    const { host } = await api.ok<{ host: { id: string } }>("POST", "/api/hosts", {
      name: h.name,
      address: h.address,
      port: h.port,
      username: h.username,
      libvirtUri: h.uri,
      key: { kind: "paste", privateKey: readKey(h) },
    });
    // Retried: a login on a shared test host can stall for seconds (root's shell init takes a lock).
    let presented: string | null = null;
    for (let attempt = 1; ; attempt++) {
      const test = await api.ok<{
        steps: { id: string; ok: boolean | null; detail: string }[];
        host: { presentedHostKeySha256: string | null };
      }>("POST", `/api/hosts/${host.id}/test`);
      presented = test.host.presentedHostKeySha256;
      const failed = test.steps.filter((s) => s.ok === false && s.id !== "hostkey");
      if (!failed.length) break;
      const why = `${h.key} test failed: ${failed.map((s) => `${s.id}: ${s.detail}`).join("; ")}`;
      if (attempt === 3) throw new Error(why);
      log(`${why}; retrying`);
      await sleep(2000);
    }
    // Pin only the key the stack generated for this host.
    if (presented !== h.hostKeySha256) throw new Error(`${h.key} presented ${presented}, expected ${h.hostKeySha256}`);
    await api.ok("POST", `/api/hosts/${host.id}/confirm-key`, { fingerprint: presented });
    ids.push(host.id);
  }
  return ids;
}
