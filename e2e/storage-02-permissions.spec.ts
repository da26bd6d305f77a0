import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { ADMIN, type Account } from "./helpers/accounts";
import { hostOneEnsure, hostOneRelease, virshHost1, type HostOne } from "./helpers/host1";
import { host2Home, hostTwoEnsure, hostTwoRelease, runAsHost2, virshHost2, type HostTwo } from "./helpers/host2";
import { expectApiError, signedInContext, type Api } from "./helpers/session";
import { userCreate } from "./helpers/users";

// Storage management is per host: a user granted a role holding storage.manage on host 1 only
// (and host.view on host 2) sees upload / create volume / delete volume on host 1's Storage page
// and none of them on host 2's, although host 2 also has an active pool with a volume; the API
// creates a volume on host 1 for them and refuses a volume or an upload on host 2 (403), leaving
// host 2's pool untouched.
//
// FAILED_LOGINS: 0.
test.describe.configure({ mode: "serial" });

const TAG = `vde2estp${randomBytes(3).toString("hex")}`;
const POOL1 = `${TAG}-pool1`;
const POOL2 = `${TAG}-pool2`;
const DIR1 = `/var/tmp/${TAG}`;
const VOL1 = `${TAG}-seed1.qcow2`;
const VOL2 = `${TAG}-seed2.qcow2`;
const STORER: Account = {
  username: `storer-${TAG}`,
  displayName: "Stora Keeper",
  password: "storage password 123",
  role: "helpdesk",
};

let host1: HostOne | undefined;
let host2: HostTwo | undefined;
let dir2 = "";
let userId = "";
const roleIds: string[] = [];
const grantIds: string[] = [];

async function roleCreate(admin: Api, name: string, privileges: string[]): Promise<string> {
  const res = await admin.post("/api/roles", { name, description: "storage-02", privileges });
  expect(res.status(), await res.text()).toBe(201);
  const id = ((await res.json()) as { role: { id: string } }).role.id;
  roleIds.push(id);
  return id;
}

async function grantHost(admin: Api, roleId: string, hostId: string): Promise<void> {
  const res = await admin.post("/api/grants", {
    subject: { kind: "user", id: userId },
    roleId,
    scope: { kind: "host", hostId },
  });
  expect(res.status(), await res.text()).toBe(201);
  grantIds.push(((await res.json()) as { grant: { id: string } }).grant.id);
}

/** Selects a host on the Storage page and waits until its pools and the seeded volume are listed. */
async function showHost(page: Page, hostId: string, pool: string, volume: string): Promise<void> {
  await page.getByTestId("storage-host").selectOption(hostId);
  const poolRow = page.locator(`[data-testid="pool-row"][data-pool="${pool}"]`);
  await expect(poolRow).toBeVisible();
  await poolRow.getByTestId("pool-select").click();
  await expect(page.locator(`[data-testid="volume-row"][data-volume="${volume}"]`)).toBeVisible();
}

test.beforeAll(async ({ browser }) => {
  // A throwaway active pool with one volume on each host, so the buttons would be enabled if shown.
  mkdirSync(DIR1, { recursive: true });
  virshHost1(["pool-create-as", POOL1, "dir", "--target", DIR1]);
  virshHost1(["vol-create-as", POOL1, VOL1, "1M", "--format", "qcow2"]);
  dir2 = path.join(host2Home(), TAG);
  runAsHost2(["mkdir", "-p", dir2]);
  virshHost2(["pool-create-as", POOL2, "dir", "--target", dir2]);
  virshHost2(["vol-create-as", POOL2, VOL2, "1M", "--format", "qcow2"]);

  host1 = await hostOneEnsure(browser, `e2e-storage-02-h1-${TAG}`);
  host2 = await hostTwoEnsure(browser, `e2e-storage-02-h2-${TAG}`);

  const admin = await signedInContext(browser, ADMIN);
  userId = (await userCreate(admin.api, STORER)).id;
  await grantHost(
    admin.api,
    await roleCreate(admin.api, `storage keeper ${TAG}`, ["host.view", "storage.manage"]),
    host1.hostId,
  );
  await grantHost(admin.api, await roleCreate(admin.api, `host watcher ${TAG}`, ["host.view"]), host2.hostId);
  await admin.context.close();
});

test.afterAll(async ({ browser }) => {
  const admin = await signedInContext(browser, ADMIN);
  for (const id of grantIds) expect((await admin.api.delete(`/api/grants/${id}`)).status()).toBe(200);
  for (const id of roleIds) expect((await admin.api.delete(`/api/roles/${id}`)).status()).toBe(200);
  if (userId) expect((await admin.api.delete(`/api/users/${userId}`)).status()).toBe(200);
  await admin.context.close();
  for (const destroy of [() => virshHost1(["pool-destroy", POOL1]), () => virshHost2(["pool-destroy", POOL2])]) {
    try {
      destroy();
    } catch {
      // never created
    }
  }
  rmSync(DIR1, { recursive: true, force: true });
  if (dir2) rmSync(dir2, { recursive: true, force: true });
  await hostTwoRelease(browser, host2);
  await hostOneRelease(browser, host1);
});

test("storage.manage on host 1 only: the buttons show on host 1 and not on host 2", async ({ browser }) => {
  const user = await signedInContext(browser, STORER);
  const { page } = user;
  await page.goto("/storage");
  const hostOptions = page.getByTestId("storage-host").locator("option");
  await expect(hostOptions).toHaveCount(2);

  await showHost(page, host1!.hostId, POOL1, VOL1);
  await expect(page.getByTestId("upload-open")).toBeEnabled();
  await expect(page.getByTestId("volume-create-open")).toBeEnabled();
  await expect(
    page.locator(`[data-testid="volume-row"][data-volume="${VOL1}"]`).getByTestId("volume-delete"),
  ).toBeVisible();

  await showHost(page, host2!.hostId, POOL2, VOL2);
  await expect(page.getByTestId("upload-open")).toHaveCount(0);
  await expect(page.getByTestId("volume-create-open")).toHaveCount(0);
  await expect(page.getByTestId("volume-delete")).toHaveCount(0);
  await expect(page.getByTestId("iso-rescan")).toHaveCount(0);

  // Back on host 1 the buttons return (the choice follows the selected host, not the first one).
  await showHost(page, host1!.hostId, POOL1, VOL1);
  await expect(page.getByTestId("upload-open")).toBeVisible();
  await expect(page.getByTestId("volume-create-open")).toBeVisible();
  await user.context.close();
});

test("the API creates a volume on host 1 for them and refuses a volume or an upload on host 2 with 403", async ({
  browser,
}) => {
  const user = await signedInContext(browser, STORER);
  const created = `${TAG}-made.qcow2`;
  const ok = await user.api.post(`/api/hosts/${host1!.hostId}/storage/volumes`, {
    pool: POOL1,
    name: created,
    format: "qcow2",
    capacityBytes: 1024 * 1024,
  });
  expect(ok.status(), await ok.text()).toBe(201);
  expect(existsSync(path.join(DIR1, created))).toBe(true);

  const refusedName = `${TAG}-refused.qcow2`;
  await expectApiError(
    await user.api.post(`/api/hosts/${host2!.hostId}/storage/volumes`, {
      pool: POOL2,
      name: refusedName,
      format: "qcow2",
      capacityBytes: 1024 * 1024,
    }),
    403,
    "forbidden",
  );
  const iso = Buffer.alloc(4096, 7);
  const q = new URLSearchParams({ pool: POOL2, name: `${TAG}-refused.iso`, format: "iso", size: String(iso.length) });
  await expectApiError(
    await user.page.request.post(`/api/hosts/${host2!.hostId}/storage/upload?${q}`, {
      headers: { "x-csrf-token": user.api.csrfToken, "content-type": "application/octet-stream" },
      data: iso,
    }),
    403,
    "forbidden",
  );
  await expectApiError(
    await user.api.post(`/api/hosts/${host2!.hostId}/storage/volumes/delete`, { pool: POOL2, name: VOL2 }),
    403,
    "forbidden",
  );
  expect(
    virshHost2(["vol-list", POOL2])
      .trim()
      .split("\n")
      .map((l) => l.trim().split(/\s+/)[0]),
  ).toEqual([VOL2]);
  await user.context.close();
});
