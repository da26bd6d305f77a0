import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Client } from "ssh2";
import type { TestHost } from "./stack-env";

/** OpenSSH's fingerprint of a raw public key blob: SHA256:<base64 without padding>. */
export function hostKeySha256(key: Buffer): string {
  return "SHA256:" + createHash("sha256").update(key).digest("base64").replace(/=+$/, "");
}

export interface SshConnectOptions {
  /** Fingerprint the host key must have; defaults to the one up.sh recorded. */
  pinnedSha256?: string;
  /** Called with the fingerprint the server presented. */
  onHostKey?: (sha256: string) => void;
}

/** Connects to a test host with its generated key; rejects unless the host key matches the pin. */
export function sshConnect(host: TestHost, opts: SshConnectOptions = {}): Promise<Client> {
  const pinned = opts.pinnedSha256 ?? host.hostKeySha256;
  return new Promise((resolve, reject) => {
    const client = new Client();
    client
      .once("ready", () => resolve(client))
      .once("error", (err) => {
        client.end();
        reject(err);
      })
      .connect({
        host: host.host,
        port: host.port,
        username: host.username,
        privateKey: readFileSync(host.privateKeyPath),
        readyTimeout: 15_000,
        hostVerifier: (key: Buffer) => {
          const seen = hostKeySha256(key);
          opts.onHostKey?.(seen);
          return seen === pinned;
        },
      });
  });
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Runs one command string on an open connection and collects its output. */
export function sshExec(client: Client, command: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      let stdout = "";
      let stderr = "";
      stream.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
      stream.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
      stream.on("close", (code: number | null) => resolve({ stdout, stderr, code }));
    });
  });
}
