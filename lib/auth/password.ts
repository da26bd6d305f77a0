import "server-only";
import argon2 from "argon2";

/** OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function passwordHash(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

let dummy: Promise<string> | undefined;

/**
 * Verifies a password against a stored hash. With no hash (unknown user) it still
 * spends the same work on a dummy hash, so response time does not reveal which
 * usernames exist.
 */
export async function passwordVerify(hash: string | null, password: string): Promise<boolean> {
  if (!hash) {
    dummy ??= argon2.hash("virtdeck-dummy-password", OPTIONS);
    await argon2.verify(await dummy, password).catch(() => false);
    return false;
  }
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}
