// Both test hosts, end to end: real sshd, real libvirt, pinned host keys.
import type { Client } from "ssh2";
import { afterAll, describe, expect, it } from "vitest";
import { sshConnect, sshExec } from "./helpers/ssh";
import { stackEnv, type TestHost } from "./helpers/stack-env";

const stack = stackEnv();

describe.each<TestHost>([stack.host1, stack.host2])("test $name ($username@$host, $libvirtUri)", (host) => {
  const open: Client[] = [];
  afterAll(() => {
    for (const c of open) c.end();
  });

  it("connects with the generated key and the pinned host key, and runs virsh", async () => {
    let presented: string | undefined;
    const client = await sshConnect(host, { onHostKey: (fp) => (presented = fp) });
    open.push(client);
    expect(presented).toBe(host.hostKeySha256);

    const who = await sshExec(client, "id -un");
    expect(who.stdout.trim()).toBe(host.username);

    const r = await sshExec(client, `virsh -c '${host.libvirtUri}' version`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Using library: libvirt");
    expect(r.stdout).toMatch(/Using library: libvirt \d+\.\d+\.\d+/);
    expect(r.stdout).toMatch(/Running hypervisor: QEMU \d+\.\d+\.\d+/);
  });

  it("refuses the server when the pinned fingerprint does not match", async () => {
    // Same length and alphabet as a real fingerprint, different key.
    const wrong = "SHA256:" + "A".repeat(43);
    expect(wrong).not.toBe(host.hostKeySha256);
    let presented: string | undefined;
    await expect(sshConnect(host, { pinnedSha256: wrong, onHostKey: (fp) => (presented = fp) })).rejects.toThrow(
      /Host denied \(verification failed\)/,
    );
    // The server did present its real key; our pin rejected it.
    expect(presented).toBe(host.hostKeySha256);
  });
});

it("the two hosts are different machines as far as libvirt is concerned", async () => {
  const [a, b] = await Promise.all([sshConnect(stack.host1), sshConnect(stack.host2)]);
  try {
    const [ua, ub] = await Promise.all([
      sshExec(a, `virsh -c '${stack.host1.libvirtUri}' uri`),
      sshExec(b, `virsh -c '${stack.host2.libvirtUri}' uri`),
    ]);
    expect(ua.stdout.trim()).toBe("qemu:///system");
    expect(ub.stdout.trim()).toBe("qemu:///session");
    expect(stack.host1.hostKeySha256).not.toBe(stack.host2.hostKeySha256);
  } finally {
    a.end();
    b.end();
  }
});
