import { describe, expect, it } from "vitest";
import { sseResponse } from "./sse";

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, marker: string): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes(marker)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

describe("sseResponse", () => {
  it("streams named JSON events after the retry hint, with SSE headers", async () => {
    const abort = new AbortController();
    const res = sseResponse(abort.signal, (send) => {
      queueMicrotask(() => send("tasks", [{ id: "t1" }]));
      return () => {};
    });
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-cache, no-transform");
    const reader = res.body!.getReader();
    const text = await readUntil(reader, '[{"id":"t1"}]\n\n');
    expect(text).toBe(': connected\nretry: 2000\n\nevent: tasks\ndata: [{"id":"t1"}]\n\n');
    abort.abort();
  });

  it("tears the producer down once when the client aborts, and sends nothing after", async () => {
    const abort = new AbortController();
    let stops = 0;
    let sendLater: ((event: string, data: unknown) => void) | undefined;
    const res = sseResponse(abort.signal, (send) => {
      sendLater = send;
      return () => stops++;
    });
    const reader = res.body!.getReader();
    await readUntil(reader, "retry: 2000");
    abort.abort();
    expect(stops).toBe(1);
    expect(() => sendLater!("vm", {})).not.toThrow();
    expect((await reader.read()).done).toBe(true);
    await reader.cancel();
    expect(stops).toBe(1);
  });

  it("tears the producer down when the stream is cancelled", async () => {
    let stops = 0;
    const res = sseResponse(new AbortController().signal, () => () => stops++);
    await res.body!.cancel();
    expect(stops).toBe(1);
  });

  it("ends the stream from the server's side with an end event carrying the reason, once", async () => {
    let stops = 0;
    let endLater: ((reason: string) => void) | undefined;
    const res = sseResponse(new AbortController().signal, (_send, end) => {
      endLater = end;
      return () => stops++;
    });
    const reader = res.body!.getReader();
    await readUntil(reader, "retry: 2000");
    endLater!("signed out");
    endLater!("again");
    const rest = await readUntil(reader, "\n\n");
    expect(rest).toBe('event: end\ndata: {"reason":"signed out"}\n\n');
    expect((await reader.read()).done).toBe(true);
    expect(stops).toBe(1);
  });
});
