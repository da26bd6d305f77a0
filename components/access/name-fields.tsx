import type { ApiError } from "@/components/api/fetch-json";
import { Field } from "@/components/ui/field";
import { Input, Textarea } from "@/components/ui/input";

/**
 * The name + description of a role or a group: `name` (required, 64) and `description` (500) in the form,
 * test ids `${testId}-name` and `${testId}-description`. The name takes the focus when its dialog opens.
 */
export function NameDescriptionFields({
  labels,
  initial,
  error,
  testId,
}: {
  labels: { name: string; description: string };
  initial?: { name: string; description: string };
  error: ApiError | null;
  testId: string;
}) {
  return (
    <>
      <Field label={labels.name} required error={error?.fieldMessage("name")}>
        {(p) => (
          <Input
            {...p}
            name="name"
            required
            maxLength={64}
            defaultValue={initial?.name ?? ""}
            data-autofocus
            testId={`${testId}-name`}
          />
        )}
      </Field>
      <Field label={labels.description}>
        {(p) => (
          <Textarea
            {...p}
            name="description"
            rows={2}
            maxLength={500}
            defaultValue={initial?.description ?? ""}
            testId={`${testId}-description`}
          />
        )}
      </Field>
    </>
  );
}
