"use client";
import dynamic from "next/dynamic";
import type { ShareConsoleProps } from "@/components/share/share-console-client";

/** noVNC, xterm.js and spice-html5 need a browser: the shared console renders on the client only. */
const ShareConsoleClient = dynamic(() => import("@/components/share/share-console-client"), {
  ssr: false,
  loading: () => <div data-testid="console-loading" className="fixed inset-0 z-40 bg-slate-950" />,
});

export function ShareConsoleLoader(props: ShareConsoleProps) {
  return <ShareConsoleClient {...props} />;
}
