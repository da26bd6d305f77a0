"use client";
import dynamic from "next/dynamic";
import type { ConsoleClientProps } from "@/components/console/console-client";

/**
 * noVNC, xterm.js and spice-html5 need a browser (noVNC reads `window` on
 * import), so the console is rendered on the client only.
 */
const ConsoleClient = dynamic(() => import("@/components/console/console-client"), {
  ssr: false,
  loading: () => <div data-testid="console-loading" className="fixed inset-0 z-40 bg-slate-950" />,
});

export function ConsoleLoader(props: ConsoleClientProps) {
  return <ConsoleClient {...props} />;
}
