import { describe, expect, it } from "vitest";
import { shareCloseKey } from "@/components/share/share-ticket";

describe("shareCloseKey", () => {
  it("tells the proxy's share-link close reasons apart (lib/consoles/share-links.ts shareLinksRecheck)", () => {
    expect(shareCloseKey("share link revoked")).toBe("closed.revoked");
    expect(shareCloseKey("share link expired")).toBe("closed.expired");
    expect(shareCloseKey("permission revoked")).toBe("closed.forbidden");
    expect(shareCloseKey("Console refused: the link's creator may no longer use this console")).toBe(
      "closed.forbidden",
    );
  });

  it("leaves other 4003 reasons to the console's own messages", () => {
    expect(shareCloseKey("signed out")).toBeNull();
    expect(shareCloseKey("")).toBeNull();
  });
});
