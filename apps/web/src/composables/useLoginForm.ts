import type { AuthUser } from '@atelier/contract';
import { useCountdown } from '@vueuse/core';
import { computed, ref } from 'vue';
import { ApiError } from '../api/http';
import { describeError } from '../stores/errors';
import { useSessionStore } from '../stores/session';

/** Login form state: validation, the API's answer as a message, and the wait a 429 or 503 asks for. */
export function useLoginForm(onSuccess: (user: AuthUser) => Promise<void> | void) {
  const session = useSessionStore();
  const username = ref('');
  const password = ref('');
  const isSubmitting = ref(false);
  const failure = ref<string | null>(null);
  const fieldErrors = ref<Record<string, string[]>>({});
  const wait = useCountdown(0);
  const waitSeconds = wait.remaining;
  const isRateLimited = computed(() => waitSeconds.value > 0);
  /** Why the form waits: too many attempts (the user's doing) or a server busy with other sign-ins. */
  const waitReason = ref<'rate_limited' | 'busy'>('rate_limited');

  const errorMessage = computed(() => {
    if (!isRateLimited.value) return failure.value;
    return waitReason.value === 'busy'
      ? `Atelier is busy signing people in. Try again in ${waitSeconds.value} s.`
      : `Too many sign-in attempts. Try again in ${waitSeconds.value} s.`;
  });

  function validate(): boolean {
    const errors: Record<string, string[]> = {};
    if (username.value.trim() === '') errors.username = ['Enter your username.'];
    if (password.value === '') errors.password = ['Enter your password.'];
    fieldErrors.value = errors;
    return Object.keys(errors).length === 0;
  }

  function explain(error: unknown): void {
    if (!(error instanceof ApiError)) {
      failure.value = describeError(error);
      return;
    }
    switch (error.code) {
      case 'auth.invalid_credentials':
        failure.value = 'Wrong username or password.';
        break;
      case 'auth.disabled':
        failure.value = 'This account is disabled. Ask an administrator to enable it.';
        break;
      case 'rate_limited':
      case 'auth.busy':
        failure.value = null;
        waitReason.value = error.code === 'auth.busy' ? 'busy' : 'rate_limited';
        // A busy server asks for a few seconds; a rate limit may ask for longer.
        wait.start(error.retryAfter ?? (error.code === 'auth.busy' ? 5 : 30));
        break;
      case 'validation_failed':
        fieldErrors.value = error.fieldErrors;
        failure.value = 'Check the highlighted fields.';
        break;
      default:
        failure.value = error.message;
    }
  }

  async function submit(): Promise<void> {
    if (isSubmitting.value || isRateLimited.value) return;
    failure.value = null;
    if (!validate()) return;
    isSubmitting.value = true;
    try {
      const user = await session.login({ username: username.value.trim(), password: password.value });
      await onSuccess(user);
    } catch (error) {
      password.value = '';
      explain(error);
    } finally {
      isSubmitting.value = false;
    }
  }

  return { username, password, isSubmitting, isRateLimited, waitSeconds, errorMessage, fieldErrors, submit };
}
