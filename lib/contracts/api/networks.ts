import { z } from "zod";
import { NetworkLeaseSchema, NetworkViewSchema } from "@/lib/contracts/network";
import { IdSchema } from "@/lib/contracts/api/common";

/** Answers and path parameters of the network routes (/api/networks, /api/hosts/:id/networks/**). */

/** A network in a path: bounded here; a name virsh could misread names nothing (404, lib/fleet/networks.ts). */
export const HostNetworkParamsSchema = z.object({ id: IdSchema, network: z.string().min(1).max(200) });

export const NetworkListResponseSchema = z.object({ networks: z.array(NetworkViewSchema) });
export const FleetNetworksResponseSchema = z.object({
  networks: z.array(NetworkViewSchema),
  errors: z.array(z.object({ hostId: z.string(), hostName: z.string(), message: z.string() })),
});
export const NetworkResponseSchema = z.object({ network: NetworkViewSchema });
export const NetworkEditResponseSchema = z.object({
  network: NetworkViewSchema,
  /** The network is running: the new definition takes effect when it is stopped and started again. */
  appliesAfterRestart: z.boolean(),
});
export const NetworkLeasesResponseSchema = z.object({ leases: z.array(NetworkLeaseSchema) });
