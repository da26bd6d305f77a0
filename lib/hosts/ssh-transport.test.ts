import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { HostUnreachableError, UnsafeArgumentError } from "./errors";
import { connectSsh, type SshConnectOptions } from "./ssh-transport";

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 1024,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

const base: SshConnectOptions = {
  host: "127.0.0.1",
  port: 22,
  username: "root",
  privateKey,
  expectedHostKeySha256: `SHA256:${"A".repeat(43)}`,
};

describe("connectSsh option validation (nothing is sent)", () => {
  it.each<[string, Partial<SshConnectOptions>, RegExp]>([
    ["a host starting with '-'", { host: "-oProxyCommand=sh" }, /host/],
    ["a host with spaces", { host: "a b" }, /host/],
    ["an empty host", { host: "" }, /host/],
    ["a user starting with '-'", { username: "-lroot" }, /username/],
    ["a user with a shell metacharacter", { username: "root;id" }, /username/],
    ["port 0", { port: 0 }, /port/],
    ["port 65536", { port: 65536 }, /port/],
    ["a fractional port", { port: 22.5 }, /port/],
    ["an MD5 pin", { expectedHostKeySha256: "aa:bb:cc" }, /fingerprint/],
    ["no pin and no discovery callback", { expectedHostKeySha256: undefined }, /pinned host key/],
    ["an unreadable private key", { privateKey: "-----BEGIN nonsense" }, /privateKey/],
  ])("refuses %s", async (_name, patch, message) => {
    const err = await connectSsh({ ...base, ...patch }).catch((e) => e);
    expect(err).toBeInstanceOf(UnsafeArgumentError);
    expect(err.message).toMatch(message);
  });
});

describe("connectSsh connection errors", () => {
  it("maps a refused TCP connection to HostUnreachableError", async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const err = await connectSsh({ ...base, port }).catch((e) => e);
    expect(err).toBeInstanceOf(HostUnreachableError);
    expect(err).toMatchObject({ code: "host_unreachable", host: "127.0.0.1", port, reason: "ECONNREFUSED" });
  });

  it("maps a server that never speaks SSH to HostUnreachableError after readyTimeout", async () => {
    const sockets: import("node:net").Socket[] = [];
    const srv = createServer((s) => sockets.push(s)); // accepts, says nothing
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    try {
      const err = await connectSsh({ ...base, port, readyTimeoutMs: 300 }).catch((e) => e);
      expect(err).toBeInstanceOf(HostUnreachableError);
      expect(err.reason).toMatch(/no SSH handshake within 300 ms/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});
