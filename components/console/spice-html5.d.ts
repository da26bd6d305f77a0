// The part of spice-html5 0.2.1 (src/main.js) the console uses; the package ships no type declarations.
declare module "@spice-project/spice-html5" {
  export interface SpiceMainConnOptions {
    uri: string;
    password?: string;
    screen_id?: string;
    message_id?: string;
    onerror?: (e: Error) => void;
    onsuccess?: (message: string) => void;
    onagent?: (conn: SpiceMainConn) => void;
  }
  export class SpiceMainConn {
    constructor(o: SpiceMainConnOptions);
    state: string;
    stop(): void;
  }
  /** Reads the connection from the global `sc`, as spice-html5's own page defines it. */
  export function sendCtrlAltDel(): void;
}
