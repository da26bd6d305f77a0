import type { ReactNode } from "react";
import { Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";

/** A labelled select over a fixed list of values, each shown as itself (formats, buses, models). */
export function ChoiceField<T extends string>({
  label,
  value,
  choices,
  onChange,
  testId,
  className,
  error,
}: {
  label: ReactNode;
  value: T;
  choices: readonly T[];
  onChange: (value: T) => void;
  testId?: string;
  className?: string;
  error?: string;
}) {
  return (
    <Field label={label} className={className} error={error}>
      {(p) => (
        <Select {...p} value={value} onChange={(e) => onChange(e.target.value as T)} testId={testId}>
          {choices.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </Select>
      )}
    </Field>
  );
}

/** A labelled number input; `onChange` gets the text as typed (the caller parses it). */
export function NumberField({
  label,
  value,
  min,
  onChange,
  testId,
  disabled,
  className,
  error,
}: {
  label: ReactNode;
  value: string | number;
  min?: number;
  onChange: (value: string) => void;
  testId?: string;
  disabled?: boolean;
  className?: string;
  error?: string;
}) {
  return (
    <Field label={label} className={className} error={error}>
      {(p) => (
        <Input
          {...p}
          type="number"
          min={min}
          value={value}
          disabled={disabled}
          onChange={(e) => onChange(e.target.value)}
          testId={testId}
        />
      )}
    </Field>
  );
}
