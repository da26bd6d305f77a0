import type { HostEvent, VmEvent } from "@/lib/fleet/events";

/**
 * Records what an eventsSubscribe() listener receives, with arrival times, and
 * lets a test wait for the first event after a mark that matches a predicate.
 */
export class EventRecorder {
  readonly vm: { at: number; e: VmEvent }[] = [];
  readonly host: { at: number; e: HostEvent }[] = [];
  #waiters = new Set<() => void>();

  readonly onVm = (e: VmEvent) => {
    this.vm.push({ at: performance.now(), e });
    this.#wake();
  };

  readonly onHost = (e: HostEvent) => {
    this.host.push({ at: performance.now(), e });
    this.#wake();
  };

  #wake() {
    for (const w of [...this.#waiters]) w();
  }

  /** Position to wait from: only events recorded after it count. */
  mark(): { vm: number; host: number } {
    return { vm: this.vm.length, host: this.host.length };
  }

  /** The first vm event from position `from` on that matches; `at` is its arrival (performance.now()). */
  waitVm(
    what: string,
    pred: (e: VmEvent, at: number) => boolean,
    from = 0,
    timeoutMs = 5_000,
  ): Promise<{ at: number; e: VmEvent }> {
    return this.#wait(what, () => this.vm.slice(from).find((r) => pred(r.e, r.at)), timeoutMs);
  }

  waitHost(
    what: string,
    pred: (e: HostEvent, at: number) => boolean,
    from = 0,
    timeoutMs = 5_000,
  ): Promise<{ at: number; e: HostEvent }> {
    return this.#wait(what, () => this.host.slice(from).find((r) => pred(r.e, r.at)), timeoutMs);
  }

  #wait<T>(what: string, find: () => T | undefined, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const hit = find();
        if (hit === undefined) return;
        cleanup();
        resolve(hit);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }
}
