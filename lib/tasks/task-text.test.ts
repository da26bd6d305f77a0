import { describe, expect, it } from "vitest";
import { logLineFields, messageFields, msg, taskTextFields } from "./task-text";

describe("task texts", () => {
  // The English every row keeps is written from the catalogue: the same lines as before keys existed.
  it.each<[ReturnType<typeof msg>, string]>([
    [msg("lines.error", { error: "boom" }), "error: boom"],
    [msg("lines.forcedOff", { name: "web1" }), "Forced off web1"],
    [
      msg("lines.undefined", { name: "web1", managedSave: "no", snapshots: "yes" }),
      "Undefined web1 and snapshot metadata",
    ],
    [msg("lines.copyFile", { source: "/a b", target: "/c" }), "Copying /a b to /c (file copy)"],
    [
      msg("lines.uploadVolumeCreating", { name: "a.iso", bytes: 1048576, pool: "p", host: "h" }),
      "Creating volume a.iso (1048576 bytes) in pool p on h",
    ],
    [
      msg("lines.interrupted", { worker: "w:1:abc", heard: "never" }),
      "Interrupted: the virtdeck instance running it (w:1:abc) stopped. It was not resumed; check what it left behind before retrying.",
    ],
    [msg("steps.copying", { name: "d", percent: 7 }), "Copying d: 7%"],
    [msg("steps.deleted"), "Deleted"],
  ])("%j is stored in English as %j", (ref, english) => {
    expect(taskTextFields(ref)).toEqual({ text: english, key: ref.key, params: ref.params ?? {} });
  });

  it("keeps host texts with ICU syntax as they are", () => {
    expect(taskTextFields(msg("lines.error", { error: "bad {x} 'y'" })).text).toBe("error: bad {x} 'y'");
  });

  it("stores plain English without a key, and an unknown key as itself", () => {
    expect(logLineFields("did step 1")).toEqual({ line: "did step 1", lineKey: null });
    expect(messageFields(msg("steps.noSuchKey", { a: 1 }))).toEqual({
      message: "steps.noSuchKey 1",
      messageKey: "steps.noSuchKey",
      messageParams: { a: 1 },
    });
  });
});
