// lib/fleet host records, "test connection", key pinning and input validation against the real
// sshd + libvirt of the test stack (bash scripts/stack/up.sh && source .stack/env).
import { hostname } from "node:os";
import { readFileSync } from "node:fs";
import { utils as sshUtils } from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetSetup, stackEnv, type FleetContext } from "./helpers/fleet-stack";
import { VISIBILITY_ALL } from "@/lib/authz/effective";

const stack = stackEnv();
const WRONG_FP = "SHA256:" + "A".repeat(43);
let f: FleetContext;

beforeAll(async () => {
  f = await fleetSetup();
});
afterAll(async () => {
  await f?.teardown();
});

async function sealedOf(id: string): Promise<string> {
  const row = await f.mod.db.db().host.findUniqueOrThrow({ where: { id }, select: { privateKeySealed: true } });
  return row.privateKeySealed;
}

function publicBlobOf(privateKey: string): string {
  const k = sshUtils.parseKey(privateKey);
  if (k instanceof Error || Array.isArray(k)) throw new Error("not a single private key");
  return k.getPublicSSH().toString("base64");
}

describe(`fleet hosts on ${process.env.VD_TEST_DB ?? "pglite"}`, () => {
  let pastedId: string;

  it("creates a host from a pasted private key: public line returned, private key only sealed at rest", async () => {
    const pasted = readFileSync(stack.host1.privateKeyPath, "utf8");
    const host = await f.mod.hosts.hostCreate(
      f.caller,
      f.mod.hosts.HostCreateSchema.parse({
        name: "host1 pasted",
        address: stack.host1.host,
        port: String(stack.host1.port),
        username: stack.host1.username,
        key: { kind: "paste", privateKey: pasted },
      }),
    );
    pastedId = host.id;
    f.hostIds.push(host.id);
    const [type, blob] = readFileSync(`${stack.host1.privateKeyPath}.pub`, "utf8").trim().split(" ");
    expect(host.publicKey).toBe(`${type} ${blob} virtdeck`);
    expect(host).toMatchObject({
      port: stack.host1.port,
      libvirtUri: "qemu:///system",
      status: "unverified",
      hostKeySha256: null,
      presentedHostKeySha256: null,
      lastSeenAt: null,
      domainType: "auto",
    });
    expect(host).not.toHaveProperty("privateKey");
    expect(host).not.toHaveProperty("privateKeySealed");
    for (const view of [host, await f.mod.hosts.hostGet(host.id), await f.mod.hosts.hostsList()]) {
      expect(JSON.stringify(view)).not.toContain("PRIVATE KEY");
    }
    const sealed = await sealedOf(host.id);
    expect(sealed).toMatch(/^v1:[A-Za-z0-9+/=]+$/);
    expect(sealed).not.toContain("PRIVATE KEY");
    // The sealed value opens to exactly what was pasted.
    expect((await f.mod.hosts.hostConnectInfo(host.id)).privateKey).toBe(pasted);
    expect(await f.auditActions("host.create")).toEqual([
      expect.objectContaining({
        action: "host.create",
        outcome: "success",
        targetId: host.id,
        details: expect.objectContaining({ key: "paste" }),
      }),
    ]);
  });

  it("generates an ed25519 key pair: the public line is returned, the private key never is", async () => {
    const host = await f.mod.hosts.hostCreate(
      f.caller,
      f.mod.hosts.HostCreateSchema.parse({
        name: "generated",
        address: "127.0.0.1",
        username: "root",
        key: { kind: "generate" },
      }),
    );
    f.hostIds.push(host.id);
    expect(host.publicKey).toMatch(/^ssh-ed25519 [A-Za-z0-9+/]+=* virtdeck@generated$/);
    expect(host.port).toBe(22);
    for (const view of [host, await f.mod.hosts.hostGet(host.id), await f.mod.hosts.hostsList()]) {
      expect(JSON.stringify(view)).not.toContain("PRIVATE KEY");
    }
    const sealed = await sealedOf(host.id);
    expect(sealed).not.toContain("PRIVATE KEY");
    // What is sealed is the private half of exactly the public key shown.
    const opened = (await f.mod.hosts.hostConnectInfo(host.id)).privateKey;
    expect(opened).toContain("PRIVATE KEY");
    expect(publicBlobOf(opened)).toBe(host.publicKey.split(" ")[1]);
    // Bound to its row: the same ciphertext on another host does not open.
    await f.mod.db.db().host.update({ where: { id: pastedId }, data: { privateKeySealed: sealed } });
    await expect(f.mod.hosts.hostConnectInfo(pastedId)).rejects.toThrow();
    await f.mod.db.db().host.update({
      where: { id: pastedId },
      data: {
        privateKeySealed: await (
          await import("@/lib/crypto/secret-box")
        ).secretSeal(readFileSync(stack.host1.privateKeyPath, "utf8"), `host:${pastedId}`),
      },
    });
    await f.mod.hosts.hostDelete(f.caller, host.id);
  });

  it("test connection on an unpinned host reports every step and records the real presented key", async () => {
    await expect(f.mod.inventory.inventoryGet(pastedId)).rejects.toMatchObject({ code: "host_not_ready" });
    const { steps, host } = await f.mod.probe.hostProbe(f.caller, pastedId);
    expect(
      steps.map((s) => [s.id, s.ok]),
      JSON.stringify(steps),
    ).toEqual([
      ["tcp", true],
      ["ssh", true],
      ["hostkey", false],
      ["virsh", true],
      ["libvirt", true],
      ["virt", true],
    ]);
    expect(steps.find((s) => s.id === "hostkey")!.detail).toContain(stack.host1.hostKeySha256);
    expect(steps.find((s) => s.id === "libvirt")!.detail).toBe("Connected to qemu:///system");
    expect(steps.find((s) => s.id === "virsh")!.detail).toMatch(/^virsh \d+\.\d+\.\d+$/);
    expect(host.presentedHostKeySha256).toBe(stack.host1.hostKeySha256);
    expect(host.hostKeySha256).toBeNull();
    expect(host.status).toBe("unverified");
    // Probing never pins and never leaves a pooled connection behind.
    expect(f.mod.runtime.fleet().pool.hostIds()).not.toContain(pastedId);
    expect((await f.auditActions("host.test")).at(-1)).toMatchObject({ outcome: "failure", targetId: pastedId });
  });

  it("pins only the fingerprint the host presented; then inventory works and the host is online", async () => {
    await expect(f.mod.hosts.hostKeyConfirm(f.caller, pastedId, WRONG_FP)).rejects.toMatchObject({ code: "conflict" });
    expect((await f.mod.hosts.hostGet(pastedId)).hostKeySha256).toBeNull();

    const pinned = await f.mod.hosts.hostKeyConfirm(f.caller, pastedId, stack.host1.hostKeySha256);
    expect(pinned.hostKeySha256).toBe(stack.host1.hostKeySha256);
    expect((await f.auditActions("host.key_")).map((a) => a.action)).toEqual(["host.key_pin"]);

    const before = Date.now();
    const inv = await f.mod.inventory.inventoryGet(pastedId, { maxAgeMs: 0 });
    expect(inv.host.id).toBe(pastedId);
    expect(Array.isArray(inv.vms)).toBe(true);
    const host = await f.mod.hosts.hostGet(pastedId);
    expect(host.status).toBe("online");
    expect(host.statusMessage).toBe("");
    expect(host.lastSeenAt).not.toBeNull();
    expect(Date.parse(host.lastSeenAt!)).toBeGreaterThanOrEqual(before - 1_000);

    const info = await f.mod.hostInfo.hostInfo(pastedId);
    expect(info.hostname).toBe(hostname());
    expect(info.domainTypes).toContain(stack.domainType);
    expect(info.cpus).toBeGreaterThan(0);

    const again = await f.mod.probe.hostProbe(f.caller, pastedId);
    expect(again.steps.every((s) => s.ok === true)).toBe(true);
    expect(again.host.status).toBe("online");
  });

  it("a changed host key blocks every connection until an operator accepts the new key", async () => {
    const { fleet, fleetForget } = f.mod.runtime;
    // As if sshd's key had changed: the pin no longer matches what the host presents. The open
    // connection was made under the old pin, so drop it (a real key change shows on reconnect).
    await f.mod.db
      .db()
      .host.update({ where: { id: pastedId }, data: { hostKeySha256: WRONG_FP, presentedHostKeySha256: null } });
    fleetForget(pastedId);

    const err = await f.mod.inventory.inventoryGet(pastedId, { maxAgeMs: 0 }).catch((e) => e);
    expect(err).toMatchObject({ code: "host_not_ready" });
    expect(err.message).toContain(stack.host1.hostKeySha256);
    let host = await f.mod.hosts.hostGet(pastedId);
    expect(host.status).toBe("key_mismatch");
    expect(host.presentedHostKeySha256).toBe(stack.host1.hostKeySha256);
    expect(host.hostKeySha256).toBe(WRONG_FP); // never re-pinned by itself
    expect(fleet().pool.hostIds()).not.toContain(pastedId);

    // Every later use is refused before any SSH connection is attempted.
    await expect(f.mod.inventory.inventoryGet(pastedId, { maxAgeMs: 0 })).rejects.toMatchObject({
      code: "host_not_ready",
    });
    await expect(f.mod.hostInfo.hostInfo(pastedId)).rejects.toMatchObject({ code: "host_not_ready" });
    await expect(
      f.mod.vms.vmActionRun(f.caller, pastedId, "00000000-0000-4000-8000-000000000000", "start"),
    ).rejects.toMatchObject({ code: "host_not_ready" });
    expect(fleet().pool.hostIds()).not.toContain(pastedId);
    const page = await f.mod.vms.fleetVms(f.mod.vms.FleetQuerySchema.parse({ host: pastedId }), VISIBILITY_ALL);
    expect(page.vms).toEqual([]);
    expect(page.hosts).toEqual([
      expect.objectContaining({ id: pastedId, status: "key_mismatch", error: "Host key changed: connections blocked" }),
    ]);

    const probe = await f.mod.probe.hostProbe(f.caller, pastedId);
    expect(probe.steps.find((s) => s.id === "ssh")!.ok).toBe(false);
    expect(probe.steps.find((s) => s.id === "hostkey")!.detail).toContain(stack.host1.hostKeySha256);
    expect(probe.steps.find((s) => s.id === "virsh")!.ok).toBeNull();
    expect(probe.host.status).toBe("key_mismatch");

    // Accepting the key the host presented restores access.
    await expect(f.mod.hosts.hostKeyConfirm(f.caller, pastedId, WRONG_FP)).rejects.toMatchObject({ code: "conflict" });
    await f.mod.hosts.hostKeyConfirm(f.caller, pastedId, stack.host1.hostKeySha256);
    expect((await f.auditActions("host.key_")).map((a) => a.action)).toEqual(["host.key_pin", "host.key_replace"]);
    await f.mod.inventory.inventoryGet(pastedId, { maxAgeMs: 0 });
    host = await f.mod.hosts.hostGet(pastedId);
    expect(host.status).toBe("online");
    expect(host.hostKeySha256).toBe(stack.host1.hostKeySha256);
  });

  it("a generated key that is not in authorized_keys: the ssh step fails with the authorized_keys hint", async () => {
    const host = await f.mod.hosts.hostCreate(
      f.caller,
      f.mod.hosts.HostCreateSchema.parse({
        name: "not authorized",
        address: stack.host1.host,
        port: stack.host1.port,
        username: stack.host1.username,
        key: { kind: "generate" },
      }),
    );
    f.hostIds.push(host.id);
    const { steps, host: after } = await f.mod.probe.hostProbe(f.caller, host.id);
    expect(
      steps.map((s) => [s.id, s.ok]),
      JSON.stringify(steps),
    ).toEqual([
      ["tcp", true],
      ["ssh", false],
      ["hostkey", false],
      ["virsh", null],
      ["libvirt", null],
      ["virt", null],
    ]);
    expect(steps[1].detail).toBe(
      `Authentication as ${stack.host1.username} failed: add the public key to ~/.ssh/authorized_keys on the host`,
    );
    expect(after.status).toBe("unverified");
    expect(after.statusMessage).toContain("authorized_keys");
    // The key was still seen, so the operator can compare it while fixing authorized_keys.
    expect(after.presentedHostKeySha256).toBe(stack.host1.hostKeySha256);
  });

  it("a closed port fails the tcp step and runs nothing else", async () => {
    const { createServer } = await import("node:net");
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const host = await f.mod.hosts.hostCreate(
      f.caller,
      f.mod.hosts.HostCreateSchema.parse({
        name: "closed port",
        address: "127.0.0.1",
        port,
        username: "root",
        key: { kind: "generate" },
      }),
    );
    f.hostIds.push(host.id);
    const { steps, host: after } = await f.mod.probe.hostProbe(f.caller, host.id);
    expect(
      steps.map((s) => s.ok),
      JSON.stringify(steps),
    ).toEqual([false, null, null, null, null, null]);
    expect(steps[0].detail).toBe(`Cannot open TCP 127.0.0.1:${port}: ECONNREFUSED`);
    expect(after.status).toBe("offline");
    expect(after.statusMessage).toBe(steps[0].detail);
  });
});

describe("host input validation", () => {
  const base = { name: "ok", address: "127.0.0.1", port: 22, username: "root", key: { kind: "generate" } };

  it("stores hostile but printable host names verbatim", async () => {
    const names = [
      `q"uote's`,
      "semi;colon && rm -rf / || true",
      "$(touch vdtest-fleet-pwned)",
      "`id -u`",
      "<script>alert(1)</script> &amp; <&>",
      "ünïcødé 日本語 😀",
      `all "q' ;$(id) \`id\` <&> é 日本`,
      "-leading-dash --help",
      "%s%n%x {{7*7}} ${HOME}",
    ];
    for (const name of names) {
      const parsed = f.mod.hosts.HostCreateSchema.safeParse({ ...base, name });
      expect(parsed.success, name).toBe(true);
      const host = await f.mod.hosts.hostCreate(f.caller, parsed.data!);
      f.hostIds.push(host.id);
      expect(host.name).toBe(name);
      expect((await f.mod.hosts.hostGet(host.id)).name).toBe(name);
      const row = await f.mod.db.db().host.findUniqueOrThrow({ where: { id: host.id } });
      expect(row.name).toBe(name);
      // One line for authorized_keys whatever the name.
      expect(host.publicKey).not.toMatch(/[\r\n]/);
      expect(host.publicKey.split(" ").slice(0, 1)).toEqual(["ssh-ed25519"]);
    }
    const listed = (await f.mod.hosts.hostsList()).map((h) => h.name);
    for (const name of names) expect(listed).toContain(name);
    await expect(
      f.mod.hosts.hostCreate(f.caller, f.mod.hosts.HostCreateSchema.parse({ ...base, name: names[0] })),
    ).rejects.toMatchObject({
      code: "conflict",
    });
  });

  it.each([
    ["name", "", "Name is required"],
    ["name", "   ", "Name is required"],
    ["name", "tab\there", "Name must not contain control characters"],
    ["name", "new\nline", "Name must not contain control characters"],
    ["name", "x".repeat(65), "Name must be at most 64 characters"],
    ["address", "-oProxyCommand=touch /tmp/x", "Address must not start with '-'"],
    ["address", " -oProxyCommand=x", "Address must not start with '-'"],
    ["address", "127.0.0.1 -p 2222", "Address must be a host name or an IP address"],
    ["address", "my host", "Address must be a host name or an IP address"],
    ["address", "a;b", "Address must be a host name or an IP address"],
    ["address", "$(id)", "Address must be a host name or an IP address"],
    ["address", "", "Address is required"],
    ["username", "-oProxyCommand=x", "SSH user must not start with '-'"],
    ["username", "-l", "SSH user must not start with '-'"],
    ["username", "ro ot", "SSH user may contain only letters, digits, '_', '.' and '-'"],
    ["username", "root;id", "SSH user may contain only letters, digits, '_', '.' and '-'"],
    ["port", 0, "Port must be between 1 and 65535"],
    ["port", 70000, "Port must be between 1 and 65535"],
    ["port", "abc", "Port must be a number"],
    ["port", 22.5, "Port must be a whole number"],
    ["libvirtUri", "qemu:///system;id", "Libvirt URI must be qemu:///system or qemu:///session"],
    ["libvirtUri", "qemu:///system --readonly", "Libvirt URI must be qemu:///system or qemu:///session"],
    ["libvirtUri", "qemu+ext:///system?command=/bin/touch", "Libvirt URI must be qemu:///system or qemu:///session"],
  ])("refuses %s %j: %s", (field, value, message) => {
    const r = f.mod.hosts.HostCreateSchema.safeParse({ ...base, [field]: value });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => [i.path.join("."), i.message])).toContainEqual([field, message]);
    if (field !== "name") {
      const u = f.mod.hosts.HostUpdateSchema.safeParse({ [field]: value });
      expect(u.success).toBe(false);
      expect(u.error!.issues.map((i) => i.message)).toContain(message);
    }
  });

  it("refuses a pasted value that is not a private key", () => {
    const pub = readFileSync(`${stack.host1.privateKeyPath}.pub`, "utf8");
    for (const privateKey of ["not a key", pub]) {
      const r = f.mod.hosts.HostCreateSchema.safeParse({ ...base, key: { kind: "paste", privateKey } });
      expect(r.success).toBe(false);
      expect(r.error!.issues.map((i) => i.message)).toContain("Not a valid SSH private key");
    }
  });
});
