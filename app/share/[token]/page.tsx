import type { Metadata } from "next";
import { shareLinkPublic } from "@/lib/consoles/share-links";
import { getT } from "@/lib/i18n/server";
import { AuthCard } from "@/components/auth/auth-card";
import { ShareConsoleLoader } from "@/components/share/share-console-loader";

export const dynamic = "force-dynamic";

export async function generateMetadata(): Promise<Metadata> {
  // The path carries the link's secret: never send it on as a referrer, never index it.
  return {
    title: (await getT("share"))("pageTitle"),
    referrer: "no-referrer",
    robots: { index: false, follow: false },
  };
}

/**
 * A console share link's page: no account, no app frame; only the console of the link's VM,
 * of the link's kind. Everything is checked again by the ticket route and the websocket.
 */
export default async function SharePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const t = await getT("share");
  const link = await shareLinkPublic(token);
  if (!link || link.state !== "active") {
    const state = link?.state ?? "unknown";
    return (
      <AuthCard title={t("unavailable.title")}>
        <p data-testid="share-unavailable" data-state={state} className="text-sm text-slate-600 dark:text-slate-300">
          {t(`unavailable.${state}`)}
        </p>
      </AuthCard>
    );
  }
  return (
    <ShareConsoleLoader
      token={token}
      vmName={link.vmName}
      kind={link.kind}
      viewOnly={link.viewOnly}
      expiresAt={link.expiresAt}
    />
  );
}
