import type { SVGProps } from "react";

/** Three dots: "more actions". Decorative. */
export function MoreIcon(props: SVGProps<SVGSVGElement>) {
  return (
    <svg viewBox="0 0 24 24" fill="currentColor" aria-hidden="true" {...props}>
      <circle cx="5" cy="12" r="1.75" />
      <circle cx="12" cy="12" r="1.75" />
      <circle cx="19" cy="12" r="1.75" />
    </svg>
  );
}

/** A sort direction arrow; `dir` null draws a faint up-down pair. */
export function SortIcon({ dir, ...props }: SVGProps<SVGSVGElement> & { dir: "asc" | "desc" | null }) {
  return (
    <svg
      viewBox="0 0 16 16"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.75"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      {...props}
    >
      {dir === "asc" ? (
        <path d="M4 10l4-4 4 4" />
      ) : dir === "desc" ? (
        <path d="M4 6l4 4 4-4" />
      ) : (
        <path d="M5 6.5l3-3 3 3M5 9.5l3 3 3-3" opacity="0.45" />
      )}
    </svg>
  );
}
