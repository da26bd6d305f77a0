import { rmSync } from "node:fs";
import path from "node:path";
import { test } from "@playwright/test";
import {
  guestDefineHost1,
  guestDirCreate,
  guestRemoveHost1,
  hostOneEnsure,
  hostOneRelease,
  qcow2Create,
  virshHost1,
  type HostOne,
} from "./host1";

export interface Host1Guest {
  name: string;
  uuid: string;
}

/** What host1GuestsSetup's beforeAll fills in: read it inside tests and hooks, not at load time. */
export interface Host1Guests {
  hostId: string;
  /** The guests' directory under /var/lib/libvirt/images (disks, domain XML). */
  workDir: string;
}

/**
 * Registers a spec's beforeAll/afterAll for throwaway guests on host 1: host 1 ensured (added
 * through the API unless an earlier spec left it online), a fresh directory, each guest defined from
 * `xml(guest, disk)` and started — `disk` an empty 16 MiB qcow2 (SeaBIOS: "No bootable device.")
 * when `disks` is set —; afterwards the guests and the directory are removed and host 1 released.
 */
export function host1GuestsSetup(o: {
  hostName: string;
  dirPrefix: string;
  guests: Host1Guest[];
  xml: (guest: Host1Guest, disk: string | undefined) => string;
  disks?: boolean;
}): Host1Guests {
  const state: Host1Guests = { hostId: "", workDir: "" };
  let host1: HostOne | undefined;
  test.beforeAll(async ({ browser }) => {
    host1 = await hostOneEnsure(browser, o.hostName);
    state.hostId = host1.hostId;
    state.workDir = guestDirCreate(o.dirPrefix);
    for (const g of o.guests) {
      const disk = o.disks ? path.join(state.workDir, `${g.uuid}.qcow2`) : undefined;
      if (disk) qcow2Create(disk);
      guestDefineHost1(path.join(state.workDir, `${g.uuid}.xml`), o.xml(g, disk));
      virshHost1(["start", g.uuid]);
    }
  });
  test.afterAll(async ({ browser }) => {
    for (const g of o.guests) guestRemoveHost1(g.uuid);
    if (state.workDir) rmSync(state.workDir, { recursive: true, force: true });
    await hostOneRelease(browser, host1);
  });
  return state;
}
