/** A host on the backups page, and whether the user may manage backups there. */
export interface BackupHostOption {
  id: string;
  name: string;
  canManage: boolean;
}

/** A VM the page offers (from /api/vms). */
export interface BackupVmOption {
  hostId: string;
  hostName: string;
  uuid: string;
  name: string;
}

export const vmKey = (v: { hostId: string; uuid: string }) => `${v.hostId}/${v.uuid}`;
