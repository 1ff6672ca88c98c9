import { passwordMaxLength, passwordMinLength } from '@atelier/contract';

export interface PasswordChangeDraft {
  current: string;
  next: string;
  confirm: string;
}

/** What the form can tell before asking the API, per field (the API's own names). */
export function passwordChangeErrors(draft: PasswordChangeDraft): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  if (draft.current === '') errors.current_password = ['Enter your current password.'];
  if (draft.next.length < passwordMinLength)
    errors.new_password = [`Use at least ${passwordMinLength} characters.`];
  else if (draft.next.length > passwordMaxLength)
    errors.new_password = [`Use at most ${passwordMaxLength} characters.`];
  else if (draft.next === draft.current)
    errors.new_password = ['Choose a password other than the current one.'];
  if (draft.confirm !== draft.next) errors.confirm = ['The two new passwords differ.'];
  return errors;
}
