import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { iso9660Build, isoName } from "./iso9660";
import {
  cloudInitConfig,
  cloudInitMetaData,
  cloudInitSeedIso,
  cloudInitUserData,
  passwordHashSha512,
} from "./cloud-init";

// Read back with independent tools: bsdtar (libarchive: ISO 9660 + Joliet) and blkid (label).
const dir = mkdtempSync(path.join(tmpdir(), "vd-iso-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function extract(img: Buffer): { names: string[]; read: (n: string) => string } {
  const file = path.join(dir, `img-${Math.random().toString(36).slice(2)}.iso`);
  writeFileSync(file, img);
  const out = path.join(dir, `x-${Math.random().toString(36).slice(2)}`);
  execFileSync("mkdir", ["-p", out]);
  const names = execFileSync("bsdtar", ["-tf", file], { encoding: "utf8" })
    .split("\n")
    .filter((n) => n && n !== ".");
  execFileSync("bsdtar", ["-xf", file, "-C", out]);
  return { names: names.sort(), read: (n) => readFileSync(path.join(out, n), "utf8") };
}

function label(img: Buffer): string {
  const file = path.join(dir, `lbl-${Math.random().toString(36).slice(2)}.iso`);
  writeFileSync(file, img);
  return execFileSync("blkid", ["-p", "-o", "value", "-s", "LABEL", file], { encoding: "utf8" }).trim();
}

describe("iso9660Build", () => {
  it("writes files bsdtar reads back under their Joliet names", () => {
    const big = "x".repeat(5000);
    const img = iso9660Build({
      volumeId: "cidata",
      files: [
        { name: "user-data", data: "hello\n" },
        { name: "meta-data", data: big },
        { name: "empty", data: "" },
      ],
    });
    expect(img.length % 2048).toBe(0);
    expect(img.subarray(16 * 2048 + 1, 16 * 2048 + 6).toString("ascii")).toBe("CD001");
    const x = extract(img);
    expect(x.names).toEqual(["empty", "meta-data", "user-data"]);
    expect(x.read("user-data")).toBe("hello\n");
    expect(x.read("meta-data")).toBe(big);
    expect(x.read("empty")).toBe("");
    expect(label(img)).toBe("cidata");
  });

  it("maps names to ISO 9660 identifiers and refuses bad ones", () => {
    expect(isoName("user-data")).toBe("USER_DATA.;1");
    expect(isoName("a.b.txt")).toBe("A_B.TXT;1");
    expect(() => iso9660Build({ volumeId: "x", files: [{ name: "a/b", data: "" }] })).toThrow();
    expect(() =>
      iso9660Build({
        volumeId: "x",
        files: [
          { name: "a-b", data: "" },
          { name: "a_b", data: "" },
        ],
      }),
    ).toThrow(/same ISO name/);
  });
});

/** A "$6$" hash with a fresh 16-character salt that is the hash of `password` under that salt. */
function expectHashOf(hash: string, password: string): void {
  const m = /^\$6\$([./0-9A-Za-z]{16})\$[./0-9A-Za-z]{86}$/.exec(hash);
  expect(m, hash).not.toBeNull();
  expect(passwordHashSha512(password, m![1])).toBe(hash);
  expect(passwordHashSha512(`${password}x`, m![1])).not.toBe(hash);
}

describe("passwordHashSha512", () => {
  // Vectors from `openssl passwd -6 -salt SALT PASSWORD` (OpenSSL 3.0); the first is also in
  // Drepper's SHA-crypt specification.
  it.each([
    [
      "saltstring",
      "Hello world!",
      "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1",
    ],
    [
      "Xy7./Qa9",
      `p"w: <x>`,
      "$6$Xy7./Qa9$3Inp1Wt7AtvW7lnpDe0l64.Sbemi0Ymwz6y45Pp9h2AWfu6dBs8LhO6/AYwgxBetTLuy2AraIP/6vMrSaDCAJ/",
    ],
    [
      "abcdefghijklmnop",
      "mot de passe été",
      "$6$abcdefghijklmnop$sd.z8BD6rqjNnsn8iAcFk8nLl3K1Ef9PB/LE5QV.9kNeD/H3SAb3frRau3w7e8HBm0wDFVDpENm4.z1EPlKMJ/",
    ],
  ])("salt %s matches openssl", (salt, password, hash) => {
    expect(passwordHashSha512(password, salt)).toBe(hash);
  });

  it("draws a new 16-character salt each time", () => {
    const a = passwordHashSha512("same");
    const b = passwordHashSha512("same");
    expect(a).not.toBe(b);
    expectHashOf(a, "same");
    expectHashOf(b, "same");
  });

  it("refuses salts crypt would not keep", () => {
    expect(() => passwordHashSha512("x", "bad$salt")).toThrow();
    expect(() => passwordHashSha512("x", "")).toThrow();
    expect(() => passwordHashSha512("x", "a".repeat(17))).toThrow();
  });
});

describe("cloud-init seed", () => {
  const input = {
    instanceId: "8c7a1d0e-0000-4000-8000-000000000001",
    hostname: "web-01",
    username: "ops",
    password: `pa"ss: {x}\n- evil`,
    sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB7 ops@example"],
  };

  it("renders meta-data and a cloud-config whose values stay values", () => {
    expect(cloudInitMetaData(input)).toBe(
      `instance-id: "8c7a1d0e-0000-4000-8000-000000000001"\nlocal-hostname: "web-01"\n`,
    );
    const ud = cloudInitUserData(input);
    expect(ud.startsWith("#cloud-config\n")).toBe(true);
    const cfg = JSON.parse(ud.slice("#cloud-config\n".length));
    // Same document but for the password hash's random salt.
    const again = cloudInitConfig(input) as { users: [string, Record<string, unknown>] };
    expect({ ...cfg, users: [cfg.users[0], { ...cfg.users[1], passwd: "" }] }).toEqual({
      ...again,
      users: [again.users[0], { ...again.users[1], passwd: "" }],
    });
    expect(cfg.users[1]).toMatchObject({ name: "ops", ssh_authorized_keys: input.sshKeys, lock_passwd: false });
    expect(cfg.users[1]).not.toHaveProperty("plain_text_passwd");
    expectHashOf(cfg.users[1].passwd, input.password);
    expect(ud).not.toContain('pa\\"ss');
    expect(ud).not.toContain("evil");
  });

  it("sets the default user's password as a hash when no user is named", () => {
    const cfg = cloudInitConfig({ instanceId: "i", password: "hunter2 hunter2" }) as Record<string, unknown>;
    expectHashOf(cfg.password as string, "hunter2 hunter2");
    expect(cfg).toMatchObject({ chpasswd: { expire: false }, ssh_pwauth: true });
  });

  it("combines the template's user-data with ours as MIME multipart", () => {
    const ud = cloudInitUserData({ ...input, userData: "#!/bin/sh\necho hi\n" }, "BOUNDARY");
    expect(ud).toContain(`Content-Type: multipart/mixed; boundary="BOUNDARY"`);
    expect(ud).toContain("Content-Type: text/x-shellscript");
    expect(ud).toContain("Content-Type: text/cloud-config");
    expect(ud.trimEnd().endsWith("--BOUNDARY--")).toBe(true);
    expect(cloudInitUserData({ instanceId: "i", userData: "#cloud-config\nruncmd: [ls]" })).toBe(
      "#cloud-config\nruncmd: [ls]\n",
    );
  });

  it("packs a cidata ISO that reads back", () => {
    const img = cloudInitSeedIso({ ...input, networkConfig: "version: 2\n" });
    expect(label(img)).toBe("cidata");
    const x = extract(img);
    expect(x.names).toEqual(["meta-data", "network-config", "user-data"]);
    expect(x.read("meta-data")).toContain(`local-hostname: "web-01"`);
    expect(JSON.parse(x.read("user-data").replace("#cloud-config\n", "")).hostname).toBe("web-01");
    expect(x.read("network-config")).toBe("version: 2\n");
  });
});
