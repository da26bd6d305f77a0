import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, type Browser } from "@playwright/test";
import { ADMIN } from "./accounts";
import { api, signedInContext } from "./session";

/** A variable of the test stack's environment (.stack/env), or a clear error. */
export function stackVar(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: source .stack/env (bash scripts/stack/up.sh) first`);
  return v;
}

/** Host 1 of the test stack: root@127.0.0.1, qemu:///system. */
export const HOST1 = {
  address: stackVar("VD_TEST_SSH_HOST"),
  port: Number(stackVar("VD_TEST_SSH_PORT")),
  user: stackVar("VD_TEST_SSH_USER"),
  uri: stackVar("VD_TEST_LIBVIRT_URI"),
  keyFile: stackVar("VD_TEST_SSH_KEY"),
  fingerprint: stackVar("VD_TEST_SSH_HOSTKEY_SHA256"),
};

/** virsh on this machine against host 1's libvirt (the one the app reaches over SSH). argv only. */
export function virshHost1(args: string[]): string {
  try {
    return execFileSync("virsh", ["-q", "-c", HOST1.uri, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LC_ALL: "C.UTF-8" },
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`virsh ${args.join(" ")} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

/** A fresh directory under /var/lib/libvirt/images (readable by QEMU's user) for a spec's disks and domain XML. */
export function guestDirCreate(prefix: string): string {
  mkdirSync("/var/lib/libvirt/images", { recursive: true });
  const dir = mkdtempSync(path.join("/var/lib/libvirt/images", prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/** An empty 16 MiB qcow2 image: the guest shows SeaBIOS's "No bootable device." */
export function qcow2Create(file: string): void {
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", file, "16M"], { stdio: ["ignore", "pipe", "pipe"] });
}

/** Writes a guest's domain XML to `file` and defines it on host 1. */
export function guestDefineHost1(file: string, xml: string): void {
  writeFileSync(file, xml);
  virshHost1(["define", file]);
}

/** Destroys and undefines a guest of host 1 by UUID, ignoring "not running" and "not defined". */
export function guestRemoveHost1(uuid: string): void {
  for (const cmd of ["destroy", "undefine"]) {
    try {
      virshHost1([cmd, uuid]);
    } catch {
      // not running / never defined
    }
  }
}

/** A test stack host as e2e specs reach it. */
export type StackHost = typeof HOST1;

export interface HostOne {
  hostId: string;
  /** This spec added it, so it removes it again (hostOneRelease / testHostRelease). */
  added: boolean;
}

/** Reuses the host when an earlier spec left it online, else adds it through the API and pins its key. */
export async function testHostEnsure(browser: Browser, name: string, host: StackHost): Promise<HostOne> {
  const admin = await signedInContext(browser, ADMIN);
  try {
    const hosts = (await (await admin.api.get("/api/hosts")).json()) as {
      hosts: { id: string; address: string; port: number; status: string }[];
    };
    const existing = hosts.hosts.find(
      (h) => h.address === host.address && h.port === host.port && h.status === "online",
    );
    if (existing) return { hostId: existing.id, added: false };
    const res = await admin.api.post("/api/hosts", {
      name,
      address: host.address,
      port: host.port,
      username: host.user,
      libvirtUri: host.uri,
      key: { kind: "paste", privateKey: readFileSync(host.keyFile, "utf8") },
    });
    expect(res.status(), await res.text()).toBe(201);
    const hostId = ((await res.json()) as { host: { id: string } }).host.id;
    const probe = await admin.api.post(`/api/hosts/${hostId}/test`);
    expect(probe.status(), await probe.text()).toBe(200);
    const pin = await admin.api.post(`/api/hosts/${hostId}/confirm-key`, { fingerprint: host.fingerprint });
    expect(pin.status(), await pin.text()).toBe(200);
    return { hostId, added: true };
  } finally {
    await admin.context.close();
  }
}

/** Removes the host again if testHostEnsure added it. */
export async function testHostRelease(browser: Browser, host: HostOne | undefined): Promise<void> {
  if (!host?.added) return;
  const admin = await signedInContext(browser, ADMIN);
  const res = await (await api(admin.page.request)).delete(`/api/hosts/${host.hostId}`);
  expect(res.status(), await res.text()).toBe(200);
  await admin.context.close();
}

/** Host 1 for a spec: reused when online, else added (and removed again by hostOneRelease). */
export const hostOneEnsure = (browser: Browser, name: string) => testHostEnsure(browser, name, HOST1);
export const hostOneRelease = testHostRelease;
