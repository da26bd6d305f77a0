import { describe, expect, it } from "vitest";
import { callerOf } from "./caller";
import { principalFromSession } from "./principal";

describe("callerOf", () => {
  const user = { id: "0b6f3c1e-1111-4a2b-9c3d-000000000001", username: "alice" };

  it("names a session or token caller as its user, and keeps the principal (with a token's limit) as given", () => {
    const session = callerOf(principalFromSession({ id: "sess", user }), "10.0.0.1");
    expect(session).toEqual({
      principal: { kind: "session", user, sessionId: "sess" },
      ip: "10.0.0.1",
      actor: { id: user.id, name: "alice" },
    });
    const token = callerOf(
      { kind: "token", user, sessionId: null, tokenId: "t1", limit: { privileges: ["vm.view"] } },
      "10.0.0.2",
    );
    expect(token.actor).toEqual({ id: user.id, name: "alice" });
    expect(token.principal.limit).toEqual({ privileges: ["vm.view"] });
  });

  it("names a share link's caller apart from its creator, as the audit log and console holders show it", () => {
    const share = callerOf(
      { kind: "share", user, sessionId: null, shareLinkId: "l1", limit: { privileges: ["vm.view", "vm.console"] } },
      "",
    );
    expect(share.actor).toEqual({ id: user.id, name: "alice (share link)" });
    expect(share.principal.user).toEqual(user);
  });
});
