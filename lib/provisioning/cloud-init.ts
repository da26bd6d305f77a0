/*
 * cloud-init NoCloud seed contents: meta-data, user-data (and network-config when given), for an
 * ISO labelled `cidata`. https://cloudinit.readthedocs.io/en/latest/reference/datasources/nocloud.html
 *
 * Generated documents are JSON, which YAML reads as-is: no YAML emitter, and no value (a password
 * with quotes, a key comment with colons) can change the document's structure.
 */
import { randomBytes, randomInt } from "node:crypto";
import { encrypt } from "unixcrypt";
import { iso9660Build, type IsoFile } from "./iso9660";

export interface CloudInitSeedInput {
  instanceId: string;
  hostname?: string;
  username?: string;
  password?: string;
  sshKeys?: string[];
  /** The template's own user-data (cloud-config or script), sent alongside ours. */
  userData?: string;
  /** The template's own meta-data (YAML); our instance-id and hostname are appended and win. */
  metaData?: string;
  networkConfig?: string;
}

export const SEED_VOLUME_ID = "cidata";

const CRYPT_SALT_CHARS = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * SHA-512 crypt ("$6$salt$hash", what `openssl passwd -6` and glibc's crypt() make) of a password,
 * with a random 16-character salt unless one is given. The seed ISO stays readable on the host's
 * pool and inside the guest, so it carries this hash, never the password itself.
 */
export function passwordHashSha512(password: string, salt?: string): string {
  const s = salt ?? Array.from({ length: 16 }, () => CRYPT_SALT_CHARS[randomInt(CRYPT_SALT_CHARS.length)]).join("");
  if (!/^[./0-9A-Za-z]{1,16}$/.test(s)) throw new Error("crypt salt: 1-16 characters of [./0-9A-Za-z]");
  return encrypt(password, `$6$${s}`);
}

export function cloudInitMetaData(o: CloudInitSeedInput): string {
  const lines = [`instance-id: ${JSON.stringify(o.instanceId)}`];
  if (o.hostname) lines.push(`local-hostname: ${JSON.stringify(o.hostname)}`);
  const extra = o.metaData?.trim() ? `${o.metaData.trimEnd()}\n` : "";
  return `${extra}${lines.join("\n")}\n`;
}

/** Our cloud-config as an object, or null when the deploy form set nothing. */
export function cloudInitConfig(o: CloudInitSeedInput): Record<string, unknown> | null {
  const cfg: Record<string, unknown> = {};
  if (o.hostname) {
    cfg.hostname = o.hostname;
    cfg.preserve_hostname = false;
  }
  const keys = o.sshKeys?.filter(Boolean) ?? [];
  if (o.username) {
    const user: Record<string, unknown> = {
      name: o.username,
      shell: "/bin/bash",
      sudo: "ALL=(ALL) NOPASSWD:ALL",
      groups: ["sudo"],
    };
    if (keys.length) user.ssh_authorized_keys = keys;
    if (o.password) {
      // users[].passwd is a crypt hash (cloud-init hands it to useradd -p).
      user.passwd = passwordHashSha512(o.password);
      user.lock_passwd = false;
    }
    cfg.users = ["default", user];
  } else if (keys.length) {
    cfg.ssh_authorized_keys = keys;
  }
  if (o.password && !o.username) {
    // The default user's password: cloud-init's set_passwords passes a "$6$..." value to chpasswd -e.
    cfg.password = passwordHashSha512(o.password);
    cfg.chpasswd = { expire: false };
  }
  if (o.password) cfg.ssh_pwauth = true;
  return Object.keys(cfg).length ? cfg : null;
}

function partType(body: string): string {
  if (body.startsWith("#cloud-config")) return "text/cloud-config";
  if (body.startsWith("#!")) return "text/x-shellscript";
  if (body.startsWith("#cloud-boothook")) return "text/cloud-boothook";
  if (body.startsWith("#include")) return "text/x-include-url";
  return "text/cloud-config";
}

export function cloudInitUserData(o: CloudInitSeedInput, boundary = `vd-${randomBytes(12).toString("hex")}`): string {
  const ours = cloudInitConfig(o);
  const custom = o.userData?.trim() ? o.userData : "";
  const oursDoc = ours ? `#cloud-config\n${JSON.stringify(ours, null, 2)}\n` : "";
  if (!custom) return oursDoc || "#cloud-config\n{}\n";
  if (!oursDoc) return custom.endsWith("\n") ? custom : `${custom}\n`;
  // Both: a MIME multipart archive, which cloud-init merges (our part last, so it wins).
  const part = (body: string) =>
    [
      `--${boundary}`,
      `Content-Type: ${partType(body)}; charset="utf-8"`,
      "MIME-Version: 1.0",
      "Content-Transfer-Encoding: 8bit",
      "",
      body.endsWith("\n") ? body : `${body}\n`,
    ].join("\n");
  return [
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    "MIME-Version: 1.0",
    "",
    part(custom),
    part(oursDoc),
    `--${boundary}--`,
    "",
  ].join("\n");
}

export function cloudInitSeedFiles(o: CloudInitSeedInput): IsoFile[] {
  const files: IsoFile[] = [
    { name: "meta-data", data: cloudInitMetaData(o) },
    { name: "user-data", data: cloudInitUserData(o) },
  ];
  if (o.networkConfig?.trim())
    files.push({
      name: "network-config",
      data: o.networkConfig.endsWith("\n") ? o.networkConfig : `${o.networkConfig}\n`,
    });
  return files;
}

/** The seed ISO image. */
export function cloudInitSeedIso(o: CloudInitSeedInput, date?: Date): Buffer {
  return iso9660Build({ volumeId: SEED_VOLUME_ID, files: cloudInitSeedFiles(o), date });
}
