import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { testGuestXml } from "../tests/shared/guest-xml";
import { ADMIN, type Account } from "./helpers/accounts";
import { hostOneEnsure, hostOneRelease, virshHost1, type HostOne } from "./helpers/host1";
import { expectApiError, loginApi, signedInContext, type Api } from "./helpers/session";
import { userCreate } from "./helpers/users";

// Quotas end to end on host 1: an admin sets a user's VM quota on the Users page; the user's
// clone of a shut-off, diskless VM is refused with 403 quota_exceeded naming the limit; with room
// for one VM the clone runs and the user's panel shows the usage; the next one is refused again.
// A group's quota is set on the Groups page.
//
// FAILED_LOGINS: 0.
test.describe.configure({ mode: "serial" });

const DOMAIN_TYPE = process.env.VD_TEST_DOMAIN_TYPE ?? "qemu";
const tag = randomBytes(3).toString("hex");
const PREFIX = `vdtest-quota-${tag}`;
const SOURCE = { name: `${PREFIX}-src`, uuid: randomUUID() };
const OPS: Account = {
  username: `quota-${tag}`,
  displayName: "Quota Person",
  password: "quota password 123",
  role: "operator",
};

let host1: HostOne | undefined;
let hostId = "";
let workDir = "";

/** 32 MiB, no disk, no NIC, never started: a clone of it is quick and needs no storage. */
function guestXml(g: { name: string; uuid: string }): string {
  return testGuestXml({ ...g, domainType: DOMAIN_TYPE, memoryMiB: 32 });
}

async function setUserVmQuota(page: Page, value: string) {
  await page.goto("/users");
  await page.getByTestId(`user-row-${OPS.username}`).getByTestId("user-edit").click();
  const quota = page.getByTestId("panel-edit").getByTestId("quota-user");
  await expect(quota.getByTestId("quota-save")).toBeEnabled();
  await quota.getByTestId("quota-maxVms").fill(value);
  await quota.getByTestId("quota-save").click();
  await expect(quota.getByTestId("quota-saved")).toBeVisible();
  return quota;
}

async function cloneAs(api: Api, name: string) {
  return api.post(`/api/vms/${hostId}/${SOURCE.uuid}/clone`, { name, mode: "full" });
}

test.beforeAll(async ({ browser }) => {
  host1 = await hostOneEnsure(browser, `quota-01 host ${tag}`);
  hostId = host1.hostId;
  workDir = mkdtempSync(path.join(tmpdir(), "vdtest-quota-"));
  const xml = path.join(workDir, "source.xml");
  writeFileSync(xml, guestXml(SOURCE));
  virshHost1(["define", xml]);
  const admin = await signedInContext(browser, ADMIN);
  await userCreate(admin.api, OPS);
  await admin.context.close();
});

test.afterAll(async ({ browser }) => {
  for (const name of virshHost1(["list", "--all", "--name"])
    .split("\n")
    .map((s) => s.trim())
    .filter((n) => n.startsWith(PREFIX))) {
    try {
      virshHost1(["undefine", name]);
    } catch {
      // already gone
    }
  }
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  await hostOneRelease(browser, host1);
});

test("a VM quota set on the Users page refuses the user's clone with a clear 403, then counts the one it allows", async ({
  page,
  browser,
}) => {
  await loginApi(page.request, ADMIN);
  await setUserVmQuota(page, "0");

  const ops = await signedInContext(browser, OPS);
  await expectApiError(
    await cloneAs(ops.api, `${PREFIX}-one`),
    403,
    "quota_exceeded",
    `Quota of ${OPS.username}: allows 0 VMs: 0 in use, this needs 1 more`,
  );
  expect(virshHost1(["list", "--all", "--name"])).not.toContain(`${PREFIX}-one`);

  // Room for one: the clone runs as a task.
  await page.reload();
  await setUserVmQuota(page, "1");
  const res = await cloneAs(ops.api, `${PREFIX}-one`);
  expect(res.status(), await res.text()).toBe(202);
  const { taskId } = (await res.json()) as { taskId: string };
  await expect
    .poll(
      async () =>
        ((await (await ops.api.get(`/api/tasks/${taskId}`)).json()) as { task: { status: string } }).task.status,
      { timeout: 30_000 },
    )
    .toBe("succeeded");

  // The user's panel shows what counts, and the next clone is refused.
  await page.reload();
  await page.getByTestId(`user-row-${OPS.username}`).getByTestId("user-edit").click();
  await expect(page.getByTestId("panel-edit").getByTestId("quota-usage-maxVms")).toHaveText("In use: 1 of 1");
  await expectApiError(await cloneAs(ops.api, `${PREFIX}-two`), 403, "quota_exceeded", /allows 1 VM: 1 in use/);
  await ops.context.close();
});

test("a group's quota is set on the Groups page", async ({ page }) => {
  await loginApi(page.request, ADMIN);
  const admin = await signedInContext(page.context().browser()!, ADMIN);
  const created = await admin.api.post("/api/groups", { name: `quota group ${tag}`, description: "" });
  expect(created.status(), await created.text()).toBe(201);
  const groupId = ((await created.json()) as { group: { id: string } }).group.id;
  await page.goto("/groups");
  await page.locator(`[data-testid="group-row"][data-name="quota group ${tag}"]`).getByTestId("group-open").click();
  const quota = page.getByTestId("group-detail").getByTestId("quota-group");
  await expect(quota.getByTestId("quota-save")).toBeEnabled();
  await quota.getByTestId("quota-maxVcpus").fill("8");
  await quota.getByTestId("quota-maxMemoryMiB").fill("4096");
  await quota.getByTestId("quota-save").click();
  await expect(quota.getByTestId("quota-saved")).toBeVisible();
  const got = (await (await admin.api.get(`/api/groups/${groupId}/quota`)).json()) as {
    own: Record<string, number | null>;
  };
  expect(got.own).toEqual({ maxVms: null, maxVcpus: 8, maxMemoryMiB: 4096, maxDiskGiB: null });
  await admin.context.close();
});
