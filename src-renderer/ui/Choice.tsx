import { Field } from './Field';

/** A labelled drop-down of fixed choices, typed by its values. */
export function Choice<T extends string>(props: { label: string; value: T; options: Record<T, string>; onChange: (value: T) => void }) {
  return (
    <Field label={props.label}>
      {({ id }) => (
        <select id={id} value={props.value} onChange={(e) => props.onChange(e.target.value as T)}>
          {(Object.entries(props.options) as Array<[T, string]>).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
