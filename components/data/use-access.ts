"use client";

import { enc, useApi, useList } from "@/components/data/use-api";
import type { GroupDetail, GroupView, RoleView, UserAccess, VmAccess } from "@/lib/contracts/access";
import type { QuotaResponse } from "@/lib/contracts/quota";

/** The users (GET /api/users); `initial` from the page's server render. */
export function useUsers<T extends { id: string; username: string }>(initial?: T[]) {
  return useList<T>("/api/users", "users", undefined, initial);
}

/** The roles (GET /api/roles), built-in and custom. */
export function useRoles(initial?: RoleView[]) {
  return useList<RoleView>("/api/roles", "roles", undefined, initial);
}

/** The groups (GET /api/groups). */
export function useGroups(initial?: GroupView[]) {
  return useList<GroupView>("/api/groups", "groups", undefined, initial);
}

/** One group with its members and grants (GET /api/groups/:id); null id: none open. */
export function useGroup(id: string | null) {
  return useApi<{ group: GroupDetail }>(id ? `/api/groups/${enc(id)}` : null);
}

/** A user's groups and grants, their own and through groups (GET /api/users/:id/access). */
export function useUserAccess(userId: string) {
  return useApi<UserAccess>(`/api/users/${enc(userId)}/access`);
}

/** A VM's tags (GET .../tags). */
export function useVmTags(hostId: string, uuid: string) {
  return useApi<{ tags: string[] }>(`/api/vms/${enc(hostId)}/${enc(uuid)}/tags`);
}

/** Who may do what on a VM and the grants behind it (GET .../access); null when the caller may not ask. */
export function useVmAccess(hostId: string, uuid: string, enabled: boolean) {
  return useApi<{ access: VmAccess }>(enabled ? `/api/vms/${enc(hostId)}/${enc(uuid)}/access` : null);
}

/** A user's or group's own limits, the effective ones and the usage (GET .../quota). */
export function useQuota(subject: "user" | "group", id: string) {
  return useApi<QuotaResponse>(`/api/${subject === "user" ? "users" : "groups"}/${enc(id)}/quota`);
}

