import { consoleSocketUrl } from "@/components/console/ticket";
import type { CloseInfo } from "@/components/console/close-reason";

/**
 * SPICE runs one connection per channel (main, display, inputs, cursor...) and
 * spice-html5 opens each sub-channel with `new WebSocket(mainSocket.url)`. Our
 * tickets work once, so every channel needs its own: `SPICE_SCHEME` URLs stand
 * for "a console socket that mints its ticket first", and installSpiceSockets()
 * makes `new WebSocket(url)` return a TicketSocket for those URLs only (every
 * other URL gets a real WebSocket) until the returned function restores it.
 *
 * TicketSocket is the subset of WebSocket spice-html5 uses: addEventListener,
 * binaryType, readyState, url, send, close, bufferedAmount.
 */
export const SPICE_SCHEME = "vd-spice:";

type Data = string | ArrayBufferLike | Blob | ArrayBufferView;

/** A "close" event with the CloseEvent fields (CloseEvent itself is not in every runtime this runs or is tested in). */
function closeEvent(code: number, reason: string, wasClean: boolean): Event {
  return Object.assign(new Event("close"), { code, reason, wasClean });
}

export class TicketSocket extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  binaryType: BinaryType = "arraybuffer";
  protocol = "";
  #state = 0;
  #ws: WebSocket | null = null;
  #closedByUs = false;

  constructor(
    readonly url: string,
    ticketPath: () => Promise<string>,
    RealWebSocket: typeof WebSocket,
    onClose: (info: CloseInfo) => void,
  ) {
    super();
    ticketPath().then(
      (path) => {
        if (this.#closedByUs) return;
        const ws = new RealWebSocket(consoleSocketUrl(path), ["binary"]);
        ws.binaryType = this.binaryType;
        this.#ws = ws;
        ws.addEventListener("open", () => {
          this.#state = 1;
          this.protocol = ws.protocol;
          this.dispatchEvent(new Event("open"));
        });
        ws.addEventListener("message", (e) => this.dispatchEvent(new MessageEvent("message", { data: e.data })));
        ws.addEventListener("error", () => this.dispatchEvent(new Event("error")));
        ws.addEventListener("close", (e) => {
          this.#state = 3;
          onClose({ code: e.code, reason: e.reason });
          this.dispatchEvent(closeEvent(e.code, e.reason, e.wasClean));
        });
      },
      (err: unknown) => {
        this.#state = 3;
        const reason = err instanceof Error ? err.message : String(err);
        onClose({ code: null, reason });
        this.dispatchEvent(new Event("error"));
        this.dispatchEvent(closeEvent(1006, reason, false));
      },
    );
  }

  get readyState(): number {
    return this.#state;
  }

  get bufferedAmount(): number {
    return this.#ws?.bufferedAmount ?? 0;
  }

  send(data: Data): void {
    if (!this.#ws || this.#state !== 1) throw new DOMException("The socket is not open", "InvalidStateError");
    this.#ws.send(data);
  }

  close(code?: number, reason?: string): void {
    this.#closedByUs = true;
    if (this.#ws) {
      if (this.#state < 2) this.#state = 2;
      this.#ws.close(code ?? 1000, reason);
    } else this.#state = 3;
  }
}

/**
 * Routes `new WebSocket(SPICE_SCHEME...)` to TicketSocket; the first socket
 * uses `firstPath` (the ticket already minted), later ones call `mint()`.
 * Returns the function that puts the real WebSocket back.
 */
export function installSpiceSockets(o: {
  firstPath: string;
  mint: () => Promise<string>;
  onClose: (channel: number, info: CloseInfo) => void;
}): () => void {
  const RealWebSocket = window.WebSocket;
  let n = 0;
  const Routed = new Proxy(RealWebSocket, {
    construct(target, args: [string | URL, (string | string[])?]) {
      const url = String(args[0]);
      if (!url.startsWith(SPICE_SCHEME)) return Reflect.construct(target, args);
      const channel = n++;
      const path = channel === 0 ? () => Promise.resolve(o.firstPath) : o.mint;
      return new TicketSocket(url, path, RealWebSocket, (info) => o.onClose(channel, info));
    },
  });
  window.WebSocket = Routed;
  return () => {
    if (window.WebSocket === Routed) window.WebSocket = RealWebSocket;
  };
}
