import { readFileSync } from "node:fs";
import path from "node:path";
import { createTranslator } from "use-intl";
import { describe, expect, it } from "vitest";
import { taskTitle, type TitleTranslator } from "./task-title";

function tasksT(locale: "en" | "fr"): TitleTranslator {
  const messages = {
    tasks: JSON.parse(readFileSync(path.join(process.cwd(), "messages", locale, "tasks.json"), "utf8")),
  };
  return createTranslator({ locale, messages, namespace: "tasks", onError: () => {} }) as unknown as TitleTranslator;
}

const base = { title: "English title" };

describe("taskTitle", () => {
  it("renders each server title key in French", () => {
    const fr = tasksT("fr");
    expect(
      taskTitle(fr, { ...base, titleKey: "titles.vmCreateCopy", titleParams: { name: "web1", host: "kvm-a" } }),
    ).toBe("Créer web1 sur kvm-a (copie complète)");
    expect(
      taskTitle(fr, {
        ...base,
        titleKey: "titles.vmClone",
        titleParams: { source: "base", name: "web2", mode: "linked" },
      }),
    ).toBe("Cloner base en web2 (clone lié)");
    expect(taskTitle(fr, { ...base, titleKey: "titles.vmDelete", titleParams: { name: "web1", volumes: 0 } })).toBe(
      "Supprimer web1",
    );
    expect(taskTitle(fr, { ...base, titleKey: "titles.vmDelete", titleParams: { name: "web1", volumes: 2 } })).toBe(
      "Supprimer web1 et 2 volumes",
    );
    expect(
      taskTitle(fr, { ...base, titleKey: "titles.storageUpload", titleParams: { name: "a.iso", pool: "default" } }),
    ).toBe("Téléverser a.iso dans default");
  });

  it("renders the same English the server stores as title", () => {
    const en = tasksT("en");
    expect(
      taskTitle(en, { ...base, titleKey: "titles.vmCreateCopy", titleParams: { name: "web1", host: "kvm-a" } }),
    ).toBe("Create web1 on kvm-a (full copy)");
    expect(
      taskTitle(en, {
        ...base,
        titleKey: "titles.vmClone",
        titleParams: { source: "base", name: "web2", mode: "full" },
      }),
    ).toBe("Clone base to web2 (full copy)");
    expect(taskTitle(en, { ...base, titleKey: "titles.vmDelete", titleParams: { name: "web1", volumes: 1 } })).toBe(
      "Delete web1 and 1 volume",
    );
    expect(
      taskTitle(en, { ...base, titleKey: "titles.storageUpload", titleParams: { name: "a.iso", pool: "default" } }),
    ).toBe("Upload a.iso to default");
  });

  it("falls back to the stored title for old rows and unknown keys", () => {
    const fr = tasksT("fr");
    expect(taskTitle(fr, { ...base, titleKey: null, titleParams: null })).toBe("English title");
    expect(taskTitle(fr, { ...base, titleKey: "titles.noSuchKey", titleParams: {} })).toBe("English title");
  });
});
