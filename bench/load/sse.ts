/**
 * A live-events subscriber as the browser is one: `GET /api/events` with a session cookie, read
 * as a stream; every `vm` event is kept with the time it arrived, so the bench can count how many
 * times each change reached each stream.
 */
export interface VmEventSeen {
  t: number;
  uuid: string;
  state: string | null;
}

export class EventStream {
  readonly vmEvents: VmEventSeen[] = [];
  connected = false;
  ended: string | null = null;
  private readonly abort = new AbortController();
  private done: Promise<void> = Promise.resolve();

  constructor(
    private readonly base: string,
    private readonly cookie: string,
  ) {}

  /** Resolves once the server has sent its `: connected` line. */
  async open(): Promise<void> {
    const r = await fetch(`${this.base}/api/events`, {
      headers: { cookie: this.cookie, accept: "text/event-stream" },
      signal: this.abort.signal,
    });
    if (r.status !== 200 || !r.body)
      throw new Error(`GET /api/events -> ${r.status}: ${(await r.text()).slice(0, 300)}`);
    const reader = r.body.getReader();
    let first!: () => void;
    const connected = new Promise<void>((res) => (first = res));
    this.done = this.read(reader, first).catch((err: Error) => {
      if (err.name !== "AbortError") this.ended = `read failed: ${err.message}`;
    });
    await connected;
  }

  private async read(reader: ReadableStreamDefaultReader<Uint8Array>, first: () => void): Promise<void> {
    const decoder = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        this.ended ??= "stream closed by the server";
        first();
        return;
      }
      buf += decoder.decode(value, { stream: true });
      let i: number;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        this.block(block, first);
      }
    }
  }

  private block(block: string, first: () => void): void {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(": connected")) {
        this.connected = true;
        first();
      } else if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data.push(line.slice(6));
    }
    if (event === "end") this.ended = data.join("\n") || "end";
    if (event !== "vm" || !data.length) return;
    const e = JSON.parse(data.join("\n")) as { uuid: string; vm: { state: string } | null };
    this.vmEvents.push({ t: performance.now(), uuid: e.uuid.toLowerCase(), state: e.vm?.state ?? null });
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}
