import type { ComponentProps } from "react";
import { cn } from "@/components/ui/cn";

/** A form label. Point `htmlFor` at the control's id, or use <Field>, which wires ids for you. */
export function Label({ className, ...rest }: ComponentProps<"label">) {
  return <label className={cn("block text-sm font-medium text-slate-800 dark:text-slate-200", className)} {...rest} />;
}
