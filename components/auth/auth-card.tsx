import type { ReactNode } from "react";
import { Card, CardBody } from "@/components/ui/card";

/** Centered card used by the sign-in and first-run pages, outside the app shell. */
export function AuthCard({ title, intro, children }: { title: string; intro?: string; children: ReactNode }) {
  return (
    <main className="flex min-h-screen items-center justify-center bg-slate-50 px-4 py-10 dark:bg-slate-950">
      <Card className="w-full max-w-sm">
        <CardBody className="p-6">
          <p className="mb-1 text-sm font-semibold tracking-wide text-indigo-600 dark:text-indigo-400">virtdeck</p>
          <h1 className="text-xl font-semibold text-slate-900 dark:text-slate-50">{title}</h1>
          {intro ? <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">{intro}</p> : null}
          <div className="mt-6">{children}</div>
        </CardBody>
      </Card>
    </main>
  );
}
