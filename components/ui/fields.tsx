import type { ComponentProps, ReactNode } from "react";
import { Field } from "@/components/ui/field";
import { Input, Select, Textarea } from "@/components/ui/input";
import { cn } from "@/components/ui/cn";

/**
 * A labelled select over a fixed list of values (formats, buses, models, types), each shown as
 * itself or as `labelOf` names it.
 */
export function ChoiceField<T extends string>({
  label,
  value,
  choices,
  labelOf,
  onChange,
  testId,
  className,
  hint,
  error,
  required,
}: {
  label: ReactNode;
  value: T;
  choices: readonly T[];
  labelOf?: (value: T) => ReactNode;
  onChange: (value: T) => void;
  testId?: string;
  className?: string;
  hint?: ReactNode;
  error?: string;
  required?: boolean;
}) {
  return (
    <Field label={label} className={className} hint={hint} error={error} required={required}>
      {(p) => (
        <Select {...p} value={value} onChange={(e) => onChange(e.target.value as T)} testId={testId}>
          {choices.map((c) => (
            <option key={c} value={c}>
              {labelOf ? labelOf(c) : c}
            </option>
          ))}
        </Select>
      )}
    </Field>
  );
}

/**
 * A labelled text input; `onChange` gets the text as typed. Other input props (placeholder,
 * inputMode, spellCheck, readOnly, data-autofocus...) pass through to the input.
 */
export function TextField({
  label,
  hint,
  error,
  required,
  className,
  value,
  onChange,
  testId,
  ...input
}: Omit<ComponentProps<typeof Input>, "value" | "onChange" | "className" | "required"> & {
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
  required?: boolean;
  className?: string;
  value: string;
  onChange: (value: string) => void;
  testId?: string;
}) {
  return (
    <Field label={label} hint={hint} error={error} required={required} className={className}>
      {(p) => <Input {...input} {...p} value={value} onChange={(e) => onChange(e.target.value)} testId={testId} />}
    </Field>
  );
}

const GiB = 1024 ** 3;

/** The bytes of a size typed in GiB (fractions allowed), rounded to a whole byte. */
export const gibToBytes = (gib: string) => Math.round(Number(gib) * GiB);

/** A size in GiB as the size field shows it: up to three decimals, rounded up (never below the size). */
export const bytesToGib = (bytes: number) => String(Math.ceil((bytes / GiB) * 1000) / 1000);

/** A labelled, required size input in GiB (fractions allowed); turn its text into bytes with gibToBytes. */
export function SizeGiBField({
  label,
  value,
  onChange,
  error,
  testId,
  autoFocus,
}: {
  label: ReactNode;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  testId?: string;
  /** Focused when its dialog opens (`data-autofocus`). */
  autoFocus?: boolean;
}) {
  return (
    <Field label={label} error={error} required>
      {(p) => (
        <Input
          {...p}
          type="number"
          min="0.001"
          step="any"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          data-testid={testId}
          data-autofocus={autoFocus || undefined}
        />
      )}
    </Field>
  );
}

/**
 * A checkbox with its label beside it, for a row of on/off options under a form; with a `hint`, a stacked option
 * whose explanation sits under its label.
 */
export function CheckField({
  label,
  checked,
  onChange,
  testId,
  disabled,
  hint,
}: {
  label: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
  testId?: string;
  disabled?: boolean;
  hint?: ReactNode;
}) {
  const box = (
    <input
      type="checkbox"
      className={hint ? "mt-0.5 size-4 shrink-0" : undefined}
      checked={checked}
      disabled={disabled}
      onChange={(e) => onChange(e.target.checked)}
      data-testid={testId}
    />
  );
  const muted = disabled && "text-slate-500 dark:text-slate-400";
  if (!hint)
    return (
      <label className={cn("inline-flex items-center gap-2", muted)}>
        {box}
        {label}
      </label>
    );
  return (
    <label className={cn("flex items-start gap-2 text-sm", muted)}>
      {box}
      <span className="min-w-0">
        {label}
        <span className="block text-xs text-slate-600 dark:text-slate-400">{hint}</span>
      </span>
    </label>
  );
}

/**
 * A labelled number input; `onChange` gets the text as typed (the caller parses it). Other input props (max,
 * step, inputMode, placeholder, disabled...) pass through to the input.
 */
export function NumberField({
  label,
  hint,
  error,
  className,
  value,
  onChange,
  testId,
  ...input
}: Omit<ComponentProps<typeof Input>, "value" | "onChange" | "className" | "type"> & {
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
  className?: string;
  value: string | number;
  onChange: (value: string) => void;
  testId?: string;
}) {
  return (
    <Field label={label} className={className} hint={hint} error={error}>
      {(p) => (
        <Input
          {...input}
          {...p}
          type="number"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          testId={testId}
        />
      )}
    </Field>
  );
}

/** A labelled multi-line text input; `onChange` gets the text as typed. Other textarea props pass through. */
export function TextAreaField({
  label,
  hint,
  error,
  className,
  value,
  onChange,
  testId,
  ...textarea
}: Omit<ComponentProps<typeof Textarea>, "value" | "onChange" | "className"> & {
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
  className?: string;
  value: string;
  onChange: (value: string) => void;
  testId?: string;
}) {
  return (
    <Field label={label} hint={hint} error={error} className={className}>
      {(p) => (
        <Textarea {...textarea} {...p} value={value} onChange={(e) => onChange(e.target.value)} testId={testId} />
      )}
    </Field>
  );
}
