/** The fleet API's wire types (shared with the server) and small UI helpers around them. */
export * from "@/lib/contracts/fleet";

/** One VM row's identity: a UUID is unique per host only. */
export const vmKey = (v: { hostId: string; uuid: string }) => `${v.hostId}/${v.uuid}`;

/** The VM page of a VM. */
export const vmHref = (v: { hostId: string; uuid: string }) =>
  `/vms/${encodeURIComponent(v.hostId)}/${encodeURIComponent(v.uuid)}`;
