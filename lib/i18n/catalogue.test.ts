import { describe, expect, it } from "vitest";
import { createTranslator } from "use-intl/core";
import { LOCALES, type Locale, type Messages } from "@/lib/i18n/config";
import { catalogueFlatten, catalogueLoad, catalogueNamespaces } from "@/lib/i18n/catalogue";

const catalogues = Object.fromEntries(
  await Promise.all(LOCALES.map(async (l) => [l, await catalogueLoad(l)] as const)),
) as Record<Locale, Messages>;
const namespaces = await catalogueNamespaces("en");

/** Argument names at the top level of an ICU message: "{count, plural, ...}" -> count. */
function icuArguments(message: string): string[] {
  const names = new Set<string>();
  let depth = 0;
  for (let i = 0; i < message.length; i++) {
    const c = message[i];
    if (c === "{") {
      if (depth === 0) names.add(/^\{\s*([^\s,}]+)/.exec(message.slice(i))?.[1] ?? "");
      depth++;
    } else if (c === "}") depth--;
  }
  return [...names].sort();
}

/** Markup tags used in a message: "<b>...</b>" -> b. */
function icuTags(message: string): string[] {
  return [...new Set([...message.matchAll(/<([A-Za-z][\w-]*)>/g)].map((m) => m[1]!))].sort();
}

describe("message catalogues", () => {
  it("has the base namespaces", () => {
    expect(namespaces).toEqual(
      expect.arrayContaining(["common", "shell", "hosts", "vms", "templates", "storage", "networks"]),
    );
  });

  it("loads every catalogue file (a file whose name is no valid namespace would be left out silently)", async () => {
    const { readdirSync } = await import("node:fs");
    const path = await import("node:path");
    for (const locale of LOCALES) {
      const files = readdirSync(path.join(process.cwd(), "messages", locale)).filter((f) => f.endsWith(".json"));
      expect(files.map((f) => f.slice(0, -".json".length)).sort()).toEqual(await catalogueNamespaces(locale));
    }
  });

  it.each(LOCALES.filter((l) => l !== "en"))("%s has exactly the namespaces of en", async (locale) => {
    expect(await catalogueNamespaces(locale)).toEqual(namespaces);
  });

  describe.each(namespaces)("namespace %s", (namespace) => {
    const en = catalogueFlatten(catalogues.en[namespace] ?? {});

    it.each(LOCALES.filter((l) => l !== "en"))("%s has exactly the keys of en", (locale) => {
      const other = catalogueFlatten(catalogues[locale][namespace] ?? {});
      const missing = [...en.keys()].filter((k) => !other.has(k));
      const extra = [...other.keys()].filter((k) => !en.has(k));
      expect({ missing, extra }).toEqual({ missing: [], extra: [] });
    });

    it.each(LOCALES)("%s has no empty messages", (locale) => {
      const empty = [...catalogueFlatten(catalogues[locale][namespace] ?? {})]
        .filter(([, m]) => !m.trim())
        .map(([k]) => k);
      expect(empty).toEqual([]);
    });

    it.each(LOCALES.filter((l) => l !== "en"))("%s uses the same ICU arguments and tags as en", (locale) => {
      const other = catalogueFlatten(catalogues[locale][namespace] ?? {});
      const differ = [...en]
        .filter(([k]) => other.has(k))
        .filter(([k, m]) => {
          const o = other.get(k)!;
          return icuArguments(m).join() !== icuArguments(o).join() || icuTags(m).join() !== icuTags(o).join();
        })
        .map(([k]) => k);
      expect(differ).toEqual([]);
    });

    it.each(LOCALES)("%s messages are valid ICU and format", (locale) => {
      const errors: string[] = [];
      const t = createTranslator({
        locale,
        messages: catalogues[locale],
        timeZone: "UTC",
        onError: (e) => errors.push(e.message),
      });
      for (const [key, message] of catalogueFlatten(catalogues[locale][namespace] ?? {})) {
        // 1 suits every argument type (string, number, plural, select's "other", date).
        // Arguments nested in a select or plural arm too ("{kind, select, a {since {checkpoint}} other {}}"); a
        // name that is an arm's text ("{full}") gets a value it does not use.
        const nested = [...message.matchAll(/\{\s*([A-Za-z_]\w*)\s*[,}]/g)].map((m) => m[1]!);
        const values: Record<string, unknown> = Object.fromEntries(
          [...icuArguments(message), ...nested].map((a) => [a, 1]),
        );
        for (const tag of icuTags(message)) values[tag] = (chunks: string) => chunks;
        t.markup(`${namespace}.${key}` as never, values as never);
      }
      expect(errors).toEqual([]);
    });
  });
});
