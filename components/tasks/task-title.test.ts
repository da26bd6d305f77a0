import { readFileSync } from "node:fs";
import path from "node:path";
import { createTranslator } from "use-intl";
import { describe, expect, it } from "vitest";
import { taskKindLabel, taskLogLine, taskMessage, taskTitle, type TitleTranslator } from "./task-title";

function tasksT(locale: "en" | "fr"): TitleTranslator {
  const messages = {
    tasks: JSON.parse(readFileSync(path.join(process.cwd(), "messages", locale, "tasks.json"), "utf8")),
  };
  return createTranslator({ locale, messages, namespace: "tasks", onError: () => {} }) as unknown as TitleTranslator;
}

const base = { title: "English title" };

describe("taskTitle", () => {
  // Each server title key in French, and the same English the server stores as title.
  it.each<["en" | "fr", string, Record<string, string | number>, string]>([
    ["fr", "titles.vmCreateCopy", { name: "web1", host: "kvm-a" }, "Créer web1 sur kvm-a (copie complète)"],
    ["fr", "titles.vmClone", { source: "base", name: "web2", mode: "linked" }, "Cloner base en web2 (clone lié)"],
    ["fr", "titles.vmDelete", { name: "web1", volumes: 0 }, "Supprimer web1"],
    ["fr", "titles.vmDelete", { name: "web1", volumes: 2 }, "Supprimer web1 et 2 volumes"],
    ["fr", "titles.storageUpload", { name: "a.iso", pool: "default" }, "Téléverser a.iso dans default"],
    ["en", "titles.vmCreateCopy", { name: "web1", host: "kvm-a" }, "Create web1 on kvm-a (full copy)"],
    ["en", "titles.vmClone", { source: "base", name: "web2", mode: "full" }, "Clone base to web2 (full copy)"],
    ["en", "titles.vmDelete", { name: "web1", volumes: 1 }, "Delete web1 and 1 volume"],
    ["en", "titles.storageUpload", { name: "a.iso", pool: "default" }, "Upload a.iso to default"],
  ])("renders in %s %s %j as %j", (locale, titleKey, titleParams, expected) => {
    expect(taskTitle(tasksT(locale), { ...base, titleKey, titleParams })).toBe(expected);
  });

  it("falls back to the stored title for old rows and unknown keys", () => {
    const fr = tasksT("fr");
    expect(taskTitle(fr, { ...base, titleKey: null, titleParams: null })).toBe("English title");
    expect(taskTitle(fr, { ...base, titleKey: "titles.noSuchKey", titleParams: {} })).toBe("English title");
  });
});

describe("taskMessage and taskLogLine", () => {
  // Status messages and log lines the server stores as keys, in both languages.
  it.each<["en" | "fr", string, Record<string, string | number>, string]>([
    ["fr", "steps.copying", { name: "base.qcow2", percent: 42 }, "Copie de base.qcow2 : 42 %"],
    ["fr", "steps.deleted", {}, "Supprimée"],
    ["fr", "lines.forcedOff", { name: "web1" }, "web1 arrêtée de force"],
    ["fr", "lines.uploaded", { bytes: 1024 }, "1024 octets téléversés"],
    [
      "fr",
      "lines.undefined",
      { name: "web1", managedSave: "yes", snapshots: "no" },
      "Définition de web1 supprimée, avec sa sauvegarde gérée",
    ],
    ["fr", "lines.error", { error: "virsh: domain not found" }, "erreur : virsh: domain not found"],
    ["en", "steps.copying", { name: "base.qcow2", percent: 42 }, "Copying base.qcow2: 42%"],
    ["en", "lines.uploaded", { bytes: 1024 }, "Uploaded 1024 bytes"],
    [
      "en",
      "lines.undefined",
      { name: "web1", managedSave: "yes", snapshots: "yes" },
      "Undefined web1 with its managed save and snapshot metadata",
    ],
    ["en", "lines.undefined", { name: "web1", managedSave: "no", snapshots: "no" }, "Undefined web1"],
  ])("renders in %s %s %j as %j", (locale, key, params, expected) => {
    const t = tasksT(locale);
    expect(taskMessage(t, { message: "English", messageKey: key, messageParams: params })).toBe(expected);
    expect(taskLogLine(t, { line: "English", lineKey: key, lineParams: params })).toBe(expected);
  });

  it("falls back to the stored English for old rows and unknown keys", () => {
    const fr = tasksT("fr");
    expect(taskMessage(fr, { message: "Uploading", messageKey: null, messageParams: null })).toBe("Uploading");
    expect(taskMessage(fr, { message: "Uploading", messageKey: "steps.noSuchKey", messageParams: {} })).toBe(
      "Uploading",
    );
    expect(taskLogLine(fr, { line: "Started", lineKey: null, lineParams: null })).toBe("Started");
    expect(taskLogLine(fr, { line: "Started", lineKey: "lines.noSuchKey", lineParams: {} })).toBe("Started");
  });
});

describe("taskKindLabel", () => {
  it.each<["en" | "fr", string, string]>([
    ["en", "storage.upload", "Upload"],
    ["fr", "storage.upload", "Téléversement"],
    ["en", "vm.create", "VM creation"],
    ["fr", "vm.clone", "Clonage de VM"],
    ["fr", "vm.delete", "Suppression de VM"],
    ["en", "host.unknownKind", "host.unknownKind"],
    ["en", "vm", "vm"],
  ])("names %s %s %j", (locale, kind, expected) => {
    expect(taskKindLabel(tasksT(locale), kind)).toBe(expected);
  });
});
