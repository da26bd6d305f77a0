import { z } from "zod";

/**
 * Connection facts of the real test stack, written by scripts/stack/up.sh to
 * .stack/env. `npm test` exports them; for single runs:
 *   bash scripts/stack/up.sh && source .stack/env
 */
const sha256Fingerprint = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, "must look like SHA256:<base64 without padding>");
const port = z.coerce.number().int().min(1).max(65535);

const StackEnvSchema = z.object({
  VD_TEST_STACK_DIR: z.string().min(1),
  VD_TEST_PG_URL: z.string().regex(/^postgres(ql)?:\/\//),
  VD_TEST_SSH_HOST: z.string().min(1),
  VD_TEST_SSH_PORT: port,
  VD_TEST_SSH_USER: z.string().min(1),
  VD_TEST_SSH_KEY: z.string().min(1),
  VD_TEST_SSH_HOSTKEY_SHA256: sha256Fingerprint,
  VD_TEST_LIBVIRT_URI: z.string().min(1),
  VD_TEST_SSH2_HOST: z.string().min(1),
  VD_TEST_SSH2_PORT: port,
  VD_TEST_SSH2_USER: z.string().min(1),
  VD_TEST_SSH2_KEY: z.string().min(1),
  VD_TEST_SSH2_HOSTKEY_SHA256: sha256Fingerprint,
  VD_TEST_LIBVIRT2_URI: z.string().min(1),
  VD_TEST_SSH3_HOST: z.string().min(1),
  VD_TEST_SSH3_PORT: port,
  VD_TEST_SSH3_USER: z.string().min(1),
  VD_TEST_SSH3_KEY: z.string().min(1),
  VD_TEST_SSH3_HOSTKEY_SHA256: sha256Fingerprint,
  VD_TEST_LIBVIRT3_URI: z.string().min(1),
  VD_TEST_HOST3_NETNS: z.string().min(1),
  VD_TEST_HOST3_PIDFILE: z.string().min(1),
  VD_TEST_DOMAIN_TYPE: z.enum(["kvm", "qemu"]),
});

/** One test host: an sshd plus the libvirt URI to use on it. */
export interface TestHost {
  name: "host1" | "host2" | "host3";
  host: string;
  port: number;
  username: string;
  privateKeyPath: string;
  /** OpenSSH form, e.g. SHA256:Sa4N...gvU (base64, no padding). */
  hostKeySha256: string;
  libvirtUri: string;
}

export interface StackEnv {
  stackDir: string;
  /** Superuser URL of the throwaway cluster; tests create their own databases. */
  pgUrl: string;
  /** root on 127.0.0.1, qemu:///system. */
  host1: TestHost;
  /** vdhost2 on 127.0.0.2, its own qemu:///session libvirt. */
  host2: TestHost;
  /**
   * root on the inner end of a veth pair, a system libvirtd inside a network and mount namespace of
   * its own (scripts/stack/host3.sh): networks with addresses or DHCP, and guests on them, live here.
   */
  host3: TestHost & { netns: string; libvirtdPidFile: string };
  domainType: "kvm" | "qemu";
}

let cached: StackEnv | undefined;

export function stackEnv(): StackEnv {
  if (cached) return cached;
  const parsed = StackEnvSchema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(
      `The test stack environment is missing or invalid:\n${lines.join("\n")}\n` +
        "Start the stack and load its environment first:\n" +
        "  bash scripts/stack/up.sh && source .stack/env\n" +
        "(or run everything with `npm test`).",
    );
  }
  const e = parsed.data;
  cached = {
    stackDir: e.VD_TEST_STACK_DIR,
    pgUrl: e.VD_TEST_PG_URL,
    host1: {
      name: "host1",
      host: e.VD_TEST_SSH_HOST,
      port: e.VD_TEST_SSH_PORT,
      username: e.VD_TEST_SSH_USER,
      privateKeyPath: e.VD_TEST_SSH_KEY,
      hostKeySha256: e.VD_TEST_SSH_HOSTKEY_SHA256,
      libvirtUri: e.VD_TEST_LIBVIRT_URI,
    },
    host2: {
      name: "host2",
      host: e.VD_TEST_SSH2_HOST,
      port: e.VD_TEST_SSH2_PORT,
      username: e.VD_TEST_SSH2_USER,
      privateKeyPath: e.VD_TEST_SSH2_KEY,
      hostKeySha256: e.VD_TEST_SSH2_HOSTKEY_SHA256,
      libvirtUri: e.VD_TEST_LIBVIRT2_URI,
    },
    host3: {
      name: "host3",
      host: e.VD_TEST_SSH3_HOST,
      port: e.VD_TEST_SSH3_PORT,
      username: e.VD_TEST_SSH3_USER,
      privateKeyPath: e.VD_TEST_SSH3_KEY,
      hostKeySha256: e.VD_TEST_SSH3_HOSTKEY_SHA256,
      libvirtUri: e.VD_TEST_LIBVIRT3_URI,
      netns: e.VD_TEST_HOST3_NETNS,
      libvirtdPidFile: e.VD_TEST_HOST3_PIDFILE,
    },
    domainType: e.VD_TEST_DOMAIN_TYPE,
  };
  return cached;
}
