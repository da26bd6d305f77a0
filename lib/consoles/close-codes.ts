/**
 * Websocket close codes and reasons of the console proxy (lib/consoles/proxy.ts), as the browser
 * and the tests see them.
 */
export const CLOSE = {
  normal: 1000,
  ticket: 4001,
  revoked: 4003,
  notFound: 4004,
  takenOver: 4011,
  hostLost: 4012,
  guestClosed: 4013,
  shutdown: 4014,
  /** The VM still runs but its display/console ended the connection (e.g. QEMU's 32-viewer limit). */
  refused: 4015,
  /** Nothing came from the guest's display/console within FIRST_BYTE_MS of the websocket opening. */
  noAnswer: 4016,
  /** The client sent more than VIRTDECK_CONSOLE_EARLY_INPUT_BYTES before the guest's side was connected. */
  earlyInput: 4017,
} as const;

/** From websocket open to the first byte of the guest's display (SSH channel open included); serial: to the channel open. */
export const FIRST_BYTE_MS = 10_000;

export const NO_ANSWER = "the VM's console did not answer";
export const HOST_LOST = "host connection lost";
export const BROWSER_CLOSED = "closed by the browser";
export const SERIAL_IN_USE = "the serial console is in use by another client: a view-only viewer never takes it over";
export const SERIAL_WATCH_ENDED = "the serial console session this view watched has ended";
