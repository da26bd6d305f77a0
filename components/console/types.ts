import type { CloseInfo } from "@/components/console/close-reason";
import type { KeyEvent } from "@/components/console/keysyms";

export type ConsoleStatus = "connecting" | "connected" | "disconnected";

/** How the VNC picture fits the window. */
export type ScaleMode = "scale" | "native" | "remote";

/** What a console view reports to the page around it. */
export interface ViewEvents {
  onConnected: () => void;
  /** The session ended: the websocket's close code and reason, or a local failure as `reason`. */
  onDisconnected: (info: CloseInfo & { securityFailure?: string }) => void;
  /** The remote desktop's name (VNC). */
  onDesktopName?: (name: string) => void;
}

/** What the toolbar asks of the live console; a view fills in what its protocol can do. */
export interface ConsoleHandle {
  focus(): void;
  sendCtrlAltDel?(): void;
  sendKeys?(events: readonly KeyEvent[]): void;
  /** A PNG data URL of the current picture. */
  screenshot?(): string | null;
}
