import { describe, expect, it } from "vitest";
import { closeReasonMessage, takeoverUser } from "./close-reason";

describe("closeReasonMessage", () => {
  it("maps the contract's codes to their messages", () => {
    expect(closeReasonMessage({ code: 4001, reason: "ticket used" })).toEqual({ key: "closed.ticket" });
    expect(closeReasonMessage({ code: 4003, reason: "" })).toEqual({ key: "closed.revoked" });
    expect(closeReasonMessage({ code: 4004, reason: "" })).toEqual({ key: "closed.notFound" });
    expect(closeReasonMessage({ code: 4012, reason: "ssh gone" })).toEqual({ key: "closed.hostLost" });
    expect(closeReasonMessage({ code: 4013, reason: "" })).toEqual({ key: "closed.guestClosed" });
    expect(closeReasonMessage({ code: 4014, reason: "" })).toEqual({ key: "closed.shutdown" });
    expect(closeReasonMessage({ code: 4016, reason: "the VM's console did not answer" })).toEqual({
      key: "closed.noAnswer",
    });
    expect(closeReasonMessage({ code: 4015, reason: "the VM's display closed the connection" })).toEqual({
      key: "closed.refused",
    });
    expect(
      closeReasonMessage({
        code: 4015,
        reason: "the VM's display refused the viewer: QEMU allows 32 viewers per display",
      }),
    ).toEqual({ key: "closed.viewerLimit" });
    expect(closeReasonMessage({ code: 4015, reason: "another client took the serial console" })).toEqual({
      key: "closed.serialTaken",
    });
    expect(
      closeReasonMessage({
        code: 4015,
        reason: "the serial console is in use by another client: a view-only viewer never takes it over",
      }),
    ).toEqual({ key: "closed.serialBusy" });
    expect(
      closeReasonMessage({ code: 4015, reason: "the serial console session this view watched has ended" }),
    ).toEqual({ key: "closed.serialWatchEnded" });
    expect(closeReasonMessage({ code: 1000, reason: "" })).toEqual({ key: "closed.normal" });
    expect(closeReasonMessage({ code: 1006, reason: "" })).toEqual({ key: "closed.abnormal" });
  });

  it("names who took the console over when the reason says so", () => {
    expect(closeReasonMessage({ code: 4011, reason: "Taken over by alice" })).toEqual({
      key: "closed.takenOverBy",
      values: { user: "alice" },
    });
    expect(closeReasonMessage({ code: 4011, reason: "" })).toEqual({ key: "closed.takenOver" });
  });

  it("shows the server's reason for other codes, else the code", () => {
    expect(closeReasonMessage({ code: 4999, reason: " odd thing " })).toEqual({
      key: "closed.other",
      values: { reason: "odd thing" },
    });
    expect(closeReasonMessage({ code: 4999, reason: "" })).toEqual({ key: "closed.code", values: { code: 4999 } });
    expect(closeReasonMessage({ code: null, reason: "" })).toEqual({ key: "closed.unknown" });
  });
});

describe("takeoverUser", () => {
  it("reads the name after the last 'by'", () => {
    expect(takeoverUser("taken over by bob")).toBe("bob");
    expect(takeoverUser("Taken over by j.doe@corp.")).toBe("j.doe@corp.");
    expect(takeoverUser("taken over")).toBeNull();
  });
});
