import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect, type Browser } from "@playwright/test";
import { ADMIN } from "./accounts";
import { stackVar } from "./host1";
import { api, signedInContext } from "./session";

/** Host 2 of the test stack: vdhost2@127.0.0.2, its own qemu:///session libvirt. */
export const HOST2 = {
  address: stackVar("VD_TEST_SSH2_HOST"),
  port: Number(stackVar("VD_TEST_SSH2_PORT")),
  user: stackVar("VD_TEST_SSH2_USER"),
  uri: stackVar("VD_TEST_LIBVIRT2_URI"),
  keyFile: stackVar("VD_TEST_SSH2_KEY"),
  fingerprint: stackVar("VD_TEST_SSH2_HOSTKEY_SHA256"),
};

/** Home directory of host 2's user (where its session libvirt may read and write). */
export function host2Home(): string {
  return execFileSync("getent", ["passwd", HOST2.user], { encoding: "utf8" }).split(":")[5];
}

/**
 * Runs a program locally as host 2's user, with the environment its SSH logins get, so
 * `virsh -c qemu:///session` reaches the same session daemon as the app. argv only.
 */
export function runAsHost2(argv: string[]): string {
  const env = ["env", "-i", `HOME=${host2Home()}`, `USER=${HOST2.user}`, `LOGNAME=${HOST2.user}`, "PATH=/usr/bin:/bin", "LC_ALL=C.UTF-8"];
  try {
    return execFileSync("runuser", ["-u", HOST2.user, "--", ...env, ...argv], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${argv.join(" ")} as ${HOST2.user} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

/** virsh on this machine against host 2's libvirt (the one the app reaches over SSH). argv only. */
export function virshHost2(args: string[]): string {
  return runAsHost2(["virsh", "-q", "-c", HOST2.uri, ...args]);
}

export interface HostTwo {
  hostId: string;
  /** This spec added it, so it removes it again (hostTwoRelease). */
  added: boolean;
}

/** Reuses host 2 when an earlier spec left it online, else adds it through the API and pins its key. */
export async function hostTwoEnsure(browser: Browser, name: string): Promise<HostTwo> {
  const admin = await signedInContext(browser, ADMIN);
  try {
    const hosts = (await (await admin.api.get("/api/hosts")).json()) as { hosts: { id: string; address: string; port: number; status: string }[] };
    const existing = hosts.hosts.find((h) => h.address === HOST2.address && h.port === HOST2.port && h.status === "online");
    if (existing) return { hostId: existing.id, added: false };
    const res = await admin.api.post("/api/hosts", {
      name,
      address: HOST2.address,
      port: HOST2.port,
      username: HOST2.user,
      libvirtUri: HOST2.uri,
      key: { kind: "paste", privateKey: readFileSync(HOST2.keyFile, "utf8") },
    });
    expect(res.status(), await res.text()).toBe(201);
    const hostId = ((await res.json()) as { host: { id: string } }).host.id;
    const probe = await admin.api.post(`/api/hosts/${hostId}/test`);
    expect(probe.status(), await probe.text()).toBe(200);
    const pin = await admin.api.post(`/api/hosts/${hostId}/confirm-key`, { fingerprint: HOST2.fingerprint });
    expect(pin.status(), await pin.text()).toBe(200);
    return { hostId, added: true };
  } finally {
    await admin.context.close();
  }
}

/** Removes host 2 again if hostTwoEnsure added it. */
export async function hostTwoRelease(browser: Browser, host: HostTwo | undefined): Promise<void> {
  if (!host?.added) return;
  const admin = await signedInContext(browser, ADMIN);
  const res = await (await api(admin.page.request)).delete(`/api/hosts/${host.hostId}`);
  expect(res.status(), await res.text()).toBe(200);
  await admin.context.close();
}
