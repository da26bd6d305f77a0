import Link from "next/link";
import { cn, focusRing } from "@/components/ui/cn";

/** Logo mark + product name, linking to the default page. */
export function Brand({ name, className }: { name: string; className?: string }) {
  return (
    <Link href="/vms" data-testid="brand" className={cn("flex items-center gap-2 rounded-md", focusRing, className)}>
      <svg viewBox="0 0 32 32" className="size-7 shrink-0" aria-hidden="true">
        <rect width="32" height="32" rx="8" className="fill-indigo-600" />
        <rect x="8" y="8" width="16" height="4" rx="1.5" className="fill-white/95" />
        <rect x="8" y="14" width="16" height="4" rx="1.5" className="fill-white/75" />
        <rect x="8" y="20" width="16" height="4" rx="1.5" className="fill-white/55" />
        <circle cx="21" cy="10" r="1" className="fill-indigo-600" />
      </svg>
      <span className="text-base font-semibold tracking-tight text-slate-900 dark:text-slate-50">{name}</span>
    </Link>
  );
}
