"use client";

import { useState, type FormEvent } from "react";
import { fetchJson, type ApiError } from "@/components/api/fetch-json";
import { useGroups, useRoles, useUsers, useVmAccess, useVmTags } from "@/components/data/use-access";
import { useNoticeAction } from "@/components/api/use-action";
import { useAccessLabels } from "@/components/access/labels";
import { Alert, ErrorBanner } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button, Spinner } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { ConfirmDialog, FormDialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { PlusIcon, XIcon } from "@/components/ui/icons";
import { Input, Select } from "@/components/ui/input";
import { TBody, TD, TH, THead, TR, Table, TableEmpty } from "@/components/ui/table";
import type { GrantView } from "@/lib/contracts/access";

interface Props {
  hostId: string;
  uuid: string;
  hostName: string;
  /** user.manage globally: may change its tags (a tag selects tag grants, so it is access control). */
  canEditTags: boolean;
  /** user.manage globally: sees and changes who may do what here. */
  canManageAccess: boolean;
}

const enc = encodeURIComponent;

/** A VM's tags and, for access administrators, its Permissions: effective access and the grants behind it. */
export function VmAccessPanel({ hostId, uuid, hostName, canEditTags, canManageAccess }: Props) {
  const { t, privilege, scope } = useAccessLabels();
  const base = `/api/vms/${enc(hostId)}/${enc(uuid)}`;
  const tagsQuery = useVmTags(hostId, uuid);
  const accessQuery = useVmAccess(hostId, uuid, canManageAccess);
  const tags = tagsQuery.data?.tags ?? null;
  const access = accessQuery.data?.access ?? null;
  // The draft starts over from every answer of the server (adjusted while rendering, not in an effect).
  const [draft, setDraft] = useState<string[]>([]);
  const [draftOf, setDraftOf] = useState<string[] | null>(null);
  if (tags && tags !== draftOf) {
    setDraftOf(tags);
    setDraft(tags);
  }
  const [tagInput, setTagInput] = useState("");
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<GrantView | null>(null);

  const action = useNoticeAction();
  const { busy, notice, setNotice } = action;
  const loadError = tagsQuery.error ?? accessQuery.error ?? null;
  const [dismissed, setDismissed] = useState<ApiError | null>(null);
  const error = action.error ?? (loadError !== dismissed ? loadError : null);
  const setError = (e: null) => (action.error ? action.setError(e) : setDismissed(loadError));

  function run(fn: () => Promise<string>) {
    setNotice(null);
    return action.run(fn, () => Promise.all([tagsQuery.mutate(), accessQuery.mutate()]));
  }

  function addTag(e: FormEvent) {
    e.preventDefault();
    const tag = tagInput.trim().toLowerCase();
    if (tag && !draft.includes(tag)) setDraft([...draft, tag].sort());
    setTagInput("");
  }

  const tagsChanged = tags !== null && draft.join() !== tags.join();

  return (
    <div className="mt-4 space-y-4" data-testid="vm-access-panel">
      {error ? (
        <ErrorBanner testId="vm-access-error" title={t("vm.loadFailed")} onDismiss={() => setError(null)}>
          {error.message}
        </ErrorBanner>
      ) : null}
      {notice ? (
        <Alert tone="success" testId="vm-access-notice" onDismiss={() => setNotice(null)}>
          {notice}
        </Alert>
      ) : null}

      <Card testId="vm-tags">
        <CardHeader title={t("vm.tagsTitle")} description={t("vm.tagsHint")} />
        <CardBody className="space-y-3">
          {tags === null ? (
            <Spinner />
          ) : (
            <ul className="flex flex-wrap gap-2" aria-label={t("vm.tagsTitle")}>
              {draft.length === 0 ? (
                <li className="text-sm text-slate-500 dark:text-slate-400">{t("vm.noTags")}</li>
              ) : null}
              {draft.map((tag) => (
                <li
                  key={tag}
                  data-testid="vm-tag"
                  data-tag={tag}
                  className="inline-flex items-center gap-1 rounded-full bg-slate-100 px-2.5 py-0.5 text-sm dark:bg-slate-800"
                >
                  {tag}
                  {canEditTags ? (
                    <button
                      type="button"
                      aria-label={t("vm.removeTag", { tag })}
                      onClick={() => setDraft(draft.filter((x) => x !== tag))}
                      className="text-slate-500 hover:text-red-600"
                      data-testid="vm-tag-remove"
                    >
                      <XIcon className="size-3.5" />
                    </button>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
          {canEditTags && tags !== null ? (
            <form onSubmit={addTag} className="flex flex-wrap items-end gap-2">
              <Input
                aria-label={t("vm.tagInput")}
                placeholder={t("vm.tagInput")}
                value={tagInput}
                onChange={(e) => setTagInput(e.target.value)}
                maxLength={40}
                className="w-48"
                testId="vm-tag-input"
              />
              <Button type="submit" variant="secondary" size="sm" testId="vm-tag-add">
                {t("vm.addTag")}
              </Button>
              <Button
                size="sm"
                disabled={!tagsChanged}
                loading={busy && tagsChanged}
                testId="vm-tags-save"
                onClick={() =>
                  void run(async () => {
                    await fetchJson(`${base}/tags`, { method: "PUT", body: { tags: draft } });
                    return t("vm.tagsSaved");
                  })
                }
              >
                {t("vm.saveTags")}
              </Button>
            </form>
          ) : null}
        </CardBody>
      </Card>

      {canManageAccess ? (
        <Card testId="vm-permissions">
          <CardHeader
            title={<span id="permissions">{t("vm.permissionsTitle")}</span>}
            description={t("vm.permissionsHint")}
            actions={
              <Button size="sm" onClick={() => setAdding(true)} testId="grant-add">
                <PlusIcon className="size-4" /> {t("vm.addGrant")}
              </Button>
            }
          />
          <CardBody className="space-y-6">
            <Table caption={t("vm.permissionsTitle")} testId="vm-access-table">
              <THead>
                <TR>
                  <TH>{t("vm.who")}</TH>
                  <TH>{t("vm.privilegesColumn")}</TH>
                  <TH>{t("vm.from")}</TH>
                </TR>
              </THead>
              <TBody>
                {access === null ? (
                  <TableEmpty colSpan={3}>
                    <Spinner />
                  </TableEmpty>
                ) : access.entries.length === 0 ? (
                  <TableEmpty colSpan={3}>{t("vm.nobody")}</TableEmpty>
                ) : (
                  access.entries.map((e) => (
                    <TR
                      key={e.user.id}
                      testId="vm-access-row"
                      data-username={e.user.username}
                      data-privileges={e.privileges.join(" ")}
                    >
                      <TD>
                        <span className="font-medium">{e.user.username}</span>
                        {e.user.displayName ? (
                          <span className="ml-1 text-slate-500 dark:text-slate-400">({e.user.displayName})</span>
                        ) : null}
                      </TD>
                      <TD wrap>
                        <span className="flex max-w-md flex-wrap gap-1">
                          {e.privileges.map((p) => (
                            <Badge key={p} tone={p === "vm.view" ? "neutral" : "info"}>
                              <span title={p}>{privilege(p)}</span>
                            </Badge>
                          ))}
                        </span>
                      </TD>
                      <TD wrap>
                        <ul className="space-y-0.5 text-sm" data-testid="vm-access-sources">
                          {e.sources.map((s, i) => (
                            <li key={i}>
                              <span className="font-medium">{s.role}</span> · {scope(s, uuid)} ·{" "}
                              <span className="text-slate-600 dark:text-slate-400">
                                {s.via.kind === "group" ? t("via.group", { name: s.via.name }) : t(`via.${s.via.kind}`)}
                              </span>
                            </li>
                          ))}
                        </ul>
                      </TD>
                    </TR>
                  ))
                )}
              </TBody>
            </Table>

            <div>
              <h3 className="mb-2 text-sm font-semibold text-slate-900 dark:text-slate-100">{t("vm.grantsTitle")}</h3>
              <Table caption={t("vm.grantsTitle")} testId="vm-grants-table">
                <THead>
                  <TR>
                    <TH>{t("vm.subject")}</TH>
                    <TH>{t("vm.role")}</TH>
                    <TH>{t("vm.scopeColumn")}</TH>
                    <TH>
                      <span className="sr-only">{t("vm.remove")}</span>
                    </TH>
                  </TR>
                </THead>
                <TBody>
                  {access && access.grants.length === 0 ? (
                    <TableEmpty colSpan={4}>{t("vm.noGrants")}</TableEmpty>
                  ) : null}
                  {access?.grants.map((g) => (
                    <TR
                      key={g.id}
                      testId="grant-row"
                      data-subject={g.subject.name}
                      data-role={g.role.name}
                      data-scope={g.scope}
                    >
                      <TD>{g.subject.kind === "group" ? t("via.group", { name: g.subject.name }) : g.subject.name}</TD>
                      <TD>{g.role.name}</TD>
                      <TD>{scope(g, uuid)}</TD>
                      <TD className="text-right">
                        <Button size="sm" variant="ghost-danger" onClick={() => setRemoving(g)} testId="grant-remove">
                          {t("vm.remove")}
                        </Button>
                      </TD>
                    </TR>
                  ))}
                </TBody>
              </Table>
            </div>
          </CardBody>
        </Card>
      ) : null}

      {adding ? (
        <GrantDialog
          hostId={hostId}
          uuid={uuid}
          hostName={hostName}
          tags={tags ?? []}
          busy={busy}
          onClose={() => setAdding(false)}
          onSubmit={async (body, label) => {
            const ok = await run(async () => {
              await fetchJson("/api/grants", { method: "POST", body });
              return t("vm.granted", label);
            });
            if (ok) setAdding(false);
          }}
        />
      ) : null}

      <ConfirmDialog
        open={removing !== null}
        testId="grant-remove-dialog"
        tone="danger"
        title={removing ? t("vm.removeTitle", { role: removing.role.name, name: removing.subject.name }) : ""}
        description={t("vm.removeBody")}
        confirmLabel={t("vm.remove")}
        pending={busy}
        error={error?.message}
        onCancel={() => setRemoving(null)}
        onConfirm={() =>
          void run(async () => {
            await fetchJson(`/api/grants/${enc(removing!.id)}`, { method: "DELETE" });
            setRemoving(null);
            return t("vm.removed");
          })
        }
      />
    </div>
  );
}

function GrantDialog({
  hostId,
  uuid,
  hostName,
  tags,
  busy,
  onClose,
  onSubmit,
}: {
  hostId: string;
  uuid: string;
  hostName: string;
  tags: string[];
  busy: boolean;
  onClose: () => void;
  onSubmit: (body: unknown, label: { role: string; name: string }) => Promise<void>;
}) {
  const { t } = useAccessLabels();
  const [kind, setKind] = useState<"user" | "group">("user");
  const users = useUsers().items ?? [];
  const groups = useGroups().items ?? [];
  const roles = useRoles().items ?? [];
  const [scopeKind, setScopeKind] = useState<"vm" | "host" | "tag" | "global">("vm");

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const subjectId = String(f.get("subject") ?? "");
    const roleId = String(f.get("role") ?? "");
    const scope =
      scopeKind === "vm"
        ? { kind: "vm", hostId, vmUuid: uuid }
        : scopeKind === "host"
          ? { kind: "host", hostId }
          : scopeKind === "tag"
            ? { kind: "tag", tag: String(f.get("tag") ?? "") }
            : { kind: "global" };
    const name =
      kind === "user"
        ? (users.find((u) => u.id === subjectId)?.username ?? "")
        : (groups.find((g) => g.id === subjectId)?.name ?? "");
    void onSubmit(
      { subject: { kind, id: subjectId }, roleId, scope },
      { role: roles.find((r) => r.id === roleId)?.name ?? roleId, name },
    );
  }

  return (
    <FormDialog
      open
      onClose={onClose}
      title={t("vm.addGrantTitle")}
      testId="grant-dialog"
      formId="grant-form"
      submitLabel={t("vm.grant")}
      pending={busy}
      submitTestId="grant-submit"
      cancelTestId="grant-cancel"
    >
      <form id="grant-form" onSubmit={submit} className="space-y-4">
        <Field label={t("vm.subjectKind")}>
          {(p) => (
            <Select
              {...p}
              value={kind}
              onChange={(e) => setKind(e.target.value as "user" | "group")}
              testId="grant-subject-kind"
            >
              <option value="user">{t("vm.kindUser")}</option>
              <option value="group">{t("vm.kindGroup")}</option>
            </Select>
          )}
        </Field>
        <Field label={kind === "user" ? t("vm.kindUser") : t("vm.kindGroup")} required>
          {(p) => (
            <Select {...p} name="subject" required defaultValue="" key={kind} testId="grant-subject" data-autofocus>
              <option value="" disabled>
                {t("vm.pickSubject")}
              </option>
              {kind === "user"
                ? users.map((u) => (
                    <option key={u.id} value={u.id}>
                      {u.username}
                    </option>
                  ))
                : groups.map((g) => (
                    <option key={g.id} value={g.id}>
                      {g.name}
                    </option>
                  ))}
            </Select>
          )}
        </Field>
        <Field label={t("vm.role")} required>
          {(p) => (
            <Select {...p} name="role" required defaultValue="" testId="grant-role">
              <option value="" disabled>
                {t("vm.pickSubject")}
              </option>
              {roles.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-slate-900 dark:text-slate-100">{t("vm.scopeLabel")}</legend>
          {(["vm", "host", "tag", "global"] as const).map((s) => (
            <label key={s} className="flex items-center gap-2 text-sm">
              <input
                type="radio"
                name="scopeKind"
                value={s}
                checked={scopeKind === s}
                onChange={() => setScopeKind(s)}
                data-testid={`grant-scope-${s}`}
              />
              {s === "vm"
                ? t("vm.scopeVm")
                : s === "host"
                  ? t("vm.scopeHost", { name: hostName })
                  : s === "tag"
                    ? t("vm.scopeTag")
                    : t("vm.scopeGlobal")}
            </label>
          ))}
          {scopeKind === "tag" ? (
            <Field label={t("vm.tagField")} required>
              {(p) => (
                <>
                  <Input {...p} name="tag" required list="grant-tags" maxLength={40} testId="grant-tag" />
                  <datalist id="grant-tags">
                    {tags.map((tag) => (
                      <option key={tag} value={tag} />
                    ))}
                  </datalist>
                </>
              )}
            </Field>
          ) : null}
        </fieldset>
      </form>
    </FormDialog>
  );
}
