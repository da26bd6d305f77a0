import { describe, expect, it } from "vitest";
import { consoleStateInitial, consoleStep, type ConsoleEvent, type ConsoleState, type Step } from "./console-state";
import { CLOSE, NO_ANSWER } from "./close-codes";

const limits = { earlyBytes: 100, earlyMessages: 3 };

/** Runs events from the initial state; returns the last state and every effect, in order. */
function run(...events: ConsoleEvent[]): { state: ConsoleState; kinds: string[]; steps: Step[] } {
  let state = consoleStateInitial();
  const steps: Step[] = [];
  for (const e of events) {
    const step = consoleStep(state, e, limits);
    steps.push(step);
    state = step.state;
  }
  return { state, kinds: steps.flatMap((s) => s.effects.map((x) => x.kind)), steps };
}

const opened: ConsoleEvent[] = [{ type: "backendOpened" }, { type: "ready" }];

describe("console session state machine", () => {
  it("keeps input while opening, flushes it once ready, then passes input straight through", () => {
    const r = run({ type: "input", bytes: 10 }, { type: "input", bytes: 10 }, ...opened, { type: "input", bytes: 5 });
    expect(r.kinds).toEqual(["keepInput", "keepInput", "flushInput", "passInput"]);
    expect(r.state).toEqual({ name: "live" });
  });

  it("dooms the opening on too many bytes or messages: closes the socket once, drops later input, drops the backend when it opens", () => {
    const bytes = run(
      { type: "input", bytes: 60 },
      { type: "input", bytes: 60 },
      { type: "input", bytes: 1 },
      { type: "backendOpened" },
    );
    expect(bytes.kinds).toEqual(["keepInput", "closeSocket", "dropInput", "openFailed"]);
    expect(bytes.steps[1].effects[0]).toMatchObject({
      code: CLOSE.earlyInput,
      reason: "more than 100 bytes of input before the console was ready",
    });
    expect(bytes.state).toMatchObject({ name: "closed", code: CLOSE.earlyInput });
    const messages = run(...[1, 2, 3, 4].map((): ConsoleEvent => ({ type: "input", bytes: 1 })));
    expect(messages.kinds).toEqual(["keepInput", "keepInput", "keepInput", "closeSocket"]);
  });

  it("dooms the opening when the guest stays silent, and ends a live session that never got a first byte", () => {
    const opening = run({ type: "silence" }, { type: "silence" }, { type: "backendOpened" });
    expect(opening.kinds).toEqual(["closeSocket", "openFailed"]);
    expect(opening.state).toEqual({ name: "closed", code: CLOSE.noAnswer, reason: NO_ANSWER });
    // Silent while the session is being recorded: it ends as soon as it is (its row gets the reason).
    const starting = run({ type: "backendOpened" }, { type: "silence" }, { type: "ready" });
    expect(starting.kinds).toEqual(["closeSocket", "teardown"]);
    const live = run(...opened, { type: "silence" });
    expect(live.kinds).toEqual(["flushInput", "teardown"]);
    expect(live.state).toMatchObject({ code: CLOSE.noAnswer });
  });

  it("a browser gone while opening still opens and records, then ends as closed by the browser", () => {
    const r = run({ type: "browserClosed" }, ...opened);
    expect(r.kinds).toEqual(["teardown"]);
    expect(r.state).toEqual({ name: "closed", code: CLOSE.normal, reason: "closed by the browser" });
  });

  it("a backend that fails to open fails the opening with its code", () => {
    const r = run({ type: "backendFailed", code: CLOSE.notFound, reason: "vm1 has no active vnc display" });
    expect(r.steps[0].effects).toEqual([
      { kind: "openFailed", code: CLOSE.notFound, reason: "vm1 has no active vnc display" },
    ]);
    expect(
      run({ type: "backendFailed", code: CLOSE.hostLost, reason: "x" }, { type: "backendOpened" }, { type: "ready" })
        .kinds,
    ).toEqual(["openFailed"]);
  });

  it("the guest's end is asked about once, and the answer closes the session", () => {
    const r = run(
      ...opened,
      { type: "guestEnded" },
      { type: "guestEnded" },
      { type: "input", bytes: 1 },
      { type: "close", code: CLOSE.guestClosed, reason: "the guest closed the console" },
    );
    expect(r.kinds).toEqual(["flushInput", "askWhy", "passInput", "teardown"]);
    expect(r.state).toMatchObject({ name: "closed", code: CLOSE.guestClosed });
  });

  it("tears down exactly once, whatever comes after (revoke, browser close, guest end, more input)", () => {
    const r = run(
      ...opened,
      { type: "close", code: CLOSE.revoked, reason: "signed out" },
      { type: "browserClosed" },
      { type: "guestEnded" },
      { type: "close", code: CLOSE.shutdown, reason: "x" },
      { type: "input", bytes: 1 },
    );
    expect(r.kinds).toEqual(["flushInput", "teardown", "dropInput"]);
    expect(r.state).toEqual({ name: "closed", code: CLOSE.revoked, reason: "signed out" });
  });

  it("a browser close or error on a live session ends it normally with its reason", () => {
    expect(run(...opened, { type: "browserClosed" }).state).toEqual({
      name: "closed",
      code: CLOSE.normal,
      reason: "closed by the browser",
    });
    expect(run(...opened, { type: "browserClosed", reason: "browser connection failed" }).state).toMatchObject({
      reason: "browser connection failed",
    });
  });
});
