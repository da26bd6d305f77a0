import { expect, test } from "@playwright/test";
import { ADMIN } from "./helpers/accounts";
import { hostOneEnsure, hostOneRelease, virshHost1, type HostOne } from "./helpers/host1";
import { loginApi, signedInContext } from "./helpers/session";
import { testPoolCreate, type TestPool } from "../tests/integration/helpers/provisioning-pool";

// Template -> running VM through the UI, on host 1 of the test stack (root@127.0.0.1,
// qemu:///system): a pool of this spec's own holds a real bootable base image (GRUB's rescue
// image as qcow2). The admin creates an image template on /templates, deploys it from the
// template list as a linked clone, lands on the VM page and sees it running; the Hardware tab
// shows the overlay disk. The guest has no NIC and runs under TCG with 64 MiB.
//
// FAILED_LOGINS: 0 (signs in with the admin's right password only).
test.describe.configure({ mode: "serial" });

const PREFIX = "vde2eprov-";
const TEMPLATE = `e2e GRUB ${Date.now().toString(36)}`;
let pool: TestPool;
let host1: HostOne | undefined;

test.beforeAll(async ({ browser }) => {
  pool = testPoolCreate(PREFIX);
  host1 = await hostOneEnsure(browser, `provisioning-01 host ${PREFIX}`);
});

test.afterAll(async ({ browser }) => {
  const admin = await signedInContext(browser, ADMIN);
  try {
    const list = (await (await admin.api.get("/api/templates")).json()) as {
      templates: { id: string; name: string }[];
    };
    for (const t of list.templates.filter((x) => x.name === TEMPLATE)) await admin.api.delete(`/api/templates/${t.id}`);
  } finally {
    await admin.context.close();
  }
  pool?.cleanup();
  await hostOneRelease(browser, host1);
});

test("creates an image template and deploys it as a linked clone that runs", async ({ page }) => {
  const hostId = host1!.hostId;
  await loginApi(page.request, ADMIN);
  await page.goto("/templates");
  await page.getByTestId("template-create-open").click();
  const form = page.getByTestId("template-form");
  await expect(form).toBeVisible();
  await form.getByTestId("template-name").fill(TEMPLATE);
  await form.getByTestId("template-options-host").selectOption(hostId);
  await form.getByTestId("template-default-host").selectOption(hostId);
  await form.getByTestId("template-source-kind").selectOption("image");
  // Options (pools, volumes) come from the host over SSH.
  await expect(form.getByTestId("template-source-volume").locator("option", { hasText: pool.baseVolume })).toHaveCount(
    1,
    { timeout: 20_000 },
  );
  await form.getByTestId("template-source-volume").selectOption({ label: `${pool.name} / ${pool.baseVolume} (qcow2)` });
  await form.getByTestId("hw-memory").fill("64");
  await form.getByTestId("hw-max-memory").fill("64");
  await form.getByTestId("hw-domain-type").selectOption("qemu");
  await form.getByTestId("hw-disk-size-0").fill("32");
  await form.getByTestId("hw-disk-pool-0").selectOption(pool.name);
  await form.getByTestId("hw-graphics").selectOption("vnc");
  await form.getByTestId("template-form-save").click();
  await expect(form).toBeHidden();

  const row = page
    .getByTestId("template-row")
    .filter({ has: page.getByTestId("template-name-cell").getByText(TEMPLATE, { exact: true }) });
  await expect(row).toHaveCount(1);
  await row.getByTestId("template-deploy").click();

  await expect(page).toHaveURL(/\/vms\/new\?template=/);
  await expect(page.getByTestId("vm-create-template")).not.toHaveValue("");
  await page.getByTestId("vm-create-host").selectOption(hostId);
  await page.getByTestId("vm-create-name").fill(`${PREFIX}web`);
  await page.getByTestId("vm-create-title").fill(`Web <"1">`);
  await expect(page.getByTestId("vm-create-clone-linked")).toBeChecked();
  await page.getByTestId("vm-create-submit").click();

  await expect(page).toHaveURL(/\/vms\/[0-9a-f-]+\/[0-9a-f-]{36}$/, { timeout: 30_000 });
  const detail = page.getByTestId("vm-detail");
  await expect(detail).toHaveAttribute("data-name", `${PREFIX}web`);
  await expect(page.getByTestId("vm-detail-state")).toHaveAttribute("data-state", "running", { timeout: 20_000 });
  const uuid = (await detail.getAttribute("data-uuid"))!;
  expect(virshHost1(["domstate", uuid]).trim()).toBe("running");
  expect(virshHost1(["dumpxml", uuid])).toContain("<title>Web &lt;&quot;1&quot;&gt;</title>");

  await page.getByTestId("vm-tab-hardware").click();
  const hw = page.getByTestId("vm-hardware");
  await expect(hw).toHaveAttribute("data-running", "true");
  await expect(hw.getByTestId("hw-disk").filter({ has: page.getByText(`${pool.dir}/${PREFIX}web.qcow2`) })).toHaveCount(
    1,
  );
  expect(virshHost1(["vol-dumpxml", "--pool", pool.name, `${PREFIX}web.qcow2`])).toContain(
    `<path>${pool.dir}/${pool.baseVolume}</path>`,
  );

  // A live edit: memory within the maximum applies at once; more vCPUs than the running maximum wait for a shutdown.
  await hw.getByTestId("hw-edit-vcpus").fill("2");
  await hw.getByTestId("hw-edit-cpu-save").click();
  await expect(page.getByTestId("hw-result-pending")).toContainText("vCPUs: 2");
  await expect(
    page.locator('[data-testid="hw-pending-row"][data-field="vcpus"] [data-testid="hw-pending-persistent"]'),
  ).toHaveText("2");
  expect(virshHost1(["dumpxml", "--inactive", uuid])).toContain("<vcpu placement='static'>2</vcpu>");
});
