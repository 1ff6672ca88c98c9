/** The props every labelled control takes (AppField and the App* inputs built on it). */
export interface FieldProps {
  label: string;
  hint?: string;
  error?: string | string[];
  id?: string;
  hideLabel?: boolean;
}

/** What AppField's slot binds on its control: the id the label points at, and the ARIA wiring. */
export interface ControlAttrs {
  id: string;
  'aria-describedby': string | undefined;
  'aria-invalid': true | undefined;
}
